"""A workspace's `segmint.toml`, parsed into frozen, validated settings.

Every setting is declared once below with its default and help text; `render_default`
writes the commented file `segmint init` creates, and `docs/config.md` lists the same
table (a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from segmint.core.catalog import FEATURES, NUMERIC
from segmint.core.errors import ConfigError, Location
from segmint.core.schema import TABLES

CONFIG_FILE = "segmint.toml"
LANGS = ("en", "zh-CN")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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

    method: Literal["thresholds", "rank", "pareto"] = Field(
        "thresholds", description="thresholds (spend cut-offs), rank or pareto (revenue shares)."
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

    new_days: int = Field(90, ge=0, description="New: first order within this many days.")
    at_risk_gaps: float = Field(2.0, ge=0, description="At risk: silent > this many usual gaps.")
    at_risk_min_days: int = Field(60, ge=0, description="... and silent at least this long.")
    at_risk_p_alive: float = Field(0.5, ge=0, le=1, description="... or P(alive) below this.")
    churned_gaps: float = Field(4.0, ge=0, description="Churned: silent > this many usual gaps.")
    churned_min_days: int = Field(180, ge=0, description="... and silent at least this long.")
    churned_p_alive: float = Field(0.2, ge=0, le=1, description="... or P(alive) below this.")
    fallback_gap_days: float = Field(
        90.0, gt=0, description="Usual gap when no customer has bought twice."
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
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"'{name}' is not a numeric feature (docs/features.md).{hint}")
        return value


class ClvSettings(_Frozen):
    """The customer-base models of a run."""

    holdout_days: int = Field(
        84, ge=7, le=730, description="Days at the end of history that check the forecasts."
    )
    discount_rate: float = Field(
        0.10, ge=0, lt=1, description="Annual discount rate of clv_12m (0.10 = 10 %)."
    )


class Settings(_Frozen):
    """All settings of one workspace."""

    timezone: str = Field(
        "Asia/Shanghai", description="Time zone of local times in imported files."
    )
    currency: str = Field("CNY", description="Currency of amounts without one (ISO 4217).")
    lang: Literal["en", "zh-CN"] = Field("en", description="Language of labels and messages.")
    memory_limit: str = Field(
        "1GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory the database may use before it spills to disk (e.g. 1GB, 4GB).",
    )
    import_: ImportSettings = Field(ImportSettings(), alias="import")
    rfm: RfmSettings = RfmSettings()
    tiers: TierSettings = TierSettings()
    lifecycle: LifecycleSettings = LifecycleSettings()
    value: ValueSettings = ValueSettings()
    clv: ClvSettings = ClvSettings()
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Extra header names: source header = canonical column.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"unknown time zone '{value}'.{hint}")
        return value

    @field_validator("mapping")
    @classmethod
    def _known_columns(cls, value: dict[str, str]) -> dict[str, str]:
        columns = sorted({c for t in TABLES.values() for c in t.column_names})
        for source, target in value.items():
            if target not in columns:
                close = difflib.get_close_matches(target, columns, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"'{source}' maps to unknown column '{target}'.{hint}")
        return value


# Sections of segmint.toml and the model of each; the top-level keys are Settings' own.
SECTIONS: dict[str, type[_Frozen]] = {
    "import": ImportSettings,
    "rfm": RfmSettings,
    "tiers": TierSettings,
    "lifecycle": LifecycleSettings,
    "value": ValueSettings,
    "clv": ClvSettings,
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


def load(workspace: Path) -> Settings:
    """Read and validate `segmint.toml` in `workspace`.

    Raises
    ------
    ConfigError
        The file is not TOML, has an unknown key (with the closest known key) or a bad value.
    """
    path = workspace / CONFIG_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{CONFIG_FILE} is not valid TOML: {exc}", location=Location(file=CONFIG_FILE)
        ) from exc
    return parse(raw)


def parse(raw: dict[str, Any]) -> Settings:
    """Validate a settings mapping, turning the first problem into a `ConfigError`."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(exc, raw) from exc


def _config_error(exc: ValidationError, raw: dict[str, Any]) -> ConfigError:
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    key = ".".join(loc)
    if first["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Known keys: {', '.join(known)}."
        return ConfigError(
            f"unknown setting '{key}' in {CONFIG_FILE}.",
            hint=hint,
            location=Location(file=CONFIG_FILE, field=key),
            code="config.unknown_key",
        )
    message = str(first["msg"]).removeprefix("Value error, ")
    return ConfigError(
        f"setting '{key}' in {CONFIG_FILE}: {message}",
        location=Location(file=CONFIG_FILE, field=key),
        code="config.bad_value",
    )


def _known_keys(section: list[str]) -> list[str]:
    model: type[BaseModel] = SECTIONS.get(".".join(section), Settings)
    return [f.alias or name for name, f in model.model_fields.items()]


def render_default() -> str:
    """The commented `segmint.toml` that `segmint init` writes."""
    lines = ["# segmint workspace settings; docs/config.md describes each one.", ""]
    for name, default, help_text in SETTINGS:
        if "." not in name and name != "mapping":
            lines += [f"# {help_text}", f"{name} = {_toml_value(default)}", ""]
    for section in SECTIONS:
        lines.append(f"[{section}]")
        for name, default, help_text in SETTINGS:
            key = name.removeprefix(f"{section}.")
            if name.startswith(f"{section}.") and default not in ([], {}):
                lines += [f"# {help_text}", f"{key} = {_toml_value(default)}"]
        lines.append("")
    lines += [
        "[mapping]",
        "# Header names segmint does not know yet, e.g.:",
        '# "会员卡号" = "customer_id"',
        "",
    ]
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return f'"{value}"'
