"""A small office for the browser tests: people of every role with passwords, customers with
personal data, a contract dossier whose documents say 施工合同, and a document whose text is
hostile HTML. Built with the library's own workflows, on the backend of the ``archive``
fixture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docstore import access, customers, dossiers, set_password
from docstore.archive import Archive
from docstore.demo import SAMPLE_CUSTOMERS, write_samples
from tests.helpers import ingest

PASSWORD = "档案-Passw0rd!"
PEOPLE = [("王芳", "archivist", "内勤部"), ("李强", "staff", "工程部"),
          ("王经理", "manager", "内勤部"), ("赵经理", "manager", "内勤部"),
          ("总经理", "gm", "总经办"), ("孙审计", "auditor", "审计部")]
HOSTILE = ('安全测试 施工合同 附件 <script>window.__pwned = 1</script> '
           '<img src=x onerror="window.__pwned = 2"> 结束')
CONTRACT = "NQ-2026-HT-0042"


@dataclass
class Office:
    customer: str
    person: str
    """A customer who is a person, with a mobile phone (13800138000)."""
    dossier: str
    contract_doc: str
    hostile_doc: str


def build(archive: Archive, folder: Path) -> Office:
    archive.user = "tester"  # the admin (first operator)
    ids = [customers.add_customer(archive, **c).id for c in SAMPLE_CUSTOMERS]
    for name, role, department in PEOPLE:
        access.add_user(archive, name, role, department=department)
        set_password(archive, name, PASSWORD)
    contract = ""
    for sample, path in write_samples(folder / "files"):
        [result] = ingest(archive, [path], customer_id=ids[sample.customer],
                          archive_no=sample.archive_no, category=sample.category,
                          title=path.stem, doc_date=date.fromisoformat(sample.date),
                          kind=sample.kind)
        if sample.archive_no == CONTRACT and not contract:
            contract = result.document_id or ""
    hostile = folder / "安全测试.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    [bad] = ingest(archive, [hostile], customer_id=ids[1], title="安全测试")
    assert dossiers.get(archive, CONTRACT).archive_no == CONTRACT and contract
    return Office(customer=ids[0], person=ids[1], dossier=CONTRACT, contract_doc=contract,
                  hostile_doc=bad.document_id or "")
