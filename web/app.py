"""The web application: settings → archives (one per concurrent request) → routes → pages.

``create_app(settings)`` is what ``archive serve`` runs and what the browser tests start in a
thread. Routes are thin (``web/routes``): check the session, call one workflow of the library
with the logged-in user as operator, render a template. Rules and permission checks live in
the workflows; an ``ArchiveError`` becomes a page here, in one place, with the HTTP status
its kind calls for (a refused permission is 403, and the workflow has journaled it).
"""

from __future__ import annotations

import os
import queue
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from docstore.archive import Archive
from docstore.errors import (ArchiveError, BackendUnavailable, BadInput, Conflict, ExitCode,
                             NotFound, PermissionDenied)
from docstore.jobs import Dispatcher, ThreadDispatcher, recover
from docstore.settings import Settings

from .pages import LoginRequired, render_error
from .security import Throttle

STATIC = Path(__file__).with_name("static")


class ArchivePool:
    """Archives opened once and reused, each serving one request at a time (its ``user`` is
    that request's operator). Opening one per request would reopen SQLite, the blob folder
    or the MongoDB/Elasticsearch clients every time."""

    def __init__(self, opener: Callable[[], Archive],
                 clock: Callable[[], datetime] | None = None) -> None:
        self._opener = opener
        self._clock = clock
        self._free: queue.LifoQueue[Archive] = queue.LifoQueue()
        self._opened: list[Archive] = []

    def take(self) -> Archive | None:
        """A free archive, or None when every one is busy (then ``open`` another)."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return None

    def open(self) -> Archive:
        archive = self._opener()
        if self._clock is not None:
            archive.clock = self._clock
        self._opened.append(archive)
        return archive

    def give_back(self, archive: Archive) -> None:
        archive.user = ""
        self._free.put(archive)

    @contextmanager
    def borrow(self, user: str) -> Iterator[Archive]:
        archive = self.take() or self.open()
        archive.user = user
        try:
            yield archive
        finally:
            self.give_back(archive)

    def close(self) -> None:
        for archive in self._opened:
            archive.close()
        self._opened.clear()


@dataclass
class WebState:
    settings: Settings
    pool: ArchivePool
    throttle: Throttle = field(default_factory=Throttle)
    login_hours: float = 10.0
    """A login lasts at most this long (a working day), however active the session."""
    process_user: str = ""
    """Who runs the server: the operator of journal entries made before anyone logged in."""
    jobs: Dispatcher | None = None
    """Where background jobs (上传归档, 系统维护) run: a thread pool in this process."""


def create_app(settings: Settings, *, session_hours: float = 2.0,
               clock: Callable[[], datetime] | None = None,
               secure_cookies: bool = False) -> FastAPI:
    """The app over the archive ``settings`` describe. ``session_hours``: idle time after
    which the session cookie expires. ``clock``: the archives' clock (tests move time)."""
    from cli.wiring import open_archive  # the one composition root, shared with the CLI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pool = ArchivePool(lambda: open_archive(settings, create=False), clock)  # only init creates

    def job_archive() -> Archive:
        archive = open_archive(settings, create=False)
        if clock is not None:
            archive.clock = clock
        return archive

    jobs = ThreadDispatcher(job_archive, settings)
    app.state.web = WebState(settings=settings, pool=pool, process_user=settings.user, jobs=jobs)
    secret = os.environ.get("ARCHIVE_WEB_SECRET") or secrets.token_urlsafe(48)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="archive_session",
                       max_age=int(session_hours * 3600), same_site="strict",
                       https_only=secure_cookies)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _routes(app)
    app.add_exception_handler(ArchiveError, _archive_error)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _bad_form)  # type: ignore[arg-type]
    app.router.add_event_handler("startup", lambda: _recover(app.state.web))
    app.router.add_event_handler("shutdown", lambda: jobs.shutdown(wait=False))
    app.router.add_event_handler("shutdown", pool.close)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def _recover(state: WebState) -> None:
    """Jobs a previous server left queued or running are marked interrupted (journaled). An
    archive that cannot be opened yet is not this step's to report: every page says why."""
    try:
        with state.pool.borrow(state.process_user) as archive:
            for job in recover(archive):
                log.warning("job %s (%s) was interrupted by a restart", job.id, job.kind)
    except ArchiveError as exc:
        log.warning("background jobs not checked at start: %s", exc.message)


def _routes(app: FastAPI) -> None:
    from .routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)


CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """Pure ASGI middleware (no extra task or stream per request, unlike ``@app.middleware``):
    CSP and friends on every response, ``no-store`` on pages, and the server's own time in a
    ``Server-Timing`` header (for the browser's dev tools and ``benchmarks/web.py``)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if "text/html" in headers.get("content-type", ""):
                    headers.setdefault("Cache-Control", "no-store")
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
            await send(message)

        await self.app(scope, receive, with_headers)


def status_for(exc: ArchiveError) -> int:
    """The HTTP status of a library error: the one mapping, as ``cli.main`` maps exit codes."""
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, BackendUnavailable):
        return 503
    return 400 if exc.exit_code in (ExitCode.USAGE, ExitCode.FAILED) else 500


async def _archive_error(request: Request, exc: ArchiveError) -> HTMLResponse:
    message, where = exc.message, ""
    if isinstance(exc, BadInput) and exc.path is not None:  # a file's name, never a server path
        where = Path(exc.path).name
        message = f"{where}: {exc.detail}"
    return render_error(request, status_for(exc), message, where=where,
                        problems=list(getattr(exc, "problems", None) or []))


async def _bad_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
    """A form or query field of the wrong kind (letters for an entry number): the error page,
    naming the field, instead of FastAPI's JSON."""
    fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
    return render_error(request, 400, f"invalid value of {fields or 'the request'}")


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    target = "/login?next=" + exc.next_path if exc.next_path not in ("", "/") else "/login"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
