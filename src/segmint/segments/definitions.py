"""Segments as data: the built-in families' members and the team's rules, one kind of thing.

Every segment is a `Segment`: a name, a kind (``family`` for a member of a built-in
family such as ``tier.A``, ``rule`` for the team's own), a rule text, and its version
history. A family member's rule is the condition its members satisfy in the snapshot
(``tier = 'A'``, ``value_customer = true``), in the same language users write.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from segmint.core.config import Settings
from segmint.segments.families import segment_names
from segmint.store import segments as stored
from segmint.store.engine import Store
from segmint.store.memberships import FAMILIES, FLAG_FAMILIES


class Segment(BaseModel):
    """One version of a segment definition."""

    model_config = ConfigDict(frozen=True)

    segment_id: int
    name: str
    version: int
    kind: Literal["family", "rule"]
    family: str | None
    key: str | None
    rule: str
    description: str | None
    static: bool
    created_by: str | None
    created_at: dt.datetime | None
    changed_by: str | None
    changed_at: dt.datetime | None
    removed_by: str | None = None
    removed_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Segment:
        """A stored row as a `Segment`."""
        return cls.model_validate(row)


@dataclass(frozen=True, slots=True)
class FamilyMember:
    """A segment of a built-in family: ``tier.A`` is the customers with tier 'A'."""

    family: str
    key: str

    @property
    def name(self) -> str:
        """The segment's name: family, a dot, the key."""
        return f"{self.family}.{self.key}"

    @property
    def rule(self) -> str:
        """The condition in the rule language (a quote in a key doubled, as strings escape)."""
        if self.family in ("value_customer", "cluster"):  # a flag, a number
            return f"{self.family} = {self.key}"
        if self.family in FLAG_FAMILIES:
            return f"{self.key} = true"
        return f"{self.family} = '{self.key.replace(chr(39), chr(39) * 2)}'"


def family_members(settings: Settings, *, clusters: Sequence[int] = ()) -> tuple[FamilyMember, ...]:
    """Every segment of every built-in family under `settings`, in report order.

    `clusters` are the cluster ids of the run at hand (a run numbers them).
    """
    bins = range(1, settings.rfm.bins + 1)
    # the named families' keys are families.segment_names'; these are made here
    keys: dict[str, tuple[str, ...]] = {
        "tier": tuple(settings.tiers.labels),
        "rfm_cell": tuple(f"{r}{f}{m}" for r, f, m in itertools.product(bins, repeat=3)),
        "cluster": tuple(str(c) for c in clusters),
    }
    return tuple(
        FamilyMember(family, key)
        for family in (*FAMILIES, *FLAG_FAMILIES)
        for key in keys.get(family) or segment_names(family, settings=settings)
    )


def sync_families(engine: Store, settings: Settings, *, clusters: Sequence[int] = ()) -> None:
    """Add the family segments the workspace does not have yet.

    Those `settings` define, and one per cluster id of the run's `clusters`. Inside the
    caller's transaction (the run's). A family segment the settings no longer make (a
    renamed rfm11 name) stays, with the runs that had it.
    """
    have = {(s["family"], s["key"]) for s in stored.current(engine, kind="family")}
    for member in family_members(settings, clusters=clusters):
        if (member.family, member.key) not in have:
            stored.add_version(
                engine,
                name=member.name,
                kind="family",
                family=member.family,
                key=member.key,
                rule=member.rule,
                actor="segmint",
            )


def current(engine: Store, *, kind: str | None = None) -> list[Segment]:
    """The latest version of every live segment."""
    return [Segment.of(row) for row in stored.current(engine, kind=kind)]
