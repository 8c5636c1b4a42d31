"""Browser tests: real headless Chromium (Debian's ``chromium-headless-shell`` or ``chromium``)
driven by Playwright for Python, against ``archive serve``'s app running in this process
(uvicorn in a thread on 127.0.0.1, a free port) over a test office on the ``archive``
fixture's backend. Every test's page records each request it makes; a request to any host but
127.0.0.1 fails the test (no CDN, nothing leaves the host)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from docstore.settings import Settings
from tests.conftest import unavailable

from .office import PASSWORD, Office, build

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-domain-reliability"]
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def chromium() -> str:
    for name in ("chromium-headless-shell", "chromium"):
        if found := shutil.which(name):
            return found
    unavailable("needs Chromium: apt-get install chromium-headless-shell (Debian), "
                "and pip install playwright")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Site:
    url: str
    office: Office
    settings: Settings
    shots: Path
    requests: list[str] = field(default_factory=list)

    def open(self, browser, viewport: dict[str, int] = WIDE):  # type: ignore[no-untyped-def]
        """A fresh browser context (its own cookies) whose every request is recorded."""
        context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        context.on("request", lambda request: self.requests.append(request.url))
        context.set_default_timeout(15_000)
        return context.new_page()

    def login(self, page, name: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
        page.goto(self.url + "/login")
        page.get_by_label("用户名").fill(name)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")

    def shot(self, page, name: str) -> Path:  # type: ignore[no-untyped-def]
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def _serve(settings: Settings) -> tuple[object, threading.Thread, str]:
    import uvicorn

    from web import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def site(archive, settings: Settings, tmp_path: Path) -> Iterator[Site]:
    """The office on the parametrised backend, served; after the test, every request the
    browser made must have gone to 127.0.0.1."""
    office = build(archive, tmp_path)
    server, thread, url = _serve(settings)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    s = Site(url=url, office=office, settings=settings, shots=shots)
    yield s
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)
    foreign = [u for u in s.requests if urlsplit(u).hostname not in ("127.0.0.1", None)
               and not u.startswith(("data:", "about:", "blob:"))]
    assert s.requests, "the browser made no request at all"
    assert foreign == [], f"requests left the host: {foreign}"
