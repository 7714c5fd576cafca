"""The segment families of a snapshot and the names of their segments in both languages.

A family is a snapshot column whose values are segment keys. The list is data: the
reports, the diff and the exports all read it.
"""

from __future__ import annotations

import pyarrow as pa

from segmint.core import i18n
from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.config import Settings
from segmint.models.lifecycle import STAGES
from segmint.models.rfm_names import RFM8_NAMES
from segmint.segments import schemes

# The families in report order; their names are the catalogue's `label.family.<key>`.
FAMILY_KEYS = (
    "tier",
    "stage",
    "rfm8",
    "rfm11",
    "value_customer",
    "cluster",
    "loyalty_level",
    "service",
)
VALUE_CUSTOMER = ("true", "false")


def segment_names(family: str, *, settings: Settings) -> tuple[str, ...]:
    """The keys of the named segments of `family`.

    None for tiers (their labels are names) and clusters (a run numbers them).
    """
    names: dict[str, tuple[str, ...]] = {
        "stage": STAGES,
        "rfm8": RFM8_NAMES,
        "rfm11": tuple(rule.key for rule in schemes.rfm11_rules(settings)),
        "value_customer": VALUE_CUSTOMER,
        "loyalty_level": tuple(level.key for level in settings.loyalty.levels),
        "service": SERVICE_NEEDS,
    }
    return names.get(family, ())


def all_segment_names(settings: Settings) -> set[str]:
    """The names runs give the families' segments (``tier.A``, ``stage.at_risk`` …).

    Known before the first run, which is when the segments themselves are made.
    """
    keys = {family: segment_names(family, settings=settings) for family in FAMILY_KEYS}
    keys["tier"] = schemes.tier_labels(settings)
    return {f"{family}.{key}" for family, found in keys.items() for key in found}


def segment_label(family: str, key: str, *, settings: Settings, lang: str) -> str:
    """The name of segment `key` of `family` in `lang` (the key itself when unknown).

    The rfm11 names of a `[[rfm.names]]` table and the loyalty levels in segmint.toml are
    the user's own, in both languages there; a cluster is "cluster 3"; every other name
    is the catalogue's `<family>.<key>`.
    """
    if family == "rfm11" and settings.rfm.names:
        own = next((n for n in settings.rfm.names if n.key == key), None)
        return key if own is None else (own.zh if lang == "zh-CN" else own.en)
    if family == "loyalty_level":
        level = next((n for n in settings.loyalty.levels if n.key == key), None)
        return key if level is None else (level.zh if lang == "zh-CN" else level.en)
    if family == "cluster":
        return i18n.message("cluster.name", lang, cluster=key)
    entry = f"{family}.{key}"
    return i18n.message(entry, lang) if entry in i18n.catalogue() else key


def segment_labels(settings: Settings, *, lang: str) -> dict[str, dict[str, str]]:
    """Every family's segment names in `lang`, by key: how a face shows a stored key."""
    return {
        family: {
            key: segment_label(family, key, settings=settings, lang=lang)
            for key in segment_names(family, settings=settings)
        }
        for family in FAMILY_KEYS
    }


def family_label(family: str, *, lang: str) -> str:
    """The name of a family in `lang`."""
    return i18n.label(f"family.{family}", lang)


# families whose keys get a label column in exports
LABELLED = ("rfm8", "rfm11", "stage", "loyalty_level")


def labelled(table: pa.Table, settings: Settings, *, lang: str) -> pa.Table:
    """`table` with a `<family>_label` column after each keyed family, in `lang`."""
    for family in LABELLED:
        keys = table[family].to_pylist()
        names = {k: segment_label(family, k, settings=settings, lang=lang) for k in set(keys) if k}
        column = pa.array([names.get(k) if k else None for k in keys], pa.string())
        table = table.add_column(table.column_names.index(family) + 1, f"{family}_label", column)
    return table


WIDE = ("category_share", "interactions_30d")  # columns an export adds per category / channel


def header(column: str, *, lang: str) -> str:
    """An export column's header in `lang`: in English its name, in Chinese its short name.

    Per-value columns (``category_share:图书``) keep their value after the name.
    """
    name, sep, value = column.partition(":")
    if sep and name in WIDE:
        return i18n.message("export.per_value", lang, field=_field(name, lang), value=value)
    return _field(column, lang)


def _field(name: str, lang: str) -> str:
    key = f"label.field.{name}"
    return i18n.message(key, lang) if key in i18n.catalogue() else name


def headed(table: pa.Table, *, lang: str) -> pa.Table:
    """`table` with its headers in `lang` (English headers are the stable column names)."""
    return table.rename_columns([header(c, lang=lang) for c in table.column_names])
