"""``kill -9`` between a change's journal entry and the change itself, for five workflows, on
both backends: the rerun of the same command leaves every change journaled exactly once.

The process is killed at the worst moment there is — inside ``docstore.changes.change``, right
after the entry is written and before the change is made (its ``after_journal`` hook, set by the
child process only). On MongoDB (no transactions) the killed run leaves the entry without its
change: the journal says what is about to happen, never less than what happened. On SQLite the
transaction rolls both back. Either way the rerun makes the change and it is journaled once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore import access, customers, disposal, dossiers
from docstore.archive import Archive
from docstore.journal import verify_chain
from docstore.models import Customer, CustomerStatus, RecordKind, Role
from docstore.operations import Operation
from docstore.settings import Settings
from tests.aging import at, set_clock

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, signal, sys
from cli.wiring import open_archive
from docstore import changes
from docstore.settings import Settings
from tests.faults.test_journal_first_faults import WORKFLOWS

settings = Settings.model_validate_json(sys.argv[1])
name, target = sys.argv[2], sys.argv[3]

def die(operation):
    if operation == target:
        os.kill(os.getpid(), signal.SIGKILL)

changes.after_journal = die
archive = open_archive(settings)
WORKFLOWS[name].run(archive)
print("the change was made without being killed", flush=True)
"""


class Workflow:
    """One workflow under test: how to prepare the archive, run the change, and see it made."""

    def __init__(self, operation: Operation, prepare: Callable[[Archive], None],
                 run: Callable[[Archive], object], made: Callable[[Archive], bool]) -> None:
        self.operation, self.prepare, self.run, self.made = operation, prepare, run, made


def _customer(archive: Archive) -> str:
    return customers.add_customer(archive, name="杭州华建科技有限公司", phone="0571-88886666").id


def _dossier(archive: Archive) -> None:
    dossiers.open_dossier(archive, customer_id=_customer(archive), category="HT",
                          project="滨江花园二期", contract_date=date(2026, 3, 1))


def _number(archive: Archive) -> str:
    [dossier] = archive.store.list_dossiers()
    return dossier.archive_no


def _old_customer(archive: Archive) -> None:
    set_clock(archive, at(2019, 5, 6))  # no business since: cleanup archives it
    customers.add_customer(archive, name="宁波老客户贸易有限公司")


def _first_customer(archive: Archive) -> Customer:
    return archive.store.list_customers(limit=1)[0]


WORKFLOWS: dict[str, Workflow] = {
    "hold set": Workflow(
        Operation.HOLD_SET, _dossier,
        lambda a: disposal.set_hold(a, _number(a), "（2026）浙0106民初1234号 诉讼保全"),
        lambda a: a.store.get_dossier(_number(a)).hold is not None),
    "customer update": Workflow(
        Operation.CUSTOMER_UPDATE, _customer,
        lambda a: customers.update_customer(a, _first_customer(a).id, phone="0571-12345678"),
        lambda a: customers.get_customer(a, _first_customer(a).id).phone == "0571-12345678"),
    "role change": Workflow(
        Operation.USER_ROLE, lambda a: (_customer(a), access.add_user(a, "李强", "staff")),
        lambda a: access.set_role(a, "李强", "manager"),
        lambda a: a.store.get_user("李强").role is Role.MANAGER),
    "cleanup apply": Workflow(
        Operation.CUSTOMER_ARCHIVE, _old_customer,
        lambda a: disposal.run_cleanup(a, "3y", apply=True),
        lambda a: _first_customer(a).status is CustomerStatus.ARCHIVED),
    "transaction add": Workflow(
        Operation.CUSTOMER_TRANSACTION, _customer,
        lambda a: customers.add_transaction(a, _first_customer(a).id, "128000.00",
                                            note="二期首付款", at="2026-11-03"),
        lambda a: len(list(a.store.iter_records(RecordKind.TRANSACTION))) == 1),
}


def _entries(archive: Archive, operation: Operation) -> int:
    return Counter(e.operation for e in archive.store.iter_journal())[operation.value]


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_kill_between_entry_and_change_then_rerun_journals_it_once(
        settings: Settings, name: str) -> None:
    workflow = WORKFLOWS[name]
    archive = open_archive(settings)
    try:
        workflow.prepare(archive)
        assert _entries(archive, workflow.operation) == 0
    finally:
        archive.close()

    child = subprocess.run([sys.executable, "-c", CHILD, settings.model_dump_json(), name,
                            workflow.operation.value], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    archive = open_archive(settings)
    try:
        assert not workflow.made(archive), "the change was made before its journal entry"
        left = _entries(archive, workflow.operation)
        assert left == (1 if settings.backend == "mongo" else 0)  # SQLite: rolled back
        workflow.run(archive)  # the same command again
        assert workflow.made(archive)
        assert _entries(archive, workflow.operation) == 1
        assert list(archive.store.iter_records(RecordKind.CHANGE)) == []
        assert verify_chain(archive.store.iter_journal()) is None
        if name == "customer update":  # finished, it swallows no later change
            customers.update_customer(archive, _first_customer(archive).id, phone="0571-87654321")
            assert _entries(archive, workflow.operation) == 2
    finally:
        archive.close()
