"""The vocabulary the rule tests check against: default settings and a few segments."""

from __future__ import annotations

from segmint.core.config import Settings
from segmint.segments.rules.vocabulary import SegmentRef, Vocabulary, vocabulary

SEGMENTS = {
    "vip": SegmentRef("vip", "tier = 'A'"),
    "frozen": SegmentRef("frozen", None),  # static: a frozen member list
    "loyal": SegmentRef("loyal", "in_segment('vip') and orders_365d >= 4"),
    "a": SegmentRef("a", "in_segment('b')"),
    "b": SegmentRef("b", "orders_30d > 1 and in_segment('a')"),
    "self": SegmentRef("self", "in_segment('self')"),
    "broken": SegmentRef("broken", "no_such_field > 1"),
}


def words() -> Vocabulary:
    """Fields of a workspace with default settings, and the test segments."""
    return vocabulary(Settings(), segments=SEGMENTS)
