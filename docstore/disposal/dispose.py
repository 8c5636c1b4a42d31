"""鉴定销毁: propose → approve → execute the destruction of dossiers whose retention has expired.

- ``propose`` builds the destruction list (销毁清册: 档号, title, retention, expiry, every
  document's id and SHA-256), stored as a ``disposal`` record ``X000001``. Dossiers on hold, on
  loan, not expired, disposed or already on another open list are refused, each with its reason.
- ``approve``: a manager (APPROVE) who is not the proposer.
- ``execute`` re-checks hold and loan, then for each document: a tombstone record (kind
  ``tombstone``: id, hash, file name, 档号, dates, disposal — what accountability needs), the
  index entry, the blobs (original and searchable PDF, unless something live shares them) and
  the document record go; the dossier becomes ``disposed`` and keeps its 档号 (numbers are never
  reused); a customer left with nothing live loses their personal data. Then the store and
  index are scrubbed, the certificate (``docstore.disposal.certificate``) is stored as blobs and its
  SHA-256 journaled.

Every step is idempotent and progress is recorded per document in the disposal record, so an
execute interrupted at any point (even ``kill -9``) is finished by running it again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from . import certificate
from ..access import Permission, require
from ..archive import Archive
from ..changes import change
from ..checked import read_checked
from ..crypto import PERSONAL_FIELDS
from ..customers import last_activities
from ..dossiers import ensure_retention, local_date
from ..dossiers import get as find_dossier
from ..errors import Conflict, NotFound, PermissionDenied
from ..models import (Customer, CustomerStatus, Disposal, DisposalStatus, Dossier, DossierStatus,
                      JournalEntry, ListedDocument, ListedDossier, RecordKind)
from ..outputs import check_target, output_file
from ..runlock import run_lock
from .cleanup import blocked, open_loan_counts
from ..operations import Operation

KIND = RecordKind.DISPOSAL
CERTIFICATE = RecordKind.CERTIFICATE


def _save(archive: Archive, disposal: Disposal) -> None:
    archive.store.put_record(KIND, disposal.id, disposal.model_dump(mode="json"))


def get_disposal(archive: Archive, disposal_id: str) -> Disposal:
    data = archive.store.get_record(KIND, disposal_id)
    if data is None:
        raise NotFound("disposal", disposal_id)
    return Disposal.model_validate(data)


def show_disposal(archive: Archive, disposal_id: str) -> Disposal:
    require(archive, Permission.DISPOSE, details={"disposal": disposal_id})
    disposal = get_disposal(archive, disposal_id)
    archive.journal.record(archive.user, Operation.DISPOSE_SHOW, details={"disposal": disposal_id})
    return disposal


def list_disposals(archive: Archive) -> list[Disposal]:
    require(archive, Permission.DISPOSE)
    return [Disposal.model_validate(d) for _, d in archive.store.iter_records(KIND)]


# -- propose --------------------------------------------------------------------------------------

class NotDisposable(Conflict):
    """Dossiers that cannot go on a destruction list; ``refused`` maps 档号 → why."""

    code = "not_disposable"

    def __init__(self, refused: dict[str, str]) -> None:
        super().__init__("cannot dispose of: " + "; ".join(f"{k}: {v}" for k, v in refused.items()))
        self.refused = refused

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "refused": self.refused}


def _listed_elsewhere(archive: Archive) -> dict[str, str]:
    disposals = (Disposal.model_validate(data) for _, data in archive.store.iter_records(KIND))
    return {item.archive_no: d.id for d in disposals if d.open for item in d.items}


def _why_not(archive: Archive, dossier: Dossier, activity: dict[str, datetime],
             listed: dict[str, str], loans: Counter[str]) -> tuple[Dossier, str | None]:
    if dossier.status is DossierStatus.DISPOSED:
        return dossier, "disposed of already"
    if dossier.archive_no in listed:
        return dossier, f"on destruction list {listed[dossier.archive_no]} already"
    block = blocked(archive, dossier, loans)
    if block:
        return dossier, block
    result = ensure_retention(archive, dossier, activity.get(dossier.customer_id))
    if result.expired(local_date(archive, archive.clock())):
        return result.dossier, None
    return result.dossier, result.why_kept()


def _listed(archive: Archive, dossier: Dossier) -> ListedDossier:
    docs = [ListedDocument(**d.model_dump(include=set(ListedDocument.model_fields)))
            for d in archive.store.iter_documents(archive_no=dossier.archive_no)]
    return ListedDossier(archive_no=dossier.archive_no, dossier_id=dossier.id,
                         customer_id=dossier.customer_id, title=dossier.title,
                         category=dossier.category, retention=dossier.retention,
                         retention_from=dossier.retention_from,
                         retention_until=dossier.retention_until, documents=docs)


def propose(archive: Archive, archive_nos: Iterable[str] = (), *, eligible: bool = False,
            reason: str | None = None) -> Disposal:
    """A destruction list of the dossiers named (all must qualify) or of every eligible one."""
    wanted = list(dict.fromkeys(archive_nos))
    require(archive, Permission.DISPOSE, details={"operation": "dispose.propose"})
    if not wanted and not eligible:
        raise Conflict("name the dossiers (--dossier 档号) or ask for every --eligible one")
    activity, listed = last_activities(archive), _listed_elsewhere(archive)
    loans = open_loan_counts(archive)
    candidates = [find_dossier(archive, n) for n in wanted] or list(archive.store.list_dossiers())
    chosen, refused = [], {}
    for dossier in candidates:
        current, why = _why_not(archive, dossier, activity, listed, loans)
        if why:
            refused[dossier.archive_no] = why
        else:
            chosen.append(current)
    if (refused and wanted) or not chosen:
        raise NotDisposable(refused or {"(none)": "no dossier is eligible for disposal"})
    with archive.store.transaction():
        disposal = Disposal(id=f"X{archive.store.next_sequence(KIND):06d}", reason=reason,
                            items=[_listed(archive, d) for d in chosen],
                            proposed_by=archive.user, proposed_at=archive.clock())
        listed = [i.archive_no for i in disposal.items]

        def add(entry: JournalEntry) -> Disposal:
            """Under the number journaled (a resumed run reuses the interrupted run's)."""
            made = disposal.model_copy(update={"id": entry.details["disposal"]})
            if archive.store.get_record(KIND, made.id) is None:
                archive.store.add_record(KIND, made.id, made.model_dump(mode="json"))
            return made

        return change(archive, Operation.DISPOSE_PROPOSE, add, remarks=reason,
                      intent={"reason": reason, "dossiers": listed},
                      details={"disposal": disposal.id, "dossiers": listed,
                               "documents": sum(len(i.documents) for i in disposal.items)})


# -- approve --------------------------------------------------------------------------------------

def approve(archive: Archive, disposal_id: str) -> Disposal:
    """By a manager or admin who did not propose it (four eyes); the refusal is journaled."""
    require(archive, Permission.APPROVE, details={"disposal": disposal_id})
    disposal = get_disposal(archive, disposal_id)
    if disposal.proposed_by == archive.user:
        archive.journal.record(archive.user, Operation.DENIED, remarks="the proposer cannot approve",
                               details={"operation": "dispose.approve", "disposal": disposal_id})
        raise PermissionDenied(f"{archive.user} proposed {disposal_id} and cannot approve it too; "
                               "another manager must approve")
    if disposal.status is not DisposalStatus.PROPOSED:
        raise Conflict(f"disposal {disposal_id} is {disposal.status}, not waiting for approval")
    approved = disposal.model_copy(update={"status": DisposalStatus.APPROVED,
                                           "approved_by": archive.user,
                                           "approved_at": archive.clock()})
    change(archive, Operation.DISPOSE_APPROVE, lambda _: _save(archive, approved),
           details={"disposal": disposal_id})
    return approved


# -- execute --------------------------------------------------------------------------------------

Progress = Callable[[ListedDossier, ListedDocument], None]


def execute(archive: Archive, disposal_id: str, *, pause: float = 0.0,
            progress: Progress | None = None) -> Disposal:
    """Destroy what the approved list names; rerun to finish an interrupted execute.
    ``pause``: seconds to wait after each document (to spread the load)."""
    require(archive, Permission.DISPOSE, details={"disposal": disposal_id})
    with run_lock(archive, f"dispose-{disposal_id}"):
        disposal = get_disposal(archive, disposal_id)
        if disposal.status is DisposalStatus.EXECUTED:
            return disposal
        if disposal.status is DisposalStatus.PROPOSED:
            raise Conflict(f"disposal {disposal_id} is not approved yet "
                           f"(`archive dispose approve {disposal_id}` by another manager)")
        _recheck(archive, disposal)
        if disposal.status is DisposalStatus.APPROVED:
            disposal = disposal.model_copy(update={"status": DisposalStatus.EXECUTING,
                                                   "executed_by": archive.user,
                                                   "started_at": archive.clock()})
            _save(archive, disposal)
        keep = _live_hashes(archive, disposal)
        needed = keep | set(_evidence(archive))
        for item in disposal.items:
            if item.archive_no not in disposal.dossiers_done:
                _destroy_dossier(archive, disposal, item, needed, pause, progress)
        _save(archive, disposal)  # once: the stores say what is done (tombstones, status)
        _wipe_customers(archive, disposal, keep)
        archive.index.scrub()
        archive.store.scrub()
        return _certify(archive, disposal)


def _recheck(archive: Archive, disposal: Disposal,
             items: list[ListedDossier] | None = None) -> None:
    """Refuse (journaled) while a dossier not finished yet is on hold or on loan."""
    refused = {}
    for item in disposal.items if items is None else items:
        if item.archive_no not in disposal.dossiers_done:
            why = blocked(archive, find_dossier(archive, item.archive_no))
            if why:
                refused[item.archive_no] = why
    if refused:
        archive.journal.record(archive.user, Operation.DISPOSE_REFUSED,
                               details={"disposal": disposal.id, "refused": refused})
        raise NotDisposable(refused)


def _live_hashes(archive: Archive, disposal: Disposal) -> set[str]:
    """Blobs live documents still need (their originals and searchable PDFs)."""
    listed = {d.id for item in disposal.items for d in item.documents}
    keep: set[str] = set()
    for doc in archive.store.iter_documents():
        if doc.id not in listed:
            keep.update(h for h in (doc.sha256, doc.searchable_sha256) if h)
    return keep


def _evidence(archive: Archive) -> Counter[str]:
    """Consent evidence kept for customers: hash → how many customers' consent it proves."""
    return Counter(c.consent.evidence_sha256 for c in archive.store.list_customers(limit=10**9)
                   if c.consent)


def _customers(disposal: Disposal) -> set[str]:
    return {item.customer_id for item in disposal.items}


def _destroy_dossier(archive: Archive, disposal: Disposal, item: ListedDossier, keep: set[str],
                     pause: float, progress: Progress | None) -> None:
    """Its documents one by one, then the dossier itself. A hold or loan that came after the
    run started stops it before the dossier is touched."""
    _recheck(archive, disposal, [item])
    for doc in item.documents:
        if _destroy_document(archive, disposal, item, doc, keep):
            if progress:
                progress(item, doc)
            time.sleep(pause)
    _close_dossier(archive, disposal, item)


def _destroy_document(archive: Archive, disposal: Disposal, item: ListedDossier,
                      doc: ListedDocument, keep: set[str]) -> bool:
    """Tombstone first (so what is being destroyed is always known), then index entry, blobs,
    record, and the tombstone marked ``done``: the per-document progress a rerun resumes from
    (kept there, not in the disposal record, so a long list is not rewritten per document).
    False when a previous run finished this document."""
    found = archive.store.get_record(RecordKind.TOMBSTONE, doc.id)
    if found is not None and found.get("done"):
        return False
    tombstone = found or {**doc.model_dump(mode="json"), "archive_no": item.archive_no,
                          "customer_id": item.customer_id, "disposal": disposal.id,
                          "disposed_at": archive.clock().isoformat(), "disposed_by": archive.user}
    if found is None:
        archive.store.put_record(RecordKind.TOMBSTONE, doc.id, {**tombstone, "done": False})
    archive.index.delete([doc.id])
    for sha in (doc.sha256, doc.searchable_sha256):
        if sha and sha not in keep:
            archive.blobs.delete(sha)
    archive.store.delete_document(doc.id)
    archive.store.put_record(RecordKind.TOMBSTONE, doc.id, {**tombstone, "done": True})
    return True


def destroyed(archive: Archive, disposal_id: str) -> list[str]:
    """Ids of the documents of this disposal destroyed so far."""
    return [key for key, t in archive.store.iter_records(RecordKind.TOMBSTONE, disposal=disposal_id)
            if t.get("done")]


def _close_dossier(archive: Archive, disposal: Disposal, item: ListedDossier) -> None:
    if item.archive_no in disposal.dossiers_done:
        return
    dossier = find_dossier(archive, item.archive_no)
    if dossier.status is not DossierStatus.DISPOSED:
        disposed = dossier.model_copy(update={"status": DossierStatus.DISPOSED,
                                              "disposed_at": archive.clock()})
        change(archive, Operation.DISPOSE_DOSSIER, lambda _: archive.store.update_dossier(disposed),
               dossier=item.archive_no, customer_id=item.customer_id,
               details={"disposal": disposal.id, "documents": len(item.documents)})
    disposal.dossiers_done.append(item.archive_no)  # saved after the last dossier: a rerun
    # finds the others done by their tombstones and status, without rewriting a long list
    # once per dossier


def _wipe_customers(archive: Archive, disposal: Disposal, keep: set[str]) -> None:
    """Personal data goes when nothing live is left of the customer; the name stays, because
    accountability needs to say whose archive was destroyed."""
    with_documents = {d.customer_id for d in archive.store.iter_documents()}
    live = {d.customer_id for d in archive.store.list_dossiers()
            if d.status is not DossierStatus.DISPOSED}
    evidence_users = _evidence(archive)  # read once; kept current as consents are wiped
    for customer_id in sorted(_customers(disposal) - set(disposal.customers_wiped)):
        stored = archive.store.get_customer(customer_id)
        if customer_id in live or customer_id in with_documents or stored is None:
            continue
        fields = [f for f in PERSONAL_FIELDS if getattr(stored, f)]
        evidence = stored.consent.evidence_sha256 if stored.consent else None
        if evidence:
            evidence_users[evidence] -= 1
        drop = evidence if evidence and evidence not in keep and evidence_users[evidence] <= 0 \
            else None
        wiped = stored.model_copy(update={
            **{f: None for f in PERSONAL_FIELDS}, "lookup": {}, "consent": None, "region": None,
            "status": CustomerStatus.ARCHIVED, "updated_at": archive.clock()})

        def wipe(_: JournalEntry, wiped: Customer = wiped, drop: str | None = drop) -> None:
            if drop:
                archive.blobs.delete(drop)
            archive.store.update_customer(wiped)

        change(archive, Operation.CUSTOMER_WIPE, wipe, customer_id=customer_id,
               details={"disposal": disposal.id, "fields": fields,
                        "consent_evidence": stored.consent is not None})
        disposal.customers_wiped.append(customer_id)
        _save(archive, disposal)


def _certify(archive: Archive, disposal: Disposal) -> Disposal:
    if disposal.executed_at is None:
        disposal = disposal.model_copy(update={"executed_at": archive.clock()})
        _save(archive, disposal)
    cert = certificate.build(disposal.model_dump(mode="json"))
    as_json = certificate.to_json(cert)
    json_sha = certificate.sha256(as_json)
    as_pdf = certificate.to_pdf(cert, json_sha)
    pdf_sha = certificate.sha256(as_pdf)
    for sha, data in ((json_sha, as_json), (pdf_sha, as_pdf)):
        _put_blob(archive, sha, data)
    archive.store.put_record(CERTIFICATE, disposal.id, {"disposal": disposal.id,
                                                        "json_sha256": json_sha,
                                                        "pdf_sha256": pdf_sha})
    disposal = disposal.model_copy(update={"certificate_sha256": json_sha,
                                           "certificate_pdf_sha256": pdf_sha})
    seq = _journaled(archive, disposal)
    if seq is None:
        disposal = disposal.model_copy(update={"journaling": True})
        _save(archive, disposal)
        seq = archive.journal.record(
            archive.user, Operation.DISPOSE_EXECUTE,
            details={"disposal": disposal.id, "certificate_sha256": json_sha,
                     "certificate_pdf_sha256": pdf_sha,
                     "dossiers": [i.archive_no for i in disposal.items],
                     "documents": sum(len(i.documents) for i in disposal.items)}).seq
    done = disposal.model_copy(update={"status": DisposalStatus.EXECUTED, "journal_seq": seq})
    _save(archive, done)
    return done


def _journaled(archive: Archive, disposal: Disposal) -> int | None:
    """The seq of this disposal's ``dispose.execute`` entry if a crashed run wrote it already
    (only searched when that run got as far as announcing it)."""
    if not disposal.journaling:
        return None
    for entry in archive.store.iter_journal():
        if entry.operation == "dispose.execute" and entry.details.get("disposal") == disposal.id:
            return entry.seq
    return None


def _put_blob(archive: Archive, sha: str, data: bytes) -> None:
    if archive.blobs.exists(sha):
        return
    tmp = archive.work_dir / f"cert-{sha}.part"
    tmp.write_bytes(data)
    try:
        archive.blobs.put(sha, tmp, verified=True)
    finally:
        tmp.unlink(missing_ok=True)


def certificate_bytes(archive: Archive, disposal_id: str, kind: str = "pdf") -> bytes:
    """The stored certificate (``pdf`` or ``json``) of an executed disposal; journaled."""
    require(archive, Permission.DISPOSE, details={"disposal": disposal_id})
    record = archive.store.get_record(CERTIFICATE, disposal_id)
    if record is None:
        raise NotFound("destruction certificate of disposal", disposal_id)
    data = read_checked(archive, record[f"{kind}_sha256"],
                        what=f"destruction certificate of disposal {disposal_id}")
    archive.journal.record(archive.user, Operation.DISPOSE_CERTIFICATE,
                           details={"disposal": disposal_id, "format": kind})
    return data


def write_certificate(archive: Archive, disposal_id: str, out: Path, *,
                      force: bool = False) -> str:
    """Write the certificate to ``out`` (PDF, or JSON when ``out`` ends in .json; checked and
    atomic, ``docstore.outputs``); its format."""
    kind = "json" if out.suffix.lower() == ".json" else "pdf"
    check_target(out, archive.private_paths, force=force)
    data = certificate_bytes(archive, disposal_id, kind)
    with output_file(out, archive.private_paths, force=force) as f:
        f.write(data)
    return kind
