"""``archive verify`` — 四性检测: authenticity, integrity, usability and security of the archive.

- 真实性 authenticity: the journal's hash chain holds; every attachment's bytes still hash to the
  SHA-256 it is stored under.
- 完整性 integrity: every document (and consent) has its attachment — except disposal
  tombstones, which keep none by design; every attachment has a record that points at it; 档号
  series have no unexplained gaps; the search index holds exactly the stored documents.
- 可用性 usability: every PDF parses and has the page count its record says; images decode.
- 安全性 security: the key file exists, is private (0600) and lies outside the data folder; no
  personal field of any customer is stored in plaintext; with encryption of attachments on,
  every attachment is sealed under the current key (``docstore.security.blobcrypt``).

``repair`` fixes only what the store itself can fix — the index (re-index missing or pending
documents, drop entries without a record) and, on GridFS, chunks of uploads that never finished.
Nothing else is ever deleted: orphan attachments are reported, not removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..access import Permission, require
from ..archive import Archive
from ..backup import Attachments, Needed, referenced_blobs
from ..crypto import PERSONAL_FIELDS, is_encrypted
from ..documents import reindex
from ..dossiers import series_gaps
from ..errors import ArchiveError, NotFound
from ..journal_seal import verify_journal
from ..leftovers import survey
from ..records import JOURNAL, RECORD_MODELS, SEQUENCES, record_kind
from ..security import EncryptedBlobStore
from .index_check import check_index
from ..models import RecordKind
from ..operations import Operation
from ..progress import Progress, Tally, silent

ASPECTS = {"authenticity": "真实性", "integrity": "完整性", "usability": "可用性",
           "security": "安全性"}
MAX_LISTED = 50
"""Problems listed per check; the count says how many there were."""


@dataclass
class Check:
    aspect: str
    """authenticity | integrity | usability | security (真实性 完整性 可用性 安全性)."""
    name: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    repaired: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)


@dataclass
class IntegrityReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [{**asdict(c), "ok": c.ok} for c in self.checks]}


@dataclass
class _Inventory:
    """What the records say, gathered in one pass over the store's rows."""

    required: list[Needed] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)
    tombstones: int = 0
    customers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    records: int = 0
    bad_records: list[str] = field(default_factory=list)
    """Workflow records their kind's model refuses (``records.RECORD_MODELS``)."""
    unfinished: list[str] = field(default_factory=list)
    """Changes journaled whose change may not be made (``docstore.changes``)."""


CHECK_STEPS = 9
"""The checks other than the attachments' (each one step of the progress)."""


def verify_archive(archive: Archive, *, key_file: Path, data_dir: Path,
                   repair: bool = False, progress: Progress = silent) -> IntegrityReport:
    """Every check, in one run. ``progress``: one step per attachment opened and one per
    other check (``CHECK_STEPS``), after a first call while the records are read."""
    require(archive, Permission.MAINTAIN)
    tally = Tally(progress)
    tally.start(None, note="读取记录")
    inventory = _inventory(archive.store.dump())
    tally.start(len(inventory.required) + CHECK_STEPS)

    def step(*found: Check) -> list[Check]:
        tally.step(found[0].name)
        return list(found)

    checks = [
        *step(_journal(archive)),
        *_attachments(archive, inventory, tally),
        *step(_orphans(archive, inventory, repair)),
        *step(_archive_numbers(archive)),
        *step(_records(inventory)),
        *step(_index(archive, repair)),
        *step(_key_file(key_file, data_dir)),
        *step(_private_folder(data_dir)),
        *step(_leftovers(archive, data_dir)),
        *step(_personal_data(inventory), *_sealed_attachments(archive)),
    ]
    report = IntegrityReport(sorted(checks, key=lambda c: list(ASPECTS).index(c.aspect)))
    archive.journal.record(archive.user, Operation.VERIFY_RUN, details={
        "ok": report.ok, "repair": repair,
        "failed": [c.name for c in report.checks if not c.ok],
        "problems": sum(c.problem_count for c in report.checks)})
    return report


def _inventory(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> _Inventory:
    inv, attachments = _Inventory(), Attachments()
    for table, key, data in map(attachments.feed, rows):
        if table in (SEQUENCES, JOURNAL):
            continue
        inv.referenced.update(referenced_blobs([(table, key, data)]))
        if table == "customers":
            inv.customers.append((key, data))
        if (kind := record_kind(table)) is not None:
            _record(inv, kind, key, data)
    inv.required = attachments.result()
    inv.tombstones = attachments.tombstones
    return inv


def _record(inv: _Inventory, kind: str, key: str, data: dict[str, Any]) -> None:
    inv.records += 1
    if kind in RECORD_MODELS:
        try:
            RECORD_MODELS[kind].model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            inv.bad_records.append(f"{kind} {key}: {'.'.join(map(str, first['loc']))}: "
                                   f"{first['msg']}")
    if kind == RecordKind.CHANGE:
        inv.unfinished.append(f"{data.get('operation')} by {data.get('operator')} (after journal "
                              f"entry {data.get('after')})")


def _records(inv: _Inventory) -> Check:
    check = Check("integrity", "workflow records readable, no change left half-made")
    check.checked = inv.records
    for problem in inv.bad_records:
        check.problem(problem)
    for change in inv.unfinished:
        check.problem(f"{change} is journaled but may not be made: run the same command again")
    return check


def _journal(archive: Archive) -> Check:
    check = Check("authenticity", "journal chain")
    entries = _counting(archive.store.iter_journal(), check)
    broken = verify_journal(entries, archive.journal.sealer)
    if broken is not None:
        check.problem(f"journal entry {broken.seq}: {broken.reason}")
    return check


def _private_folder(data_dir: Path) -> Check:
    """No file of the data folder readable by group or others (the database holds every
    document's text)."""
    check = Check("security", "data folder readable by its owner only")
    for path in [data_dir, *data_dir.rglob("*")] if data_dir.exists() else []:
        check.checked += 1
        try:
            mode = path.lstat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            check.problem(f"{path} has mode {mode:o}; run chmod -R go-rwx {data_dir}")
    return check


def _leftovers(archive: Archive, data_dir: Path) -> Check:
    """Staged copies and partial blobs an interrupted run left (plaintext, even with
    attachment encryption on); the next run removes them when no other is writing."""
    check = Check("security", "no staged copies or partial blobs left behind")
    found = survey(archive.work_dir, data_dir / "blobs")
    check.checked = len(found)
    for path in found:
        check.problem(f"{path} was left by an interrupted run (removed by the next archive "
                      "command when no other is running)")
    return check


def _counting(items: Iterable[Any], check: Check) -> Iterable[Any]:
    for item in items:
        check.checked += 1
        yield item


def _attachments(archive: Archive, inv: _Inventory, tally: Tally) -> list[Check]:
    """One open of each attachment: present (integrity), hash (authenticity), opens
    (usability; the same stream, rewound); one progress step each."""
    present = Check("integrity", "every record has its attachment",
                    note=f"{inv.tombstones} disposed document(s) keep no attachment by design"
                    if inv.tombstones else None)
    genuine = Check("authenticity", "attachments match their SHA-256")
    usable = Check("usability", "documents open (PDF pages, images)")
    for item in inv.required:
        tally.step(item.owner)
        present.checked += 1
        try:
            stream = archive.blobs.open(item.sha256)
        except NotFound:
            present.problem(f"{item.owner}: attachment {item.sha256} is missing")
            continue
        except ArchiveError as exc:  # sealed under a key the key file lacks
            genuine.problem(f"{item.owner}: {exc.message}")
            continue
        genuine.checked += 1
        with stream:
            try:
                digest = _digest(stream)
            except ArchiveError as exc:  # a sealed blob failing authentication, or its key gone
                genuine.problem(f"{item.owner}: {exc.message}")
                continue
            if digest != item.sha256:
                genuine.problem(f"{item.owner}: attachment {item.sha256} now hashes to "
                                f"{digest} (modified)")
                continue
            reason = _unusable(stream, item)
        if reason is not None:
            usable.problem(f"{item.owner}: {reason}")
        if item.media_type and (item.media_type == "application/pdf"
                                or item.media_type.startswith("image/")):
            usable.checked += 1
    return [genuine, present, usable]


def _digest(stream: Any) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _unusable(stream: Any, item: Needed) -> str | None:
    """Why a PDF or image cannot be used, or None; ``stream`` is read from its start."""
    kind = item.media_type or ""
    if kind != "application/pdf" and not kind.startswith("image/"):
        return None
    try:
        stream.seek(0)
        if kind == "application/pdf":
            from pypdf import PdfReader

            pages = len(PdfReader(stream).pages)
            if item.page_count is not None and pages != item.page_count:
                return f"PDF has {pages} page(s), its record says {item.page_count}"
        else:
            from PIL import Image

            with Image.open(stream) as image:
                image.load()
    except Exception as exc:  # any parser failure is the finding itself
        return f"does not open as {kind}: {exc}"
    return None


def _orphans(archive: Archive, inv: _Inventory, repair: bool) -> Check:
    check = Check("integrity", "every attachment has a record")
    for sha in archive.blobs.iter_hashes():
        check.checked += 1
        if sha not in inv.referenced:
            check.problem(f"attachment {sha} is referenced by no record (kept; not deleted)")
    count = getattr(archive.blobs, "orphan_count", None)
    if count is not None and count():  # GridFS chunks of uploads that never completed
        if repair:
            swept = archive.blobs.sweep_orphans()  # type: ignore[attr-defined]
            check.repaired.append(f"removed chunks of {swept} unfinished upload(s)")
        else:
            check.note = "GridFS holds chunks of unfinished uploads; --repair removes them"
    return check


def _archive_numbers(archive: Archive) -> Check:
    check = Check("integrity", "档号 sequences without gaps")
    for series in series_gaps(archive):
        check.checked += series.counter_high
        for number in series.missing:
            check.problem(f"{number} was handed out by the counter but no dossier holds it")
    return check


def _index(archive: Archive, repair: bool) -> Check:
    check = Check("integrity", "search index agrees with the store")
    pending = archive.store.count_documents(pending_only=True)
    result = check_index(archive, repair=repair)
    check.checked = result.documents
    for doc_id in result.missing:
        check.problem(f"document {doc_id} is not in the search index")
    for doc_id in result.extra:
        check.problem(f"the search index holds {doc_id}, which has no record")
    if pending:
        check.problem(f"{pending} document(s) stored but not yet indexed (pending)")
    if repair and not check.ok:
        if pending:
            reindex(archive)
        still = archive.store.count_documents(pending_only=True)
        check.repaired.append(f"re-indexed; {still} still pending" if still else "re-indexed")
        if not still:
            check.problem_count, check.problems = 0, []
    return check


def _key_file(key_file: Path, data_dir: Path) -> Check:
    check = Check("security", "key file present, private, outside the data folder", checked=1)
    if not key_file.is_file():
        check.problem(f"key file {key_file} is missing")
        return check
    mode = key_file.stat().st_mode & 0o777
    if mode & 0o077:
        check.problem(f"key file {key_file} has mode {mode:o}; run chmod 600 {key_file}")
    resolved, data = key_file.resolve(), data_dir.resolve()
    if data == resolved or data in resolved.parents:
        check.problem(f"key file {key_file} is inside the data folder {data_dir}")
    return check


def _personal_data(inv: _Inventory) -> Check:
    check = Check("security", "no plaintext personal data")
    for customer_id, data in inv.customers:
        check.checked += 1
        for name in PERSONAL_FIELDS:
            value = data.get(name)
            if value and not is_encrypted(value):
                check.problem(f"customer {customer_id}: {name} is stored in plaintext")
    return check


def _sealed_attachments(archive: Archive) -> list[Check]:
    """With encryption of attachments on: none in plaintext, none under an old key. Off: no
    check (sealed ones are still read and verified above)."""
    blobs = archive.blobs
    if not isinstance(blobs, EncryptedBlobStore) or not blobs.encrypt:
        return []
    check = Check("security", "attachments encrypted under the current key")
    for sha in blobs.iter_hashes():
        check.checked += 1
        try:
            key_id = blobs.key_id(sha)
        except NotFound:
            continue
        if key_id is None:
            check.problem(f"attachment {sha} is stored in plaintext; run "
                          "`archive key encrypt-attachments`")
        elif key_id != blobs.ring.current:
            check.problem(f"attachment {sha} is encrypted under the old key {key_id}; run "
                          "`archive key rotate` again to finish the rotation")
    return [check]
