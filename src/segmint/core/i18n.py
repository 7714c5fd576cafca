"""User-facing text in English and Simplified Chinese, looked up by a stable key."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any, NamedTuple

LANGS = ("en", "zh-CN")
DEFAULT_LANG = "en"


@functools.cache
def _catalog(lang: str) -> dict[str, dict[str, str]]:
    file = resources.files("segmint.core") / "locales" / f"{lang.replace('-', '_')}.toml"
    data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    return data


class Named(NamedTuple):
    """Something with a stable key and a name in each language: a segment, a stage."""

    key: str
    en: str
    zh: str

    def name(self, lang: str) -> str:
        """The name in `lang` (Chinese for zh-CN, else English)."""
        return self.zh if lang == "zh-CN" else self.en


def message(code: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The message for an error `code` in `lang`, filled from `params`.

    Falls back to English when `lang` has no text for `code`, and to the code itself when
    neither has one, so a missing translation never hides a problem.

    Examples
    --------
    >>> message("ingest.missing_value", "en", field="order_id")
    'order_id is empty; every row needs one'
    """
    template = _catalog(_checked(lang))["messages"].get(code) or _catalog(DEFAULT_LANG)[
        "messages"
    ].get(code, code)
    return template.format_map(_Defaulting(params))


def label(key: str, lang: str = DEFAULT_LANG) -> str:
    """A short label (table headings, counts) in `lang`."""
    return _catalog(_checked(lang))["labels"].get(key) or _catalog(DEFAULT_LANG)["labels"][key]


def keys(lang: str) -> dict[str, set[str]]:
    """Every key of a catalog, for the test that keeps translations complete."""
    return {section: set(table) for section, table in _catalog(_checked(lang)).items()}


def _checked(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}'; use one of {', '.join(LANGS)}")
    return lang


class _Defaulting(dict[str, object]):
    """Leaves an unknown placeholder visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
