"""Makers of the files an office archive receives (Word, Excel, PowerPoint, OFD, e-mail, zip),
built in the tests from the libraries or the formats' own structure. Each returns the path;
the phrases each part carries are module constants so tests search for exactly them."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

BODY = "竣工验收报告正文"
TABLE_CELL = "钢筋混凝土框架结构"
HEADER = "杭州华建科技有限公司页眉"
FOOTER = "内部资料注意保密"
COMMENT = "请法务部复核违约条款"
SHEET = "付款计划表"
CELL = "第二期工程进度款"
FORMULA_VALUE = "987654321"
SLIDE = "项目周例会汇报"
NOTE = "演讲者备注记得提醒监理单位"


def write_docx(path: Path, body: str = BODY, *, table: str = TABLE_CELL, header: str = HEADER,
               footer: str = FOOTER, comment: str | None = COMMENT) -> Path:
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    paragraph = document.add_paragraph(body)
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).text = "结构形式"
    grid.cell(0, 1).text = table
    grid.cell(1, 0).text = "合同金额"
    grid.cell(1, 1).text = "1200000"
    if comment:
        document.add_comment(paragraph.runs[0], text=comment, author="王芳", initials="WF")
    document.save(str(path))
    return path


def write_xlsx(path: Path, cell: str = CELL, *, sheet: str = SHEET,
               formula_value: str = FORMULA_VALUE, rows: int = 3) -> Path:
    """A workbook whose formula carries the value Excel would have cached when saving
    (openpyxl writes formulas without one, so the value is put into the sheet XML)."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["期次", "内容", "金额"])
    ws.append([1, "预付款", 300000])
    ws.append([2, cell, 500000.0])
    for i in range(3, rows):
        ws.append([i, f"第{i}期款项", i * 1000])
    ws["E1"] = "=C2+C3"
    book.create_sheet("空白页")
    tmp = path.with_suffix(".tmp.xlsx")
    book.save(str(tmp))
    _cache_formula_value(tmp, path, formula_value)
    tmp.unlink()
    return path


def _cache_formula_value(source: Path, target: Path, value: str) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text, n = re.subn(r"<f>C2\+C3</f><v\s*/?>(</v>)?", f"<f>C2+C3</f><v>{value}</v>", text)
                assert n == 1, text[:500]
                data = text.encode("utf-8")
            zout.writestr(info, data)


def write_pptx(path: Path, slide_text: str = SLIDE, note: str = NOTE) -> Path:
    import pptx

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = slide_text
    slide.placeholders[1].text = "本周完成主体结构封顶"
    slide.notes_slide.notes_text_frame.text = note
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "下周计划"
    presentation.save(str(path))
    return path


def with_macros(source: Path, target: Path) -> Path:
    """An OOXML file carrying a VBA project, as Word saves a .docm (the content type too)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"wordprocessingml.document.main+xml",
                                    b"ms-word.document.macroEnabled.main+xml")
            zout.writestr(info, data)
        zout.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"AutoOpen\"")
    return target


def encrypted_office(source: Path, target: Path, password: str = "密码-2026") -> Path:
    """A password-protected copy, encrypted the way Office does it (agile encryption in an
    OLE container with ``EncryptedPackage``), by msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(source, "rb") as plain, open(target, "wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return target


def copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target
