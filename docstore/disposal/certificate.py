"""销毁证明: the destruction certificate of an executed disposal, as JSON and as a printable PDF.

Both are built only from the disposal record, and both byte-for-byte reproducibly (sorted JSON;
reportlab's ``invariant`` mode fixes the PDF's dates and ids), so a rerun of an interrupted
execute writes the very same certificate and the hash journaled for it stays true. The PDF uses
reportlab's built-in CID font STSong-Light (no font file needed), as ``docstore.demo.samples`` does.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

FORMAT = "archive-destruction-certificate/1"


def build(disposal: dict[str, Any]) -> dict[str, Any]:
    """The certificate's content: what was destroyed (with hashes), by whom, when."""
    items = disposal["items"]
    return {
        "format": FORMAT,
        "title": "销毁证明",
        "disposal": disposal["id"],
        "reason": disposal.get("reason"),
        "proposed_by": disposal["proposed_by"], "proposed_at": disposal["proposed_at"],
        "approved_by": disposal["approved_by"], "approved_at": disposal["approved_at"],
        "executed_by": disposal["executed_by"], "started_at": disposal["started_at"],
        "executed_at": disposal["executed_at"],
        "dossiers": [{k: item.get(k) for k in ("archive_no", "title", "customer_id", "category",
                                               "retention", "retention_from", "retention_until")}
                     | {"documents": [{k: d.get(k) for k in ("id", "filename", "size", "sha256",
                                                             "searchable_sha256")}
                                      for d in item["documents"]]}
                     for item in items],
        "totals": {"dossiers": len(items),
                   "documents": sum(len(i["documents"]) for i in items),
                   "bytes": sum(d.get("size") or 0 for i in items for d in i["documents"])},
        "customers_wiped": disposal.get("customers_wiped", []),
    }


def to_json(certificate: dict[str, Any]) -> bytes:
    return (json.dumps(certificate, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _lines(cert: dict[str, Any], json_sha256: str) -> list[tuple[int, str]]:
    """(font size, text) lines of the printed certificate."""
    out = [(18, "销毁证明（档案鉴定销毁）"), (10, ""),
           (10, f"销毁单号 Disposal: {cert['disposal']}"),
           (10, f"销毁事由 Reason: {cert.get('reason') or '保管期限已满'}"),
           (10, f"提出 Proposed: {cert['proposed_by']}  {cert['proposed_at']}"),
           (10, f"批准 Approved: {cert['approved_by']}  {cert['approved_at']}"),
           (10, f"执行 Executed: {cert['executed_by']}  {cert['started_at']} → "
                f"{cert['executed_at']}"),
           (10, f"合计 Totals: {cert['totals']['dossiers']} 卷 / {cert['totals']['documents']} 件 / "
                f"{cert['totals']['bytes']} bytes"),
           (10, "")]
    for n, d in enumerate(cert["dossiers"], 1):
        out.append((11, f"{n}. 档号 {d['archive_no']}  {d.get('title') or ''}"))
        out.append((9, f"   保管期限 {d.get('retention')}  自 {d.get('retention_from')}  "
                       f"至 {d.get('retention_until')}  客户 {d.get('customer_id')}"))
        for doc in d["documents"]:
            out.append((8, f"   {doc['id']}  {doc['filename']}"))
            out.append((7, f"      SHA-256 {doc['sha256']}"))
    if cert.get("customers_wiped"):
        out.append((9, "个人信息已删除 Personal data erased: " + ", ".join(cert["customers_wiped"])))
    out += [(10, ""), (8, f"证明内容 JSON SHA-256: {json_sha256}"), (10, ""),
            (10, "监销人签字：________________    日期：____________")]
    return out


def to_pdf(certificate: dict[str, Any], json_sha256: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=1)
    page.setTitle(f"销毁证明 {certificate['disposal']}")
    y = A4[1] - 50
    for size, text in _lines(certificate, json_sha256):
        if y < 50:
            page.showPage()
            y = A4[1] - 50
        page.setFont("STSong-Light", size)
        page.drawString(40, y, text)
        y -= size + 6
    page.save()
    return buf.getvalue()
