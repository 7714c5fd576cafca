"""How numbers, money and times read in human output: the user's language, currency and zone.

Pure text in, text out: the command line's tables, the dashboard and the report all
format through here, so a figure reads the same wherever it is shown. JSON output keeps
the raw values; only what a person reads is rounded, grouped and moved to local time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from segmint.core import i18n
from segmint.core.catalog import SNAPSHOT_COLUMNS, FeatureType

if TYPE_CHECKING:
    from segmint.core.config import Settings

# Symbols of the currencies a Chinese or international shop reports in; others show the code.
_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
_TYPES = {f.name: f for f in SNAPSHOT_COLUMNS}
_SHARE_UNITS = frozenset({"share"})  # fractions shown as a percentage


@dataclass(frozen=True, slots=True)
class Locale:
    """Who reads the output: the language, the workspace currency and time zone."""

    lang: str = i18n.DEFAULT_LANG
    currency: str = "CNY"
    timezone: str = "UTC"

    def text(self, key: str, /, **params: object) -> str:
        """Catalogue entry `key` in this language."""
        return i18n.message(key, self.lang, **params)

    def label(self, key: str) -> str:
        """Catalogue entry `label.<key>` in this language."""
        return i18n.label(key, self.lang)

    def name(self, group: str, raw: object) -> str:
        """The name of a stored value (`value.<group>.<raw>`, `label.field.<raw>`) or itself.

        Stored values come from the user's data too (a channel, a category): those without
        an entry are shown as they are.
        """
        key = f"{group}.{raw}"
        return i18n.message(key, self.lang) if key in i18n.catalogue() else str(raw)


def locale_of(settings: Settings, lang: str | None) -> Locale:
    """The reader of a workspace: `lang` when given (--lang), else the workspace's own."""
    return Locale(
        lang=lang or settings.lang, currency=settings.currency, timezone=settings.timezone
    )


def count(value: int) -> str:
    """A count with thousands separators: 12,450."""
    return f"{value:,}"


def decimal(value: float | Decimal | None, *, digits: int = 2) -> str:
    """A number rounded for reading: 0.42, 1,087.5; empty when there is none."""
    if value is None or value != value:  # None or NaN
        return ""
    return f"{float(value):,.{digits}f}"


def money(value: object, locale: Locale) -> str:
    """An amount in the workspace currency: ¥19.67, -¥5.00; empty when there is none."""
    if value is None:
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    symbol = _SYMBOLS.get(locale.currency.upper(), f"{locale.currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


# Units of a rounded amount: English counts in thousands, Chinese in 万 (1e4) and 亿 (1e8).
_UNITS = {"en": ((10**9, "B"), (10**6, "M"), (10**3, "k")), "zh-CN": ((10**8, "亿"), (10**4, "万"))}


def money_short(value: float | Decimal, locale: Locale) -> str:
    """An amount rounded for a sentence: ¥1.2M, ¥340k; in Chinese ¥120万, ¥1.2亿."""
    amount = abs(float(value))
    symbol = _SYMBOLS.get(locale.currency.upper(), f"{locale.currency} ")
    sign = "-" if value < 0 else ""
    for size, unit in _UNITS.get(locale.lang, _UNITS["en"]):
        scaled = amount / size
        if round(scaled, 1) >= 1:  # 999.96 is ¥1.0k, not ¥1,000
            return f"{sign}{symbol}{scaled:,.{1 if round(scaled, 1) < 10 else 0}f}{unit}"
    return f"{sign}{symbol}{amount:,.0f}"


def percent(value: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.4213 -> 42.1 %."""
    return "" if value is None or value != value else f"{100 * value:.1f} %"


def moment(value: object, locale: Locale) -> str:
    """A stored UTC time (datetime or ISO text) in the workspace zone: 2026-12-06 11:24."""
    if value is None:
        return ""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, dt.datetime):
        return str(when)
    if when.tzinfo is None:  # stored times are UTC; a naive one is UTC too
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(ZoneInfo(locale.timezone)).strftime("%Y-%m-%d %H:%M")


def day(value: object, locale: Locale) -> str:
    """The local date of a stored UTC time (ISO text or datetime); a date as it is."""
    shown = moment(value, locale)
    return shown[:10] if shown else ""


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def long_day(value: dt.date | None, locale: Locale) -> str:
    """A date as the reader's language writes it: 2024年3月5日, Mar 5, 2024."""
    if value is None:
        return ""
    if locale.lang == "zh-CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def zone(locale: Locale) -> str:
    """The label that says which clock times are on: 'time (Asia/Shanghai)'."""
    return locale.text("cli.time_in_zone", zone=locale.timezone)


def flag(value: bool, locale: Locale) -> str:
    """A yes/no value as a word: yes / no, 是 / 否."""
    return locale.label("yes" if value else "no")


def field_value(name: str, value: object, locale: Locale) -> str:
    """A snapshot or customer value as a person reads it, by the field's catalogue type."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return flag(value, locale)
    if isinstance(value, dt.datetime):
        return moment(value, locale)
    feature = _TYPES.get(name)
    if feature is None or isinstance(value, str):
        # a score the catalogue does not list (p_alive ...): rounded, never 17 digits
        return decimal(value) if isinstance(value, float) else str(value)
    if feature.type is FeatureType.MONEY or feature.unit == "currency":
        return money(value, locale)
    if feature.unit in _SHARE_UNITS:
        return percent(float(value))  # type: ignore[arg-type]
    if feature.type is FeatureType.FLOAT:
        return decimal(value, digits=2)  # type: ignore[arg-type]
    if isinstance(value, int):
        return count(value)
    return decimal(value) if isinstance(value, float | Decimal) else str(value)
