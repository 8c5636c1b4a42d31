"""OFD (GB/T 33190-2016): the text of every page in reading order, and e-invoice fields.

An OFD file is a zip: ``OFD.xml`` names each document's root (``DocRoot``, e.g.
``Doc_0/Document.xml``), which lists its pages (``Pages/Page_N/Content.xml``) and template
pages. Text lives in ``TextObject`` elements (``Boundary="x y w h"``, millimetres) holding
``TextCode`` runs placed at ``X``/``Y`` inside the boundary. A template page carries what every
page repeats — on an e-invoice, the labels (发票号码, 购买方 …) — so it is read with the page.

Reading order: every run is placed on the page, runs whose baselines lie within half a
character height form a line, lines go top to bottom and runs in a line left to right.

E-invoice fields (发票号码, 开票日期, 金额, 销售方, 购买方), first found wins: the document's
``CustomDatas`` (DocInfo), the invoice's custom tags (``CustomTags`` → ``eInvoice`` elements
pointing at page objects), an XML attachment with the invoice data, and last the text layout.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docstore.errors import BadInput, Reason
from docstore.models import INVOICE_FIELDS, TextSource
from docstore.ports import Extraction

from ..normalize import clean_text
from . import kinds
from .packages import field_text, open_zip, read_xml

FIELDS = INVOICE_FIELDS
"""Metadata keys of an e-invoice and the labels people know them by."""

# Names under which the fields appear in CustomDatas, custom tags and attachments.
_NAMES = {
    "invoice_no": {"发票号码", "InvoiceNo", "InvoiceNumber", "EIid"},
    "invoice_date": {"开票日期", "IssueDate", "IssuTime", "IssueTime"},
    "amount": {"价税合计", "TotalTax-includedAmount", "TotalTaxIncludedAmount"},
    "seller": {"销售方名称", "SellerName"},
    "buyer": {"购买方名称", "BuyerName"},
}


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> Iterator[Any]:
    for child in element.iter():
        if _local(child) == name:
            yield child


def _first_text(element: Any, name: str) -> str | None:
    for child in _children(element, name):
        if child.text and child.text.strip():
            return child.text.strip()
    return None


def _resolve(base: str, location: str) -> str:
    """A part's name inside the zip: absolute (``/Doc_0/…``) or relative to ``base``'s folder."""
    location = location.strip().replace("\\", "/")
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(posixpath.dirname(base), location)
    return posixpath.normpath(joined).lstrip("/")


def _numbers(value: str | None, count: int) -> list[float]:
    try:
        parts = [float(v) for v in (value or "").split()]
    except ValueError:
        return [0.0] * count
    return (parts + [0.0] * count)[:count]


@dataclass(frozen=True)
class Run:
    """One ``TextCode`` placed on its page (millimetres from the top-left corner)."""

    x: float
    y: float
    size: float
    text: str
    object_id: str | None


def _runs(content: Any) -> Iterator[Run]:
    for obj in _children(content, "TextObject"):
        left, top, _, _ = _numbers(obj.get("Boundary"), 4)
        size = _numbers(obj.get("Size"), 1)[0] or 3.5
        x = y = 0.0
        for code in _children(obj, "TextCode"):  # a run without X/Y goes on from the last
            x = _number(code.get("X"), x)
            y = _number(code.get("Y"), y)
            if code.text and code.text.strip():
                yield Run(left + x, top + y, size, code.text.strip(), obj.get("ID"))


def _number(value: str | None, default: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def reading_order(runs: list[Run]) -> list[str]:
    """Lines top to bottom, runs left to right; a run joins a line when its baseline lies
    within half a character height of the line's first baseline."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) <= max(lines[-1][0].size, run.size) / 2:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [" ".join(r.text for r in sorted(line, key=lambda r: r.x)) for line in lines]


@dataclass
class _Package:
    path: Path
    archive: zipfile.ZipFile

    def xml(self, name: str) -> Any:
        return read_xml(self.path, self.archive, name)

    def has(self, name: str) -> bool:
        try:
            self.archive.getinfo(name)
        except KeyError:
            return False
        return True


@dataclass
class _Document:
    lines: list[str]
    pages: int
    objects: dict[str, str]
    """Text of every page object by ``ID`` (custom tags point at them)."""
    fields: dict[str, str]
    scans: dict[int, Scan]
    """Pages (0-based) without text whose content is an image: a scanned page, for OCR."""


@dataclass(frozen=True)
class Scan:
    """The largest image on a page without text: a zip member, placed ``width_mm`` wide."""

    member: str
    width_mm: float


def _media(package: _Package, base: str, holder: Any) -> dict[str, str]:
    """Image resources by ``ID`` named by ``holder`` (a document's ``PublicRes`` and
    ``DocumentRes``, a page's ``PageRes``): each file's ``MultiMedia``/``MediaFile``, under the
    file's ``BaseLoc`` folder."""
    found: dict[str, str] = {}
    for kind in ("PublicRes", "DocumentRes", "PageRes"):
        for loc in _children(holder, kind):
            name = _resolve(base, loc.text) if loc.text and loc.text.strip() else ""
            if not name or not package.has(name):
                continue
            res = package.xml(name)
            folder = res.get("BaseLoc", "")
            for media in _children(res, "MultiMedia"):
                file = _first_text(media, "MediaFile")
                if media.get("ID") and file and media.get("Type", "Image").lower() == "image":
                    where = posixpath.join(folder, file) if folder and not file.startswith("/") else file
                    found[media.get("ID")] = _resolve(name, where)
    return found


def _scan(package: _Package, media: dict[str, str], page: Any) -> Scan | None:
    best: tuple[float, Scan] | None = None
    for obj in _children(page, "ImageObject"):
        member = media.get(obj.get("ResourceID", ""))
        _, _, width, height = _numbers(obj.get("Boundary"), 4)
        if member and package.has(member) and (best is None or width * height > best[0]):
            best = (width * height, Scan(member, width))
    return best[1] if best else None


def _document(package: _Package, root: str) -> _Document:
    doc = package.xml(root)
    templates = {t.get("ID"): _resolve(root, t.get("BaseLoc", "")) for t in _children(doc, "TemplatePage")}
    pages = [_resolve(root, p.get("BaseLoc", "")) for p in _children(doc, "Page") if p.get("BaseLoc")]
    lines: list[str] = []
    objects: dict[str, str] = {}
    scans: dict[int, Scan] = {}
    media = _media(package, root, doc)
    for number, page_name in enumerate(pages):
        page = package.xml(page_name)
        runs = list(_runs(page))
        for ref in _children(page, "Template"):
            name = templates.get(ref.get("TemplateID"))
            if name and package.has(name):
                runs += list(_runs(package.xml(name)))
        if not runs and (scan := _scan(package, {**media, **_media(package, page_name, page)}, page)):
            scans[number] = scan
        for run in runs:
            if run.object_id:
                objects[run.object_id] = (objects.get(run.object_id, "") + run.text)
        lines += reading_order(runs)
    fields: dict[str, str] = {}
    for tag_list in _children(doc, "CustomTags"):
        if tag_list.text and tag_list.text.strip():
            _from_custom_tags(package, _resolve(root, tag_list.text), objects, fields)
    for attachments in _children(doc, "Attachments"):
        if attachments.text and attachments.text.strip():
            _from_attachments(package, _resolve(root, attachments.text), fields)
    return _Document(lines, len(pages), objects, fields, scans)


def _from_custom_tags(package: _Package, index: str, objects: dict[str, str],
                      fields: dict[str, str]) -> None:
    if not package.has(index):
        return
    for tag in _children(package.xml(index), "CustomTag"):
        location = _first_text(tag, "FileLoc")
        if location and package.has(_resolve(index, location)):
            _match_fields(package.xml(_resolve(index, location)), fields, objects)


def _from_attachments(package: _Package, index: str, fields: dict[str, str]) -> None:
    if not package.has(index):
        return
    for attachment in _children(package.xml(index), "Attachment"):
        location = _first_text(attachment, "FileLoc")
        if not location or not location.lower().endswith(".xml"):
            continue
        name = _resolve(index, location)
        if package.has(name):
            _match_fields(package.xml(name), fields, {})


def _match_fields(tree: Any, fields: dict[str, str], objects: dict[str, str]) -> None:
    """Elements named like an invoice field: their text, or the page objects they point at."""
    for element in tree.iter():
        name = _local(element)
        for key, names in _NAMES.items():
            if key in fields or name not in names:
                continue
            refs = [objects.get((r.text or "").strip(), "") for r in _children(element, "ObjectRef")]
            value = "".join(refs) if refs else "".join(element.itertext())
            if value.strip():
                fields[key] = value.strip()


def _doc_info_fields(info: Any) -> dict[str, str]:
    """DocInfo ``CustomData Name="发票号码"`` … as the tax authority's OFD invoices carry."""
    data = {c.get("Name", ""): (c.text or "").strip() for c in _children(info, "CustomData")}
    fields: dict[str, str] = {}
    for key, names in _NAMES.items():
        for name in names:
            if data.get(name):
                fields[key] = data[name]
                break
    if "amount" not in fields and data.get("合计金额"):
        try:
            total = float(data["合计金额"]) + float(data.get("合计税额") or 0)
            fields["amount"] = f"{total:.2f}"
        except ValueError:
            pass
    return fields


_LAYOUT = {
    "invoice_no": re.compile(r"发票号码\s*[:：]?\s*([0-9A-Za-z]{8,24})"),
    "invoice_date": re.compile(r"开票日期\s*[:：]?\s*(\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?)"),
    "amount": re.compile(r"[（(]\s*小写\s*[)）]\s*[¥￥]?\s*([0-9][0-9,]*(?:\.[0-9]+)?)"),
}
_NAME = re.compile(r"名\s*称\s*[:：]\s*(\S.{1,59}?)"
                   r"(?=\s|$|\||[（(]?(?:销售方|购买方|销方|购方|名\s*称|纳税人|统一社会信用代码))")


def _layout_fields(text: str) -> dict[str, str]:
    """Last resort: the printed layout. The buyer's block comes before the seller's (above
    it on the old layout, left of it on the 全电发票), so the first 名称 is the buyer's."""
    fields = {key: m.group(1) for key, rx in _LAYOUT.items() if (m := rx.search(text))}
    names = _NAME.findall(text)
    if len(names) >= 2:
        fields["buyer"], fields["seller"] = names[0], names[1]
    return fields


def invoice_date(value: str) -> date | None:
    match = re.search(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})", value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _clean_fields(fields: dict[str, str]) -> dict[str, str]:
    out = {k: field_text(v) for k, v in fields.items() if field_text(v)}
    if "amount" in out:
        out["amount"] = out["amount"].replace("¥", "").replace("￥", "").replace(",", "").strip()
    if "invoice_date" in out and (day := invoice_date(out["invoice_date"])) is not None:
        out["invoice_date"] = day.isoformat()
    return out


def read_ofd(path: Path) -> Extraction:
    return _read(path)[0]


def scans(path: Path) -> dict[int, Scan]:
    """The scanned pages of an OFD (1-based page number → its image), for OCR."""
    return _read(path)[1]


def _read(path: Path) -> tuple[Extraction, dict[int, Scan]]:
    with open_zip(path) as archive:
        package = _Package(path, archive)
        if not package.has("OFD.xml"):
            raise BadInput(path, Reason.CORRUPT, "OFD package has no OFD.xml")
        entry = package.xml("OFD.xml")
        bodies = list(_children(entry, "DocBody"))
        roots = [r for body in bodies if (r := _first_text(body, "DocRoot"))]
        if not roots:
            raise BadInput(path, Reason.CORRUPT, "OFD.xml names no document (DocRoot)")
        fields: dict[str, str] = {}  # first found wins: DocInfo, tags, attachments, layout
        for body in bodies:
            for info in _children(body, "DocInfo"):
                for key, value in _doc_info_fields(info).items():
                    fields.setdefault(key, value)
        lines: list[str] = []
        pages = 0
        scanned: dict[int, Scan] = {}
        for root in roots:
            document = _document(package, _resolve("OFD.xml", root))
            lines += document.lines
            scanned.update({pages + i + 1: scan for i, scan in document.scans.items()})
            pages += document.pages
            for key, value in document.fields.items():
                fields.setdefault(key, value)
    text = clean_text("\n".join(lines))
    if pages == 0:
        raise BadInput(path, Reason.NO_PAGES, "OFD document has no pages")
    for key, value in _layout_fields(text).items():
        fields.setdefault(key, value)
    fields = _clean_fields(fields)
    day = invoice_date(fields["invoice_date"]) if "invoice_date" in fields else None
    extraction = Extraction(text, TextSource.PLAIN if text else TextSource.NONE, page_count=pages,
                            metadata=fields, doc_date=day, blank_pages=sorted(scanned),
                            needs_ocr=not text and bool(scanned))
    return extraction, scanned


def extract_ofd(path: Path) -> Extraction:
    try:
        return read_ofd(path)
    except BadInput:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, RecursionError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"corrupt OFD: {exc or 'the reader gave up'}") from exc


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {kinds.OFD: extract_ofd}
