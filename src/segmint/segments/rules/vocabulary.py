"""What a rule may name: fields with their Chinese aliases, window sources, functions.

The fields are the rule table's columns: every catalog feature and score of a run's
snapshot, the customer's profile fields, and ``as_of``. A labelled field (tier, stage,
rfm8, rfm11, gender, loyalty_level) accepts its stored keys and their names in both languages, so
``rfm8 = '重要价值客户'`` and ``rfm8 = 'important_value'`` are one condition. Sources,
filters and functions are tables of data that `check`, `compile` and `describe` read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from segmint.core import i18n
from segmint.core.catalog import FEATURES, NOT_IN_RULES, SCORES, FeatureType
from segmint.core.config import Settings
from segmint.core.schema import EVENT_TYPES, GENDERS
from segmint.segments.families import segment_label, segment_names
from segmint.segments.rules.tree import Type

_TYPES = {
    FeatureType.INT: Type.INT,
    FeatureType.FLOAT: Type.FLOAT,
    FeatureType.MONEY: Type.MONEY,
    FeatureType.DATE: Type.DATE,
    FeatureType.TEXT: Type.TEXT,
    FeatureType.BOOL: Type.BOOL,
}

# The customer's own fields a rule may read (personal data such as name and phone never).
PROFILE: tuple[tuple[str, Type], ...] = (
    ("gender", Type.TEXT),
    ("age", Type.INT),  # whole years at as_of, from birthday
    ("birthday", Type.DATE),
    ("city", Type.TEXT),
    ("province", Type.TEXT),
    ("channel", Type.TEXT),
    ("signup_date", Type.DATE),  # the local date of signup_at
    ("consent_email", Type.BOOL),
    ("consent_sms", Type.BOOL),
    ("consent_wecom", Type.BOOL),
    ("as_of", Type.DATE),  # the run's date: `last_order_at < as_of - 30`
)
LABELLED = ("tier", "stage", "rfm8", "rfm11", "gender", "loyalty_level")


@dataclass(frozen=True, slots=True)
class Field:
    """A column a rule may read.

    ``aliases``: other names for it (its Chinese short name without spaces).
    ``values``: for a labelled field, every accepted spelling -> the stored key;
    empty when any value may be compared.
    """

    name: str
    type: Type
    aliases: tuple[str, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    """A table a window reads, with the filters a window may put on its rows.

    ``filters``: canonical filter name -> type (BOOL filters are flags: ``discounted``).
    ``values``: known values of a TEXT filter (checked, with did-you-mean), by filter.
    """

    name: str
    aliases: tuple[str, ...]
    filters: Mapping[str, Type]
    filter_aliases: Mapping[str, str]  # alias -> canonical filter name
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "orders",
            ("订单",),
            {
                "channel": Type.TEXT,
                "store": Type.TEXT,
                "category": Type.TEXT,
                "discounted": Type.BOOL,
            },
            {"渠道": "channel", "店铺": "store", "品类": "category", "折扣": "discounted"},
        ),
        Source(
            "events",
            ("行为",),
            {"type": Type.TEXT, "channel": Type.TEXT},
            {"类型": "type", "渠道": "channel"},
            {"type": EVENT_TYPES},
        ),
        Source(
            "tickets",
            ("工单",),
            {"category": Type.TEXT, "complaint": Type.BOOL, "open": Type.BOOL},
            {"品类": "category", "投诉": "complaint", "未结": "open"},
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Function:
    """A function a rule may call, what it returns and which sources it reads."""

    name: str
    aliases: tuple[str, ...]
    type: Type
    sources: tuple[str, ...]  # empty for in_segment


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        # count(orders, 30[, filters...]): rows in the 30 days ending on as_of
        Function("count", ("计数",), Type.INT, ("orders", "events", "tickets")),
        # sum(orders, 90[, filters...]): net revenue of those orders
        Function("sum", ("金额",), Type.MONEY, ("orders",)),
        # share(orders, 90, discounted): rows passing the filters / all rows (one filter at least)
        Function("share", ("占比",), Type.FLOAT, ("orders", "events", "tickets")),
        # absent(orders, 30[, filters...]): true when there is no such row
        Function("absent", ("没有",), Type.BOOL, ("orders", "events", "tickets")),
        # streak(events, type = 'product_view', without = orders): days in a row up to as_of
        Function("streak", ("连续天数",), Type.INT, ("orders", "events", "tickets")),
        # in_segment('vip'): a member of another segment
        Function("in_segment", ("属于分群",), Type.BOOL, ()),
    )
}
WITHOUT = ("without", "不含")  # streak's argument naming the source that breaks a streak
MAX_WINDOW_DAYS = 3650


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """A segment `in_segment` may name: its rule text, or None when it is static."""

    name: str
    rule: str | None


@dataclass(frozen=True)
class Vocabulary:
    """The fields and segments one workspace's rules may name."""

    fields: tuple[Field, ...]
    segments: Mapping[str, SegmentRef] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {f.name: f for f in self.fields}
        names |= {a: f for f in self.fields for a in f.aliases}
        object.__setattr__(self, "_by_name", names)

    def field(self, name: str) -> Field | None:
        """The field called `name` (its canonical name or an alias), None when unknown."""
        found: Field | None = self._by_name.get(name)  # type: ignore[attr-defined]
        return found

    def names(self) -> tuple[str, ...]:
        """Every name a rule may use for a field (for did-you-mean)."""
        return tuple(self._by_name)  # type: ignore[attr-defined]


def alias(name: str) -> str:
    """A field's Chinese short name as a rule writes it: the catalogue's, spaces removed."""
    return re.sub(r"\s+", "", i18n.message(f"label.field.{name}", "zh-CN"))


def vocabulary(
    settings: Settings, *, segments: Mapping[str, SegmentRef] | None = None
) -> Vocabulary:
    """The fields of a workspace with `settings`, and the segments rules may refer to."""
    catalog = [(f.name, _TYPES[f.type]) for f in (*FEATURES, *SCORES) if f.name not in NOT_IN_RULES]
    fields = tuple(
        Field(name, kind, _aliases(name), _values(name, settings))
        for name, kind in (*catalog, *PROFILE)
    )
    return Vocabulary(fields, dict(segments or {}))


def _aliases(name: str) -> tuple[str, ...]:
    key = f"label.field.{name}"
    if key not in i18n.catalogue():
        return ()
    short = alias(name)
    return () if short == name else (short,)


def _values(name: str, settings: Settings) -> dict[str, str]:
    """Every spelling of a labelled field's values -> its stored key."""
    if name not in LABELLED:
        return {}
    if name == "tier":
        keys: tuple[str, ...] = tuple(settings.tiers.labels)
    elif name == "gender":
        keys = GENDERS
    else:
        keys = segment_names(name, settings=settings)
    spellings: dict[str, str] = {}
    for key in keys:
        for lang in i18n.LANGS:
            spellings[segment_label(name, key, settings=settings, lang=lang)] = key
        spellings[key] = key
    return spellings
