"""Settings: CLI options > ``ARCHIVE_*`` environment > config file in the data dir > defaults."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

import getpass
import json
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator

from .errors import ArchiveError, UsageError
from .rules import Template, check_policy, parse_period

CONFIG_NAME = "config.toml"


class OcrMode(StrEnum):
    AUTO = "auto"  # OCR pages that have no text layer
    ALWAYS = "always"  # OCR every page again
    NEVER = "never"  # store scans flagged needs_ocr


class ConsentPolicy(StrEnum):
    REFUSE = "refuse"  # no documents for a customer without recorded consent
    WARN = "warn"
    OFF = "off"


class Backend(StrEnum):
    EMBEDDED = "embedded"
    MONGO = "mongo"


DEFAULT_ARCHIVE_NO_TEMPLATE = "{dept}-{year}-{category}-{seq:04d}"
DEFAULT_CHECKLISTS: dict[str, list[str]] = {
    "HT": ["施工合同", "竣工验收报告", "竣工图"],  # 合同: project contracts, contract to completion
    "JG": ["竣工验收报告", "竣工图"],  # 竣工: completion documents handed over on their own
}


class DossierRules(NamedTuple):
    """How 档号 are formed and what a dossier needs before it becomes formal (issue 6).

    A NamedTuple, not a model: its values are the settings' own (``Settings.dossier_rules``),
    validated there, and a second validator for them cost every command ~2 ms (a frozen
    dataclass ~1 ms)."""

    archive_no_template: str = DEFAULT_ARCHIVE_NO_TEMPLATE
    dept: str = "NQ"
    """Department code put into new 档号 when ``dossier open`` is given no --dept."""
    finalize_days: int = 5
    """Days from receiving the completion documents to the formal dossier (SPEC §2: 5)."""
    checklists: Mapping[str, list[str]] = MappingProxyType(DEFAULT_CHECKLISTS)
    """Per dossier category, the document kinds a formal dossier must contain."""


def _user_dir(kind: str) -> Path:
    """The user's data or config folder for the archive (``platformdirs``, imported only when a
    default location is needed: ``ARCHIVE_DATA_DIR`` and friends need none)."""
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")("archive", appauthor=False))


def default_data_dir() -> Path:
    return _user_dir("data")


def default_key_file() -> Path:
    return _user_dir("config") / "personal-data.key"


def default_token_file() -> Path:
    return _user_dir("config") / "token"


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without passwd entry)
        return "unknown"


ENV_PREFIX = "ARCHIVE_"


class Settings(BaseModel):
    """Every setting, read from ``ARCHIVE_<NAME>`` (any case) beneath the values given.

    A plain model rather than pydantic-settings' ``BaseSettings``: that package loads asyncio,
    ssl, argparse and dotenv (about 0.1 s, the largest part of a command's start) for the one
    source used here, the environment, which ``_environment`` reads the same way: the raw
    string, or JSON for a dict or list setting."""

    model_config = ConfigDict(extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    backend: Backend = Backend.EMBEDDED
    user: str = Field(default_factory=default_user)
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "archive"
    es_url: str = "http://127.0.0.1:9200"
    es_index: str = "archive-documents"
    lock_timeout: float = Field(default=30.0, gt=0)
    """Seconds a writer waits for another archive process before giving up."""
    max_file_mb: int = Field(default=512, gt=0)
    token_file: Path = Field(default_factory=default_token_file)
    """Proof of identity for ``--user`` (``docstore.identity``): yours alone, mode 0600."""
    key_file: Path = Field(default_factory=lambda: default_key_file())
    """Key ring for personal data: never inside the data folder."""
    encrypt_attachments: bool = False
    """Seal new attachments with the personal-data key (``docstore.security.blobcrypt``); sealed ones
    are read whatever this says. ``archive key encrypt-attachments`` seals the existing ones."""
    consent: ConsentPolicy = ConsentPolicy.WARN
    """Filing documents for a customer without recorded consent: refuse, warn or allow."""
    ocr: OcrMode = OcrMode.AUTO
    ocr_languages: str = "chi_sim"  # measured better than chi_sim+eng on Chinese scans
    archive_no_template: str = DEFAULT_ARCHIVE_NO_TEMPLATE
    archive_no_dept: str = "NQ"
    finalize_days: int = Field(default=5, ge=0, le=365)
    checklists: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_CHECKLISTS))
    """config.toml: ``[checklists] HT = ["施工合同", "竣工验收报告", "竣工图"]``."""

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, given: Any) -> Any:
        if not isinstance(given, dict):
            return given
        return {**environment(cls), **given}

    @field_validator("archive_no_template")
    @classmethod
    def _template_parses(cls, value: str) -> str:
        Template.parse(value)  # raises ValueError naming what is wrong
        return value

    @property
    def dossier_rules(self) -> DossierRules:
        return DossierRules(archive_no_template=self.archive_no_template,
                            dept=self.archive_no_dept, finalize_days=self.finalize_days,
                            checklists=self.checklists)
    timezone: str = "Asia/Shanghai"
    """The office's time zone (IANA name): where a lending day and a report month end."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name like Asia/Shanghai)") from exc
        return value

    retention: dict[str, str] = Field(default_factory=dict)
    """保管期限 per dossier category: config.toml ``[retention] HT = "30y"``, ``JS = "permanent"``,
    ``GJ = "10y from contract_end"``, ``default = "10y"`` (see ``docstore.dossiers.retention``)."""
    review_after: dict[str, str] = Field(default_factory=lambda: {"person": "12m",
                                                                  "company": "12m"})
    """定期回访: how long after its last confirmation a customer's data is due again, per
    customer type (config.toml ``[review_after] person = "12m"``)."""
    log_review_days: int = Field(default=30, ge=1, le=3650)
    """Unreviewed journal entries older than this are a to-do for managers (日志审核)."""
    dispose_pause: float = Field(default=0.0, ge=0)
    """Seconds ``dispose execute`` waits after each document, to spread the load."""

    @field_validator("review_after")
    @classmethod
    def _review_periods(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, period in value.items():
            if kind not in ("person", "company"):
                raise ValueError(f"review_after: {kind!r} is not a customer type (person, company)")
            try:
                parse_period(period)
            except ArchiveError as exc:
                raise ValueError(f"review_after.{kind}: {exc.message}") from exc
        return value

    @field_validator("retention")
    @classmethod
    def _retention_rules(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            return check_policy(value)
        except ArchiveError as exc:
            raise ValueError(exc.message) from exc

    @property
    def db_path(self) -> Path:
        return self.data_dir / "archive.db"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def environment(model: type[BaseModel]) -> dict[str, Any]:
    """The ``ARCHIVE_*`` variables that name a field of ``model``."""
    fields = model.model_fields
    found: dict[str, Any] = {}
    for key, value in os.environ.items():
        name = key.lower().removeprefix(ENV_PREFIX.lower())
        if not key.upper().startswith(ENV_PREFIX) or name not in fields:
            continue
        if get_origin(fields[name].annotation) in (dict, list):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"{key} is not JSON: {exc}") from exc
        found[name] = value
    return found


def load_settings(**overrides: Any) -> Settings:
    """Build settings; ``overrides`` are the CLI options given (None means not given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        base = Settings(**given)
        config = base.data_dir / CONFIG_NAME
        if not config.is_file():
            return base
        import tomllib  # only where there is a config file

        try:
            from_file = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"bad config file {config}: {exc}") from exc
        env = {k.removeprefix("ARCHIVE_").lower() for k in os.environ if k.startswith("ARCHIVE_")}
        merged = {k: v for k, v in from_file.items() if k not in env and k not in given}
        return Settings(**{**merged, **given})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"]
                             else e["msg"] for e in exc.errors())
        raise UsageError(f"bad setting: {problems}") from exc
