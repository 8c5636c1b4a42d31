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


# --- OFD (GB/T 33190) -------------------------------------------------------------------------

OFD_NS = "http://www.ofdspec.org/2016"
OFD_TEXT = "关于印发档案管理办法的通知"
INVOICE = {"invoice_no": "26332000000012345678", "invoice_date": "2026-03-15",
           "amount": "1130.00", "seller": "浙江易控软件有限公司", "buyer": "杭州华建科技有限公司"}

Placed = tuple[float, float, str]
"""(x, y, text) in millimetres from the page's top-left corner."""


def _text_objects(items: list[tuple[int, Placed]]) -> str:
    return "".join(
        f'<ofd:TextObject ID="{oid}" Boundary="{x} {y - 4} 120 6" Font="9" Size="3.5">'
        f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="4" DeltaX="g {len(t) - 1} 3.5">'
        f"{_xml_escape(t)}</ofd:TextCode></ofd:TextObject>" for oid, (x, y, t) in items)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_ofd(path: Path, pages: list[list[Placed]], *, template: list[Placed] | None = None,
              tags: dict[str, int] | None = None, custom_datas: dict[str, str] | None = None,
              attachment_xml: str | None = None) -> Path:
    """An OFD package as the standard lays it out: OFD.xml → Doc_0/Document.xml → pages'
    Content.xml (TextObject/TextCode), a template page every page uses, optionally the
    e-invoice custom tags (``tags``: field element → ID of the page object holding it, as
    ``fp:eInvoice`` does), DocInfo CustomDatas and an XML attachment."""
    ns = f'xmlns:ofd="{OFD_NS}"'
    datas = "".join(f'<ofd:CustomData Name="{k}">{v}</ofd:CustomData>'
                    for k, v in (custom_datas or {}).items())
    parts = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD">'
                   f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>a1b2</ofd:DocID>"
                   f"{'<ofd:CustomDatas>' + datas + '</ofd:CustomDatas>' if datas else ''}"
                   f"</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
    }
    oid = 100
    page_refs = []
    for n, placed in enumerate(pages):
        items = []
        for item in placed:
            oid += 1
            items.append((oid, item))
        page_refs.append(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        uses = '<ofd:Template TemplateID="2" ZOrder="Background"/>' if template else ""
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}>{uses}<ofd:Content>'
            f'<ofd:Layer ID="{50 + n}">{_text_objects(items)}</ofd:Layer></ofd:Content></ofd:Page>')
    tpl = ""
    if template:
        tpl = '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
        parts["Doc_0/Tpls/Tpl_0/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="3">'
            f"{_text_objects([(10 + i, t) for i, t in enumerate(template)])}"
            f"</ofd:Layer></ofd:Content></ofd:Page>")
    extra = ""
    if tags:
        extra += "<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>"
        parts["Doc_0/Tags/CustomTags.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags {ns}><ofd:CustomTag '
            f'NameSpace="http://www.edrm.org.cn/schema/e-invoice/2019" TypeID="0">'
            f"<ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>")
        fields = "".join(f'<fp:{name}><ofd:ObjectRef PageRef="1">{ref}</ofd:ObjectRef></fp:{name}>'
                         for name, ref in tags.items())
        parts["Doc_0/Tags/CustomTag.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><fp:eInvoice {ns} '
            f'xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">{fields}</fp:eInvoice>')
    if attachment_xml:
        extra += "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"
        parts["Doc_0/Attachs/Attachments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments {ns}><ofd:Attachment '
            f'ID="9" Name="invoice" Format="xml"><ofd:FileLoc>invoice.xml</ofd:FileLoc>'
            f"</ofd:Attachment></ofd:Attachments>")
        parts["Doc_0/Attachs/invoice.xml"] = attachment_xml
    parts["Doc_0/Document.xml"] = _ofd_document(ns, oid + 1, tpl, page_refs, extra)
    return _write_package(path, parts)


def _ofd_document(ns: str, max_id: int, common: str, page_refs: list[str], extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
            f"<ofd:MaxUnitID>{max_id}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
            f"</ofd:PhysicalBox></ofd:PageArea>{common}</ofd:CommonData><ofd:Pages>"
            f"{''.join(page_refs)}</ofd:Pages>{extra}</ofd:Document>")


def _write_package(path: Path, parts: dict[str, str] | dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def write_scanned_ofd(path: Path, pages: list[bytes | list[Placed]]) -> Path:
    """An OFD whose pages are scans (``bytes``: an image drawn over the whole A4 page through
    an ``ImageObject`` whose ``MultiMedia`` lives in ``DocumentRes.xml`` under ``BaseLoc="Res"``)
    or text (placed runs), as scanners and 版式 converters write them."""
    ns = f'xmlns:ofd="{OFD_NS}"'
    parts: dict[str, bytes | str] = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD">'
                   f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>s1</ofd:DocID></ofd:DocInfo>"
                   f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"}
    media, refs = [], []
    for n, page in enumerate(pages):
        refs.append(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        if isinstance(page, bytes):
            parts[f"Doc_0/Res/scan_{n}.jpg"] = page
            media.append(f'<ofd:MultiMedia ID="{200 + n}" Type="Image" Format="JPEG">'
                         f"<ofd:MediaFile>scan_{n}.jpg</ofd:MediaFile></ofd:MultiMedia>")
            body = (f'<ofd:ImageObject ID="{300 + n}" Boundary="0 0 210 297" '
                    f'CTM="210 0 0 297 0 0" ResourceID="{200 + n}"/>')
        else:
            body = _text_objects([(400 + 10 * n + i, t) for i, t in enumerate(page)])
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
            f'<ofd:Layer ID="{50 + n}">{body}</ofd:Layer></ofd:Content></ofd:Page>')
    parts["Doc_0/DocumentRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:MultiMedias>'
        f"{''.join(media)}</ofd:MultiMedias></ofd:Res>")
    parts["Doc_0/Document.xml"] = _ofd_document(
        ns, 500, "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>", refs)
    return _write_package(path, parts)


def write_official_ofd(path: Path) -> Path:
    """A two-page 公文 whose text objects are stored out of reading order."""
    return write_ofd(path, [
        [(30, 60, "各部门："), (60, 30, OFD_TEXT), (30, 70, "现将《档案管理办法》印发给你们，请遵照执行。")],
        [(150, 250, "二〇二六年三月一日"), (30, 40, "附件：档案管理办法")],
    ])


def write_invoice_ofd(path: Path, invoice: dict[str, str] = INVOICE, *, tagged: bool = True) -> Path:
    """An e-invoice: labels on the template page, values on the page, and (``tagged``) the
    ``eInvoice`` custom tags pointing at the value objects (IDs 101… in page order)."""
    values = [(40, 20, invoice["invoice_no"]), (150, 20, "2026年03月15日"),
              (40, 40, invoice["buyer"]), (140, 40, invoice["seller"]),
              (120, 90, "¥" + invoice["amount"]), (40, 90, "壹仟壹佰叁拾元整"),
              (30, 60, "*信息技术服务*软件维护费")]
    labels = [(10, 20, "发票号码："), (120, 20, "开票日期："), (10, 40, "购买方 名称："),
              (110, 40, "销售方 名称："), (10, 90, "价税合计（大写）"), (100, 90, "（小写）"),
              (80, 10, "电子发票（普通发票）")]
    tags = {"InvoiceNo": 101, "IssueDate": 102, "BuyerName": 103, "SellerName": 104,
            "TotalTax-includedAmount": 105} if tagged else None
    return write_ofd(path, [values], template=labels, tags=tags)


# --- e-mail and zip ---------------------------------------------------------------------------

MAIL_BODY = "请查收本月竣工资料的电子版"
MAIL_SUBJECT = "竣工资料移交（第三批）"
ATTACHMENT_TEXT = "附件里的工程洽商记录"
ZIP_MEMBER_TEXT = "压缩包里的监理日志"
NESTED_TEXT = "嵌套压缩包里的隐蔽工程验收记录"


def write_eml(path: Path, *, body: str = MAIL_BODY, subject: str = MAIL_SUBJECT,
              attachments: dict[str, bytes] | None = None, charset: str = "gbk") -> Path:
    """A message as Chinese mail programs send it: GBK-encoded subject and body, attachments
    with RFC 2231-encoded Chinese names."""
    from email.message import EmailMessage
    from email.utils import format_datetime
    from datetime import datetime, timezone

    message = EmailMessage()
    message["From"] = "王芳 <wangfang@huajian.example>"
    message["To"] = "档案室 <archive@huajian.example>"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 3, 20, 9, 30, tzinfo=timezone.utc))
    message.set_content(body, charset=charset)
    for name, data in (attachments or {}).items():
        if name.endswith(".eml"):
            from email import message_from_bytes, policy

            message.add_attachment(message_from_bytes(data, policy=policy.default), filename=name)
        else:
            message.add_attachment(data, maintype="application", subtype="octet-stream",
                                   filename=name)
    path.write_bytes(bytes(message))
    return path


class _GbkName(zipfile.ZipInfo):
    """A member name stored as GBK bytes without the UTF-8 flag, as Windows' own zip and
    WinRAR on a Chinese system write it."""

    def _encodeFilenameFlags(self):  # type: ignore[no-untyped-def]
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_zip(path: Path, members: dict[str, bytes], *, gbk_names: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = _GbkName(name) if gbk_names else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


# --- legacy binary Office / WPS ---------------------------------------------------------------


def write_legacy(source: Path, target: Path) -> Path:
    """``source`` (.docx/.xlsx/.pptx) saved by LibreOffice in the binary format of the same
    family (.doc/.xls/.ppt), under ``target``'s name: WPS Office writes those same OLE formats
    as .wps/.et/.dps, so a renamed one stands for a WPS file."""
    import subprocess
    import tempfile

    binary = {".docx": "doc", ".xlsx": "xls", ".pptx": "ppt"}[source.suffix]
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", binary, "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=180, env={"HOME": work, "PATH": "/usr/bin:/bin"})
        shutil.move(Path(work) / f"{source.stem}.{binary}", target)
    return target


# --- Outlook .msg ([MS-OXMSG]: properties in a compound file) --------------------------------

def _msg_props(header: bytes, props: list[tuple[int, int, bytes]]) -> tuple[bytes, dict[str, bytes]]:
    """The ``__properties_version1.0`` stream and the ``__substg1.0_*`` streams of an object:
    strings (0x001F, UTF-16LE) and binaries (0x0102) in their own streams, times (0x0040)
    inline."""
    import struct

    stream, streams = bytearray(header), {}
    for pid, ptype, value in props:
        tag = (pid << 16) | ptype
        if ptype == 0x0040:
            stream += struct.pack("<II", tag, 6) + value
        else:
            streams[f"__substg1.0_{tag:08X}"] = value
            size = len(value) + (2 if ptype == 0x001F else 0)
            stream += struct.pack("<IIII", tag, 6, size, 0)
    return bytes(stream), streams


def write_msg(path: Path, *, subject: str = MAIL_SUBJECT, body: str = MAIL_BODY,
              sender: str = "王芳 <wangfang@huajian.cn>", to: str = "档案室 <archive@huajian.cn>",
              attachments: dict[str, bytes] | None = None, sent: str = "2026-03-16 09:30") -> Path:
    """An Outlook .msg as Outlook saves one: subject, plain body, transport headers (From, To,
    Date), submit time, and each attachment's long file name and bytes."""
    import struct
    from datetime import datetime, timezone

    from tests.cfb import write_cfb

    def text(value: str) -> bytes:
        return value.encode("utf-16-le")

    when = datetime.fromisoformat(sent).replace(tzinfo=timezone.utc)
    filetime = int((when - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds() * 10**7)
    headers = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
               f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n")
    attachments = attachments or {}
    top = struct.pack("<8xIIII8x", 0, len(attachments), 0, len(attachments))
    stream, tree = _msg_props(top, [
        (0x001A, 0x001F, text("IPM.Note")), (0x0037, 0x001F, text(subject)),
        (0x1000, 0x001F, text(body)), (0x007D, 0x001F, text(headers)),
        (0x0039, 0x0040, struct.pack("<Q", filetime))])
    storage: dict = {"__properties_version1.0": stream, **tree}
    for n, (name, data) in enumerate(attachments.items()):
        props, streams = _msg_props(b"\0" * 8, [(0x3707, 0x001F, text(name)),
                                                 (0x3701, 0x0102, data)])
        storage[f"__attach_version1.0_#{n:08X}"] = {"__properties_version1.0": props, **streams}
    return write_cfb(path, storage)
