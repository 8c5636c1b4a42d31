"""Names a browser sends for uploaded files become names in one folder, never paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docstore.jobs.uploads import safe_name


@pytest.mark.parametrize(("sent", "kept"), [
    ("竣工图-01.pdf", "竣工图-01.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\王芳\\Desktop\\合同.docx", "合同.docx"),
    ("竣工资料/第1卷/验收报告.pdf", "验收报告.pdf"),  # a folder upload's relative path
    ("bad\x00name\x1f.txt", "bad_name_.txt"),
    ("..", "未命名"),
    ("", "未命名"),
    ("   .hidden ", "hidden"),
])
def test_safe_name(sent: str, kept: str) -> None:
    assert safe_name(sent) == kept


@given(st.text())
def test_never_a_path(sent: str) -> None:
    name = safe_name(sent)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert not any(ord(c) < 32 for c in name) and len(name) <= 200
