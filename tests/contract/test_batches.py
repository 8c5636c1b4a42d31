"""Manifests, batch ids, reruns and receipts (移交清单)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docstore.intake import Batch
from docstore.customers import add_customer
from docstore.documents import search, show
from docstore.intake import ManifestError, read_manifest
from docstore.models import SearchQuery


def _files(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"竣工资料-{i}.txt"
        path.write_text(f"竣工验收资料第{i}份，隐蔽工程记录", encoding="utf-8")
        paths.append(path)
    return paths


def test_csv_manifest_in_gb18030_ingests_with_row_metadata(archive, tmp_path: Path) -> None:
    c = add_customer(archive, name="杭州华建科技有限公司")
    _files(tmp_path / "docs", 2)
    manifest = tmp_path / "移交清单.csv"
    manifest.write_bytes(
        ("path,customer,dossier,category,title,date\n"
         f"docs/竣工资料-0.txt,{c.id},NQ-2026-JG-0001,竣工,竣工验收报告,2026-10-08\n"
         f"docs/竣工资料-1.txt,{c.id},NQ-2026-JG-0001,竣工,隐蔽工程记录,2026-10-09\n").encode("gb18030"))
    receipt = tmp_path / "receipt.json"
    batch = Batch(archive, manifest=manifest, receipt=receipt)
    results = list(batch.results())
    assert [r.status.value for r in results] == ["added", "added"]
    doc = show(archive, results[1].document_id)
    assert (doc.customer_id, doc.archive_no, doc.category, doc.title, str(doc.doc_date)) == (
        c.id, "NQ-2026-JG-0001", "竣工", "隐蔽工程记录", "2026-10-09")
    hits = search(archive, SearchQuery(text="隐蔽工程", archive_no="NQ-2026-JG-0001")).hits
    assert len(hits) == 2
    data = json.loads(receipt.read_text(encoding="utf-8"))
    assert (data["batch"], data["expected"], data["added"], data["failed"]) == (batch.batch_id, 2, 2, 0)
    assert [f["status"] for f in data["files"]] == ["added", "added"]


def test_malformed_manifest_names_every_bad_line_and_ingests_nothing(archive, tmp_path: Path) -> None:
    c = add_customer(archive, name="张伟", type="person")
    _files(tmp_path / "docs", 3)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,customer,dossier,date\n"
        f"docs/竣工资料-0.txt,{c.id},NQ-2026-HT-0001,2026-01-01\n"
        f"docs/竣工资料-1.txt,{c.id},NQ-2026-HT-0001,2026-02-30\n"
        f",{c.id},,\n"
        f"docs/竣工资料-2.txt,C999999,,\n", encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        list(Batch(archive, manifest=manifest).results())
    assert [p.split(":")[0] for p in err.value.problems] == ["line 3", "line 4"], err.value.problems
    assert archive.store.count_documents() == 0
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("2026-02-30", "2026-02-28")
                        .replace(f",{c.id},,\n", ""), encoding="utf-8")
    with pytest.raises(ManifestError, match="line 4: unknown customer C999999"):
        list(Batch(archive, manifest=manifest).results())
    assert archive.store.count_documents() == 0 and archive.store.get_dossier("NQ-2026-HT-0001") is None


@pytest.mark.parametrize(("text", "problem"), [
    ("name,customer\nx,y\n", "no 'path' column"),
    ("path,colour\nx,red\n", "unknown column(s) colour"),
    ("path\n", "lists no files"),
    ("path,category\na.txt,合同,extra\n", "line 2: more values than columns"),
])
def test_csv_manifest_shapes(tmp_path: Path, text: str, problem: str) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(manifest)


def test_json_manifest_and_its_errors(archive, tmp_path: Path) -> None:
    paths = _files(tmp_path / "docs", 2)
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"files": [{"path": str(paths[0]), "category": "合同"},
                                              {"path": "docs/竣工资料-1.txt", "title": "第二份"}]},
                                   ensure_ascii=False), encoding="utf-8")
    results = list(Batch(archive, manifest=manifest).results())
    assert [r.status.value for r in results] == ["added", "added"]
    manifest.write_text('[{"path": "a.txt"},\n {"path": 3, "date": "明天"}]', encoding="utf-8")
    with pytest.raises(ManifestError, match="item 2: path"):
        read_manifest(manifest)
    manifest.write_text('[{"path": "a.txt"},\n {"path": }]', encoding="utf-8")
    with pytest.raises(ManifestError, match="line 2: invalid JSON"):
        read_manifest(manifest)


def test_rerun_of_a_batch_skips_what_it_did_and_retries_what_failed(archive, tmp_path: Path) -> None:
    paths = _files(tmp_path / "docs", 3)
    missing = paths.pop()
    missing.unlink()
    manifest = tmp_path / "m.csv"
    manifest.write_text("path\n" + "".join(f"docs/{p.name}\n" for p in paths + [missing]),
                        encoding="utf-8")
    first = Batch(archive, manifest=manifest)
    results = list(first.results())
    assert [r.status.value for r in results] == ["added", "added", "failed"]
    assert "listed on line 4" in results[2].error
    missing.write_text("后来补交的竣工资料", encoding="utf-8")
    rerun = Batch(archive, manifest=manifest, batch_id=first.batch_id)
    assert [r.status.value for r in rerun.results()] == ["skipped", "skipped", "added"]
    other = Batch(archive, paths=[tmp_path / "docs"])
    assert {r.status.value for r in other.results()} == {"duplicate"}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["m.csv", "m.json"]))
def test_only_manifest_errors_escape_the_parser(tmp_path_factory, text: str, name: str) -> None:
    manifest = tmp_path_factory.mktemp("m") / name
    manifest.write_text(text, encoding="utf-8")
    try:
        entries = read_manifest(manifest)
    except ManifestError:
        return
    assert entries and all(e.row.path for e in entries)
