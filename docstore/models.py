"""The records of the archive (SPEC §2), as pure pydantic models.

Models know nothing of SQLite, BSON or index documents: the adapters convert.
"""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date, datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)
    """``defer_build``: a model's validator is built when first used, not when this module is
    imported (every command imports it; most use a few of its models)."""


class CustomerType(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    MERGED = "merged"  # an alias of the customer it was merged into (``merged_into``)


class CollectionMethod(StrEnum):
    """How a customer's data was collected or last confirmed (定期回访)."""

    INTERVIEW = "面谈"
    QUESTIONNAIRE = "问卷"
    ONLINE = "在线注册"
    PHONE = "电话确认"
    OTHER = "其他"


class Consent(_Model):
    """客户本人同意: when the customer agreed, and the signed evidence (a stored document)."""

    date: date
    evidence_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    evidence_filename: str
    recorded_by: str
    recorded_at: datetime = Field(default_factory=utcnow)


class Customer(_Model):
    id: str
    name: str = Field(min_length=1)
    type: CustomerType = CustomerType.COMPANY
    phone: str | None = None
    id_number: str | None = None
    email: str | None = None
    address: str | None = None
    region: str | None = None
    """The province (省级行政区) the address lies in, derived when the address is sealed: not
    personal data, so whole-archive counts never decrypt an address (``customers.regions``)."""
    industry: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime | None = None
    consent: Consent | None = None
    lookup: dict[str, str] = Field(default_factory=dict)
    """Keyed hashes of personal fields (see ``docstore.crypto``), for exact look-up."""
    department: str | None = None
    """The department the customer belongs to (工程部 …)."""
    source: str | None = None
    """Where the customer came from (客户来源), as the office records it."""
    collection_method: CollectionMethod | None = None
    reviewed_at: datetime | None = None
    """When the customer's data was last confirmed (定期回访); None: never since registration."""
    reviewed_by: str | None = None
    merged_into: str | None = None
    """Set on a duplicate merged into another customer: its id still resolves to that one."""


CUSTOMER_EDITABLE = ("name", "type", "phone", "id_number", "email", "address", "industry",
                     "department")


class Role(StrEnum):
    """SPEC §5: least privilege."""

    ADMIN = "admin"
    ARCHIVIST = "archivist"  # 内勤
    MANAGER = "manager"  # 内勤部经理: approves copies and disposals
    GM = "gm"  # 总经理: the monthly report, analytics and the journal; approves like a manager
    STAFF = "staff"  # borrows
    AUDITOR = "auditor"  # reads the journal


class User(_Model):
    name: str = Field(min_length=1, max_length=64)
    role: Role
    department: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_hash: str | None = Field(default=None, repr=False)
    """Argon2id hash (``docstore.credentials``); None: no password set, cannot log in by one."""
    token_hash: str | None = Field(default=None, repr=False)
    """SHA-256 of the user's token file secret (``docstore.identity``), None: no token."""
    disabled: bool = False
    """A disabled user keeps their journal history but can neither log in nor act."""

    def public(self) -> dict[str, Any]:
        """The record as shown to people and scripts: never the password hash."""
        return {**self.model_dump(mode="json", exclude={"password_hash", "token_hash"}),
                "has_password": self.password_hash is not None,
                "has_token": self.token_hash is not None}


class DossierStatus(StrEnum):
    """临时档案 → 正式档案 → 入柜; a disposed dossier keeps a tombstone (issue 7)."""

    TEMPORARY = "temporary"
    FORMAL = "formal"
    SHELVED = "shelved"
    DISPOSED = "disposed"


class Hold(_Model):
    """Legal hold (诉讼保全 etc.): while set, nothing in the dossier may be disposed of."""

    reason: str = Field(min_length=1)
    by: str
    at: datetime


class Dossier(_Model):
    """A 档案 (case file) under its 档号. Lifecycle fields are filled as the dossier moves on;
    a field left None has simply not happened yet."""

    id: str
    archive_no: str
    customer_id: str
    title: str = ""
    category: str | None = None
    status: DossierStatus = DossierStatus.TEMPORARY
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    department: str | None = None
    project: str | None = None
    contract_date: date | None = None
    completed_at: datetime | None = None
    """Completion documents received (竣工文档): starts the finalisation deadline."""
    finalize_due: datetime | None = None
    finalized_at: datetime | None = None
    finalized_by: str | None = None
    finalize_override: str | None = None
    """A manager's reason for finalising with required documents missing."""
    shelved_at: datetime | None = None
    location: str | None = None
    """Cabinet position (入柜), e.g. 3号柜-2层-15."""
    retention: str | None = None
    """Retention period: "permanent" or e.g. "30y" / "10y" (issue 7)."""
    retention_from: date | None = None
    retention_until: date | None = None
    hold: Hold | None = None
    disposed_at: datetime | None = None


class LoanKind(StrEnum):
    ORIGINAL = "original"  # 原件: in-house only, back the same day
    COPY = "copy"  # 影印: needs a manager's approval
    REFERENCE = "reference"  # 常用复印件: the kept photocopy set, no approval, must come back


class LoanStatus(StrEnum):
    REQUESTED = "requested"  # a copy waiting for approval
    OUT = "out"  # the original is lent / the copy was made and handed out
    RETURNED = "returned"
    REFUSED = "refused"


class LoanCheck(StrEnum):
    OK = "ok"
    DAMAGED = "damaged"
    MISSING = "missing"


class Loan(_Model):
    """借阅 / 影印 of one dossier. Stored with the generic records port (kind ``loan``)."""

    id: str
    archive_no: str
    dossier_id: str
    kind: LoanKind
    borrower: str
    department: str | None = None
    purpose: str = Field(min_length=1)
    status: LoanStatus
    requested_at: datetime
    requested_by: str | None = None
    """Who recorded the loan or asked for the copy (may differ from the borrower)."""
    approved_by: str | None = None
    approved_at: datetime | None = None
    out_at: datetime | None = None
    due_at: datetime | None = None
    copied: str | None = None
    """What was copied (pages, documents), for a copy."""
    returned_at: datetime | None = None
    received_by: str | None = None
    check: LoanCheck | None = None
    note: str | None = None
    repair_id: str | None = None
    """The 修复 record opened when it came back damaged or incomplete."""


class Repair(_Model):
    """修复: opened when a loan comes back damaged or incomplete (kind ``repair``)."""

    id: str
    archive_no: str
    loan_id: str
    opened_at: datetime
    opened_by: str
    problem: LoanCheck
    note: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    closed_note: str | None = None


class TextSource(StrEnum):
    """How a document's text was obtained."""

    PDF_TEXT = "pdf_text"
    PLAIN = "plain"
    OCR = "ocr"
    NONE = "none"


class IndexState(StrEnum):
    PENDING = "pending"
    INDEXED = "indexed"


class Document(_Model):
    """One stored file. Stored once per content hash; ``id`` derives from the hash."""

    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    filename: str
    media_type: str
    page_count: int | None = None
    kind: str | None = None
    """What the document is (施工合同, 竣工验收报告 …): checked against a category's checklist."""
    text: str = ""
    text_source: TextSource = TextSource.NONE
    needs_ocr: bool = False
    ocr_error: str | None = None
    searchable_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """The OCR'd searchable PDF kept beside the untouched original, when OCR made one."""
    customer_id: str | None = None
    dossier_id: str | None = None
    archive_no: str | None = None
    category: str | None = None
    title: str | None = None
    doc_date: date | None = None
    batch_id: str | None = None
    parent_id: str | None = None
    """The container it came out of (an e-mail's attachment, a zip's member), when it did."""
    metadata: dict[str, str] = Field(default_factory=dict)
    """Fields read from the file itself: an e-mail's from/to/subject, an e-invoice's number,
    date, amount, seller and buyer (see ``indexer.formats``). Searchable with the text."""
    index_state: IndexState = IndexState.PENDING
    journal_seq: int | None = None
    """The journal entry of its ingest; None until written. Without transactions (MongoDB) a
    crash can fall between the two writes: the rerun sees None and writes the entry."""
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def in_inbox(self) -> bool:
        """Not yet filed to a customer (未归档)."""
        return self.customer_id is None


class RecordKind(StrEnum):
    """The kinds of workflow records (``RecordStore.put_record``): one list, no bare strings.
    Those with a model are validated by it wherever rows are loaded (``records.RECORD_MODELS``)."""

    ARCHIVE_NO = "archive_no"  # a claimed 档号
    CERTIFICATE = "certificate"  # where a disposal's destruction certificate is
    CHANGE = "change"  # a change journaled but maybe not made yet (docstore.changes)
    DISPOSAL = "disposal"
    IN_PROGRESS = "in_progress"  # a restore not finished yet
    LOAN = "loan"
    LOAN_OUT = "loan.out"  # the claim on a dossier whose original is out
    LOCK = "lock"  # a run lock
    MIGRATION = "migration"  # how far a migration into this archive got
    REFERENCE_OUT = "reference.out"  # the claim on a dossier whose reference copy is out
    REPAIR = "repair"
    TOMBSTONE = "tombstone"  # what remains of a disposed document (id, hash, file name, 档号)
    TRANSACTION = "transaction"  # a customer's business (交易)
    UPGRADE = "upgrade"  # a one-time derivation over stored records, done (customers' regions)



def document_id_for(sha256: str) -> str:
    """Document ids are derived from content, which makes ingestion idempotent on every backend."""
    return "D" + sha256[:20]


class JournalEntry(_Model):
    """One line of the 档案日志. ``hash`` covers every other field and the previous hash."""

    seq: int = Field(ge=1)
    at: datetime
    operator: str
    operation: str
    customer_id: str | None = None
    dossier: str | None = None
    document_id: str | None = None
    department: str | None = None
    remarks: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str
    key_id: str | None = None
    """Which key of the key ring sealed this entry (``docstore.journal_seal``); None: an entry
    written before the journal was keyed."""
    mac: str | None = None
    """HMAC-SHA256 of ``hash`` under the journal key: a rewrite cannot be re-sealed without it."""


class SearchScope(_Model):
    """Sharing between departments: which documents a search may return. Applied inside the
    engine's query, so hits, counts and snippets never come from others (``indexer.scope``)."""

    hidden_customer_ids: list[str] = Field(default_factory=list)
    """Customers of other departments, not shared in full: their documents are left out…"""
    shared_archive_nos: list[str] = Field(default_factory=list)
    """…except those in these dossiers, shared in full on their own."""


class SearchMode(StrEnum):
    ALL = "all"  # every word must match
    ANY = "any"  # ranked: documents holding the most (and rarest) query terms first
    AUTO = "auto"  # ranked for questions and long queries, all for keyword look-ups


INVOICE_FIELDS = {"invoice_no": "发票号码", "invoice_date": "开票日期", "amount": "金额",
                  "seller": "销售方", "buyer": "购买方"}
"""Metadata keys of an e-invoice (read from OFD files) and the labels people know them by:
the fields a search can filter on (``SearchQuery.fields``)."""


def invoice_field(name: str) -> str | None:
    """The metadata key named ``name`` (``invoice_no`` or its label 发票号码), or None."""
    name = name.strip()
    if name in INVOICE_FIELDS:
        return name
    return next((key for key, label in INVOICE_FIELDS.items() if label == name), None)


class SearchQuery(_Model):
    text: str
    mode: SearchMode = SearchMode.AUTO
    like: str | None = None
    """A document id: find documents like it (``text`` is then ignored)."""
    customer_id: str | None = None
    category: str | None = None
    archive_no: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    scope: SearchScope | None = None
    """Set by the search workflow for a user who sees only some departments' archives."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Only documents whose metadata field (an ``INVOICE_FIELDS`` key) contains the value."""
    document_ids: list[str] | None = None
    """Set by the search workflow from ``fields``: only these documents (inside the engine's
    query, like ``scope``)."""

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        for key, value in fields.items():
            if key not in INVOICE_FIELDS:
                raise ValueError(f"unknown field {key!r} (known: {', '.join(INVOICE_FIELDS)})")
            if not value.strip() or len(value) > 200:
                raise ValueError(f"field {key}: give 1–200 characters")
        return {key: value.strip() for key, value in fields.items()}


class SnippetPart(_Model):
    """One run of a snippet: plain text, or a run the query matched (``highlight``). A snippet
    is a list of these and never HTML, so document text cannot inject markup into a page or a
    terminal: each face escapes the text and draws the highlight its own way (as paperless-ngx
    returns ``[{"text": …, "term": 0}]``)."""

    text: str
    highlight: bool = False


class SearchHit(_Model):
    document_id: str
    score: float
    snippet: list[SnippetPart]
    archive_no: str | None = None
    filename: str
    title: str | None = None
    customer_id: str | None = None
    category: str | None = None
    doc_date: date | None = None
    matched: list[str] = Field(default_factory=list)
    """The query terms found in this document (ranked searches)."""


class SearchResults(_Model):
    query: str
    hits: list[SearchHit]
    pending: int = 0
    """Documents stored but not yet indexed: when > 0, results may be incomplete."""
    mode: SearchMode = SearchMode.ALL
    """How the query was run: ``all`` words must match, or ranked (``any``)."""
    facets: dict[str, dict[str, int]] | None = None
    """Counts per customer, category, year and dossier stage over the matching documents."""
    stale: str | None = None
    """Why the search index is out of date (built by another schema or segmenter version)."""


class IngestStatus(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"  # stored by an earlier run of the same batch
    FILED = "filed"  # stored before without a customer/dossier, now filed there (not stored twice)
    FAILED = "failed"


class IngestResult(_Model):
    filename: str
    path: str | None = None
    status: IngestStatus
    document_id: str | None = None
    error: str | None = None
    reason: str | None = None
    needs_ocr: bool = False
    indexed: bool = False
    pages: int | None = None
    parent_id: str | None = None
    """For a member of a container (attachment, zip member): the container's document id."""


class Transaction(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use, as _Model

    id: str
    customer_id: str
    at: datetime
    amount: Decimal
    note: str = Field(default="", max_length=500)
    recorded_by: str
    recorded_at: datetime
    source: str | None = None
    """``csv:<file name>:<line>`` for imported rows."""


class DisposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTING = "executing"
    EXECUTED = "executed"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ListedDocument(_Record):
    id: str
    sha256: str
    filename: str
    size: int
    searchable_sha256: str | None = None
    kind: str | None = None
    title: str | None = None
    doc_date: date | None = None
    created_at: datetime


class ListedDossier(_Record):
    """One line of the 销毁清册."""

    archive_no: str
    dossier_id: str
    customer_id: str
    title: str
    category: str | None
    retention: str | None
    retention_from: date | None
    retention_until: date | None
    documents: list[ListedDocument]


class Disposal(_Record):
    id: str
    status: DisposalStatus = DisposalStatus.PROPOSED
    reason: str | None = None
    items: list[ListedDossier]
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    executed_by: str | None = None
    started_at: datetime | None = None
    executed_at: datetime | None = None
    dossiers_done: list[str] = Field(default_factory=list)
    customers_wiped: list[str] = Field(default_factory=list)
    certificate_sha256: str | None = None
    certificate_pdf_sha256: str | None = None
    journaling: bool = False
    """Set just before the ``dispose.execute`` entry is written (a rerun looks for it)."""
    journal_seq: int | None = None

    @property
    def open(self) -> bool:
        return self.status is not DisposalStatus.EXECUTED
