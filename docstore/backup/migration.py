"""``archive migrate --to mongo|embedded``: move the whole archive to the other backend, and
prove nothing was lost.

Steps, each safe to repeat, so a migration killed at any point is finished by running it again:
attachments are copied (skipped when the target has them; checked against their hash on the
way), then every row is loaded (``RecordStore.load`` is idempotent), then the result is
verified — same rows in every table (digests), every attachment present, the journal chain
intact, and a sample of searches returning the same documents on both sides — and only then
is the search index rebuilt and the migration journaled on both sides.

A ``migration`` record in the target notes the source and the stage reached; the target must be
empty or hold such a record from the same source. Nothing is written to the source until the
end: writers should be stopped while a migration runs, or their later changes will be missing
(the verification then says which tables differ).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..access import Permission, require
from ..archive import Archive
from ..documents import reindex
from .dump import Digester, differences, digests
from ..records import JOURNAL, Row, record_table
from ..errors import Conflict
from ..journal import verify_chain
from ..models import Document, RecordKind, SearchQuery
from ..operations import Operation

MIGRATION = RecordKind.MIGRATION
SAMPLE_SEARCHES = 8
Progress = Callable[[str, int], None]
"""Called with a stage name and how many items it has done so far."""


@dataclass
class MigrationReport:
    source: str
    target: str
    resumed: bool = False
    rows: int = 0
    blobs_copied: int = 0
    blobs_present: int = 0
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    searches: dict[str, int] = field(default_factory=dict)
    """Sample query → hits (the same documents on both sides)."""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def migrate(source: Archive, target: Archive, *, source_name: str, target_name: str,
            query_words: Callable[[str], list[str]], progress: Progress | None = None,
            ) -> MigrationReport:
    """Copy ``source`` into ``target`` and prove it. ``query_words`` splits a document's text
    into search words (the text engine's, passed in by the composition root) for the sample
    searches both archives must answer alike."""
    require(source, Permission.BACKUP)
    started = time.monotonic()
    tell = progress or (lambda stage, n: None)
    key = hashlib.sha256(source_name.encode()).hexdigest()[:16]
    report = MigrationReport(source=source_name, target=target_name)
    report.resumed = _claim_target(target, key, source_name, target_name, source.clock)
    _copy_blobs(source, target, report, tell)
    _note(target, key, stage="records")
    digester = Digester(skip=[record_table(MIGRATION)])
    report.rows = target.store.load(_counted(map(digester.feed, source.store.dump()), tell))
    report.tables = digester.result()
    _verify_records(source, target, report)
    if report.ok:
        _note(target, key, stage="index")
        reindex(target, everything=True)
        _compare_searches(source, target, report, query_words)
    report.seconds = round(time.monotonic() - started, 3)
    details = {"source": source_name, "target": target_name, "rows": report.rows,
               "blobs": report.blobs_copied, "ok": report.ok, "problems": len(report.problems)}
    if report.ok:
        _note(target, key, stage="done")
        target.journal.record(target.user, Operation.MIGRATE_IN, details=details)
    source.journal.record(source.user, Operation.MIGRATE_OUT, details=details)
    return report


def _claim_target(target: Archive, key: str, source_name: str, target_name: str,
                  clock: Callable[[], Any]) -> bool:
    """True when resuming a migration from the same source; refuses any other non-empty
    target, and a target this migration already finished (it may be in use since)."""
    note = target.store.get_record(MIGRATION, key)
    if note is not None:
        if note.get("stage") == "done":
            raise Conflict(f"{target_name} already holds a finished migration from "
                           f"{source_name} (at {note.get('started_at')}); it may be in use")
        return True
    held = {k: v for k, v in target.store.counts().items() if k != "pending" and v}
    if held:
        raise Conflict(f"the target {target_name} is not empty "
                       f"({', '.join(f'{n} {t}' for t, n in held.items())}); migrate into a new "
                       "database or data folder")
    target.store.put_record(MIGRATION, key, {"source": source_name, "target": target_name,
                                             "started_at": clock().isoformat(), "stage": "blobs"})
    return False


def _note(target: Archive, key: str, **update: Any) -> None:
    note = target.store.get_record(MIGRATION, key) or {}
    target.store.put_record(MIGRATION, key, {**note, **update})


def _copy_blobs(source: Archive, target: Archive, report: MigrationReport,
                tell: Progress) -> None:
    """Copy through a temporary file, checking each attachment's bytes against its hash."""
    target.work_dir.mkdir(parents=True, exist_ok=True)
    for sha in source.blobs.iter_hashes():
        if target.blobs.exists(sha):
            report.blobs_present += 1
            continue
        with tempfile.NamedTemporaryFile(dir=target.work_dir, prefix="migrate-") as tmp:
            digest = hashlib.sha256()
            with source.blobs.open(sha) as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    tmp.write(chunk)
            tmp.flush()
            if digest.hexdigest() != sha:
                report.problems.append(f"attachment {sha} in the source does not match its "
                                       "hash: not copied (run archive verify on the source)")
                continue
            target.blobs.put(sha, Path(tmp.name), verified=True)
        report.blobs_copied += 1
        tell("blobs", report.blobs_copied)


def _counted(rows: Iterable[Row], tell: Progress, every: int = 100) -> Iterator[Row]:
    for n, row in enumerate(rows, 1):
        yield row
        if n % every == 0:
            tell("rows", n)


def _verify_records(source: Archive, target: Archive, report: MigrationReport) -> None:
    """Same rows (the target's own journal entries after the source's last are not compared:
    a resumed run may have journaled its index rebuild), every attachment, an intact chain."""
    journal_len = report.tables.get(JOURNAL, {}).get("rows", 0)
    got = digests((r for r in target.store.dump() if r[0] != JOURNAL or int(r[1]) <= journal_len),
                  skip=[record_table(MIGRATION)])
    report.problems += [f"rows differ: {line}" for line in differences(report.tables, got)]
    have = set(target.blobs.iter_hashes())
    missing = [sha for sha in source.blobs.iter_hashes() if sha not in have]
    if missing:
        report.problems.append(f"{len(missing)} attachment(s) missing in the target "
                               f"(first: {missing[0]})")
    broken = verify_chain(target.store.iter_journal())
    if broken is not None:
        report.problems.append(f"journal chain broken at entry {broken.seq}: {broken.reason}")


def sample_queries(documents: Iterable[Document], query_words: Callable[[str], list[str]],
                   count: int = SAMPLE_SEARCHES) -> list[str]:
    """A word from each of up to ``count`` documents spread over the archive: its longest word
    among the first fifty, so the query is specific."""
    texts = [d.text[:2000] for d in documents if d.text.strip()]  # not every whole document
    step = max(1, len(texts) // count)
    out = []
    for text in texts[::step][:count]:
        candidates = [w for w in query_words(text)[:50] if len(w) >= 2]
        if candidates:
            out.append(max(candidates, key=len))
    return list(dict.fromkeys(out))


def _compare_searches(source: Archive, target: Archive, report: MigrationReport,
                      query_words: Callable[[str], list[str]]) -> None:
    """Same documents found (as sets: the two engines may rank ties differently); documents
    the source had not indexed yet are not held against the target."""
    pending = {d.id for d in source.store.iter_documents(pending_only=True)}
    for text in sample_queries(source.store.iter_documents(), query_words):
        query = SearchQuery(text=text, limit=1000)
        want = {h.document_id for h in source.index.search(query)}
        got = {h.document_id for h in target.index.search(query)} - pending
        report.searches[text] = len(got)
        if want - pending != got:
            report.problems.append(f"search {text!r}: {len(want)} hit(s) in the source, "
                                   f"{len(got)} in the target")
