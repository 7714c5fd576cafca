"""A workspace's `segmint.toml`, parsed into frozen, validated settings.

Every setting is declared once below with its default and help text; `render_default`
writes the commented file `segmint init` creates, and `docs/config.md` lists the same
table (a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from segmint.core import config_rules as rules
from segmint.core.catalog import FEATURES, NUMERIC
from segmint.core.config_errors import from_pydantic
from segmint.core.config_needs import (
    ClusterSettings,
    LoyaltySettings,
    RecommendSettings,
    ServiceSettings,
)
from segmint.core.config_spark import SparkSettings
from segmint.core.errors import ConfigError, Location
from segmint.core.schema import TABLES
from segmint.core.toml_text import key_lines, line_of, show

CONFIG_FILE = "segmint.toml"
LANGS = ("en", "zh-CN")
MAX_DAYS = 3650  # day thresholds beyond ten years would stage nobody
MAX_GAPS = 100  # usual gaps: beyond a hundred, nobody is ever silent that long


def _custom(kind: str, *, close: list[str], **params: object) -> PydanticCustomError:
    """A validation error whose `kind` becomes a catalogue code (see `_CODES`)."""
    return PydanticCustomError(kind, kind, {**params, "close": close[0] if close else None})


class _Frozen(BaseModel):
    # inf and nan are valid TOML floats, and no setting means either
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ImportSettings(_Frozen):
    """How files are imported."""

    batch_rows: int = Field(
        100_000, ge=1_000, le=5_000_000, description="Rows per batch read from a file."
    )
    create_missing_customers: bool = Field(
        True, description="Create a minimal customer for an order of an unknown customer."
    )
    earliest_date: dt.date = Field(
        dt.date(2000, 1, 1),
        description="Orders, events, tickets and sign-ups dated before this are quarantined.",
    )


class RfmName(_Frozen):
    """One row of an RFM naming table: a name for r in [r_low, r_high], fm in [low, high]."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    zh: str
    r: tuple[int, int]
    fm: tuple[int, int]


class RfmSettings(_Frozen):
    """How r, f and m are scored and named."""

    bins: int = Field(5, ge=3, le=5, description="Score bins per dimension (3 to 5).")
    scoring: Literal["quantile", "rank", "fixed"] = Field(
        "quantile",
        description="quantile (ties together), rank (NTILE by value then id) or fixed cuts.",
    )
    cuts: dict[Literal["recency_days", "frequency", "monetary"], list[float]] = Field(
        default_factory=dict, description="Cut points per dimension when scoring = fixed."
    )
    names: list[RfmName] = Field(
        default_factory=list,
        description="The rfm11 naming table over (r, fm); empty: the built-in 11 names.",
    )


class TierSettings(_Frozen):
    """How customers are put in A/B/C tiers, on spend in the 365 days up to as_of."""

    # pareto by default: shares of revenue fit a shop and a B2B seller in any currency, where
    # fixed cut-offs of 100,000 put every customer of a shop in the last tier
    method: Literal["thresholds", "rank", "pareto"] = Field(
        "pareto", description="pareto (revenue shares), rank (customer shares) or thresholds."
    )
    thresholds: list[float] = Field(
        [100_000.0, 50_000.0], description="Spend cut-offs, highest first (method thresholds)."
    )
    percent: list[int] = Field(
        [20, 30], description="Shares of customers of the upper tiers (method rank)."
    )
    pareto_percent: list[int] = Field(
        [80, 15], description="Shares of revenue of the upper tiers (method pareto)."
    )
    labels: list[str] = Field(["A", "B", "C"], description="Tier names, the top tier first.")


class LifecycleSettings(_Frozen):
    """Thresholds of the lifecycle stages (docs/run.md has the rules)."""

    new_days: int = Field(
        90, ge=0, le=MAX_DAYS, description="New: first order within this many days."
    )
    at_risk_gaps: float = Field(
        2.0, gt=0, le=MAX_GAPS, description="At risk: silent > this many usual gaps."
    )
    at_risk_min_days: int = Field(
        60, ge=0, le=MAX_DAYS, description="... and silent at least this long."
    )
    at_risk_p_alive: float = Field(0.5, ge=0, le=1, description="... or P(alive) below this.")
    churned_gaps: float = Field(
        4.0, gt=0, le=MAX_GAPS, description="Churned: silent > this many usual gaps."
    )
    churned_min_days: int = Field(
        180, ge=0, le=MAX_DAYS, description="... and silent at least this long."
    )
    churned_p_alive: float = Field(0.2, ge=0, le=1, description="... or P(alive) below this.")
    fallback_gap_days: float = Field(
        90.0, gt=0, le=MAX_DAYS, description="Usual gap when no customer has bought twice."
    )


class ValueSettings(_Frozen):
    """The value score: weights of features, and the share flagged as value customers."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "frequency": 0.25,
            "monetary": 0.30,
            "recency_days": 0.15,
            "tenure_days": 0.15,
            "interactions_30d": 0.15,
        },
        description="Feature = weight (>= 0); the score is the weighted mean of percentile ranks.",
    )
    lower_is_better: list[str] = Field(
        ["recency_days", "days_since_last_view"],
        description="Features whose rank is turned round (fewer days is better).",
    )
    top_percent: float = Field(20.0, gt=0, le=100, description="Share flagged as value customers.")

    @field_validator("weights", "lower_is_better")
    @classmethod
    def _numeric_features(cls, value: Any) -> Any:
        numeric = [f.name for f in FEATURES if f.type in NUMERIC]
        for name in value:
            if name not in numeric:
                close = difflib.get_close_matches(name, numeric, n=1)
                raise _custom("not_numeric_feature", name=name, close=close)
        return value


class ClvSettings(_Frozen):
    """The customer-base models of a run."""

    holdout_days: int = Field(
        84, ge=7, le=730, description="Days at the end of history that check the forecasts."
    )
    discount_rate: float = Field(
        0.10, ge=0, lt=1, description="Annual discount rate of clv_12m (0.10 = 10 %)."
    )


class AlertSettings(_Frozen):
    """When segmint warns about a customer, and how far back it looks."""

    window_days: int = Field(
        84,
        ge=14,
        le=365,
        description="Days of recent buying compared with what each valued customer's "
        "model expects.",
    )
    below_p: float = Field(
        0.05,
        gt=0,
        le=0.5,
        description="Warn when so few purchases in the window would be this unlikely "
        "had nothing changed.",
    )
    min_expected: float = Field(
        1.0,
        ge=0,
        le=100,
        description="... and only when the model expected at least this many in the window.",
    )
    churn_p_alive: float = Field(
        0.3, ge=0, le=1, description="Warn when a valued customer's P(alive) falls below this."
    )
    browsing_days: int = Field(
        7,
        ge=2,
        le=90,
        description="Warn when a customer views products this many days in a row without ordering.",
    )
    segments: dict[str, Literal["enter", "leave", "both"]] = Field(
        default_factory=dict,
        description="Segments whose entries or exits raise an alert: name = enter, leave or both.",
    )


class WebhookSettings(_Frozen):
    """Where webhooks may go."""

    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts of your own network webhooks may be sent to (others must be "
        'public), e.g. ["127.0.0.1", "crm.internal"].',
    )


class PlaybookRule(_Frozen):
    """What to do for the members of one segment (`segmint playbook run`)."""

    name: str = Field(min_length=1, max_length=64, description="The rule's name (its key).")
    segment: str = Field(min_length=1, description="Whose members: tier.A, a rule segment ...")
    owners: list[str] = Field(
        default_factory=list,
        description="Account managers to assign, the least loaded first; a member keeps hers.",
    )
    task: str | None = Field(None, min_length=1, max_length=500, description="A task's title.")
    every_days: int | None = Field(
        None, ge=1, le=366, description="A new task when the last is this many days old."
    )
    export: Literal["email", "sms", "wecom"] | None = Field(
        None, description="Add new members to a list for that tool (docs/exports.md)."
    )
    webhook: bool = Field(False, description="Tell playbook.matched subscribers of new members.")

    @model_validator(mode="after")
    def _does_something(self) -> PlaybookRule:
        if not (self.owners or self.task or self.export or self.webhook):
            raise _custom("playbook_no_action", name=self.name, close=[])
        if self.every_days is not None and self.task is None:
            raise _custom("playbook_every_without_task", name=self.name, close=[])
        return self


class PlaybookSettings(_Frozen):
    """Actions per tier or segment: owners, tasks, lists, webhooks."""

    rules: list[PlaybookRule] = Field(
        default_factory=list,
        description="One [[playbooks.rules]] table per segment acted on (docs/playbooks.md).",
    )

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, value: list[PlaybookRule]) -> list[PlaybookRule]:
        names = [r.name for r in value]
        for name in names:
            if names.count(name) > 1:
                raise _custom("playbook_duplicate", name=name, close=[])
        return value


class Settings(_Frozen):
    """All settings of one workspace."""

    timezone: str = Field(
        "Asia/Shanghai", description="Time zone of local times in imported files."
    )
    currency: str = Field(
        "CNY", pattern=r"^[A-Z]{3}$", description="Currency of amounts without one (ISO 4217)."
    )
    lang: Literal["en", "zh-CN"] = Field("en", description="Language of labels and messages.")
    memory_limit: str = Field(
        "1GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory the database may use before it spills to disk (e.g. 1GB, 4GB).",
    )
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="What computes a run: duckdb (the workspace file) or spark ([spark]).",
    )
    import_: ImportSettings = Field(ImportSettings(), alias="import")
    rfm: RfmSettings = RfmSettings()
    tiers: TierSettings = TierSettings()
    lifecycle: LifecycleSettings = LifecycleSettings()
    value: ValueSettings = ValueSettings()
    clv: ClvSettings = ClvSettings()
    alerts: AlertSettings = AlertSettings()
    webhooks: WebhookSettings = WebhookSettings()
    playbooks: PlaybookSettings = PlaybookSettings()
    clusters: ClusterSettings = ClusterSettings()
    recommend: RecommendSettings = RecommendSettings()
    service: ServiceSettings = ServiceSettings()
    loyalty: LoyaltySettings = LoyaltySettings()
    spark: SparkSettings = SparkSettings()
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Extra header names: source header = canonical column.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1)
            raise _custom("unknown_timezone", name=value, close=close)
        return value

    @field_validator("mapping")
    @classmethod
    def _known_columns(cls, value: dict[str, str]) -> dict[str, str]:
        columns = sorted({c for t in TABLES.values() for c in t.column_names})
        for source, target in value.items():
            if target not in columns:
                close = difflib.get_close_matches(target, columns, n=1)
                raise _custom("unknown_column", source=source, name=target, close=close)
        return value


# Sections of segmint.toml and the model of each; the top-level keys are Settings' own.
SECTIONS: dict[str, type[BaseModel]] = {
    "import": ImportSettings,
    "rfm": RfmSettings,
    "tiers": TierSettings,
    "lifecycle": LifecycleSettings,
    "value": ValueSettings,
    "clv": ClvSettings,
    "alerts": AlertSettings,
    "webhooks": WebhookSettings,
    "playbooks": PlaybookSettings,
    "clusters": ClusterSettings,
    "recommend": RecommendSettings,
    "service": ServiceSettings,
    "loyalty": LoyaltySettings,
    "spark": SparkSettings,
}


def _default(field: Any) -> object:
    return field.default_factory() if field.default_factory is not None else field.default


# (dotted name, default, help): the one table of settings, read by docs and `render_default`.
SETTINGS: tuple[tuple[str, object, str], ...] = (
    *(
        (name, f.default, f.description or "")
        for name, f in Settings.model_fields.items()
        if (f.alias or name) not in SECTIONS and name != "mapping"
    ),
    *(
        (f"{section}.{name}", _default(f), f.description or "")
        for section, model in SECTIONS.items()
        for name, f in model.model_fields.items()
    ),
    ("mapping", {}, Settings.model_fields["mapping"].description or ""),
)


Checks = Callable[[Settings], Sequence[ConfigError]]  # more checks, from layers above


def load(workspace: Path, *, checks: Checks | None = None) -> Settings:
    """Read and validate `segmint.toml` in `workspace`.

    `checks` adds the checks of layers above (the RFM naming table is proven a partition
    by the models); their problems are reported with the file's own, each with its line.

    Raises
    ------
    ConfigError
        The file is not UTF-8 or not TOML, has unknown keys (with the closest known key)
        or values out of range or out of order: every problem, each with its line.
    """
    text = _text(workspace / CONFIG_FILE)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line = _toml_reason(str(exc))
        raise ConfigError(
            "config.not_toml", location=Location(file=CONFIG_FILE, line=line), reason=reason
        ) from exc
    return parse(raw, text=text, checks=checks)


def _text(path: Path) -> str:
    """The file's text; a file saved in another encoding (GBK, UTF-16) is named as such."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")  # a BOM, as Notepad writes, is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "config.not_utf8", location=Location(file=CONFIG_FILE, line=line), file=CONFIG_FILE
        ) from exc


def _toml_reason(text: str) -> tuple[str, int | None]:
    """Tomllib's reason without its position, and the line it names."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", text)
    if found is None:
        return text, None
    return text[: found.start()], int(found.group(1))


def parse(
    raw: dict[str, Any], *, text: str | None = None, checks: Checks | None = None
) -> Settings:
    """Validate a settings mapping: types and ranges, then orders and the `checks`.

    Every problem is collected and raised as one `ConfigError`; with the file's `text`
    each problem names its line.
    """
    lines = key_lines(text) if text is not None else {}
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        found = [from_pydantic(error, model_of=_model_of) for error in exc.errors()]
        found += _order_problems(_without(raw, [e["loc"] for e in exc.errors()]), checks)
        raise _located(found, lines) from exc
    found = [*rules.problems(settings, raw), *(checks(settings) if checks else ())]
    if found:
        raise _located(found, lines)
    return settings


def _order_problems(raw: dict[str, Any], checks: Checks | None) -> list[ConfigError]:
    """The order problems of the settings that pass their own checks (or none).

    Reported together with the type and range problems, so one edit fixes them all.
    """
    try:
        settings = Settings.model_validate(raw)
    except ValidationError:
        return []
    return [*rules.problems(settings, raw), *(checks(settings) if checks else ())]


def _without(raw: dict[str, Any], locs: Sequence[tuple[int | str, ...]]) -> dict[str, Any]:
    """`raw` without the settings at `locs` (they take their defaults)."""
    kept = {k: dict(v) if isinstance(v, dict) else v for k, v in raw.items()}
    for loc in locs:
        section, key = str(loc[0]), str(loc[1]) if len(loc) > 1 else None
        if key is None or not isinstance(kept.get(section), dict) or section == "mapping":
            kept.pop(section, None)
        else:
            kept[section].pop(key, None)
    return kept


def _located(problems: Sequence[ConfigError], lines: dict[str, int]) -> ConfigError:
    """The problems as one error, each located in segmint.toml by its key and line."""
    located = []
    for problem in problems:
        field = problem.location.field if problem.location else None
        entry = problem.params.get("entry")
        key = f"{field}.{entry}" if field and entry is not None else field
        line = line_of(lines, key) if key else None
        where = Location(file=CONFIG_FILE, line=line, field=field)
        located.append(ConfigError(problem.code, location=where, **problem.params))
    # in the order of the file, top down; the problems of one key (the cells and names of
    # an RFM naming table) keep the order their check gave them
    located.sort(key=lambda e: line_of(lines, (e.location and e.location.field) or "") or 1 << 30)
    return ConfigError.collected(located)


def _model_of(section: list[str]) -> type[BaseModel]:
    """The model of a section of segmint.toml ([] or an unknown name: the top level)."""
    return SECTIONS.get(".".join(section), Settings)


def render_default() -> str:
    """The commented `segmint.toml` that `segmint init` writes."""
    lines = ["# segmint workspace settings; docs/config.md describes each one.", ""]
    for name, default, help_text in SETTINGS:
        if "." not in name and name != "mapping":
            lines += [f"# {help_text}", f"{name} = {show(default)}", ""]
    for section in SECTIONS:
        lines.append(f"[{section}]")
        for name, default, help_text in SETTINGS:
            key = name.removeprefix(f"{section}.")
            if name.startswith(f"{section}.") and default not in ([], {}):
                lines += [f"# {help_text}", f"{key} = {show(default)}"]
        lines.append("")
    lines += [
        "[mapping]",
        "# Header names segmint does not know yet, e.g.:",
        '# "会员卡号" = "customer_id"',
        "",
    ]
    return "\n".join(lines)
