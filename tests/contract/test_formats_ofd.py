"""OFD documents and e-invoices on every backend: text found, invoice fields kept on the
document and searchable, the invoice date usable by the date filter; bad OFDs named."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from docstore.documents import search
from docstore.models import SearchQuery
from tests import formats
from tests.helpers import ingest


def _ids(archive, text: str, **filters) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=text, limit=50, **filters)).hits}


def test_ofd_text_and_invoice_fields_are_searchable(archive, tmp_path: Path) -> None:
    folder = tmp_path / "发票"
    folder.mkdir()
    formats.write_official_ofd(folder / "通知.ofd")
    formats.write_invoice_ofd(folder / "发票.ofd")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert {r.status for r in results.values()} == {"added"}, results
    notice, invoice = results["通知.ofd"].document_id, results["发票.ofd"].document_id
    assert results["通知.ofd"].pages == 2
    assert _ids(archive, f'"{formats.OFD_TEXT}"') == {notice}
    assert _ids(archive, "软件维护费") == {invoice}
    doc = archive.store.get_document(invoice)
    assert doc.media_type == "application/ofd"
    assert doc.metadata == formats.INVOICE
    assert doc.doc_date == date(2026, 3, 15)
    assert _ids(archive, formats.INVOICE["invoice_no"]) == {invoice}
    assert _ids(archive, "浙江易控软件") == {invoice}
    assert _ids(archive, "发票", date_from=date(2026, 3, 15), date_to=date(2026, 3, 15)) == {invoice}
    assert _ids(archive, "发票", date_from=date(2026, 3, 16)) == set()


def test_an_explicit_date_wins_over_the_invoice_date(archive, tmp_path: Path) -> None:
    path = formats.write_invoice_ofd(tmp_path / "发票.ofd")
    [result] = ingest(archive, [path], doc_date=date(2026, 1, 2))
    assert archive.store.get_document(result.document_id).doc_date == date(2026, 1, 2)


def test_bad_ofds_are_named_and_the_batch_goes_on(archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    source = formats.write_official_ofd(tmp_path / "src.ofd")
    (folder / "截断.ofd").write_bytes(source.read_bytes()[:300])
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(folder / "炸弹.ofd", "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info.filename))
        z.writestr("Doc_0/Res/padding.bin", b"\0" * (64 << 20))
    with zipfile.ZipFile(folder / "无正文.ofd", "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody>"
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    formats.write_invoice_ofd(folder / "zz-发票.ofd")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert (results["截断.ofd"].status, results["截断.ofd"].reason) == ("failed", "corrupt")
    assert (results["炸弹.ofd"].status, results["炸弹.ofd"].reason) == ("failed", "zip_bomb")
    assert (results["无正文.ofd"].status, results["无正文.ofd"].reason) == ("failed", "corrupt")
    assert "Document.xml" in results["无正文.ofd"].error
    assert results["zz-发票.ofd"].status == "added"
    assert archive.store.count_documents() == 1


def test_invoice_fields_filter_the_search(archive, tmp_path: Path) -> None:
    """发票号码/开票日期/金额/销售方/购买方 as filters, inside the engine's query: hits and
    facet counts come only from the invoices they name."""
    folder = tmp_path / "发票"
    folder.mkdir()
    other = {**formats.INVOICE, "invoice_no": "26332000000087654321", "seller": "宁波海通建材有限公司",
             "amount": "560.00"}
    formats.write_invoice_ofd(folder / "a.ofd")
    formats.write_invoice_ofd(folder / "b.ofd", other)
    formats.write_official_ofd(folder / "通知.ofd")
    ids = {r.filename: r.document_id for r in ingest(archive, [folder])}
    first, second = ids["a.ofd"], ids["b.ofd"]
    assert _ids(archive, "发票") == {first, second}
    assert _ids(archive, "发票", fields={"seller": "易控软件"}) == {first}
    assert _ids(archive, "软件维护费", fields={"invoice_no": "87654321"}) == {second}
    assert _ids(archive, "发票", fields={"seller": "海通", "amount": "1130"}) == set()
    assert _ids(archive, "发票", fields={"buyer": "杭州华建"}, date_from=date(2026, 3, 15)) == {first, second}
    assert _ids(archive, f'"{formats.OFD_TEXT}"', fields={"seller": "易控"}) == set()
    counts = search(archive, SearchQuery(text="发票", fields={"seller": "海通"}), with_facets=True).facets
    assert counts is not None and sum(counts["year"].values()) == 1
    *_, entry = [e for e in archive.store.iter_journal(operation="search") if e.details.get("fields")]
    assert entry.details["fields"] == {"seller": "海通"} and "document_ids" not in entry.details
