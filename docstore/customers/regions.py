"""The province (省级行政区) an address lies in, for counting customers by region.

Addresses are personal data, encrypted at rest. The province is derived once, when an address
is sealed (``register.seal``), and kept beside it as the customer's ``region``; only the province
name is ever counted or shown. An address that names no province (or a city below) counts as
unknown rather than as a guess.
"""

from __future__ import annotations

import unicodedata

from ..archive import Archive
from ..changes import change
from ..models import JournalEntry, RecordKind
from ..operations import Operation

UPGRADE = "customer.region"
"""The ``upgrade`` record saying this archive's customers all carry their region."""

PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省",
    "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省",
    "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省",
    "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省",
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}
"""Short name → full name of the 34 provincial-level divisions."""

CITIES = {
    "石家庄": "河北", "太原": "山西", "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林",
    "哈尔滨": "黑龙江", "南京": "江苏", "苏州": "江苏", "无锡": "江苏", "常州": "江苏",
    "杭州": "浙江", "宁波": "浙江", "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "金华": "浙江",
    "合肥": "安徽", "福州": "福建", "厦门": "福建", "泉州": "福建", "南昌": "江西", "济南": "山东",
    "青岛": "山东", "烟台": "山东", "郑州": "河南", "武汉": "湖北", "长沙": "湖南", "广州": "广东",
    "深圳": "广东", "东莞": "广东", "佛山": "广东", "珠海": "广东", "海口": "海南", "三亚": "海南",
    "成都": "四川", "贵阳": "贵州", "昆明": "云南", "西安": "陕西", "兰州": "甘肃", "西宁": "青海",
    "呼和浩特": "内蒙古", "南宁": "广西", "拉萨": "西藏", "银川": "宁夏", "乌鲁木齐": "新疆",
}
"""Capitals and large cities, for addresses that start with the city (杭州市西湖区…)."""

_PREFIXES = {**{short: full for short, full in PROVINCES.items()},
             **{city: PROVINCES[short] for city, short in CITIES.items()}}
_LENGTHS = sorted({len(p) for p in _PREFIXES}, reverse=True)  # 呼和浩特, 黑龙江 first


def province(address: str | None) -> str | None:
    """The full province name an address starts with (after an optional 中国), or None."""
    if not address:
        return None
    text = "".join(unicodedata.normalize("NFKC", address).split())
    for prefix in ("中华人民共和国", "中国"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return next((_PREFIXES[text[:n]] for n in _LENGTHS if text[:n] in _PREFIXES), None)


def fill_regions(archive: Archive) -> int:
    """Give the customers stored before ``region`` existed their province, once per archive
    (an ``upgrade`` record says it is done; a restored older backup brings none and is filled
    again). One journal entry for the customers it changes; how many it changed.

    Each customer is read again just before it is written, so an address changed meanwhile
    (its sealed form differs) is not given the old one's province; a crash midway is finished
    by the next call."""
    if archive.cipher is None or archive.store.get_record(RecordKind.UPGRADE, UPGRADE):
        return 0
    cipher = archive.cipher
    found = {c.id: (c.address, region) for c in archive.store.list_customers(limit=10**9)
             if c.address and c.region is None
             and (region := province(cipher.decrypt("address", c.address)))}

    def apply(_: JournalEntry) -> None:
        for customer_id, (sealed, region) in found.items():
            current = archive.store.get_customer(customer_id)
            if current and current.address == sealed and current.region is None:
                archive.store.update_customer(current.model_copy(update={"region": region}))

    with archive.store.transaction():
        if found:
            change(archive, Operation.CUSTOMER_REGION, apply, intent=UPGRADE,
                   details={"customers": len(found), "field": "region"},
                   remarks="省份由地址一次性推导（客户数据分析）")
        archive.store.put_record(RecordKind.UPGRADE, UPGRADE, {
            "customers": len(found), "at": archive.clock().isoformat()})
    return len(found)
