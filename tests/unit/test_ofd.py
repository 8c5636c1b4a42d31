"""OFD reading order and e-invoice fields from each place an invoice may carry them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docstore.errors import BadInput
from indexer.formats import kinds
from indexer.formats.ofd import Run, extract_ofd, reading_order
from tests import formats
from tests.helpers import DATA


def test_reading_order_is_lines_top_to_bottom_then_left_to_right() -> None:
    runs = [Run(100, 50.8, 3.5, "右", None), Run(10, 80, 3.5, "下", None),
            Run(10, 50, 3.5, "左", None), Run(10, 20, 3.5, "上", None)]
    assert reading_order(runs) == ["上", "左 右", "下"]


def test_pages_in_order_and_counted(tmp_path: Path) -> None:
    result = extract_ofd(formats.write_official_ofd(tmp_path / "通知.ofd"))
    assert result.page_count == 2
    assert result.text.splitlines()[:2] == [formats.OFD_TEXT, "各部门："]
    assert result.text.index("附件") < result.text.index("二〇二六年三月一日")
    assert result.metadata == {} and result.doc_date is None


def test_invoice_fields_from_the_custom_tags_alone(tmp_path: Path) -> None:
    """No labels anywhere (no template): only the eInvoice tags can say which is which."""
    values = [(40, 20, "26332000000099999999"), (150, 20, "2026-04-01"), (40, 40, "甲方公司"),
              (140, 40, "乙方公司"), (120, 90, "2,260.50")]
    path = formats.write_ofd(tmp_path / "tagged.ofd", [values], tags={
        "InvoiceNo": 101, "IssueDate": 102, "BuyerName": 103, "SellerName": 104,
        "TotalTax-includedAmount": 105})
    result = extract_ofd(path)
    assert result.metadata == {"invoice_no": "26332000000099999999", "invoice_date": "2026-04-01",
                               "buyer": "甲方公司", "seller": "乙方公司", "amount": "2260.50"}
    assert str(result.doc_date) == "2026-04-01"


def test_invoice_fields_from_doc_info_and_attachment(tmp_path: Path) -> None:
    attachment = ('<?xml version="1.0" encoding="UTF-8"?><EInvoice><Header><EIid>'
                  "26442000000000000042</EIid></Header><SellerInformation><SellerName>深圳销方"
                  "有限公司</SellerName></SellerInformation><BuyerInformation><BuyerName>广州购方"
                  "有限公司</BuyerName></BuyerInformation></EInvoice>")
    path = formats.write_ofd(tmp_path / "全电.ofd", [[(10, 10, "电子发票（增值税专用发票）")]],
                             custom_datas={"开票日期": "2026年05月06日", "合计金额": "1000.00",
                                           "合计税额": "60.00"},
                             attachment_xml=attachment)
    result = extract_ofd(path)
    assert result.metadata == {"invoice_no": "26442000000000000042", "invoice_date": "2026-05-06",
                               "amount": "1060.00", "seller": "深圳销方有限公司",
                               "buyer": "广州购方有限公司"}


def test_invoice_fields_from_the_printed_layout(tmp_path: Path) -> None:
    result = extract_ofd(formats.write_invoice_ofd(tmp_path / "inv.ofd", tagged=False))
    assert result.metadata == formats.INVOICE


def test_an_ofd_written_by_easyofd_is_read(tmp_path: Path) -> None:
    """tests/data/easyofd-invoice.ofd was made by easyofd 20260427 (``OFD().pdf2ofd(pdf,
    optional_text=True)``) from a reportlab PDF of an invoice's three lines; it uses its own
    XML namespace, which is why elements are matched by local name."""
    path = DATA / "easyofd-invoice.ofd"
    assert kinds.zip_kind(path) == kinds.OFD
    result = extract_ofd(path)
    assert "发票号码" in result.text and result.page_count == 1
    assert result.metadata == {"invoice_no": "26332000000123456789", "invoice_date": "2026-03-15",
                               "amount": "1130.00", "buyer": "杭州华建科技有限公司",
                               "seller": "浙江易控软件有限公司"}


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    zout.writestr(info.filename, change[info.filename])
            else:
                zout.writestr(info, zin.read(info.filename))
    return target


@pytest.mark.parametrize(("change", "reason", "says"), [
    ({"OFD.xml": b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody/></ofd:OFD>"},
     "corrupt", "DocRoot"),
    ({"Doc_0/Document.xml": None}, "corrupt", "missing"),
    ({"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page><unclosed>"}, "corrupt", "not valid XML"),
    ({"Doc_0/Pages/Page_1/Content.xml": (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Page><TextObject ID="1" Boundary="0 0 9 9"><TextCode X="0" Y="1">&x;&b;</TextCode>'
        b"</TextObject></Page>")}, None, None),
])
def test_broken_or_hostile_ofd(tmp_path: Path, change, reason, says) -> None:
    source = formats.write_official_ofd(tmp_path / "src.ofd")
    path = _rewrite(source, tmp_path / "bad.ofd", change)
    if reason is None:  # entities are not expanded, files not read
        text = extract_ofd(path).text
        assert "root:" not in text and "aaaa" not in text
        return
    with pytest.raises(BadInput) as caught:
        extract_ofd(path)
    assert caught.value.reason == reason and says in caught.value.detail
    assert str(path) in caught.value.message
