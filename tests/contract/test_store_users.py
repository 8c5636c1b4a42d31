"""Whether an archive has users (``RecordStore.has_users``): what opening an archive and
proving who acts ask, on both backends; on MongoDB asked once (users are never deleted)."""

from __future__ import annotations

import pytest

from cli.wiring import open_archive, prove
from docstore.models import Role, User
from docstore.stores import backend_of
from tests.helpers import proven_env


def test_a_new_store_has_no_users_then_has_them_for_good(settings) -> None:
    opened = backend_of(settings).open(settings, True)
    try:
        assert not opened.store.has_users()
        assert not opened.store.has_users()  # "no" is asked again: another process may add one
        opened.store.put_user(User(name="内勤-王芳", role=Role.ADMIN))
        assert opened.store.has_users()
        other = backend_of(settings).open(settings, False)  # another process's view
        try:
            assert other.store.has_users()
        finally:
            other.store.close()
    finally:
        opened.store.close()


@pytest.mark.parametrize("backend", ["mongo"])
def test_opening_and_proving_ask_mongodb_about_users_once(settings, monkeypatch) -> None:
    from pymongo.collection import Collection

    for name, value in proven_env(settings).items():  # an archive with its admin
        monkeypatch.setenv(name, value)
    asked = []
    real = Collection.find  # find_one and every query of the users go through it

    def counted(self, *args, **kwargs):
        if self.name == "users" and not (args and args[0]):  # any user at all
            asked.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "find", counted)
    archive = open_archive(settings, create=False)
    try:
        prove(archive, settings)
    finally:
        archive.close()
    assert len(asked) == 1  # was twice, listing every user each time
