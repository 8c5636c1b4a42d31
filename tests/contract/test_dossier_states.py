"""Hypothesis state machine over the dossier commands: whatever the sequence (open, add, complete,
finalize with or without a manager's override, shelve/move, disposal, time passing), every
dossier is in the stage ``TRANSITIONS`` says, a refused command changes nothing, and no 档号 is
ever handed out twice."""

from __future__ import annotations

import shutil
from collections.abc import Callable
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant, rule,
                                 run_state_machine_as_test)

from cli.wiring import open_archive
from docstore import access, customers, dossiers
from docstore.intake import dossier_add_options
from docstore.dossiers import TRANSITIONS, Action, Stage
from docstore.errors import ArchiveError, PermissionDenied
from docstore.models import DossierStatus
from tests.conftest import make_settings, require_servers, wipe
from tests.helpers import ingest

KINDS = ["施工合同", "竣工验收报告", "竣工图", "补充协议"]
CHECKLIST = {"HT": {"施工合同", "竣工验收报告", "竣工图"}, "JG": {"竣工验收报告", "竣工图"}}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 10, 8, 9, 0, tzinfo=timezone(timedelta(hours=8)))

    def __call__(self) -> datetime:
        return self.now


class DossierLifecycle(RuleBasedStateMachine):
    backend = "embedded"
    numbers = Bundle("numbers")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="dossier-states-"))
        self.settings = make_settings(self.backend, self.tmp)
        self.archive = open_archive(self.settings)
        self.archive.clock = self.clock = Clock()
        self.customer = customers.add_customer(self.archive, name="杭州华建科技有限公司").id
        access.add_user(self.archive, "王芳", "archivist")
        access.add_user(self.archive, "王经理", "manager")
        self.stage: dict[str, Stage] = {}
        self.kinds: dict[str, set[str]] = {}
        self.handed_out: list[str] = []
        self.files = 0

    def teardown(self) -> None:
        self.archive.close()
        wipe(self.settings)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _as(self, manager: bool) -> None:
        self.archive.user = "王经理" if manager else "王芳"

    def _attempt(self, number: str, allowed: bool, action: Callable[[], object],
                 denied: bool = False) -> None:
        """Run ``action``: it must succeed iff ``allowed``; a refusal must change nothing."""
        before = self.archive.store.get_dossier(number)
        try:
            action()
        except PermissionDenied:
            assert denied, f"denied unexpectedly on {number} ({self.stage[number]})"
            assert self.archive.store.get_dossier(number) == before
            return
        except ArchiveError as exc:
            assert not allowed, f"refused unexpectedly: {exc.message}"
            assert self.archive.store.get_dossier(number) == before
            return
        assert allowed and not denied, f"allowed unexpectedly on {number} ({self.stage[number]})"

    @initialize()
    def start(self) -> None:
        self._as(manager=False)

    @rule(target=numbers, category=st.sampled_from(sorted(CHECKLIST)), give=st.booleans())
    def open(self, category: str, give: bool) -> str:
        given = None
        if give:  # a hand-given number: one beyond the highest handed out so far
            given = f"NQ-2026-{category}-{len(self.handed_out) + 50:04d}"
        d = dossiers.open_dossier(self.archive, customer_id=self.customer, category=category,
                                  contract_date=date(2026, 3, 1), archive_no=given)
        assert d.archive_no not in self.handed_out
        self.handed_out.append(d.archive_no)
        self.stage[d.archive_no], self.kinds[d.archive_no] = Stage.OPEN, set()
        return d.archive_no

    @rule(number=numbers, kind=st.sampled_from(KINDS), force=st.booleans(), manager=st.booleans())
    def add(self, number: str, kind: str, force: bool, manager: bool) -> None:
        self._as(manager)
        stage = self.stage[number]
        late = stage in TRANSITIONS[Action.ADD_LATE]
        allowed = stage in TRANSITIONS[Action.ADD] or (late and force and manager)
        self.files += 1
        path = self.tmp / f"{self.files}-{kind}.txt"
        path.write_text(f"{kind} 第{self.files}份 {number}", encoding="utf-8")

        def run() -> None:
            options = dossier_add_options(self.archive, number, kind, force)
            [result] = ingest(self.archive, [path], **options.__dict__)
            assert result.status == "added"

        self._attempt(number, allowed, run, denied=late and force and not manager)
        if allowed:
            self.kinds[number].add(kind)

    @rule(number=numbers, days_ago=st.integers(0, 10))
    def complete(self, number: str, days_ago: int) -> None:
        allowed = self.stage[number] in TRANSITIONS[Action.COMPLETE]
        received = self.clock.now.date() - timedelta(days=days_ago)
        self._attempt(number, allowed, lambda: dossiers.complete(self.archive, number, received))
        if allowed:
            self.stage[number] = TRANSITIONS[Action.COMPLETE][self.stage[number]]

    @rule(number=numbers, override=st.booleans(), manager=st.booleans())
    def finalize(self, number: str, override: bool, manager: bool) -> None:
        self._as(manager)
        category = self.archive.store.get_dossier(number).category
        complete = CHECKLIST[category] <= self.kinds[number]
        denied = override and not manager
        allowed = (self.stage[number] in TRANSITIONS[Action.FINALIZE] and not denied
                   and (complete or override))
        reason = "纸质原件已核对" if override else None
        self._attempt(number, allowed, lambda: dossiers.finalize(self.archive, number, reason),
                      denied=denied)
        if allowed:
            self.stage[number] = Stage.FORMAL
            d = self.archive.store.get_dossier(number)
            assert (d.finalize_override is not None) == (not complete)

    @rule(number=numbers, location=st.sampled_from(["3号柜-2层-15", "4号柜-1层-02"]))
    def shelve(self, number: str, location: str) -> None:
        before = self.archive.store.get_dossier(number)
        allowed = (self.stage[number] in TRANSITIONS[Action.SHELVE]
                   and before.location != location)
        self._attempt(number, allowed, lambda: dossiers.shelve(self.archive, number, location))
        if allowed:
            self.stage[number] = Stage.SHELVED

    @rule(number=numbers)
    def dispose(self, number: str) -> None:
        """Disposal is another workflow (issue 7); here it just happens to formal dossiers."""
        if self.stage[number] in (Stage.FORMAL, Stage.SHELVED):
            d = self.archive.store.get_dossier(number)
            self.archive.store.update_dossier(d.model_copy(update={"status": DossierStatus.DISPOSED}))
            self.stage[number] = Stage.DISPOSED

    @rule(days=st.integers(1, 7))
    def time_passes(self, days: int) -> None:
        self.clock.now += timedelta(days=days)

    @invariant()
    def every_dossier_is_where_the_table_says(self) -> None:
        stored = {d.archive_no: d for d in self.archive.store.list_dossiers()}
        assert sorted(stored) == sorted(self.handed_out)
        assert len(set(self.handed_out)) == len(self.handed_out)
        for number, d in stored.items():
            assert dossiers.stage_of(d) is self.stage[number], number
            assert (d.finalize_due is not None) == (d.completed_at is not None)
            if d.status in (DossierStatus.FORMAL, DossierStatus.SHELVED):
                assert d.finalized_at is not None and d.completed_at is not None
            if d.status is DossierStatus.SHELVED:
                assert d.location and d.shelved_at
            overdue = dossiers.is_overdue(d, self.clock.now)
            assert not overdue or self.stage[number] is Stage.COMPLETED

    @invariant()
    def no_gaps(self) -> None:
        if self.handed_out:  # every claimed number has its dossier: no crash, no gap
            assert all(not g.missing for g in dossiers.gaps(self.archive))


def test_no_command_sequence_reaches_an_illegal_state() -> None:
    run_state_machine_as_test(DossierLifecycle, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))


class MongoDossierLifecycle(DossierLifecycle):
    backend = "mongo"


def test_no_command_sequence_reaches_an_illegal_state_on_mongo() -> None:
    require_servers()
    run_state_machine_as_test(MongoDossierLifecycle, settings=settings(
        max_examples=4, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
