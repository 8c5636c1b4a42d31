"""archive job list | show | run | resume"""

from __future__ import annotations

import json

import click

from docstore import jobs as workflow
from docstore.errors import PartialFailure

from .context import AppContext, pass_app
from .progress import terminal_progress
from .render import table


@click.group("job")
def job() -> None:
    """Background jobs (上传归档, 四性检测, 重建索引, OCR 重试, 备份, 客户清理): the ones
    `archive serve` runs, kept in the archive with their progress and result.

    \b
    Example:
      archive job list
      archive job run verify
      archive job run ingest --param 'paths=["./竣工文档"]' --param customer_id=C000001
      archive job resume J000003
    """


@job.command("list")
@pass_app
def list_jobs(app: AppContext) -> None:
    """Jobs, newest first (yours; every job for those who maintain the archive).

    \b
    Example:
      archive --json job list
    """
    found = workflow.visible_jobs(app.archive)
    if app.json_output:
        app.emit_json([j.model_dump(mode="json") for j in found])
        return
    rows = [(j.id, workflow.KINDS[j.kind].label, j.state.value, f"{j.done}/{j.total or '?'}",
             j.started_by, f"{j.created_at:%Y-%m-%d %H:%M}", j.error or "") for j in found]
    app.out.print(table(("任务", "类型", "状态", "进度", "发起人", "创建时间", "错误"), rows))


@job.command("show")
@click.argument("job_id")
@pass_app
def show(app: AppContext, job_id: str) -> None:
    """One job: state, progress, result, and each file of an ingest.

    \b
    Example:
      archive job show J000001
    """
    found, outcomes = workflow.job_status(app.archive, job_id)
    app.emit_json({**found.model_dump(mode="json"), "items": outcomes})


@job.command("run")
@click.argument("kind", type=click.Choice(list(workflow.KINDS)))
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter; VALUE is read as JSON when it parses (true, 3, [\"a\"]).")
@pass_app
def run(app: AppContext, kind: str, params: tuple[str, ...]) -> None:
    """Run a job now, in this process, with a progress bar; it is recorded like the
    background ones (exit 1 if it fails).

    \b
    Example:
      archive job run reindex --param all=true
      archive job run backup --param out=/mnt/备份/archive.backup
    """
    _finish(app, lambda dispatcher: workflow.submit(app.archive, dispatcher, kind,
                                                     dict(_pair(p) for p in params)))


@job.command("resume")
@click.argument("job_id")
@pass_app
def resume(app: AppContext, job_id: str) -> None:
    """Run an interrupted or failed job again with the same parameters (an ingest: the same
    batch, so what it stored is skipped).

    \b
    Example:
      archive job resume J000003
    """
    _finish(app, lambda dispatcher: workflow.resume(app.archive, dispatcher, job_id))


def _finish(app: AppContext, start) -> None:  # type: ignore[no-untyped-def]
    from .wiring import open_archive

    with terminal_progress(app, "job") as bar:
        dispatcher = workflow.InlineDispatcher(lambda: open_archive(app.settings, create=False),
                                               app.settings,
                                               bar)
        try:
            started = start(dispatcher)
        finally:
            dispatcher.shutdown()
    ended = workflow.load(app.archive, started.id)
    if app.json_output:
        app.emit_json(ended.model_dump(mode="json"))
    else:
        app.out.print(f"{ended.id} {ended.kind} {ended.state.value} {ended.done}/"
                      f"{ended.total or '?'}", markup=False)
        if ended.result is not None:
            app.out.print(json.dumps(ended.result, ensure_ascii=False), markup=False)
    if ended.state is not workflow.JobState.DONE:
        raise PartialFailure(f"job {ended.id} {ended.state.value}: {ended.error}")
    if ended.counters.get("failed"):  # like `archive ingest`: some items failed, exit 1
        raise PartialFailure(f"job {ended.id}: {ended.counters['failed']} item(s) failed; "
                             f"see archive job show {ended.id}")


def _pair(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.UsageError(f"--param {text!r}: expected KEY=VALUE")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value
