"""pydantic's validation errors of segmint.toml as our error codes, with the user's values.

pydantic says "Input should be less than or equal to 1"; a user of segmint.toml needs the
key, the value as written, and the range (``[0, 1]``), in her language. Each error type
maps to one catalogue code (`_CODES`); a type not listed is a value of the wrong kind.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from segmint.core.errors import ConfigError, Location
from segmint.core.toml_text import show

ModelOf = Callable[[list[str]], type[BaseModel]]  # section path -> its settings model

# pydantic's error types -> our codes; other types are a value of the wrong kind
_CODES = {
    "extra_forbidden": "config.unknown_key",
    "missing": "config.missing_key",
    "greater_than": "config.out_of_range",
    "greater_than_equal": "config.out_of_range",
    "less_than": "config.out_of_range",
    "less_than_equal": "config.out_of_range",
    "finite_number": "config.not_finite",
    "literal_error": "config.not_a_choice",
    "string_pattern_mismatch": "config.bad_format",
    "unknown_timezone": "config.unknown_timezone",
    "unknown_column": "config.unknown_column",
    "not_numeric_feature": "config.not_numeric_feature",
    "playbook_no_action": "config.playbook_no_action",
    "playbook_every_without_task": "config.playbook_every_without_task",
    "playbook_duplicate": "config.playbook_duplicate",
}


def from_pydantic(error: Any, *, model_of: ModelOf) -> ConfigError:
    """One of pydantic's validation errors as a `ConfigError` with our code and values.

    `model_of` gives the settings model of a section, for the known keys and ranges.
    """
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc)
    code = _CODES.get(error["type"], "config.wrong_type")
    ctx = error.get("ctx") or {}
    params: dict[str, Any] = {"key": key, "got": show(error["input"]), **ctx}
    if code == "config.unknown_key":
        model = model_of(loc[:-1])
        known = [f.alias or name for name, f in model.model_fields.items()]
        close = difflib.get_close_matches(loc[-1], known, n=1)
        params |= {"known": ", ".join(known), "close": close[0] if close else None}
    elif code == "config.out_of_range":
        params["range"] = _range(model_of(loc[:-1]), loc[-1])
    elif code == "config.not_a_choice":
        params["choices"] = ctx.get("expected")
        params["close"] = _closest_choice(error["input"], str(ctx.get("expected", "")))
    elif code == "config.bad_format":
        params["form"] = _FORMS.get(loc[-1], ctx.get("pattern"))
    elif code == "config.wrong_type":
        params["detail"] = str(error["msg"])
    return ConfigError(code, location=Location(field=key), **params)


_FORMS = {"memory_limit": "1GB, 512MB, 4GiB", "currency": "CNY, USD, EUR", "key": "vip_customers"}


def _closest_choice(value: object, expected: str) -> str | None:
    choices = re.findall(r"'([^']*)'", expected)
    close = difflib.get_close_matches(str(value), choices, n=1)
    return close[0] if close else None


def _range(model: type[BaseModel], name: str) -> str:
    """The allowed range of a setting, written as interval notation: (0, 100], >= 0."""
    field = model.model_fields.get(name)
    bounds = {type(m).__name__: m for m in (field.metadata if field else [])}
    low = bounds.get("Ge") or bounds.get("Gt")
    high = bounds.get("Le") or bounds.get("Lt")
    left = "[" if "Ge" in bounds else "("
    right = "]" if "Le" in bounds else ")"
    if low is not None and high is not None:
        return f"{left}{show(_bound(low))}, {show(_bound(high))}{right}"
    if low is not None:
        return f"{'>=' if left == '[' else '>'} {show(_bound(low))}"
    return f"{'<=' if right == ']' else '<'} {show(_bound(high))}"


def _bound(metadata: Any) -> object:
    return next(getattr(metadata, n) for n in ("ge", "gt", "le", "lt") if hasattr(metadata, n))
