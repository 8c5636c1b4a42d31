"""Background jobs on both backends: run in a thread pool with their state in the store, one of a
kind at a time, interrupted by a restart and resumed, per-file ingest outcomes, failures kept,
permissions checked as the user who submits."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from cli.wiring import open_archive
from docstore import access
from docstore.archive import Archive
from docstore.intake import Batch
from docstore.errors import InvalidValue, PermissionDenied
from docstore.intake import IngestOptions
from docstore.jobs import (InlineDispatcher, Job, JobBusy, JobState, ThreadDispatcher, execute,
                           items, jobs, load, recover, resume, submit)
from docstore.jobs.records import runner_token
from docstore.settings import Settings
from tests.helpers import write_texts


class Parked:
    """A dispatcher that keeps jobs queued, like an external queue nobody consumes yet."""

    def __init__(self) -> None:
        self.runner = runner_token()
        self.queued: list[str] = []

    def dispatch(self, job_id: str) -> None:
        self.queued.append(job_id)

    def shutdown(self, wait: bool = True) -> None:
        from docstore.jobs.records import retire

        retire(self.runner)


def _wait(archive: Archive, job: Job, timeout: float = 60) -> Job:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        current = load(archive, job.id)
        if current.finished:
            return current
        time.sleep(0.05)
    raise AssertionError(f"job {job.id} did not finish: {load(archive, job.id)}")


@pytest.fixture
def office(archive: Archive, settings: Settings) -> Any:
    access.bootstrap(archive)
    access.add_user(archive, "王芳", "archivist", "内勤部")
    access.add_user(archive, "李四", "staff", "业务部")
    return lambda: open_archive(settings)


def _operations(archive: Archive) -> list[str]:
    return [e.operation for e in archive.store.iter_journal() if e.operation.startswith("job.")]


def test_a_job_runs_in_the_pool_and_keeps_its_result(archive: Archive, settings: Settings,
                                                     office: Any) -> None:
    pool = ThreadDispatcher(office, settings)
    try:
        job = submit(archive, pool, "reindex", {"all": True})
        assert job.state is JobState.QUEUED and job.started_by == "tester"
        ended = _wait(archive, job)
    finally:
        pool.shutdown()
    assert ended.state is JobState.DONE, ended.error
    assert (ended.done, ended.total, ended.result) == (0, 0, {"indexed": 0, "failed": 0,
                                                              "pending": 0})
    assert ended.started_at is not None and ended.finished_at is not None
    assert _operations(archive) == ["job.submit", "job.done"]
    assert "reindex" in [e.operation for e in archive.store.iter_journal()]  # the workflow's own


def test_one_job_of_a_kind_at_a_time(archive: Archive, settings: Settings, office: Any) -> None:
    parked = Parked()
    first = submit(archive, parked, "verify")
    with pytest.raises(JobBusy, match=first.id):
        submit(archive, parked, "verify", {"repair": True})
    other = submit(archive, parked, "reindex")  # another kind may run beside it
    for job_id in parked.queued:
        execute(office, settings, job_id)
    assert load(archive, first.id).state is JobState.DONE
    assert load(archive, other.id).state is JobState.DONE
    again = submit(archive, InlineDispatcher(office, settings), "verify")
    assert again.id != first.id and load(archive, again.id).state is JobState.DONE


def test_a_restart_marks_what_was_cut_short_as_interrupted(archive: Archive, settings: Settings,
                                                          office: Any) -> None:
    parked = Parked()
    queued = submit(archive, parked, "reindex")
    assert recover(archive) == []  # its runner is alive: nothing to do
    parked.shutdown()  # the server stops before running it
    dead = subprocess.run(["true"], check=True)  # noqa: S603,S607 - a pid that is surely gone
    del dead
    gone = Parked()
    running = submit(archive, gone, "verify")
    stored = load(archive, running.id)
    archive.store.put_record("job", running.id, stored.model_copy(update={
        "state": JobState.RUNNING, "runner": {**stored.runner, "pid": _dead_pid()}}).model_dump(
            mode="json"))
    found = recover(archive)
    assert sorted(j.id for j in found) == [queued.id, running.id]
    assert {load(archive, j.id).state for j in found} == {JobState.INTERRUPTED}
    assert _operations(archive).count("job.interrupted") == 2
    assert submit(archive, InlineDispatcher(office, settings), "reindex").state is JobState.QUEUED


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])  # noqa: S603,S607
    proc.wait()
    return proc.pid


def test_ingest_job_reports_each_file_and_resumes_its_batch(archive: Archive, settings: Settings,
                                                            office: Any, tmp_path: Path) -> None:
    files = write_texts(tmp_path / "竣工文档", {
        "施工合同.txt": "杭州华建科技有限公司 施工合同 合同编号 HT-2026-0042",
        "竣工验收报告.txt": "竣工验收报告：工程质量合格，同意交付使用。",
        "竣工图说明.txt": "竣工图说明：幕墙、暖通、给排水。"})
    (tmp_path / "竣工文档" / "空文件.pdf").write_bytes(b"")
    parked = Parked()
    job = submit(archive, parked, "ingest", {"paths": [str(tmp_path / "竣工文档")]})
    batch_id = job.params["batch_id"]
    assert batch_id
    # the server died after two files of this batch were stored
    first_two = Batch(archive, paths=[files["施工合同.txt"], files["竣工图说明.txt"]],
                      options=IngestOptions(batch_id=batch_id), batch_id=batch_id)
    assert [r.status.value for r in first_two.results()] == ["added", "added"]
    parked.shutdown()
    assert [j.id for j in recover(archive)] == [job.id]
    archive.user = "王芳"  # someone else resumes it; it runs as them
    again = resume(archive, InlineDispatcher(office, settings), job.id)
    ended = load(archive, again.id)
    assert (ended.state, ended.resumed_from, ended.started_by) == (JobState.DONE, job.id, "王芳")
    assert (ended.done, ended.total, ended.counters["failed"]) == (4, 4, 1)
    assert ended.result == {"batch": batch_id, "added": 1, "duplicate": 0, "skipped": 2,
                            "failed": 1, "pending": 0}
    outcomes = {i["filename"]: i["status"] for i in items(archive, again.id)}
    assert outcomes == {"施工合同.txt": "skipped", "竣工图说明.txt": "skipped",
                        "竣工验收报告.txt": "added", "空文件.pdf": "failed"}
    with pytest.raises(InvalidValue, match="done"):
        resume(archive, InlineDispatcher(office, settings), again.id)


def test_a_failing_job_keeps_its_error_and_frees_its_kind(archive: Archive, settings: Settings,
                                                          office: Any) -> None:
    inside = settings.data_dir / "备份.backup"  # the archive's own folder: refused by backup
    job = submit(archive, InlineDispatcher(office, settings), "backup", {"out": str(inside)})
    ended = load(archive, job.id)
    assert ended.state is JobState.FAILED and ended.error
    assert _operations(archive) == ["job.submit", "job.failed"]
    assert [j.id for j in jobs(archive)] == [job.id]
    with pytest.raises(InvalidValue, match="out"):
        submit(archive, Parked(), "backup", {"oops": 1})


def test_staff_may_not_start_maintenance(archive: Archive, settings: Settings,
                                         office: Any) -> None:
    archive.user = "李四"
    with pytest.raises(PermissionDenied, match="maintain"):
        submit(archive, Parked(), "verify")
    last = archive.store.last_journal_entry()
    assert last is not None and (last.operation, last.details["job"]) == ("denied", "verify")
    with pytest.raises(InvalidValue, match="kind"):
        submit(archive, Parked(), "rm -rf")


class Heard:
    """A listener: every progress call a job makes, as the CLI's bar would hear them."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None, str, dict[str, int]]] = []

    def __call__(self, done: int, total: int | None = None, *, note: str = "",
                 **counters: int) -> None:
        self.calls.append((done, total, note, counters))

    def items(self) -> list[tuple[int, int | None]]:
        """(done, total) of the calls once the total was known."""
        return [(d, t) for d, t, _, _ in self.calls if t is not None]


@pytest.mark.parametrize("kind, params, expected", [
    ("verify", {}, 3 + 9),  # three attachments opened, then nine other checks
    ("reindex", {"all": True}, 3),
    ("ocr_retry", {}, 2),
    ("backup", {"out": "OUT"}, 3),
    ("cleanup", {"apply": True}, 2),
])
def test_every_kind_reports_each_item(archive: Archive, settings: Settings, office: Any,
                                      tmp_path: Path, kind: str, params: dict[str, Any],
                                      expected: int) -> None:
    """One step per item (attachment, document, flagged scan, customer), done/total on the job
    record as it runs and at its end; never 0/1 then 1/1."""
    from docstore import customers
    from tests.aging import at, set_clock

    files = write_texts(tmp_path / "in", {"施工合同.txt": "施工合同 合同编号 HT-2026-0042",
                                          "验收报告.txt": "竣工验收报告：工程质量合格。",
                                          "竣工图说明.txt": "竣工图说明：幕墙、暖通。"})
    assert [r.status.value for r in Batch(archive, paths=list(files.values())).results()] == [
        "added"] * 3
    for doc in list(archive.store.iter_documents())[:2]:  # as if OCR had failed on two
        archive.store.update_document(doc.model_copy(update={"needs_ocr": True}))
    now = archive.clock()
    set_clock(archive, at(2012))
    for name in ("杭州华建科技有限公司", "北京远航物流有限公司"):
        customers.add_customer(archive, name=name)
    set_clock(archive, now)
    params = {k: str(tmp_path / "archive.backup") if v == "OUT" else v for k, v in params.items()}
    heard = Heard()
    job = submit(archive, InlineDispatcher(office, settings, heard), kind, params)
    ended = load(archive, job.id)
    assert ended.state is JobState.DONE, ended.error
    steps = heard.items()
    assert steps[0] == (0, expected) and steps[-1] == (expected, expected), heard.calls
    assert [d for d, _ in steps] == list(range(expected + 1)), heard.calls  # one item at a time
    assert (ended.done, ended.total) == (expected, expected)
    assert ended.rate is not None and ended.eta_seconds is None
    if kind == "cleanup":
        assert ended.counters["archived"] == 2 and ended.result["applied"] is True
    if kind == "backup":  # the tables come first, counted in rows
        assert any(n == "customers" and c["rows"] > 0 for _, t, n, c in heard.calls if t is None)
