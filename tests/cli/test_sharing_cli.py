"""Sharing between departments (跨部门共享) as users meet it, on both backends: staff see their
own department's archives and what was shared with it — in search (hits, counts, snippets),
show, get, dossiers, customers and loans — and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.procedure_office import Office, office  # noqa: F401 (the fixture)


def _ok(result: tuple[int, str, str]) -> object:
    code, out, err = result
    assert code == 0, err
    return json.loads(out) if out.strip().startswith(("{", "[")) else out


def _filed(office: Office, tmp_path: Path, name: str, department: str, text: str) -> tuple[str, str, str]:
    customer = _ok(office.run("王芳", "--json", "customer", "add", "--name", name,
                              "--department", department))["id"]
    archive_no = _ok(office.run("王芳", "--json", "dossier", "open", "--customer", customer,
                                "--category", "HT", "--contract-date", "2026-03-01"))["archive_no"]
    folder = tmp_path / customer
    folder.mkdir()
    (folder / "合同.txt").write_text(text, encoding="utf-8")
    code, out, err = office.run("王芳", "--json", "ingest", str(folder), "--customer", customer,
                                "--dossier", archive_no)
    assert code == 0, err
    document = json.loads(out)[0]["document_id"] if out.strip().startswith("[") else None
    return customer, archive_no, document


def _search(office: Office, user: str, text: str) -> list[dict]:
    return _ok(office.run(user, "--json", "search", text))


def test_staff_see_their_department_and_what_is_shared_with_it(office, tmp_path):
    own = _filed(office, tmp_path, "杭州华建科技有限公司", "工程部", "滨江花园二期施工合同，工程部负责。")
    other = _filed(office, tmp_path, "宁波海天贸易有限公司", "财务部",
                   "海天贸易保密结算协议，含结算单价与返利条款。")

    # the archive office sees both
    assert len(_search(office, "王芳", "结算协议")) == 1
    # staff of 工程部: a term only in 财务部's dossier gives nothing at all
    assert _search(office, "李强", "结算协议") == []
    assert _search(office, "李强", "返利") == []
    faceted = _ok(office.run("李强", "--json", "search", "结算协议", "--facets"))
    assert faceted["hits"] == [] and faceted["facets"]  # the facets are there, and count nothing
    assert {name: {k: n for k, n in counts.items() if n} for name, counts in
            faceted["facets"].items()} == {name: {} for name in faceted["facets"]}
    assert other[0] not in json.dumps(faceted, ensure_ascii=False)
    shown = _ok(office.run("王芳", "--json", "search", "结算协议", "--facets"))["facets"]
    assert other[0] in json.dumps(shown)  # the same search by the office counts it
    assert [h["archive_no"] for h in _search(office, "李强", "施工合同")] == [own[1]]

    code, _, err = office.run("李强", "dossier", "show", other[1])
    assert code == 3 and "not shared with 工程部" in err
    code, _, err = office.run("李强", "customer", "show", other[0])
    assert code == 3
    listed = [c["id"] for c in _ok(office.run("李强", "--json", "customer", "list"))]
    assert listed == [own[0]]
    code, _, err = office.run("李强", "loan", "borrow", other[1], "--purpose", "查", "--copy")
    assert code == 3

    # shared, basic: the record, not the documents
    share = _ok(office.run("王芳", "--json", "share", other[1], "--with", "工程部"))
    assert share["fields"] == "basic"
    assert _ok(office.run("李强", "--json", "dossier", "show", other[1]))
    assert _search(office, "李强", "结算协议") == []
    # shared in full: the documents too
    full = _ok(office.run("王芳", "--json", "share", other[1], "--with", "工程部", "--fields", "full"))
    hits = _search(office, "李强", "结算协议")
    assert [h["archive_no"] for h in hits] == [other[1]]
    assert office.run("李强", "loan", "borrow", other[1], "--purpose", "核对", "--copy")[0] == 0
    # revoked: gone again
    assert office.run("王芳", "unshare", full["id"])[0] == 0
    assert office.run("王芳", "unshare", share["id"])[0] == 0
    assert _search(office, "李强", "结算协议") == []
    shares = _ok(office.run("王芳", "--json", "shares", "--all"))
    assert {s["id"] for s in shares} == {share["id"], full["id"]}
    entries = _ok(office.run("管理员", "--json", "log", "--operation", "share"))
    assert [e["operation"] for e in entries] == ["share.grant", "share.grant", "share.revoke",
                                                 "share.revoke", "share.list"]
    code, _, err = office.run("李强", "share", other[1], "--with", "工程部")
    assert code == 3


def test_a_term_only_in_another_departments_dossier_gives_no_hits_and_no_counts(office,
                                                                                 tmp_path):
    """Not even the facet counts (per customer, category, year, stage) betray that another
    department's dossier holds the term — for keyword queries and for ranked questions — and
    "more like" one of its documents is refused like ``show``."""
    own = _filed(office, tmp_path, "杭州华建科技有限公司", "工程部", "滨江花园二期施工合同，工程部负责。")
    other = _filed(office, tmp_path, "宁波海天贸易有限公司", "财务部",
                   "海天贸易保密结算协议，含结算单价与返利条款。返利按季度结算。")
    question = "海天贸易的保密结算协议里返利条款是怎么约定的？"
    for user, expected in (("王芳", 1), ("李强", 0)):
        for text in ("返利", question):
            found = _ok(office.run(user, "--json", "search", "--facets", text))
            assert len(found["hits"]) == expected, (user, text)
            facets = found["facets"]
            assert {name: sum(c.values()) for name, c in facets.items() if name != "year"} \
                == {"customer": expected, "category": expected, "stage": expected}, facets
            assert sum(facets["year"].values()) == 0  # the file states no date
    own_doc = _search(office, "李强", "施工合同")[0]["document_id"]
    other_doc = _search(office, "王芳", "结算协议")[0]["document_id"]
    assert _ok(office.run("李强", "--json", "search", "--like", own_doc)) == []
    code, out, err = office.run("李强", "search", "--like", other_doc)
    assert code == 3 and "not shared with 工程部" in err and out == ""
    assert office.run("王芳", "search", "--like", other_doc)[0] == 0
    assert own[1] != other[1]
