"""``archive init`` builds the query segmenter's dictionary file ahead (issue 20): the first
search on a machine would otherwise spend ~2 s building it. Quietly, and never at the cost of
init: where the cache cannot be written, init succeeds and searches fall back to rjieba."""

from __future__ import annotations

import json
from pathlib import Path

from indexer import query_segment


def test_init_builds_the_segmenter_file_before_any_search(run, tmp_path: Path,
                                                          monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    code, out, err = run("init")
    assert code == 0 and err == ""
    built = list((cache / "archive" / "segmenter").glob("jieba-*.sqlite3"))
    assert len(built) == 1
    assert query_segment.file_for(query_segment.default_folder(),
                                  query_segment.sources() or []) == built[0]
    before = built[0].stat().st_mtime_ns
    code, out, _ = run("--json", "search", "施工合同")  # uses the file as it is
    assert code == 0 and json.loads(out) == []
    assert built[0].stat().st_mtime_ns == before


def test_init_succeeds_where_the_file_cannot_be_built(run, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    code, out, err = run("init")
    assert code == 0 and err == "" and "archive ready" in out
    code, out, _ = run("--json", "search", "施工合同")  # rjieba cuts the query instead
    assert code == 0 and json.loads(out) == []


def test_prepare_builds_once_and_reports_when_it_cannot(tmp_path: Path) -> None:
    assert query_segment.prepare(tmp_path / "segmenter")
    (made,) = (tmp_path / "segmenter").glob("jieba-*.sqlite3")
    before = made.stat().st_mtime_ns
    assert query_segment.prepare(tmp_path / "segmenter") and made.stat().st_mtime_ns == before
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert not query_segment.prepare(blocker / "segmenter")
