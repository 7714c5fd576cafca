"""Every user-facing string in English and Simplified Chinese, from one catalogue.

The catalogue is the TOML files in `segmint/core/text/`, one per area, read together.
Each entry has a stable key and its text in both languages side by side::

    ["config.bad_value"]
    en = "setting '{key}' is {got}; it must be {rule}"
    zh = "设置 '{key}' 为 {got}；应当 {rule}"
    hint.en = "Change it in segmint.toml, line {line}."
    hint.zh = "请在 segmint.toml 第 {line} 行修改。"
    about.en = "A setting in segmint.toml has a value segmint cannot use."
    about.zh = "segmint.toml 中某项设置的值无法使用。"
    exit = 2

An entry with `about` is an error code: `docs/errors.md` lists them, with their exit
status (1 for bad input or data, the default; 2 for a usage mistake).
"""

from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

LANGS = ("en", "zh-CN")
DEFAULT_LANG = "en"


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue entry: a text in both languages, and for error codes what they mean."""

    key: str
    en: str
    zh: str
    hint_en: str | None = None
    hint_zh: str | None = None
    about_en: str | None = None
    about_zh: str | None = None
    exit: int = 1

    @property
    def is_code(self) -> bool:
        """An error code (it says what it means), not a label or a sentence of the faces."""
        return self.about_en is not None

    def text(self, lang: str) -> str:
        """The text in `lang` (Chinese for zh-CN, else English)."""
        return self.zh if lang == "zh-CN" else self.en

    def hint(self, lang: str) -> str | None:
        """The hint in `lang`, if the entry has one."""
        return self.hint_zh if lang == "zh-CN" else self.hint_en


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages that lives with its data, not in the catalogue.

    A platform preset names itself and its export this way, so a new platform is one file.
    """

    en: str
    zh: str

    def render(self, lang: str) -> str:
        """The text in `lang` (Chinese for zh-CN, else English)."""
        return self.zh if lang == "zh-CN" else self.en


@functools.cache
def catalogue() -> dict[str, Entry]:
    """Every entry of every file in `segmint/core/text/`, by key."""
    entries: dict[str, Entry] = {}
    folder = resources.files("segmint.core") / "text"
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".toml"):
            continue
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
        for key, raw in data.items():
            if key in entries:
                raise RuntimeError(f"catalogue key '{key}' is in two files ({file.name})")
            entries[key] = _entry(key, raw)
    return entries


def _entry(key: str, raw: dict[str, Any]) -> Entry:
    hint = raw.get("hint", {})
    about = raw.get("about", {})
    return Entry(
        key=key,
        en=raw["en"],
        zh=raw["zh"],
        hint_en=hint.get("en"),
        hint_zh=hint.get("zh"),
        about_en=about.get("en"),
        about_zh=about.get("zh"),
        exit=int(raw.get("exit", 1)),
    )


def message(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The text of catalogue entry `key` in `lang`, filled from `params`.

    An unknown key gives the key itself, and a placeholder without a value stays visible,
    so a missing entry never hides a problem.

    Examples
    --------
    >>> message("ingest.missing_value", "en", field="order_id")
    'order_id is empty; every row needs one'
    >>> message("ingest.missing_value", "zh-CN", field="order_id")
    'order_id 为空；每一行都必须填写'
    """
    entry = catalogue().get(key)
    if entry is None:
        _checked(lang)
        return key
    return _fill(entry.text(_checked(lang)), params)


def hint(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str | None:
    """The hint of entry `key` in `lang`, or None.

    A hint whose placeholders are not all given (or given as None) is left out: a hint
    such as "Did you mean '{close}'?" appears only when there is a close name.
    """
    entry = catalogue().get(key)
    template = None if entry is None else entry.hint(_checked(lang))
    if template is None:
        return None
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if any(params.get(name) is None for name in needed):
        return None
    return _fill(template, params)


def render(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> tuple[str, str | None]:
    """The message and the hint of entry `key` in `lang`: what an error or warning says."""
    return message(key, lang, **params), hint(key, lang, **params)


def label(key: str, lang: str = DEFAULT_LANG) -> str:
    """A short label (table headings, counts) in `lang`: the entry `label.<key>`."""
    return message(f"label.{key}", lang)


def codes() -> list[Entry]:
    """The error codes, sorted: what `docs/errors.md` lists."""
    return sorted((e for e in catalogue().values() if e.is_code), key=lambda e: e.key)


def exit_status(code: str) -> int:
    """The process exit status for an error `code`: 2 for a usage mistake, else 1."""
    entry = catalogue().get(code)
    return 1 if entry is None else entry.exit


def _checked(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}'; use one of {', '.join(LANGS)}")
    return lang


def _fill(template: str, params: dict[str, object]) -> str:
    return _FORMATTER.vformat(template, (), _Defaulting(params))


class _Defaulting(dict[str, object]):
    """Leaves an unknown placeholder visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Formatter(string.Formatter):
    """str.format plus English plurals: ``{count:customer|customers}`` gives '1 customer'.

    Chinese has no plural, so its text writes ``{count} 位客户``; both name one placeholder.
    """

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec and isinstance(value, int):
            one, many = format_spec.split("|", 1)
            return f"{value:,} {one if value == 1 else many}"
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()
