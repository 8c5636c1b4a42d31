"""Passwords (issue 14): Argon2 hashes on the user record, who may set whose, authentication
journaled both ways, disabled users and the last admin — on both backends."""

from __future__ import annotations

import pytest

from docstore import access, authenticate, disable_user, enable_user, set_password
from docstore.errors import InvalidValue, NotFound, PermissionDenied


def _ops(archive) -> list[str]:
    return [e.operation for e in archive.store.iter_journal()]


@pytest.fixture
def staffed(archive):
    access.add_user(archive, "tester2", "admin")  # tester is admin by bootstrap
    access.add_user(archive, "王芳", "archivist", department="内勤部")
    access.add_user(archive, "李四", "staff")
    return archive


def test_password_is_stored_hashed_never_in_the_journal(staffed) -> None:
    set_password(staffed, "王芳", "正确的马电池订书钉")
    user = staffed.store.get_user("王芳")
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert "正确的马电池订书钉" not in user.password_hash
    assert "password_hash" not in user.public() and user.public()["has_password"] is True
    assert "正确的马电池订书钉" not in repr(user)
    for entry in staffed.store.iter_journal():
        assert "正确的马电池订书钉" not in entry.model_dump_json()
        assert "$argon2" not in entry.model_dump_json()
    assert _ops(staffed)[-1] == "user.password"


def test_authenticate_right_and_wrong_both_journaled(staffed) -> None:
    set_password(staffed, "王芳", "正确的马电池订书钉")
    assert authenticate(staffed, "王芳", "正确的马电池订书钉").name == "王芳"
    last = list(staffed.store.iter_journal())[-1]
    assert (last.operation, last.operator) == ("auth.login", "王芳")
    assert last.details["authenticated_as"] == "王芳" and last.details["method"] == "password"
    for name, secret in (("王芳", "错误的密码错误的密码"), ("无此人", "正确的马电池订书钉"),
                         ("李四", "正确的马电池订书钉")):  # 李四 has no password at all
        with pytest.raises(PermissionDenied, match="wrong user name or password"):
            authenticate(staffed, name, secret)
        last = list(staffed.store.iter_journal())[-1]
        assert last.operation == "auth.failed" and last.details["name"] == name
        assert secret not in last.model_dump_json()


def test_who_may_set_whose_password(staffed) -> None:
    staffed.user = "王芳"
    set_password(staffed, "王芳", "我自己的新密码呀")  # her own: yes
    with pytest.raises(PermissionDenied, match="user.admin"):
        set_password(staffed, "李四", "别人的新密码呀")  # someone else's: no
    assert staffed.store.get_user("李四").password_hash is None
    staffed.user = "tester"
    set_password(staffed, "李四", "管理员设的新密码")  # an admin: anyone's
    assert authenticate(staffed, "李四", "管理员设的新密码").name == "李四"
    with pytest.raises(NotFound):
        set_password(staffed, "无此人", "管理员设的新密码")


@pytest.mark.parametrize("secret, why", [("短密码", "at least 8"), ("x" * 2000, "longer than"),
                                         ("好密码好密码\n第二行", "control characters"),
                                         ("李四", "at least 8")])
def test_bad_passwords_refused_without_echo(staffed, secret: str, why: str) -> None:
    before = _ops(staffed)
    with pytest.raises(InvalidValue, match=why) as caught:
        set_password(staffed, "李四", secret)
    assert secret not in caught.value.message
    assert _ops(staffed) == before and staffed.store.get_user("李四").password_hash is None


def test_disabled_user_cannot_log_in_or_act(staffed) -> None:
    set_password(staffed, "王芳", "正确的马电池订书钉")
    disable_user(staffed, "王芳")
    with pytest.raises(PermissionDenied, match="disabled"):
        authenticate(staffed, "王芳", "正确的马电池订书钉")
    staffed.user = "王芳"
    with pytest.raises(PermissionDenied):
        access.require(staffed, access.Permission.READ)
    staffed.user = "tester"
    enable_user(staffed, "王芳")
    assert authenticate(staffed, "王芳", "正确的马电池订书钉").name == "王芳"


def test_last_admin_cannot_demote_or_disable_themselves(staffed) -> None:
    disable_user(staffed, "tester2")
    with pytest.raises(InvalidValue, match="last enabled admin"):
        access.set_role(staffed, "tester", "staff")
    with pytest.raises(InvalidValue, match="last enabled admin"):
        disable_user(staffed, "tester")
    assert staffed.store.get_user("tester").role.value == "admin"
    enable_user(staffed, "tester2")
    access.set_role(staffed, "tester", "manager")  # another admin remains
    assert staffed.store.get_user("tester").role.value == "manager"
