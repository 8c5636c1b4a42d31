"""Rendering and the per-request operator: what every route gets.

``Desk`` is a FastAPI dependency: it checks the session (no login → the login page), lends
the route an archive acting as the logged-in user, and renders templates with the user's
language, CSRF token and permissions (to show only the actions that can succeed; the
workflows check again)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from docstore.access import permissions
from docstore.archive import Archive
from docstore.dossiers import stage_of
from docstore.errors import InvalidValue
from docstore.models import CollectionMethod

from .i18n import LANGUAGES, Formatter, pick
from .security import csrf_token, session_user

TEMPLATES = Path(__file__).with_name("templates")
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


DATE_PATTERN = r"\s*\d{4}\s*[\-\/.年]\s*\d{1,2}\s*[\-\/.月]\s*\d{1,2}\s*日?\s*"
"""A date as people in the office type it: 2026-11-30, 2026/11/30, 2026.11.30, 2026年11月30日
(the HTML ``pattern`` of the date fields, and what ``form_date`` reads). Written for the
browsers' ``v``-flag patterns too, where ``-`` and ``/`` in a class must be escaped."""
MONTH_PATTERN = r"\s*\d{4}-\d{2}\s*"
"""A month as the monthly report reads it: 2026-11."""
_DATE = re.compile(DATE_PATTERN.replace(r"\d{4}", r"(\d{4})").replace(r"\d{1,2}", r"(\d{1,2})"))

LABELS = {
    # loans
    "requested": "待审批", "out": "借出中", "returned": "已归还", "refused": "已拒绝",
    "original": "原件", "copy": "影印", "copy.out": "已批准", "ok": "完好", "damaged": "损坏", "missing": "缺失",
    # dossier stages
    "temporary": "临时档案", "completed": "临时档案（竣工文档已收）", "formal": "正式档案",
    "shelved": "已入柜", "disposed": "已销毁",
    # customers
    "person": "个人", "company": "单位", "active": "正常", "archived": "已归档",
    # background jobs
    "job.queued": "排队中", "job.running": "进行中", "job.done": "已完成", "job.failed": "失败",
    "job.interrupted": "已中断",
    # the rest of the procedure: reference copies, emergency key, shares, duplicate customers
    "reference": "常用复印件",
    "emergency.open": "使用中", "emergency.closed": "已关闭", "emergency.expired": "已到期",
    "share.basic": "基本信息（不含文件）", "share.full": "含文件",
    "dup.phone": "电话相同", "dup.id_number": "证件号相同", "dup.email": "邮箱相同",
    "dup.name": "名称相同", "dup.similar_name": "名称相近",
    # one file of an upload (IngestStatus)
    "ingest.added": "已入库", "ingest.duplicate": "重复（已在库中）",
    "ingest.skipped": "已跳过（此前已入库）", "ingest.filed": "已归入案卷", "ingest.failed": "失败",
}
"""Stored values (English) as people read them; templates pass them through ``_``."""
ENV.globals.update(LABELS=LABELS, stage_of=stage_of, DATE_PATTERN=DATE_PATTERN,
                   MONTH_PATTERN=MONTH_PATTERN,
                   COLLECTION_METHODS=[m.value for m in CollectionMethod])


class LoginRequired(Exception):
    """No valid session: the caller is sent to the login page, then back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def safe_next(value: str | None) -> str:
    """Only a path on this site (never ``//evil.example`` or a full URL) is a place to return to."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def form_date(name: str, value: str) -> date | None:
    """A date form field (``DATE_PATTERN``) as a date (empty: None); anything else, or a day
    that does not exist, is a clear 400 page."""
    text = re.sub(r"\s+", "", value)
    if not text:
        return None
    found = _DATE.fullmatch(text)
    try:
        if found is None:
            raise ValueError(text)
        return date(*(int(part) for part in found.groups()))
    except ValueError as exc:
        raise InvalidValue(name, value, "is not a date (YYYY-MM-DD, e.g. 2026-11-30)") from exc


def formatter(request: Request) -> Formatter:
    state = request.app.state.web
    return Formatter(pick(request.cookies.get("lang")), state.settings.timezone)


def render(request: Request, template: str, status: int = 200, *, user: str | None = None,
           can: frozenset[str] = frozenset(), **context: Any) -> HTMLResponse:
    fmt = formatter(request)
    html = ENV.get_template(template).render(
        request=request, _=fmt.gettext, fmt=fmt, lang=fmt.lang, languages=LANGUAGES,
        user=user, can=can, csrf=csrf_token(request), path=request.url.path,
        here=quote(str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
                   safe=""), **context)
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, message: str, *, where: str = "",
                 problems: list[str] | None = None) -> HTMLResponse:
    """The error page. ``where``: the file refused; ``problems``: each bad line of a refused
    list (an import, a manifest), shown one by one."""
    return render(request, "error.html", status, user=session_user(request), code=status,
                  message=message, where=where, problems=problems or [])


class Desk:
    """The logged-in operator's view of the archive for one request."""

    def __init__(self, request: Request, archive: Archive) -> None:
        self.request = request
        self.archive = archive
        self._can: frozenset[str] | None = None

    @property
    def user(self) -> str:
        return self.archive.user

    @property
    def can(self) -> frozenset[str]:
        if self._can is None:
            self._can = frozenset(str(p) for p in permissions(self.archive))
        return self._can

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status, user=self.user, can=self.can, **context)


async def desk(request: Request) -> AsyncIterator[Desk]:
    """FastAPI dependency: the session's user at the archive, or the way to the login page.
    Async, so taking an archive from the pool costs no hop to a worker thread (only opening a
    new one does)."""
    name = session_user(request)
    if name is None:
        query = "?" + request.url.query if request.url.query else ""
        raise LoginRequired(quote(request.url.path + query, safe="/"))
    pool = request.app.state.web.pool
    archive = pool.take() or await run_in_threadpool(pool.open)
    archive.user = name
    try:
        yield Desk(request, archive)
    finally:
        pool.give_back(archive)
