"""The province of an address, for counting customers by region: hits and misses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docstore.customers.regions import PROVINCES, province


@pytest.mark.parametrize(("address", "expected"), [
    ("浙江省杭州市西湖区文三路100号", "浙江省"),
    ("中国 上海市浦东新区世纪大道1号", "上海市"),
    ("中华人民共和国北京市朝阳区", "北京市"),
    ("杭州市滨江区网商路", "浙江省"),          # a city without its province
    ("深圳市南山区科技园", "广东省"),
    ("广西南宁市青秀区", "广西壮族自治区"),      # short names
    ("内蒙古呼和浩特市", "内蒙古自治区"),
    ("呼和浩特市新城区", "内蒙古自治区"),
    ("黑龙江省哈尔滨市", "黑龙江省"),
    ("ＨＫ香港特别行政区", None),                # full-width noise first: not guessed
    ("香港特别行政区中环", "香港特别行政区"),
    ("美国纽约第五大道", None),
    ("北", None),
    ("", None),
    (None, None),
])
def test_province(address: str | None, expected: str | None) -> None:
    assert province(address) == expected


@given(st.text())
def test_any_text_gives_a_province_or_none(text: str) -> None:
    assert province(text) in (None, *PROVINCES.values())
