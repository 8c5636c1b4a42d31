"""archive search | show | get"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from docstore import documents as workflow
from docstore.models import INVOICE_FIELDS, SearchMode, SearchQuery, invoice_field

from .values import DATE
from .context import AppContext, pass_app
from .render import highlight, table


@click.command("search")
@click.argument("query", nargs=-1)
@click.option("--customer", "customer_id", help="Only this customer's documents.")
@click.option("--category", help="Only this category.")
@click.option("--dossier", "archive_no", help="Only this dossier (档号).")
@click.option("--from", "date_from", type=DATE, help="Dated on/after.")
@click.option("--to", "date_to", type=DATE, help="Dated on/before.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--include-archived", is_flag=True,
              help="Also documents of archived customers (see `archive cleanup`).")
@click.option("--mode", type=click.Choice([m.value for m in SearchMode]), default="auto",
              show_default=True,
              help="all: every word must match; any: rank by how many and which words match; "
                   "auto: any for questions and long queries, all otherwise.")
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE",
              help="Only documents whose e-invoice field contains VALUE; NAME is one of "
                   "发票号码 开票日期 金额 销售方 购买方 (or invoice_no invoice_date amount seller buyer). "
                   "Repeatable.")
@click.option("--like", "like", metavar="DOC", help="Documents like this one (more like this).")
@click.option("--facets", "with_facets", is_flag=True,
              help="Also counts per customer, category, year and dossier stage.")
@pass_app
def search(app: AppContext, query: tuple[str, ...], customer_id: str | None,
           category: str | None, archive_no: str | None, date_from: datetime | None,
           date_to: datetime | None, limit: int, include_archived: bool, mode: str,
           like: str | None, fields: tuple[str, ...], with_facets: bool) -> None:
    """Full-text search, Chinese first. Keywords must all match; "quotes" make a phrase;
    archive and contract numbers (NQ-2026-HT-0042, HT-2026-0042) match whole. Questions and
    long queries are ranked by the words they share with each document (--mode).

    \b
    Example:
      archive search 施工合同 --customer C000001
      archive search '"竣工验收报告"' --from 2026-01-01
      archive search 客户要求更改合同付款方式的补充协议在哪里？
      archive search --like D3f2a9c0e1b7d4a5c6e8f --facets
      archive search 发票 --field 销售方=易控软件 --from 2026-03-01
      archive --json search HT-2026-0042
    """
    if not query and not like:
        raise click.UsageError("give the words to search for, or --like DOC")
    q = SearchQuery(text=" ".join(query), customer_id=customer_id, category=category,
                    archive_no=archive_no, limit=limit, mode=SearchMode(mode), like=like,
                    fields=_fields(fields),
                    date_from=date_from.date() if date_from else None,
                    date_to=date_to.date() if date_to else None)
    results = workflow.search(app.archive, q, include_archived=include_archived,
                              with_facets=with_facets)
    if results.stale:
        app.err.print(f"warning: {results.stale}; run `archive reindex --if-needed`",
                      markup=False)
    if app.json_output:
        hits = [h.model_dump(mode="json") for h in results.hits]
        app.emit_json({"hits": hits, "facets": results.facets} if with_facets else hits)
    else:
        for n, h in enumerate(results.hits, 1):
            where = " · ".join(x for x in (h.archive_no, h.customer_id, h.category) if x)
            app.out.print(f"[bold]{n}. {h.filename}[/bold]  [dim]{h.document_id}  {where}"
                          f"{_score(h.score)}[/dim]")
            app.out.print("   " + highlight(h.snippet))
            if h.matched:
                app.out.print("   matched: " + " ".join(h.matched), markup=False)
        for name, counts in (results.facets or {}).items():
            if counts:
                app.out.print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
                              markup=False)
        what = f"like {like}" if like else repr(q.text)
        app.err.print(f"{len(results.hits)} hit(s) for {what} ({results.mode.value})",
                      markup=False)
    if results.pending:
        app.err.print(f"warning: {results.pending} document(s) are not indexed yet; results may "
                      "be incomplete (run `archive reindex --pending`)", markup=False)


def _score(score: float) -> str:
    """The hit's score as printed, or nothing where it rounds to 0.000: FTS5's bm25 gives a
    word found in more than half of the documents an IDF of 1e-6 (Elasticsearch's stays
    positive), so every hit of 合同 in a contracts archive read "score 0.000", which tells a
    clerk nothing (their order is still the ranking's). ``--json`` keeps the exact value."""
    return f"  score {score:.3f}" if score >= 0.0005 else ""


def _fields(given: tuple[str, ...]) -> dict[str, str]:
    fields = {}
    for item in given:
        name, sep, value = item.partition("=")
        key = invoice_field(name)
        if not sep or key is None or not value.strip():
            raise click.BadParameter(f"{item!r}: give NAME=VALUE, NAME one of "
                                     f"{' '.join(INVOICE_FIELDS.values())}", param_hint="--field")
        fields[key] = value
    return fields


@click.command("show")
@click.argument("document_id")
@pass_app
def show(app: AppContext, document_id: str) -> None:
    """Show a document's record and its text.

    \b
    Example:
      archive show D3f2a9c0e1b7d4a5c6e8f
    """
    doc = workflow.show(app.archive, document_id)
    if app.json_output:
        app.emit_json(doc.model_dump(mode="json"))
        return
    fields = doc.model_dump(mode="json", exclude={"text"})
    app.out.print(table(["field", "value"], [(k, v) for k, v in fields.items() if v is not None],
                        title=f"document {doc.id}"))
    app.out.print(doc.text or "(no text yet)", markup=False)


@click.command("get")
@click.argument("document_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the file.")
@click.option("--searchable", is_flag=True,
              help="The OCR'd searchable PDF instead of the original scan.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_app
def get(app: AppContext, document_id: str, out: Path, searchable: bool, force: bool) -> None:
    """Write a stored document's original bytes (or its searchable PDF) to a file.

    \b
    Example:
      archive get D3f2a9c0e1b7d4a5c6e8f --out 合同.pdf
      archive get D3f2a9c0e1b7d4a5c6e8f --searchable --out 合同-可检索.pdf
    """
    doc = workflow.export(app.archive, document_id, out, searchable=searchable, force=force)

    def text() -> None:
        app.out.print(f"wrote {out} ({out.stat().st_size} bytes)", markup=False)

    app.emit({"document_id": doc.id, "out": str(out), "searchable": searchable}, text)
