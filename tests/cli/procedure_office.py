"""An office for the procedure scenarios, on both backends: the CLI run in-process as a named
user against an embedded archive or the real MongoDB + Elasticsearch servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli.main import main
from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.settings import Settings, load_settings
from tests.conftest import make_settings, wipe
from tests.helpers import TEST_PASSWORD, give_passwords

Run = Callable[..., tuple[int, str, str]]
USERS = [("王芳", "archivist", "内勤部"), ("李强", "staff", "工程部"),
         ("王经理", "manager", "内勤部"), ("赵经理", "manager", "工程部"),
         ("总经理", "gm", None)]


class Office:
    def __init__(self, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
        self.settings = settings
        self._capsys = capsys

    def run(self, user: str, *args: str) -> tuple[int, str, str]:
        code = main(["--user", user, *args])
        out, err = self._capsys.readouterr()
        return code, out, err

    def archive(self) -> Archive:
        """The same archive opened directly, for what a test must do behind the CLI's back."""
        return open_archive(load_settings(), create=False)


@pytest.fixture(params=["embedded", "mongo"])
def office(request, tmp_path: Path, capsys, monkeypatch) -> Iterator[Office]:
    settings = make_settings(request.param, tmp_path)
    env = {"ARCHIVE_DATA_DIR": settings.data_dir, "ARCHIVE_KEY_FILE": settings.key_file,
           "ARCHIVE_BACKEND": settings.backend.value, "ARCHIVE_USER": "管理员",
           "ARCHIVE_PASSWORD": TEST_PASSWORD}
    if request.param == "mongo":
        env |= {"ARCHIVE_MONGO_URI": settings.mongo_uri, "ARCHIVE_MONGO_DB": settings.mongo_db,
                "ARCHIVE_ES_URL": settings.es_url, "ARCHIVE_ES_INDEX": settings.es_index}
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    made = Office(settings, capsys)
    assert made.run("管理员", "init")[0] == 0
    for name, role, dept in USERS:
        args = ["user", "add", name, "--role", role] + (["--department", dept] if dept else [])
        assert made.run("管理员", *args)[0] == 0
    give_passwords(*(name for name, _, _ in USERS))
    yield made
    wipe(settings)
