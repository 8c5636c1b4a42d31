"""Sample customer documents in Chinese, generated here (no downloads), for the demo and tests.

Text PDFs use reportlab's built-in Adobe CID font ``STSong-Light``: it needs no font file, and
pypdf extracts the text back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLE_CUSTOMERS = [
    {"name": "杭州华建科技有限公司", "type": "company", "industry": "建筑工程",
     "phone": "0571-88886666", "address": "浙江省杭州市西湖区文三路 100 号"},
    {"name": "张伟", "type": "person", "industry": "个人", "phone": "13800138000"},
    {"name": "宁波港湾物流股份有限公司", "type": "company", "industry": "物流"},
]


@dataclass(frozen=True)
class SampleDoc:
    filename: str
    customer: int  # index into SAMPLE_CUSTOMERS
    archive_no: str | None
    category: str
    date: str
    lines: list[str]
    kind: str | None = None  # what the dossier checklist looks for


SAMPLE_DOCS = [
    SampleDoc("建设工程施工合同.pdf", 0, "NQ-2026-HT-0042", "合同", "2026-03-02", [
        "建设工程施工合同",
        "合同编号：HT-2026-0042",
        "发包人：杭州华建科技有限公司　承包人：浙江宏远建设集团",
        "工程名称：华建科技研发中心办公楼装修工程",
        "合同价款：人民币 3,280,000 元（大写：叁佰贰拾捌万元整）",
        "工期：2026年3月15日开工，2026年9月30日竣工。",
        "质量标准：符合 GB 50210-2018 建筑装饰装修工程质量验收标准。",
    ], kind="施工合同"),
    SampleDoc("竣工验收报告.pdf", 0, "NQ-2026-HT-0042", "竣工", "2026-10-08", [
        "竣工验收报告",
        "工程名称：华建科技研发中心办公楼装修工程",
        "验收结论：工程质量合格，同意通过竣工验收。",
        "参加单位：建设单位、施工单位、监理单位、设计单位。",
        "附件：竣工图纸一套，隐蔽工程验收记录十二份。",
    ], kind="竣工验收报告"),
    SampleDoc("采购记录.txt", 1, None, "交易", "2026-05-20", [
        "客户张伟的采购记录",
        "2026年5月20日 购买办公家具三批，合计 45,600 元，发票号 FP-88120。",
        "付款方式：银行转账。联系人电话已登记。",
        "合作意向：计划明年续购会议室设备。",
    ]),
    SampleDoc("物流服务合同.pdf", 2, "NQ-2025-HT-0107", "合同", "2025-11-11", [
        "物流服务合同（檔案副本）",
        "合同编号：WL-2025-0107",
        "甲方：宁波港湾物流股份有限公司",
        "服务内容：集装箱运输、仓储管理及报关代理，ISO9001 质量体系。",
        "结算周期：按月结算，逾期付款按日万分之五计违约金。",
    ]),
]


def _write_pdf(path: Path, lines: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        c.drawString(50, y, line)
        y -= 24
    c.save()


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A text PDF with these lines (Chinese welcome). Public: tests and benchmarks use it."""
    _write_pdf(path, lines)
    return path


CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SCAN_LINES = ["身份证明复印件", "客户：张伟", "用途：仅限合同签订使用", "经办人：王芳"]


def write_scan(path: Path, lines: list[str] | None = None) -> Path:
    """An image-only PDF (a scanned page without a text layer). With ``lines`` and a CJK font
    on the machine, the page shows that text (for OCR); otherwise it shows bars."""
    font = next((f for f in CJK_FONTS if Path(f).exists()), None)
    if lines and font:
        return _render_scan(path, lines, font)
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for i in range(12):
        c.rect(60, 760 - i * 30, 300 + (i * 37) % 150, 12, fill=1)
    c.save()
    return path


def _render_scan(path: Path, lines: list[str], font_path: str) -> Path:
    import io

    import img2pdf
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, 40)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((120, 180 + i * 80), line, font=font, fill=0)
    buf = io.BytesIO()
    page.rotate(0.5, fillcolor=255).save(buf, "JPEG", quality=80, dpi=(150, 150))
    path.write_bytes(img2pdf.convert(buf.getvalue()))
    return path


def write_consent_form(path: Path, customer_name: str) -> Path:
    return write_pdf(path, ["个人信息授权同意书", f"本人/本单位 {customer_name} 同意建立客户档案。",
                            "签字：__________  日期：2026年11月20日"])


def write_samples(folder: Path) -> list[tuple[SampleDoc, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in SAMPLE_DOCS:
        path = folder / doc.filename
        if path.suffix == ".pdf":
            _write_pdf(path, doc.lines)
        else:
            path.write_text("\n".join(doc.lines) + "\n", encoding="utf-8")
        written.append((doc, path))
    return written
