"""The bad-input suite (issue 14): a hostile but realistic user on both backends.

Every case runs the CLI as a script would (identity proven with ARCHIVE_PASSWORD), and asserts
the exit code, one clear message (no Python exception name, no traceback), and that nothing else
changed: the records (store dump), attachments, search index and journal are compared before and
after — the journal may only have gained the record of the refusal itself (``denied``,
``auth.failed``…). The refused commands share one office per backend: since none of them may
change anything, each case also checks the ones before it did not.

Tampering, a full disk and kill -9 change the archive on purpose and have their own archives
further down.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from cli.wiring import open_archive
from docstore import access, credentials, customers
from docstore.settings import Settings
from tests.conftest import make_settings, wipe
from tests.helpers import TEST_PASSWORD, flip_blob_byte, give_passwords, ingest

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "内勤-王芳"
PYTHON_NAMES = re.compile(r"Traceback|\b[A-Z][A-Za-z]+(Error|Exception)\b|pydantic|errors\.pydantic")
REFUSALS = {"denied", "auth.failed", "auth.login"}  # the refusal, and who was proven


@dataclass
class Office:
    settings: Settings
    root: Path
    doc_id: str
    customer: str
    env: dict[str, str]

    def fill(self, text: str) -> str:
        return text.format(root=self.root, data=self.settings.data_dir, key=self.settings.key_file,
                           doc=self.doc_id, customer=self.customer)


def _env(settings: Settings, root: Path) -> dict[str, str]:
    env = {"ARCHIVE_DATA_DIR": str(settings.data_dir), "ARCHIVE_KEY_FILE": str(settings.key_file),
           "ARCHIVE_BACKEND": settings.backend.value, "ARCHIVE_USER": ADMIN,
           "ARCHIVE_PASSWORD": TEST_PASSWORD, "ARCHIVE_TOKEN_FILE": str(root / "no.token")}
    if settings.backend.value == "mongo":
        env |= {"ARCHIVE_MONGO_URI": settings.mongo_uri, "ARCHIVE_MONGO_DB": settings.mongo_db,
                "ARCHIVE_ES_URL": settings.es_url, "ARCHIVE_ES_INDEX": settings.es_index}
    return env


def _files(root: Path, settings: Settings) -> None:
    """What the hostile cases point at."""
    os.mkfifo(root / "pipe")
    (root / "exists.txt").write_text("别人的文件", encoding="utf-8")
    (root / "link.pdf").symlink_to(settings.key_file)
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "junk.txt").write_bytes(bytes(range(128, 256)) * 4)
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\n this is not a pdf at all")
    (bad / "fake.docx").write_bytes(b"PK\x03\x04 not really a zip")
    outside = root / "outside"
    outside.mkdir()
    (outside / "工资表.txt").write_text("别人的工资表", encoding="utf-8")
    linked = root / "linked"
    linked.mkdir()
    (linked / "工资表.txt").symlink_to(outside / "工资表.txt")
    (root / "m.csv").write_text(f"path,date\n{outside / '工资表.txt'},2026-02-30\n", encoding="utf-8")
    loose = root / "loose.token"
    loose.write_text(json.dumps({"user": "王经理", "token": "x" * 43}), encoding="utf-8")
    os.chmod(loose, 0o644)
    (root / "config").mkdir()


@pytest.fixture(scope="module", params=["embedded", "mongo"])
def office(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp(f"office-{request.param}")
    settings = make_settings(request.param, root).model_copy(update={"user": ADMIN})
    archive = open_archive(settings)
    try:
        access.bootstrap(archive)
        for name, role in (("王经理", "manager"), ("李四", "staff"), ("赵六", "archivist")):
            access.add_user(archive, name, role, department="内勤部")
        give_passwords(ADMIN, "王经理", "李四", "赵六", archive=archive)
        credentials.disable_user(archive, "赵六")
        customer = customers.add_customer(archive, name="杭州华建科技有限公司")
        (root / "in").mkdir()
        (root / "in" / "合同.txt").write_text("建设工程施工合同 滨江花园二期", encoding="utf-8")
        [result] = ingest(archive, [root / "in" / "合同.txt"], customer_id=customer.id)
    finally:
        archive.close()
    _files(root, settings)
    yield Office(settings, root, result.document_id, customer.id, _env(settings, root))
    wipe(settings)


def snapshot(settings: Settings) -> dict[str, Any]:
    archive = open_archive(settings, create=False)
    archive.journal.sealer = None  # a look: the signed head stays where it is
    try:
        return {"rows": [r for r in archive.store.dump() if r[0] != "journal"],
                "journal": [(e.seq, e.hash, e.operation) for e in archive.store.iter_journal()],
                "blobs": sorted(archive.blobs.iter_hashes()),
                "index": sorted(archive.index.document_ids())}
    finally:
        archive.close()


def cli(office: Office, capsys: pytest.CaptureFixture[str], args: list[str],
        env: dict[str, str | None] | None = None, stdin: str | None = None) -> tuple[int, str, str]:
    saved, saved_stdin = dict(os.environ), sys.stdin
    os.environ.update(office.env)
    for name, value in (env or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = office.fill(value)
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main([office.fill(a) for a in args])
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.stdin = saved_stdin
    out, err = capsys.readouterr()
    return code, out, err


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int
    says: str
    env: tuple[tuple[str, str | None], ...] = ()
    stdin: str | None = None
    journal: frozenset[str] = frozenset()
    """Operations the journal may gain besides refusals (e.g. a failed ingest's batch)."""


def case(*args: str, code: int, says: str, **kw: Any) -> Case:
    env = tuple((kw.pop("env") or {}).items()) if "env" in kw else ()
    return Case(tuple(args), code, says, env=env, **kw)


AS = {"王经理": {"ARCHIVE_USER": "王经理"}}
INGEST = frozenset({"ingest.batch", "ingest.failed", "auth.login"})

CASES: dict[str, Case] = {
    # -- paths: nothing written over the archive, a device, a FIFO, a folder or a file -----------
    "get over the database": case("get", "{doc}", "--out", "{data}/archive.db", "--force",
                                  code=2, says="inside the archive's own files"),
    "get into the blob folder": case("get", "{doc}", "--out", "{data}/blobs/x.pdf", code=2,
                                     says="inside the archive's own files"),
    "get over the key file": case("get", "{doc}", "--out", "{key}", "--force", code=2,
                                  says="inside the archive's own files"),
    "get through a link to the key": case("get", "{doc}", "--out", "{root}/link.pdf", "--force",
                                          code=2, says="inside the archive's own files"),
    "get onto the journal head": case("get", "{doc}", "--out", "{key}.heads/x.head", code=2,
                                      says="inside the archive's own files"),
    "get to /dev/full": case("get", "{doc}", "--out", "/dev/full", "--force", code=2,
                             says="is a device, not a regular file"),
    "get to a FIFO": case("get", "{doc}", "--out", "{root}/pipe", "--force", code=2,
                          says="is a FIFO"),
    "get to a folder": case("get", "{doc}", "--out", "{root}", "--force", code=2,
                            says="is a directory"),
    "get over an existing file": case("get", "{doc}", "--out", "{root}/exists.txt", code=2,
                                      says="exists already; give --force"),
    "log export over the database": case("log", "export", "--out", "{data}/archive.db",
                                         "--force", code=2, says="inside the archive's own files"),
    "log export over a file": case("log", "export", "--out", "{root}/exists.txt", code=2,
                                   says="exists already"),
    "report into the data folder": case("report", "monthly", "--format", "csv", "--out",
                                        "{data}/月报.csv", code=2,
                                        says="inside the archive's own files"),
    "report pdf to /dev/null": case("report", "monthly", "--format", "pdf", "--out",
                                    "/dev/null", "--force", code=2, says="is a device"),
    "backup into the data folder": case("backup", "{data}/备份.backup", code=2,
                                        says="inside the archive's own files"),
    "backup over a file": case("backup", "{root}/exists.txt", code=2, says="exists already"),
    "backup to a FIFO": case("backup", "{root}/pipe", "--force", code=2, says="is a FIFO"),
    "certificate over the key": case("dispose", "certificate", "X000001", "--out", "{key}",
                                     "--force", code=2, says="inside the archive's own files"),
    "receipt into the data folder": case("ingest", "{root}/in", "--receipt", "{data}/r.json",
                                         code=2, says="inside the archive's own files"),
    # -- identities: someone else's name needs proof -------------------------------------------
    "manager's name, no proof": case("customer", "add", "--name", "冒名", code=3,
                                     says="needs proof", env={"ARCHIVE_USER": "王经理",
                                                              "ARCHIVE_PASSWORD": None}),
    "manager's name, wrong password": case("stats", code=3, says="wrong user name or password",
                                           env={"ARCHIVE_USER": "王经理",
                                                "ARCHIVE_PASSWORD": "猜一个密码猜一个"}),
    "unknown user": case("stats", code=3, says="wrong user name or password",
                         env={"ARCHIVE_USER": "无此人"}),
    "--user after the command": case("stats", "--user", "王经理", code=3, says="needs proof",
                                     env={"ARCHIVE_PASSWORD": None}),
    "token file readable by others": case("stats", code=2, says="must belong to you",
                                          env={"ARCHIVE_USER": "王经理", "ARCHIVE_PASSWORD": None,
                                               "ARCHIVE_TOKEN_FILE": "{root}/loose.token"}),
    "disabled user, right password": case("stats", code=3, says="赵六 is disabled",
                                          env={"ARCHIVE_USER": "赵六"}),
    "last admin demotes themselves": case("user", "role", ADMIN, "staff", code=2,
                                          says="last enabled admin"),
    "last admin disables themselves": case("user", "disable", ADMIN, code=2,
                                           says="last enabled admin"),
    "staff adds a user": case("user", "add", "黑客", "--role", "admin", code=3,
                              says="lacks the permission user.admin",
                              env={"ARCHIVE_USER": "李四"}),
    "staff sets another's password": case("user", "password", "王经理", code=3,
                                          says="lacks the permission user.admin",
                                          env={"ARCHIVE_USER": "李四"}, stdin="新的密码新的密码\n"),
    "a short password": case("user", "password", ADMIN, code=2, says="at least 8 characters",
                             stdin="短\n"),
    "a password with a line break": case("user", "password", ADMIN, code=2,
                                         says="control characters", stdin="好密码好密码\r第二行\n"),
    "staff approves a disposal": case("dispose", "approve", "X000001", code=3,
                                      says="lacks the permission approve",
                                      env={"ARCHIVE_USER": "李四"}),
    "user name with a newline": case("user", "add", "王\n经理", "--role", "staff", code=2,
                                     says="control character U+000A"),
    "blank user name": case("user", "add", "   ", "--role", "staff", code=2, says="is blank"),
    # -- values ----------------------------------------------------------------------------------
    "blank customer name": case("customer", "add", "--name", " ", code=2, says="is blank"),
    "name with a newline": case("customer", "add", "--name", "杭州\nC000009 已销毁", code=2,
                                says="control character U+000A"),
    "name with an escape sequence": case("customer", "add", "--name", "\x1b[2J华建", code=2,
                                         says="U+001B"),
    "name with a right-to-left override": case("customer", "add", "--name", "华建\u202etxt.exe",
                                               code=2, says="U+202E"),
    "name of 300 characters": case("customer", "add", "--name", "华" * 300, code=2,
                                   says="longer than 200"),
    "身份证 with a wrong check digit": case("customer", "add", "--name", "张伟", "--id-number",
                                         "330106199001011234", code=2,
                                         says="check digit does not match"),
    "身份证 born on 1990-13-01": case("customer", "add", "--name", "张伟", "--id-number",
                                   "330106199013011237", code=2, says="not a date"),
    "身份证 of 17 digits": case("customer", "add", "--name", "张伟", "--id-number",
                             "33010619900101123", code=2, says="expected 18 characters"),
    "phone with a digit missing": case("customer", "add", "--name", "张伟", "--phone",
                                       "1380013800", code=2, says="not a valid phone number"),
    "phone made of letters": case("customer", "add", "--name", "张伟", "--phone", "电话号码",
                                  code=2, says="not a phone number"),
    "e-mail without a domain": case("customer", "add", "--name", "张伟", "--email", "zhangwei@",
                                    code=2, says="not an e-mail address"),
    "update to a bad phone": case("customer", "update", "{customer}", "--phone", "12345",
                                  code=2, says="phone"),
    "amount 1e309": case("customer", "transaction", "add", "{customer}", "--amount", "1e309",
                         code=2, says="trillion"),
    "amount NaN": case("customer", "transaction", "add", "{customer}", "--amount", "NaN",
                       code=2, says="finite"),
    "amount with 3 decimals": case("customer", "transaction", "add", "{customer}", "--amount",
                                   "12.345", code=2, says="decimal places"),
    "transaction in year 1": case("customer", "transaction", "add", "{customer}", "--amount",
                                  "100", "--at", "0001-01-01", code=2, says="before 1900"),
    "transaction in 2999": case("customer", "transaction", "add", "{customer}", "--amount",
                                "100", "--at", "2999-01-01", code=2, says="in the future"),
    "transaction on 2026-02-30": case("customer", "transaction", "add", "{customer}",
                                      "--amount", "100", "--at", "2026-02-30", code=2,
                                      says="2026-02-30 is not a date"),
    "document dated 2999": case("ingest", "{root}/in", "--date", "2999-01-01", code=2,
                                says="in the future"),
    "document dated 1899": case("ingest", "{root}/in", "--date", "1899-12-31", code=2,
                                says="before 1900"),
    "document dated 2026-02-30": case("ingest", "{root}/in", "--date", "2026-02-30", code=2,
                                      says="2026-02-30 is not a date"),
    "contract signed in year 1": case("dossier", "open", "--customer", "{customer}",
                                      "--category", "HT", "--contract-date", "0001-01-01",
                                      code=2, says="before 1900"),
    "consent dated 2999": case("customer", "consent", "{customer}", "--evidence",
                               "{root}/exists.txt", "--date", "2999-01-01", code=2,
                               says="in the future"),
    "search from month 13": case("search", "合同", "--from", "2026-13-01", code=2,
                                 says="2026-13-01 is not a date"),
    # -- files -------------------------------------------------------------------------------
    "an empty file": case("ingest", "{root}/bad/empty.txt", code=1, says="empty",
                          journal=INGEST),
    "bytes in no known encoding": case("ingest", "{root}/bad/junk.txt", code=1,
                                       says="encoding cannot be told", journal=INGEST),
    "a corrupt PDF": case("ingest", "{root}/bad/corrupt.pdf", code=1, says="corrupt.pdf",
                          journal=INGEST),
    "a fake Word file": case("ingest", "{root}/bad/fake.docx", code=1, says="fake.docx",
                             journal=INGEST),
    "a link out of the folder": case("ingest", "{root}/linked", code=1,
                                     says="outside the folders given; not followed",
                                     journal=INGEST),
    "a file that is not there": case("ingest", "{root}/没有这个文件.pdf", code=1,
                                     says="no such file or folder", journal=INGEST),
    "a manifest dated 2026-02-30": case("ingest", "--manifest", "{root}/m.csv", code=2,
                                        says="2026-02-30 is not a date"),
    "the archive's own data folder": case("ingest", "{data}", code=1, says="never ingested",
                                       journal=INGEST),
    # -- the archive and its key: never made by mistake (a mistyped --data-dir: test_identity_cli)
    "a missing key file": case("stats", code=1, says="not found: this archive's personal data",
                               env={"ARCHIVE_KEY_FILE": "{root}/lost.key"}),
    "a key file inside the data folder": case("stats", code=2, says="must not be inside",
                                              env={"ARCHIVE_KEY_FILE": "{data}/k.key"}),
    "a bad setting": case("stats", code=2, says="lock_timeout",
                          env={"ARCHIVE_LOCK_TIMEOUT": "-1"}),
    "an unknown time zone": case("stats", code=2, says="unknown time zone",
                                 env={"ARCHIVE_TIMEZONE": "Mars/Olympus"}),
}


CASES_PER_BACKEND = [pytest.param(backend, name, id=f"{backend}-{name}")
                     for name in CASES for backend in ("embedded", "mongo")]
"""Every case on both backends: none is about the embedded data folder alone (a mistyped
--data-dir is in test_identity_cli), and a skip would fail CI."""


@pytest.mark.parametrize(("office", "name"), CASES_PER_BACKEND, indirect=["office"])
def test_refused_and_nothing_changed(office: Office, capsys, name: str) -> None:
    spec = CASES[name]
    before = snapshot(office.settings)
    code, out, err = cli(office, capsys, list(spec.args), dict(spec.env), spec.stdin)
    after = snapshot(office.settings)
    said = out + err
    assert code == spec.code, said
    assert spec.says in said, said
    assert not PYTHON_NAMES.search(said), said
    assert len([line for line in err.splitlines() if line.lower().startswith("error")]) == 1, err
    for part in ("rows", "blobs", "index"):
        assert after[part] == before[part], f"{part} changed"
    old = len(before["journal"])
    assert after["journal"][:old] == before["journal"], "the journal was rewritten"
    gained = {op for _, _, op in after["journal"][old:]}
    assert gained <= REFUSALS | spec.journal, gained
    assert not (office.root / "lost.key").exists()
    assert (office.root / "exists.txt").read_text(encoding="utf-8") == "别人的文件"


def test_the_suite_is_big_enough() -> None:
    assert len(CASES) >= 60


# -- tampering: the archive notices, and says where ---------------------------------------------

def test_get_refuses_a_tampered_attachment(archive, settings, tmp_path: Path) -> None:
    src = tmp_path / "合同.txt"
    src.write_text("建设工程施工合同，合同金额一百万元。" * 20, encoding="utf-8")
    [result] = ingest(archive, [src])
    doc = archive.store.get_document(result.document_id)
    give_passwords("tester", archive=archive)
    archive.close()
    flip_blob_byte(settings, doc.sha256)
    env = {**_env(settings, tmp_path), "ARCHIVE_USER": "tester"}
    out = tmp_path / "取出.txt"
    done = subprocess.run([sys.executable, "-m", "cli", "get", doc.id, "--out", str(out)],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"document {doc.id} (合同.txt): the stored bytes do not match" in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".取出*"))
    assert not PYTHON_NAMES.search(done.stderr)


def test_disk_full_during_get_is_one_named_error(archive, settings, tmp_path: Path) -> None:
    src = tmp_path / "大合同.txt"
    src.write_text("建设工程施工合同。" * 4000, encoding="utf-8")
    [result] = ingest(archive, [src])
    give_passwords("tester", archive=archive)
    archive.close()
    before = snapshot(settings)

    def small_disk() -> None:  # the file system is full after 4 KiB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "取出.txt"
    env = {**os.environ, **_env(settings, tmp_path), "ARCHIVE_USER": "tester"}
    done = subprocess.run([sys.executable, "-m", "cli", "get", result.document_id, "--out",
                           str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, preexec_fn=small_disk)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "could not be written" in done.stderr
    assert "the disk" in done.stderr and (str(out) in done.stderr or str(settings.data_dir)
                                           in done.stderr or settings.backend.value == "mongo")
    assert not out.exists() and not list(tmp_path.glob(".取出*"))
    after = snapshot(settings)
    assert (after["rows"], after["blobs"], after["index"]) == (
        before["rows"], before["blobs"], before["index"])


def test_staged_copies_left_by_kill_9_are_removed_by_the_next_run(archive, settings,
                                                                  tmp_path: Path) -> None:
    access.bootstrap(archive)
    give_passwords("tester", archive=archive)
    archive.close()
    left = settings.work_dir / "stage-abc123.txt"  # what ingest leaves when killed mid-file
    left.write_text("身份证号码 330106199001011234 明文", encoding="utf-8")
    env = {**os.environ, **_env(settings, tmp_path), "ARCHIVE_USER": "tester"}
    done = subprocess.run([sys.executable, "-m", "cli", "--json", "verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert not left.exists()
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["no staged copies or partial blobs left behind"]["ok"]


def test_a_rewritten_journal_is_named_by_log_verify(archive, settings, tmp_path: Path) -> None:
    for i in range(3):
        customers.add_customer(archive, name=f"客户{i}")
    give_passwords("tester", archive=archive)
    archive.close()
    if settings.backend.value == "embedded":
        db = sqlite3.connect(settings.db_path)
        last = db.execute("SELECT max(seq) FROM journal").fetchone()[0]
        db.execute("DELETE FROM journal WHERE seq >= ?", (last - 1,))
        db.commit()
        db.close()
    else:
        import pymongo

        journal = pymongo.MongoClient(settings.mongo_uri)[settings.mongo_db]["journal"]
        last = journal.find_one(sort=[("_id", -1)])["_id"]
        journal.delete_many({"_id": {"$gte": last - 1}})
    env = {**os.environ, **_env(settings, tmp_path), "ARCHIVE_USER": "tester"}
    done = subprocess.run([sys.executable, "-m", "cli", "log", "verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "the last entries were deleted" in done.stderr
    assert not PYTHON_NAMES.search(done.stderr)
