"""Importing the existing customer list (建档 of what is already on paper).

``name, type, phone, id_number, email, address, industry, source, created_at, department``
(or the Chinese column titles), UTF-8 or GB18030. The whole file is checked first: one bad line
and nothing is imported, every bad line named. ``created_at`` keeps the customer's historical
registration date. Each line is claimed under a key derived from its content before its
customer is written (record kind ``customer.import``), so a rerun — also after a kill midway —
finishes the job and never makes a customer twice.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

from ..access import Permission, require
from ..archive import Archive, zone
from ..operations import Operation
from ..csvimport import Imported, Line, Parsed, clean_text, parse_all, parse_day, read_lines
from ..errors import Conflict, InvalidValue
from ..models import Customer, CustomerType
from .register import seal, validated

IMPORTED = "customer.import"
COLUMNS = {
    "name": "name", "名称": "name", "客户名称": "name", "姓名": "name",
    "type": "type", "类型": "type", "客户类型": "type",
    "phone": "phone", "电话": "phone", "联系电话": "phone",
    "id_number": "id_number", "证件号码": "id_number", "身份证号": "id_number",
    "统一社会信用代码": "id_number",
    "email": "email", "邮箱": "email", "电子邮件": "email",
    "address": "address", "地址": "address",
    "industry": "industry", "行业": "industry",
    "source": "source", "来源": "source", "客户来源": "source",
    "created_at": "created_at", "建档日期": "created_at", "登记日期": "created_at",
    "department": "department", "部门": "department",
}
_TYPES = {"person": CustomerType.PERSON, "个人": CustomerType.PERSON,
          "company": CustomerType.COMPANY, "公司": CustomerType.COMPANY,
          "企业": CustomerType.COMPANY, "单位": CustomerType.COMPANY}


CustomerImport = Imported


def _type(value: str | None) -> CustomerType:
    if not value:
        return CustomerType.COMPANY
    found = _TYPES.get(value.strip().lower())
    if found is None:
        raise InvalidValue("type", value, "person/个人 or company/公司")
    return found


def _parse(archive: Archive, line: Line) -> Customer:
    today = archive.clock().astimezone(zone(archive)).date()
    values: dict[str, Any] = {
        name: clean_text(name, line.get(name)) for name in
        ("name", "phone", "id_number", "email", "address", "industry", "source", "department")}
    if not values["name"]:
        raise InvalidValue("name", "", "every customer needs a name")
    day = parse_day("created_at", line.get("created_at"), today)
    created = (datetime.combine(day, time(), zone(archive)) if day else archive.clock())
    return validated({
        "id": "C000000", **{k: v for k, v in values.items() if v is not None},
        "type": _type(line.get("type")), "created_at": created, "updated_at": archive.clock()})


def _identity(customer: Customer) -> str:
    return "|".join(str(getattr(customer, f) or "") for f in
                    ("name", "type", "phone", "id_number", "email", "created_at"))


def import_customers(archive: Archive, path: Path) -> CustomerImport:
    """Check every line of ``path``, then create the customers not imported before."""
    require(archive, Permission.CUSTOMER_WRITE, details={"import": path.name})
    parsed = parse_all(path, read_lines(path, COLUMNS, ("name",)),
                       lambda line: _parse(archive, line), _identity)
    report = CustomerImport()
    for item in parsed:
        customer_id, added = _import_one(archive, path, item)
        (report.added if added else report.skipped).append(customer_id)
    return report


def _import_one(archive: Archive, path: Path, item: Parsed[Customer]) -> tuple[str, bool]:
    with archive.store.transaction():
        claim = archive.store.get_record(IMPORTED, item.key)
        if claim is None:
            claim = {"customer_id": f"C{archive.store.next_sequence('customer'):06d}",
                     "file": path.name, "line": item.line, "done": False}
            try:
                archive.store.add_record(IMPORTED, item.key, claim)
            except Conflict:  # another run claimed this line meanwhile: finish its work
                claim = archive.store.get_record(IMPORTED, item.key) or claim
        if claim.get("done"):
            return claim["customer_id"], False
        customer = item.row.model_copy(update={"id": claim["customer_id"]})
        if archive.store.get_customer(customer.id) is None:
            archive.store.add_customer(seal(archive, customer))
        archive.journal.record(archive.user, Operation.CUSTOMER_IMPORT, customer_id=customer.id,
                               details={"file": path.name, "line": item.line,
                                        "created_at": customer.created_at.isoformat()})
        archive.store.put_record(IMPORTED, item.key, {**claim, "done": True})
    return customer.id, True
