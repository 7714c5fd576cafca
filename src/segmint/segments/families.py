"""The segment families of a snapshot and the names of their segments in both languages.

A family is a snapshot column whose values are segment keys. The list is data: the
reports, the diff and the exports all read it.
"""

from __future__ import annotations

import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.i18n import Named
from segmint.models.lifecycle import STAGES
from segmint.models.rfm_names import RFM8_NAMES
from segmint.segments import schemes

FAMILIES = (
    Named("tier", "Tier", "价值等级"),
    Named("stage", "Stage", "生命周期"),
    Named("rfm8", "RFM8", "RFM 八类"),
    Named("rfm11", "RFM11", "RFM 十一类"),
    Named("value_customer", "Value", "价值客户"),
)
FAMILY_KEYS = tuple(f.key for f in FAMILIES)
VALUE_CUSTOMER = (Named("true", "Value customer", "价值客户"), Named("false", "Other", "其他客户"))


def segment_names(family: str, *, settings: Settings) -> tuple[Named, ...]:
    """The named segments of `family` (none for tiers: their labels are their names)."""
    names: dict[str, tuple[Named, ...]] = {
        "stage": STAGES,
        "rfm8": RFM8_NAMES,
        "rfm11": tuple(rule.name for rule in schemes.rfm11_rules(settings)),
        "value_customer": VALUE_CUSTOMER,
    }
    return names.get(family, ())


def segment_label(family: str, key: str, *, settings: Settings, lang: str) -> str:
    """The name of segment `key` of `family` in `lang` (the key itself when unknown)."""
    found = next((n for n in segment_names(family, settings=settings) if n.key == key), None)
    return key if found is None else found.name(lang)


def segment_labels(settings: Settings, *, lang: str) -> dict[str, dict[str, str]]:
    """Every family's segment names in `lang`, by key: how a face shows a stored key."""
    return {
        family: {n.key: n.name(lang) for n in segment_names(family, settings=settings)}
        for family in FAMILY_KEYS
    }


def family_label(family: str, *, lang: str) -> str:
    """The name of a family in `lang`."""
    return next(f for f in FAMILIES if f.key == family).name(lang)


LABELLED = ("rfm8", "rfm11", "stage")  # families whose keys get a label column in exports


def labelled(table: pa.Table, settings: Settings, *, lang: str) -> pa.Table:
    """`table` with a `<family>_label` column after each keyed family, in `lang`."""
    for family in LABELLED:
        keys = table[family].to_pylist()
        names = {k: segment_label(family, k, settings=settings, lang=lang) for k in set(keys) if k}
        column = pa.array([names.get(k) if k else None for k in keys], pa.string())
        table = table.add_column(table.column_names.index(family) + 1, f"{family}_label", column)
    return table
