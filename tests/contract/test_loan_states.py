"""Hypothesis state machine over borrow / approve / refuse / return, on both backends.

Whatever the sequence of commands and operators: no dossier ever has two originals out, a
returned or refused loan stays so, every outcome (done, refused as conflict, denied) is the one
the rules predict, and loan and repair numbers never repeat.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, invariant, precondition, rule,
                                 run_state_machine_as_test)

from docstore import loans
from docstore.errors import Conflict, PermissionDenied
from docstore.models import Loan, LoanKind, LoanStatus
from tests.contract.test_loans import add_dossier, office

LENDERS = {"王芳", "王经理", "赵经理"}
MANAGERS = {"王经理", "赵经理"}
PEOPLE = sorted(LENDERS | {"李强"})


def outcome(step) -> object:  # type: ignore[no-untyped-def]
    try:
        return step()
    except (Conflict, PermissionDenied) as exc:
        return type(exc)


def test_loan_state_machine(archive, backend) -> None:
    clock = office(archive)
    owner = archive.store.get_dossier("NQ-2026-HT-0001").customer_id
    numbers = itertools.count(1)
    issued: set[str] = set()

    class Loans(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dossiers = [f"NQ-2026-SM-{next(numbers):04d}" for _ in range(2)]
            for no in self.dossiers:
                add_dossier(archive, no, owner, n=int(no[-4:]) + 10)
            self.status: dict[str, LoanStatus] = {}
            self.kind: dict[str, LoanKind] = {}
            self.people: dict[str, set[str]] = {}  # borrower and requester

        def _original_out(self, archive_no: str) -> bool:
            return any(self.kind[i] is LoanKind.ORIGINAL and s is LoanStatus.OUT
                       and archive.store.get_record(loans.LOAN, i)["archive_no"] == archive_no
                       for i, s in self.status.items())

        @rule(which=st.integers(0, 1), copy=st.booleans(), operator=st.sampled_from(PEOPLE),
              for_other=st.booleans())
        def borrow(self, which: int, copy: bool, operator: str, for_other: bool) -> None:
            archive_no, borrower = self.dossiers[which], "李强" if for_other else operator
            archive.user = operator
            got = outcome(lambda: loans.borrow(archive, archive_no, purpose="结算审计", copy=copy,
                                               what="合同第1-5页", borrower=borrower))
            if (not copy or borrower != operator) and operator not in LENDERS:
                assert got is PermissionDenied
            elif not copy and self._original_out(archive_no):
                assert got is Conflict
            else:
                assert got not in (Conflict, PermissionDenied), got
                assert got.id not in issued and got.borrower == borrower
                issued.add(got.id)
                self.status[got.id] = got.status
                self.kind[got.id] = got.kind
                self.people[got.id] = {operator, borrower}

        def _pick(self, index: int) -> str:
            ids = sorted(self.status)
            return ids[index % len(ids)]

        @precondition(lambda self: self.status)
        @rule(index=st.integers(0, 50), operator=st.sampled_from(PEOPLE), approve=st.booleans())
        def decide(self, index: int, operator: str, approve: bool) -> None:
            loan_id = self._pick(index)
            archive.user = operator
            step = loans.approve if approve else loans.refuse
            got = outcome(lambda: step(archive, loan_id) if approve
                          else step(archive, loan_id, reason="不予复印"))
            if operator not in MANAGERS:
                assert got is PermissionDenied
            elif self.status[loan_id] is not LoanStatus.REQUESTED:
                assert got is Conflict
            elif approve and operator in self.people[loan_id]:
                assert got is PermissionDenied
            else:
                self.status[loan_id] = LoanStatus.OUT if approve else LoanStatus.REFUSED
                assert got.status is self.status[loan_id]

        @precondition(lambda self: self.status)
        @rule(index=st.integers(0, 50), operator=st.sampled_from(PEOPLE),
              check=st.sampled_from(["ok", "damaged", "missing"]))
        def give_back(self, index: int, operator: str, check: str) -> None:
            loan_id = self._pick(index)
            archive.user = operator
            got = outcome(lambda: loans.return_loan(archive, loan_id, check=check))
            if operator not in LENDERS:
                assert got is PermissionDenied
            elif self.status[loan_id] is not LoanStatus.OUT:
                assert got is Conflict
            else:
                self.status[loan_id] = LoanStatus.RETURNED
                assert (got.repair_id is None) == (check == "ok")
                if got.repair_id:
                    assert got.repair_id not in issued
                    issued.add(got.repair_id)

        @rule(hours=st.integers(1, 30))
        def time_passes(self, hours: int) -> None:
            clock.now += timedelta(hours=hours)

        @invariant()
        def stored_as_predicted(self) -> None:
            everything = {}
            for archive_no in self.dossiers:
                stored = [Loan.model_validate(d) for _k, d in
                          archive.store.iter_records(loans.LOAN, archive_no=archive_no)]
                out = [x.id for x in stored
                       if x.kind is LoanKind.ORIGINAL and x.status is LoanStatus.OUT]
                assert len(out) <= 1, f"two originals of {archive_no} out: {out}"
                assert [x.id for x in loans.open_loans(archive, archive_no)] == [
                    x.id for x in stored if x.status in loans.OPEN]
                everything.update({x.id: x.status for x in stored})
            assert everything == self.status  # returned and refused loans stayed so

    examples = 30 if backend == "embedded" else 12
    run_state_machine_as_test(Loans, settings=settings(
        max_examples=examples, stateful_step_count=15, deadline=None,
        suppress_health_check=list(HealthCheck)))
    assert len(issued) > 10  # the machine did lend, not only get refused
