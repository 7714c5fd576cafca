"""The segment lint: is a segment empty, the same as another, or inside another.

Pure: counts in, a verdict out. One lint judges a team's new segment against the run's
memberships and an rfm11 naming table's names against the score cells, where a name no
cell reaches is a segment that is empty in every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple


class Other(NamedTuple):
    """Another segment: its name, its size, and how many members it shares with ours."""

    name: str
    size: int
    shared: int


class Verdict(NamedTuple):
    """What the lint found: empty, identical to `other`, or contained in `other`."""

    kind: Literal["empty", "identical", "contained"]
    other: str | None = None


def judge(size: int, others: Iterable[Other]) -> Verdict | None:
    """The lint's verdict on a segment of `size` members among `others` (None: no doubt).

    Identical wins over contained; of several segments holding it, the smallest is named
    (ties by name), as the one that says most.
    """
    if size == 0:
        return Verdict("empty")
    candidates = list(others)
    same = sorted(o.name for o in candidates if o.shared == size == o.size)
    if same:
        return Verdict("identical", same[0])
    holding = [o for o in candidates if o.shared == size < o.size]
    if holding:
        return Verdict("contained", min(holding, key=lambda o: (o.size, o.name)).name)
    return None
