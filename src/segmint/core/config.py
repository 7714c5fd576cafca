"""A workspace's `segmint.toml`, parsed into frozen, validated settings.

Every setting is declared once below with its default and help text; `render_default`
writes the commented file `segmint init` creates, and `docs/config.md` lists the same
table (a test keeps the two in step).
"""

from __future__ import annotations

import difflib
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


# (dotted name, default, help): the one table of settings, read by docs and `render_default`.
SETTINGS: tuple[tuple[str, object, str], ...] = (
    *(
        (name, f.default, f.description or "")
        for name, f in Settings.model_fields.items()
        if name not in ("import_", "mapping")
    ),
    *(
        (f"import.{name}", f.default, f.description or "")
        for name, f in ImportSettings.model_fields.items()
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
    model: type[BaseModel] = ImportSettings if section == ["import"] else Settings
    return [f.alias or name for name, f in model.model_fields.items()]


def render_default() -> str:
    """The commented `segmint.toml` that `segmint init` writes."""
    lines = ["# segmint workspace settings; docs/config.md describes each one.", ""]
    for name, default, help_text in SETTINGS:
        if "." in name or name == "mapping":
            continue
        lines += [f"# {help_text}", f"{name} = {_toml_value(default)}", ""]
    lines.append("[import]")
    for name, default, help_text in SETTINGS:
        if name.startswith("import."):
            lines += [f"# {help_text}", f"{name.removeprefix('import.')} = {_toml_value(default)}"]
    lines += [
        "",
        "[mapping]",
        "# Header names segmint does not know yet, e.g.:",
        '# "会员卡号" = "customer_id"',
        "",
    ]
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f'"{value}"'
