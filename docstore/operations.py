"""Every operation the 档案日志 records, by name: one list, so a journal entry's operation is
never a string typed twice (the journal keeps the value, e.g. ``hold.set``)."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    ANALYTICS = "analytics"
    ATTACHMENTS_ENCRYPT = "attachments.encrypt"
    ATTACHMENTS_ENCRYPT_START = "attachments.encrypt.start"
    AUTH_FAILED = "auth.failed"
    AUTH_LOCKED = "auth.locked"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    BACKUP = "backup"
    CLEANUP = "cleanup"
    CUSTOMER_ADD = "customer.add"
    CUSTOMER_ARCHIVE = "customer.archive"
    CUSTOMER_CONSENT = "customer.consent"
    CUSTOMER_DUE = "customer.due"
    CUSTOMER_DUPLICATES = "customer.duplicates"
    CUSTOMER_IMPORT = "customer.import"
    CUSTOMER_LIST = "customer.list"
    CUSTOMER_MERGE = "customer.merge"
    CUSTOMER_REGION = "customer.region"
    CUSTOMER_REVIEW = "customer.review"
    CUSTOMER_SHOW = "customer.show"
    CUSTOMER_TRANSACTION = "customer.transaction"
    CUSTOMER_UPDATE = "customer.update"
    CUSTOMER_WIPE = "customer.wipe"
    DENIED = "denied"
    DISPOSE_APPROVE = "dispose.approve"
    DISPOSE_CERTIFICATE = "dispose.certificate"
    DISPOSE_DOSSIER = "dispose.dossier"
    DISPOSE_EXECUTE = "dispose.execute"
    DISPOSE_PROPOSE = "dispose.propose"
    DISPOSE_REFUSED = "dispose.refused"
    DISPOSE_SHOW = "dispose.show"
    DOCUMENT_FILE = "document.file"
    DOSSIER_ADD = "dossier.add"
    DOSSIER_COMPLETE = "dossier.complete"
    DOSSIER_COPYSET = "dossier.copyset"
    DOSSIER_FINALIZE = "dossier.finalize"
    DOSSIER_GAPS = "dossier.gaps"
    DOSSIER_IMPORT = "dossier.import"
    DOSSIER_LIST = "dossier.list"
    DOSSIER_MOVE = "dossier.move"
    DOSSIER_OPEN = "dossier.open"
    DOSSIER_SHELVE = "dossier.shelve"
    DOSSIER_SHOW = "dossier.show"
    EMERGENCY_CLOSE = "emergency.close"
    EMERGENCY_EXPIRE = "emergency.expire"
    EMERGENCY_LIST = "emergency.list"
    EMERGENCY_OPEN = "emergency.open"
    EMERGENCY_USE = "emergency.use"
    GET = "get"
    HOLD_RELEASE = "hold.release"
    HOLD_SET = "hold.set"
    INGEST = "ingest"
    INGEST_BATCH = "ingest.batch"
    INIT = "init"
    JOB_DONE = "job.done"
    JOB_FAILED = "job.failed"
    JOB_INTERRUPTED = "job.interrupted"
    JOB_QUEUED = "job.queued"
    JOB_RUNNING = "job.running"
    JOB_SUBMIT = "job.submit"
    KEY_ROTATE = "key.rotate"
    KEY_ROTATE_START = "key.rotate.start"
    LOAN_APPROVE = "loan.approve"
    LOAN_BORROW = "loan.borrow"
    LOAN_LIST = "loan.list"
    LOAN_REFUSE = "loan.refuse"
    LOAN_RETURN = "loan.return"
    LOG_ANNOTATE = "log.annotate"
    LOG_EXPORT = "log.export"
    LOG_READ = "log.read"
    LOG_TODO = "log.todo"
    LOG_VERIFY = "log.verify"
    MIGRATE_IN = "migrate.in"
    MIGRATE_OUT = "migrate.out"
    NOTICE_ACK = "notice.ack"
    NOTICE_LIST = "notice.list"
    NOTICE_POST = "notice.post"
    OCR_RETRY = "ocr.retry"
    PREVIEW = "preview"
    REINDEX = "reindex"
    REPAIR_CLOSE = "repair.close"
    REPAIR_LIST = "repair.list"
    REPAIR_OPEN = "repair.open"
    REPORT_MONTHLY = "report.monthly"
    RESTORE = "restore"
    RETENTION_SET = "retention.set"
    SEARCH = "search"
    SHARE_GRANT = "share.grant"
    SHARE_LIST = "share.list"
    SHARE_REVOKE = "share.revoke"
    SHOW = "show"
    USER_ADD = "user.add"
    USER_BOOTSTRAP = "user.bootstrap"
    USER_DEPARTMENT = "user.department"
    USER_DISABLE = "user.disable"
    USER_ENABLE = "user.enable"
    USER_PASSWORD = "user.password"
    USER_ROLE = "user.role"
    USER_TOKEN = "user.token"
    USER_TOKEN_REVOKE = "user.token.revoke"
    VERIFY_INDEX = "verify.index"
    VERIFY_RUN = "verify.run"
    WORKBENCH = "workbench"

    @property
    def changes(self) -> bool:
        """Whether the operation changes the archive (else it records an access or a run)."""
        return self not in ACCESSES


ACCESSES = frozenset({
    Operation.SHARE_LIST,
    Operation.EMERGENCY_USE,
    Operation.LOG_TODO,
    Operation.CUSTOMER_DUPLICATES,
    Operation.CUSTOMER_DUE,
    Operation.EMERGENCY_LIST,
    Operation.NOTICE_LIST,
    Operation.ANALYTICS,
    Operation.JOB_DONE,
    Operation.JOB_FAILED,
    Operation.JOB_INTERRUPTED,
    Operation.JOB_QUEUED,
    Operation.JOB_RUNNING,
    Operation.JOB_SUBMIT,
    Operation.AUTH_FAILED,
    Operation.AUTH_LOCKED,
    Operation.AUTH_LOGIN,
    Operation.AUTH_LOGOUT,
    Operation.BACKUP,
    Operation.CLEANUP,
    Operation.CUSTOMER_LIST,
    Operation.CUSTOMER_SHOW,
    Operation.DENIED,
    Operation.DISPOSE_REFUSED,
    Operation.DISPOSE_SHOW,
    Operation.DOSSIER_GAPS,
    Operation.DOSSIER_LIST,
    Operation.DOSSIER_SHOW,
    Operation.GET,
    Operation.PREVIEW,
    Operation.LOAN_LIST,
    Operation.LOG_EXPORT,
    Operation.LOG_READ,
    Operation.LOG_VERIFY,
    Operation.MIGRATE_OUT,
    Operation.REPAIR_LIST,
    Operation.REPORT_MONTHLY,
    Operation.SEARCH,
    Operation.SHOW,
    Operation.VERIFY_INDEX,
    Operation.VERIFY_RUN,
    Operation.WORKBENCH,
})
"""Operations that record an access, a refusal or a run summary, not a change of state."""


def changes(operation: str) -> bool:
    """``Operation.changes`` for a journal entry's operation (also one this version does not
    know, written by a later one: counted as a change)."""
    try:
        return Operation(operation).changes
    except ValueError:
        return True
