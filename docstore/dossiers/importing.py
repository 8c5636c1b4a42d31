"""Importing the existing dossiers (案卷 already in the cabinets).

Columns: ``archive_no`` (档号) — or ``category`` and ``year`` for a new number of that series —
``customer`` (id, or a name that names exactly one customer), ``project``, ``contract_date``,
``completed_on``, ``finalized_on``, ``shelved_on``, ``location``, ``retention`` (or the
Chinese titles). The stage follows the dates (shelved, formal, temporary); the dates are the
historical ones. The whole file is checked first, every bad line named, nothing written when
one is bad. Each line is claimed under a content key (record kind ``dossier.import``) before
its number and dossier are written, so a rerun after a kill finishes without doubles; a number
claimed by a killed run and not written stays a gap (``dossier gaps``: numbers are never
reused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from ..access import Permission, require
from ..archive import Archive, zone
from ..operations import Operation
from ..csvimport import Imported, Line, Parsed, clean_text, parse_all, parse_day, read_lines
from ..aliases import resolve
from ..errors import Conflict, InvalidValue, NotFound
from ..models import CustomerStatus, Dossier, DossierStatus
from ..rules import PERMANENT, Rule, parse_period
from . import archive_no as numbers
from .retention import local_date

IMPORTED = "dossier.import"
COLUMNS = {
    "archive_no": "archive_no", "档号": "archive_no",
    "category": "category", "类别": "category", "分类": "category",
    "year": "year", "年度": "year",
    "customer": "customer", "客户": "customer", "客户编号": "customer",
    "project": "project", "项目": "project", "项目名称": "project",
    "contract_date": "contract_date", "合同日期": "contract_date", "签订日期": "contract_date",
    "completed_on": "completed_on", "竣工日期": "completed_on",
    "finalized_on": "finalized_on", "归档日期": "finalized_on",
    "shelved_on": "shelved_on", "入柜日期": "shelved_on",
    "location": "location", "位置": "location", "存放位置": "location",
    "retention": "retention", "保管期限": "retention",
}


@dataclass(frozen=True)
class _Row:
    dossier: Dossier
    series: dict[str, str]
    """dept, year, category: the series a number is taken from when none is given."""


DossierImport = Imported


def _moment(archive: Archive, day: date | None) -> datetime | None:
    return datetime.combine(day, time(), zone(archive)) if day else None


def _customer_id(archive: Archive, text: str | None, names: dict[str, list[str]]) -> str:
    if not text:
        raise InvalidValue("customer", "", "every dossier belongs to a customer")
    try:
        customer = resolve(archive, text)
    except NotFound:
        matches = names.get(text, [])
        if len(matches) != 1:
            raise InvalidValue("customer", text, "no customer has this id or name" if not matches
                               else f"{len(matches)} customers have this name; give the id") from None
        return matches[0]
    if customer.status is not CustomerStatus.ACTIVE:
        raise InvalidValue("customer", text, f"is {customer.status.value}")
    return customer.id


def _dates(archive: Archive, line: Line) -> dict[str, date | None]:
    today = local_date(archive, archive.clock())
    days = {k: parse_day(k, line.get(k), today)
            for k in ("contract_date", "completed_on", "finalized_on", "shelved_on")}
    order = [(k, d) for k, d in days.items() if d is not None]
    for (a, da), (b, db) in zip(order, order[1:]):
        if db < da:
            raise InvalidValue(b, db.isoformat(), f"is before {a} {da.isoformat()}")
    return days


def _number_fields(archive: Archive, line: Line, contract: date | None) -> dict[str, str]:
    number = line.get("archive_no")
    if number:
        fields, _seq = numbers.check_form(archive, number)
        return fields
    category, year = line.get("category"), line.get("year") or (contract and str(contract.year))
    if not category or not year:
        raise InvalidValue("archive number", "", "give the 档号, or category and year")
    if not year.isdigit() or not 1900 <= int(year) <= local_date(archive, archive.clock()).year:
        raise InvalidValue("year", year, "a year from 1900 to this year")
    return {"dept": archive.dossier_rules.dept, "year": year,
            "category": numbers.check_code("category", category)}


def _retention(text: str | None, finalized: date | None) -> dict[str, object]:
    if not text:
        return {}
    rule = Rule.parse(text)
    if rule.permanent:
        return {"retention": PERMANENT}
    if finalized is None:
        raise InvalidValue("retention", text, "a period is counted from finalized_on; give it")
    return {"retention": rule.period, "retention_from": finalized,
            "retention_until": finalized + parse_period(rule.period)}


def _parse(archive: Archive, line: Line, names: dict[str, list[str]]) -> _Row:
    customer_id = _customer_id(archive, line.get("customer"), names)
    days = _dates(archive, line)
    fields = _number_fields(archive, line, days["contract_date"])
    location = clean_text("location", line.get("location"), 100)
    if location and not days["shelved_on"]:
        raise InvalidValue("location", location, "a location needs the shelved_on date")
    if days["shelved_on"] and not location:
        raise InvalidValue("shelved_on", days["shelved_on"].isoformat(), "needs the location")
    status = (DossierStatus.SHELVED if days["shelved_on"] else DossierStatus.FORMAL
              if days["finalized_on"] else DossierStatus.TEMPORARY)
    project = clean_text("project", line.get("project"))
    return _Row(Dossier(
        id="S000000", archive_no=(line.get("archive_no") or "").strip(), customer_id=customer_id,
        title=project or "", category=fields.get("category"), department=fields.get("dept"),
        project=project, contract_date=days["contract_date"], status=status,
        completed_at=_moment(archive, days["completed_on"]),
        finalized_at=_moment(archive, days["finalized_on"]),
        finalized_by=archive.user if days["finalized_on"] else None,
        shelved_at=_moment(archive, days["shelved_on"]), location=location,
        created_at=_moment(archive, days["contract_date"]) or archive.clock(),
        created_by=archive.user, **_retention(line.get("retention"), days["finalized_on"])),
        fields)


def _identity(row: _Row) -> str:
    return "|".join([str(getattr(row.dossier, f) or "") for f in
                     ("archive_no", "customer_id", "project", "contract_date", "finalized_at")]
                    + [row.series.get(f, "") for f in ("dept", "year", "category")])


def _problems(archive: Archive, parsed: list[Parsed[_Row]]) -> list[str]:
    """Numbers taken already (by a dossier this import did not make) or twice in the file."""
    problems, seen = [], {}
    for item in parsed:
        number = item.row.dossier.archive_no
        if not number:
            continue
        if number in seen:
            problems.append(f"line {item.line}: archive number {number} is on line {seen[number]} too")
        seen[number] = item.line
        if archive.store.get_record(IMPORTED, item.key) is None:
            problem = numbers.new_archive_no_problem(archive, number)
            if problem:
                problems.append(f"line {item.line}: {problem}")
    return problems


def import_dossiers(archive: Archive, path: Path) -> DossierImport:
    """Check every line of ``path``, then create the dossiers not imported before."""
    require(archive, Permission.DOSSIER, details={"import": path.name})
    names: dict[str, list[str]] = {}
    for customer in archive.store.list_customers(limit=10**9):
        if customer.status is CustomerStatus.ACTIVE:
            names.setdefault(customer.name, []).append(customer.id)
    parsed = parse_all(path, read_lines(path, COLUMNS, ("customer",)),
                       lambda line: _parse(archive, line, names), _identity,
                       check_all=lambda rows: _problems(archive, rows))
    report = DossierImport()
    for item in parsed:
        number, added = _import_one(archive, path, item)
        (report.added if added else report.skipped).append(number)
    return report


def _claim(archive: Archive, path: Path, item: Parsed[_Row]) -> dict[str, object]:
    claim = archive.store.get_record(IMPORTED, item.key)
    if claim is None:
        claim = {"dossier_id": f"S{archive.store.next_sequence('dossier'):06d}",
                 "archive_no": item.row.dossier.archive_no or None, "file": path.name,
                 "line": item.line, "done": False}
        try:
            archive.store.add_record(IMPORTED, item.key, claim)
        except Conflict:
            claim = archive.store.get_record(IMPORTED, item.key) or claim
    return claim


def _number(archive: Archive, item: Parsed[_Row], claim: dict[str, object]) -> str:
    """The dossier's 档号, claimed for it (once: a rerun finds its claim)."""
    dossier_id = str(claim["dossier_id"])
    number = claim.get("archive_no")
    if number:
        held = archive.store.get_record(numbers.CLAIM, str(number))
        if held is None:
            numbers.claim_given(archive, str(number), dossier_id)
        elif held.get("dossier_id") != dossier_id:
            raise Conflict(f"archive number {number} was taken meanwhile by another dossier")
        return str(number)
    return numbers.claim_next(archive, dossier_id, **item.row.series)


def _import_one(archive: Archive, path: Path, item: Parsed[_Row]) -> tuple[str, bool]:
    with archive.store.transaction():
        claim = _claim(archive, path, item)
        if claim.get("done"):
            return str(claim["archive_no"]), False
        number = _number(archive, item, claim)
        if claim.get("archive_no") != number:
            claim = {**claim, "archive_no": number}
            archive.store.put_record(IMPORTED, item.key, claim)
        dossier = item.row.dossier.model_copy(update={"id": claim["dossier_id"], "archive_no": number})
        if archive.store.get_dossier(number) is None:
            archive.store.add_dossier(dossier)
        archive.journal.record(archive.user, Operation.DOSSIER_IMPORT, dossier=number,
                               customer_id=dossier.customer_id,
                               details={"file": path.name, "line": item.line,
                                        "status": dossier.status.value})
        archive.store.put_record(IMPORTED, item.key, {**claim, "done": True})
    return number, True
