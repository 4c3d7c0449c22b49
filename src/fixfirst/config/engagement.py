"""The engagement folder: audit.yaml (client, promise, sources, settings) and where its files live."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError, FixfirstError, InputProblems, Problem, Severity
from .boundary import OutsideEngagement, inside_boundary, real_path
from .calendar import public_holidays
from .lexicons import load_lexicon
from .logo import logo_data_uri
from .playbook import load_playbook
from .presets import PRESETS
from .settings import Settings, settings_with
from .yamlfile import load_model, load_yaml, validation_problems

AUDIT_FILE = "audit.yaml"
SourceKind = Literal["orders", "survey", "feedback", "events", "campaigns", "capacity", "leads", "deals"]
# Kinds whose several files are stacked into one table (several feedback channels, one event table per step).
STACKABLE_KINDS = ("feedback", "events")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Business types and sectors the benchmark table knows (fixfirst/config/benchmarks.yaml); unknown gives generic figures.
BusinessType = Literal["unknown", "online-shop", "marketplace", "local-service", "b2b"]
Sector = Literal["general", "apparel", "footwear", "beauty", "electronics", "homeware", "food", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Client(_Strict):
    name: str = Field(min_length=1, max_length=120)
    logo: str | None = Field(default=None, description="Path to a PNG, JPEG or SVG, relative to the engagement folder.")
    brand_colour: str | None = Field(default=None, description="Hex colour such as '#2F5D50'.")
    country: str | None = Field(default=None, description="ISO country code, e.g. GB.")
    business_type: BusinessType = Field(
        default="unknown", description="What kind of business it is: picks the benchmark targets of its steps (docs/settings.md, Targets).")
    sector: Sector = Field(default="general", description="What it sells, where benchmarks differ by sector (returns in apparel).")
    currency: str | None = Field(
        default=None, description="ISO 4217 code of the client's money, e.g. GBP, BRL, USD; default: the currency of client.country (GBP without one).")
    number_format: str | None = Field(
        default=None, description="Locale whose number and money format the report uses, e.g. en_GB, pt_BR; default: English as written in client.country.")

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from babel.numbers import list_currencies

        code = value.strip().upper()
        if code not in list_currencies():
            raise ValueError(f"unknown currency {value!r}; use an ISO 4217 code such as GBP, EUR, USD or BRL")
        return code

    @field_validator("number_format")
    @classmethod
    def _known_locale(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from babel import Locale, UnknownLocaleError

        try:
            return str(Locale.parse(value.replace("-", "_")))
        except (UnknownLocaleError, ValueError, TypeError):
            raise ValueError(f"unknown number format {value!r}; use a locale such as en_GB, en_US, pt_BR or de_DE") from None

    @property
    def currency_code(self) -> str:
        """The client's currency: as written, else the country's, else GBP."""
        if self.currency:
            return self.currency
        if self.country:
            from babel.numbers import get_territory_currencies

            found = get_territory_currencies(self.country.upper())
            if found:
                return found[0]
        return "GBP"

    @property
    def locale(self) -> str:
        """The number format's locale: as written, else English as written in the client's country, else en_GB."""
        if self.number_format:
            return self.number_format
        from babel import Locale, UnknownLocaleError

        if self.country:
            try:
                return str(Locale.parse(f"en_{self.country.upper()}"))
            except (UnknownLocaleError, ValueError):
                pass
        return "en_GB"

    @field_validator("brand_colour")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        # The colour is interpolated into CSS: only a strict hex form is safe there.
        if value is not None and not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError("brand_colour must be a hex colour like '#2F5D50'")
        return value


class Promise(_Strict):
    description: str = Field(min_length=1, max_length=200)
    business_days: int = Field(ge=0, le=60, description="Delivered within this many working days of ordering.")
    cutoff: dt.time | None = Field(default=None, description="Orders after this time count from the next working day.")
    timezone: str | None = Field(default=None, description="IANA zone of the business, e.g. Europe/London: timestamps with a UTC offset are read on this clock.")
    working_days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    holidays: list[dt.date] = Field(default_factory=list, description="The business's own closed days.")
    public_holidays: bool = Field(default=True, description="Add the public holidays of client.country (and region) to the calendar.")
    region: str | None = Field(default=None, description="Subdivision for public holidays, e.g. ENG, SCT, CA, BY.")

    @field_validator("cutoff", mode="before")
    @classmethod
    def _quoted_time(cls, value):
        # YAML 1.1 reads an unquoted 14:00 as the number 840 (sexagesimal); never let it become 00:14.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError('write the cutoff in quotes, e.g. cutoff: "14:00" (unquoted, YAML reads 14:00 as a number)')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @field_validator("working_days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad or not days:
            raise ValueError(f"working_days must list days among {', '.join(WEEKDAYS)}")
        return days

    @property
    def weekmask(self) -> str:
        return "".join("1" if d in self.working_days else "0" for d in WEEKDAYS)


def _known_encoding(value: str | None) -> str | None:
    """A text encoding Python knows (a data file's or a related file's `encoding:`)."""
    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}; use e.g. utf-8, cp1252 or latin-1") from None
    return value


class SourceSpec(_Strict):
    class RelatedKey(_Strict):
        """A join key whose header differs between the related file and the orders file."""

        related: str = Field(min_length=1, description="The key column's header in the related file.")
        orders: str = Field(min_length=1, description="The matching column's header in the orders file.")

    class Related(_Strict):
        """A file joined to an orders source: its order lines, its payments, or a customers lookup (docs/engagement.md)."""

        file: str = Field(min_length=1, description="The related file, relative to the engagement folder like `file:`.")
        key: str | SourceSpec.RelatedKey | None = Field(
            default=None, description="Key column in the related file (the same header in the orders file, when it has one), or "
                                      "{related: ..., orders: ...}; default: the orders' order id (lines, payments) or customer column (customers).")
        role: Literal["lines", "payments", "customers"] | None = Field(default=None, description="What the file holds; needed under `related:`.")
        sheet: str | None = None
        columns: dict[str, str | None] = Field(
            default_factory=dict, description="Role -> header in the related file (lines: item, quantity, price, total, freight; "
                                              "payments: value, method, instalments); null: the file has none.")
        delimiter: str | None = Field(default=None, max_length=1)
        encoding: str | None = None

        _known_encoding = field_validator("encoding")(lambda cls, value: _known_encoding(value))

    kind: SourceKind
    file: str
    lines: list[SourceSpec.Related] = Field(
        default_factory=list, description="Orders only: the order-lines file (or a list of files), one row per item, folded into their order.")
    payments: list[SourceSpec.Related] = Field(
        default_factory=list, description="Orders only: the payments file (or a list of files), one row per payment, folded into their order.")
    customers: SourceSpec.Related | None = Field(
        default=None, description="Orders only: a customers table looked up by the orders' customer column.")
    related: list[SourceSpec.Related] = Field(
        default_factory=list, description="Orders only: related files in the general form, each with `role:`.")
    name: str | None = None
    sheet: str | None = Field(default=None, description="Sheet name; default: the sheet whose header fits the kind best.")
    header_row: int | None = Field(default=None, ge=1, description="Row number of the header as Excel shows it; default: found automatically.")
    header_rows: int | None = Field(default=None, ge=1, le=2, description="2 for a two-row header (question row + answer row, SurveyMonkey style); default: detected.")
    preset: str | None = Field(default=None, description="A known export format: shopify, woocommerce, google-forms, surveymonkey, typeform, xes.")
    columns: dict[str, str | None] = Field(default_factory=dict, description="Field name -> column header in the file; null leaves the field unmapped.")
    dayfirst: bool | None = Field(default=None, description="Read ambiguous dates such as 03/04/2026 as day/month (true) or month/day (false); default: detected.")
    delimiter: str | None = Field(default=None, max_length=1)
    encoding: str | None = None
    not_applicable: list[float | str] = Field(
        default_factory=list,
        description="Answer codes meaning 'not applicable' in this source's rating and score columns, e.g. [0]: "
                    "where a code falls outside a column's scale it is a blank (not answered), not an out-of-scale value.")

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str | None) -> str | None:
        if value is not None and value not in PRESETS:
            raise ValueError(f"unknown preset {value!r}; known: {', '.join(PRESETS)}")
        return value

    @model_validator(mode="after")
    def _preset_fits_kind(self) -> SourceSpec:
        if self.preset is not None and PRESETS[self.preset].kind != self.kind:
            raise ValueError(f"preset {self.preset!r} is for {PRESETS[self.preset].kind} sources, not {self.kind}")
        return self

    @field_validator("lines", "payments", mode="before")
    @classmethod
    def _tables(cls, value):
        # `lines: items.csv`, a mapping, or a list of either: always a list of tables, so errors point at lines.0.key.
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        return [{"file": v} if isinstance(v, str) else v for v in value] if isinstance(value, list) else value

    @field_validator("customers", mode="before")
    @classmethod
    def _table(cls, value):
        return {"file": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _related_fit(self) -> SourceSpec:
        if self.kind != "orders" and (self.lines or self.payments or self.customers is not None or self.related):
            raise ValueError(f"lines:, payments:, customers: and related: belong to an orders source, not {self.kind}")
        named = [("lines", t) for t in self.lines] + [("payments", t) for t in self.payments] + [("customers", self.customers)]
        for role, entry in named:
            if entry is not None and entry.role not in (None, role):
                raise ValueError(f"an entry under {role}: cannot have role {entry.role!r}")
        if any(entry.role is None for entry in self.related):
            raise ValueError("each entry of related: needs role: lines, payments or customers")
        if (self.customers is not None) + sum(entry.role == "customers" for entry in self.related) > 1:
            raise ValueError("only one customers table can be looked up; combine the files")
        return self

    _known_encoding = field_validator("encoding")(lambda cls, value: _known_encoding(value))

    @property
    def label(self) -> str:
        return self.name or Path(self.file).name


class ReportOptions(_Strict):
    title: str = "Fix before you market"
    consultant: str | None = None
    templates: str | None = Field(default=None, description="Folder of template overrides, relative to the engagement.")


ActionStatus = Literal["open", "in progress", "done", "dropped"]


class Change(_Strict):
    """Something the client changed on a date: the audit compares the periods before and after it."""

    what: str = Field(min_length=1, max_length=200, description="What was changed, e.g. 'guest checkout switched on'.")
    date: dt.date = Field(description="The first day the change was in place.")
    touchpoints: list[str] = Field(default_factory=list, description="Journey touchpoint ids it concerns; empty: every touchpoint.")
    action: str | None = Field(default=None, max_length=120, description="The fix plan's action id it carries out, if any.")


class ActionUpdate(_Strict):
    """One row of the action register as the consultant edited it."""

    id: str = Field(min_length=1, max_length=120, description="The action's id, as the register lists it.")
    status: ActionStatus = "open"
    done_on: dt.date | None = Field(default=None, description="The day the action was done (status done).")
    owner: str | None = Field(default=None, max_length=120)
    due: dt.date | None = None
    notes: str | None = Field(default=None, max_length=2000)

    @field_validator("status", mode="before")
    @classmethod
    def _status_as_typed(cls, value):
        # "Done", "In-Progress", " in_progress " mean what the workbook's list means: read them the same way.
        if isinstance(value, str):
            return " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
        return value


class Audit(_Strict):
    """The contents of audit.yaml."""

    client: Client
    promise: Promise
    journey: str = "journey.yaml"
    sources: list[SourceSpec] = Field(min_length=1)
    report: ReportOptions = ReportOptions()
    settings: dict[str, Any] | str | None = Field(
        default=None, description="Overrides of fixfirst's settings, inline or as a path to a YAML file."
    )
    playbook: str | None = Field(
        default=None, description="The client's own fix playbook (YAML), relative to the engagement folder; it extends the shipped one unless it says extends: false."
    )
    changes: list[Change] = Field(
        default_factory=list, description="What the client changed and when: compared before and after (fixfirst compare).")
    actions: str | list[ActionUpdate] | None = Field(
        default=None, description="The edited action register: the workbook's path (relative to the engagement folder), or the rows inline.")
    allowed_folders: list[str] = Field(
        default_factory=list, max_length=20,
        description="Folders outside the engagement whose files it may read (a shared data drive, a brand kit), absolute or "
                    "relative to the engagement folder. Nothing else outside the folder is read, links included.")

    @model_validator(mode="after")
    def _holiday_calendar_exists(self) -> Audit:
        if self.promise.public_holidays and self.client.country:
            try:
                # Any year proves the calendar exists; this year's keeps the check meaningful wherever it runs.
                public_holidays(self.client.country, self.promise.region, [dt.date.today().year])
            except NotImplementedError:
                where = f"{self.client.country}" + (f" / region {self.promise.region}" if self.promise.region else "")
                raise ValueError(f"no public-holiday calendar for {where}; correct client.country or promise.region, "
                                 "or set promise.public_holidays: false and list the closed days under promise.holidays") from None
        return self

    @model_validator(mode="after")
    def _one_orders(self) -> Audit:
        for kind in ("orders", "survey", "campaigns", "capacity", "leads", "deals"):
            if sum(s.kind == kind for s in self.sources) > 1:
                raise ValueError(f"only one '{kind}' source is supported; combine the files or keep the main one")
        return self


class Engagement:
    """An engagement folder on disk, with its audit.yaml loaded and its paths resolved."""

    # Sources given as DataFrames instead of files, by their label (an in-memory engagement, fixfirst.memory).
    frames: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, folder: Path, audit: Audit, settings: Settings) -> None:
        self.folder = folder
        self.audit = audit
        self.settings = settings
        self.allowed = allowed_roots(folder, audit)

    @property
    def journey_path(self) -> Path:
        return self.resolve(self.audit.journey, "journey file")

    def resolve(self, relative: str, what: str = "file") -> Path:
        """The real path of a file named in audit.yaml (relative to the engagement folder); a FixfirstError when it
        leads outside the folder and the folders audit.yaml allows (boundary.inside_boundary)."""
        return inside_boundary(relative, self.folder, self.allowed, what=what)

    def sources_of(self, kind: str) -> list[SourceSpec]:
        return [s for s in self.audit.sources if s.kind == kind]

    @property
    def lexicon(self):
        """The feedback lexicon: the default for settings feedback.language, extended or replaced by feedback.lexicon."""
        if getattr(self, "_lexicon", None) is None:
            if self.settings.feedback.lexicon:
                self.resolve(self.settings.feedback.lexicon, "lexicon")  # refused before anything is read
            self._lexicon = load_lexicon(self.settings.feedback, self.folder)
        return self._lexicon

    @property
    def playbook(self):
        """The fix playbook: the shipped one, extended or replaced by audit.yaml `playbook:`."""
        if getattr(self, "_playbook", None) is None:
            if self.audit.playbook:
                self.resolve(self.audit.playbook, "playbook")  # refused before anything is read
            self._playbook = load_playbook(self.audit.playbook, self.folder)
        return self._playbook


def allowed_roots(folder: Path, audit: Audit) -> list[Path]:
    """The real paths of the folders outside the engagement that audit.yaml allows files to be read from."""
    return [real_path(Path(f).expanduser() if Path(f).expanduser().is_absolute() else Path(folder) / f) for f in audit.allowed_folders]


def load_engagement(folder: Path | str) -> Engagement:
    """Load ENGAGEMENT/audit.yaml with every schema problem located by line."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise FixfirstError(f"{folder}: engagement folder not found", "give the folder that holds audit.yaml, or create one with `fixfirst init DIR`")
    if folder.is_file() and folder.name == AUDIT_FILE:
        folder = folder.parent
    audit_path = folder / AUDIT_FILE
    if not audit_path.is_file():
        raise FixfirstError(f"{folder}: no {AUDIT_FILE} in this folder", "create one with `fixfirst init DIR` (see docs/engagement.md)")
    try:
        inside_boundary(AUDIT_FILE, folder, what="audit file", may_be_allowed=False)
    except OutsideEngagement as exc:
        raise InputProblems([Problem("config.outside_engagement", f"{exc.cause}; {exc.fix}", Severity.ERROR, str(audit_path))]) from None
    data, lines = load_yaml(audit_path)
    if data is not None and not isinstance(data, dict):
        raise InputProblems([Problem("config.not_a_mapping", f"expected a mapping of fields (client:, promise:, sources: ...) at the "
                                     f"top level, found a {_yaml_type(data)}; see docs/engagement.md", Severity.ERROR,
                                     str(audit_path), row=lines.get((), 1), column="(top level)")])
    audit = load_model(audit_path, Audit, data, lines)
    engagement = Engagement(folder.resolve(), audit, Settings())
    missing = [f for f, root in zip(audit.allowed_folders, engagement.allowed, strict=False) if not root.is_dir()]
    if missing:
        raise InputProblems([Problem("config.allowed_folder_missing", f"allowed_folders: {f!r} is not a folder", Severity.ERROR,
                                     str(audit_path), row=lines.get(("allowed_folders",)), column="allowed_folders")
                             for f in missing])
    # Every configuration file is checked before anything is reported, so one run of `check` lists all their problems.
    problems: list[Problem] = []
    settings = _collect(problems, lambda: _load_settings(engagement, audit_path, audit, lines), audit_path, lines, ("settings",))
    engagement.settings = settings or Settings()
    if audit.client.logo:
        # A bad logo is a config error, found by `check` too.
        _collect(problems, lambda: logo_data_uri(engagement.resolve(audit.client.logo, "logo")), audit_path, lines, ("client", "logo"))
    if settings is not None:  # the lexicon's path and language are settings
        _collect(problems, lambda: engagement.lexicon, audit_path, lines,
                 ("settings", "feedback", "lexicon") if isinstance(audit.settings, dict) else ("settings",))
    _collect(problems, lambda: engagement.playbook, audit_path, lines, ("playbook",))
    if audit.report.templates:
        _collect(problems, lambda: _template_folder(engagement, audit.report.templates), audit_path, lines, ("report", "templates"))
    if problems:
        raise InputProblems(problems)
    return engagement


MAX_OVERRIDE_FILES = 2000  # an override folder holds a few templates; more is not one


def _template_folder(engagement: Engagement, written: str) -> Path:
    """The template override folder, checked inside the engagement with every file in it: a template that is a link
    out of the folder is refused when the report is rendered, so `check` says so first."""
    folder = engagement.resolve(written, "template folder")
    if not folder.is_dir():
        raise FixfirstError(f"{written}: template override folder not found", "correct report.templates in audit.yaml")
    for count, path in enumerate(folder.rglob("*")):
        if count >= MAX_OVERRIDE_FILES:
            raise FixfirstError(f"{written}: more than {MAX_OVERRIDE_FILES:,} files in the template override folder",
                                "keep only the templates you override there")
        inside_boundary(path.relative_to(folder), folder, what="template override", may_be_allowed=False)
    return folder


def _yaml_type(data: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "yes/no value"}.get(type(data), type(data).__name__)


def _collect(problems: list[Problem], load, where: Path, lines: dict[tuple, int] | None = None, key: tuple = ()):
    """Run one configuration load; its problems join `problems` instead of stopping the others. None when it failed.
    `key`: the audit.yaml key that names the file loaded, so the problem points at its line."""
    try:
        return load()
    except InputProblems as exc:
        problems.extend(exc.problems)
    except FixfirstError as exc:
        code = "config.outside_engagement" if isinstance(exc, OutsideEngagement) else "config.unreadable"
        row = (lines or {}).get(key) if key else None
        problems.append(Problem(code, f"{exc.cause}; {exc.fix}" if exc.fix else exc.cause, file=str(where), row=row,
                                column=".".join(key) or None))
    return None


def _load_settings(engagement: Engagement, audit_path: Path, audit: Audit, audit_lines: dict[tuple, int]) -> Settings:
    overrides = audit.settings
    source_file, lines = audit_path, audit_lines
    prefix: tuple[str, ...] = ("settings",)
    if isinstance(overrides, str):
        source_file = engagement.resolve(overrides, "settings file")
        overrides, lines = load_yaml(source_file)
        prefix = ()
        if overrides is not None and not isinstance(overrides, dict):
            raise ConfigError(f"{source_file}: expected a mapping of settings", "see docs/settings.md")
    try:
        return settings_with(overrides or {})
    except ValidationError as exc:
        problems = validation_problems(exc, source_file, {k[len(prefix):]: v for k, v in lines.items() if k[: len(prefix)] == prefix})
        if prefix:
            problems = [replace(p, message=f"settings.{p.message}") for p in problems]
        raise InputProblems(problems) from None
