"""The web interface's cost over the library (issue 15), measured in one run on one archive:

    python -m benchmarks.web                 # 10,000 documents, embedded
    python -m benchmarks.web --docs 2000 --rounds 5
    python -m benchmarks.web --backend mongo # MongoDB + Elasticsearch (ARCHIVE_TEST_MONGO_URI,
                                             # ARCHIVE_TEST_ES_URL), a database dropped after

- search: the server time of ``GET /search?q=…`` (its ``Server-Timing`` header: routing,
  session, the page's workflow, template) against the library's ``documents.search`` for the
  same query and the same page size, p50/p95 over the corpus queries. Goal: p95 ≤ 1.5×.
  The page's workflow (``docstore.browse.search_page``: one more hit, to know whether a next
  page exists) is shown too, and the counts per customer/category/year the page loads after
  it is shown (``GET /search/facets``: counted by the search index over every match).
- first page: the bytes of the search page and every asset it loads (HTML, CSS, JS), as
  served (no compression). Goal: ≤ 300 KB.
"""

from __future__ import annotations

import argparse
import os
import uuid
import http.cookiejar
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from cli.wiring import open_archive
from docstore import access, set_password
from docstore.documents import PER_PAGE, search, search_page
from docstore.models import SearchQuery
from docstore.settings import Backend, Settings

from .__main__ import _drop, _fill, _pct
from .corpus import QUERIES

USER, PASSWORD = "bench", "bench-password-1"


def _serve(settings: Settings) -> tuple[object, str]:
    import uvicorn

    from web import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0,
                                           log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def _login(url: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)[1]  # type: ignore[index]
    body = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrf": csrf})
    opener.open(url + "/login", body.encode()).read()
    return opener


def _server_ms(opener: urllib.request.OpenerDirector, url: str) -> tuple[float, bytes]:
    with opener.open(url) as response:
        body = response.read()
        timing = response.headers["Server-Timing"]
    return float(timing.split("dur=")[1]), body


def first_page_bytes(opener: urllib.request.OpenerDirector, url: str, html: bytes) -> dict[str, int]:
    sizes = {"/search (HTML)": len(html)}
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
        path = asset.decode()
        sizes[path] = len(opener.open(url + path).read())
    return sizes


def _settings(root: Path, n: int, backend: str) -> Settings:
    common = {"data_dir": root / f"web-{n}", "user": USER, "key_file": root / "keys" / "k.key"}
    if backend == "embedded":
        return Settings(**common)
    tag = uuid.uuid4().hex[:8]
    return Settings(**common, backend=Backend.MONGO, mongo_uri=os.environ["ARCHIVE_TEST_MONGO_URI"],
                    es_url=os.environ["ARCHIVE_TEST_ES_URL"], mongo_db=f"archive_bench_web_{tag}",
                    es_index=f"archive-bench-web-{tag}")


def bench(root: Path, n: int, rounds: int, backend: str) -> None:
    settings = _settings(root, n, backend)
    try:
        _bench(settings, n, rounds, backend)
    finally:
        if backend == "mongo":
            _drop(settings)


def _bench(settings: Settings, n: int, rounds: int, backend: str) -> None:
    archive = open_archive(settings, create=True)
    access.bootstrap(archive)
    set_password(archive, USER, PASSWORD)
    started = time.perf_counter()
    _fill(archive, n)
    print(f"web search at {n} documents, {backend} (filled in {time.perf_counter() - started:.0f}s), "
          f"{len(QUERIES)} queries × {rounds}, page size {PER_PAGE}:")
    server, url = _serve(settings)
    opener = _login(url)
    timings: dict[str, list[float]] = {"library": [], "workflow": [], "page": [], "facets": []}
    html = b""
    for text in QUERIES * rounds:
        t0 = time.perf_counter()
        search(archive, SearchQuery(text=text, limit=PER_PAGE))
        t1 = time.perf_counter()
        search_page(archive, SearchQuery(text=text), 1)
        t2 = time.perf_counter()
        query = urllib.parse.urlencode({"q": text})
        page_ms, body = _server_ms(opener, f"{url}/search?{query}")
        timings["library"].append((t1 - t0) * 1000)
        timings["workflow"].append((t2 - t1) * 1000)
        timings["page"].append(page_ms)
        timings["facets"].append(_server_ms(opener, f"{url}/search/facets?{query}")[0])
        html = html or body
    base = _pct(timings["library"], 95)
    for key, label in (("library", f"documents.search (limit {PER_PAGE})"),
                       ("workflow", "browse.search_page"),
                       ("page", "GET /search server time"),
                       ("facets", "GET /search/facets server time")):
        p50, p95 = _pct(timings[key], 50), _pct(timings[key], 95)
        print(f"  {label:38s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p95 ratio {p95 / base:.2f}")
    print("  goal: GET /search p95 ≤ 1.5 × documents.search p95")
    sizes = first_page_bytes(opener, url, html)
    for name, size in sizes.items():
        print(f"  {name:38s} {size / 1024:7.1f} KB")
    print(f"  first page total {sum(sizes.values()) / 1024:.1f} KB (goal ≤ 300 KB)")
    server.should_exit = True  # type: ignore[attr-defined]
    archive.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web")
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--backend", choices=["embedded", "mongo"], default="embedded")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="archive-bench-web-"))
    try:
        bench(root, args.docs, args.rounds, args.backend)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
