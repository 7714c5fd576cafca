"""The segment families of a snapshot and the names of their segments in both languages.

A family is a snapshot column whose values are segment keys. The list is data: the
reports, the diff and the exports all read it.
"""

from __future__ import annotations

from typing import NamedTuple

import pyarrow as pa

from segmint.core.config import Settings
from segmint.models.lifecycle import STAGES
from segmint.models.rfm_names import RFM8_NAMES
from segmint.segments import schemes


class Family(NamedTuple):
    """A segment family: its snapshot column and labels."""

    key: str
    en: str
    zh: str


FAMILIES = (
    Family("tier", "Tier", "价值等级"),
    Family("stage", "Stage", "生命周期"),
    Family("rfm8", "RFM8", "RFM 八类"),
    Family("rfm11", "RFM11", "RFM 十一类"),
    Family("value_customer", "Value", "价值客户"),
)
FAMILY_KEYS = tuple(f.key for f in FAMILIES)
_VALUE_CUSTOMER = {"true": ("Value customer", "价值客户"), "false": ("Other", "其他客户")}


def segment_label(family: str, key: str, *, settings: Settings, lang: str) -> str:
    """The name of segment `key` of `family` in `lang` (the key itself when unknown)."""
    names: dict[str, tuple[str, str]] = {}
    if family == "stage":
        names = {s.key: (s.en, s.zh) for s in STAGES}
    elif family == "rfm8":
        names = {n.key: (n.en, n.zh) for n in RFM8_NAMES}
    elif family == "rfm11":
        names = {r.name.key: (r.name.en, r.name.zh) for r in schemes.rfm11_rules(settings)}
    elif family == "value_customer":
        names = _VALUE_CUSTOMER
    en, zh = names.get(key, (key, key))
    return zh if lang == "zh-CN" else en


def family_label(family: str, *, lang: str) -> str:
    """The name of a family in `lang`."""
    found = next(f for f in FAMILIES if f.key == family)
    return found.zh if lang == "zh-CN" else found.en


LABELLED = ("rfm8", "rfm11", "stage")  # families whose keys get a label column in exports


def labelled(table: pa.Table, settings: Settings, *, lang: str) -> pa.Table:
    """`table` with a `<family>_label` column after each keyed family, in `lang`."""
    for family in LABELLED:
        keys = table[family].to_pylist()
        names = {k: segment_label(family, k, settings=settings, lang=lang) for k in set(keys) if k}
        column = pa.array([names.get(k) if k else None for k in keys], pa.string())
        table = table.add_column(table.column_names.index(family) + 1, f"{family}_label", column)
    return table
