"""Named RFM segments: the eight-cell scheme against the mean, and eleven names on score cells.

``rfm8`` is the scheme Chinese CRM teams use: each dimension is "high" when strictly
better than the mean of the scored customers (recency_days below it, frequency and
monetary above it), giving eight names.

``rfm11`` reads eleven names off the score cells (r, f, m) through a table of ranges on
r and on ``fm = (f + m) // 2``, the combined frequency-and-spend score. `check_scheme`
enumerates every cell and proves that each one falls in exactly one range and that every
name has a cell: the lint run in tests and on every config change. (The table widely
copied from the R `rfm` package's vignette leaves 36 of the 125 cells unnamed and four
names unreachable.)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import ConfigError, Location
from segmint.models import overlap
from segmint.models.conditions import AllOf, BeyondMean, Case, Compare, Condition, Const, first

# (r high, f high, m high) -> segment key; data, not branches. The names users read are
# the catalogue's `rfm8.<key>` (segmint/core/text/segments.toml): models keep keys only.
RFM8: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}
RFM8_NAMES = tuple(RFM8.values())


# "High" on each dimension: strictly better than the mean of the scored customers. One
# customer's check reads the run's recorded mean (`RfmFacts.mean_*`).
RFM8_HIGH: dict[str, BeyondMean] = {
    "recency_days": BeyondMean("recency_days", "mean_recency_days", below=True),
    "frequency": BeyondMean("frequency", "mean_frequency"),
    "monetary": BeyondMean("monetary", "mean_monetary"),
}


def rfm8(
    recency_days: npt.ArrayLike, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> npt.NDArray[np.int8]:
    """Each customer's place in `RFM8_NAMES`, against the means of the customers given.

    "Strictly better than the mean" is tested as ``v n > sum(v)`` (``<`` for recency), so
    integer inputs (days, counts, money in cents) compare exactly, with no rounded mean.
    """
    values = {"recency_days": recency_days, "frequency": frequency, "monetary": monetary}
    r_high, f_high, m_high = (c.holds(values, {}) for c in RFM8_HIGH.values())
    return rfm8_index(r_high, f_high, m_high)


def rfm8_index(
    r_high: npt.NDArray[np.bool_], f_high: npt.NDArray[np.bool_], m_high: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int8]:
    """The place in `RFM8_NAMES` of each (r high, f high, m high)."""
    # RFM8 lists the cells with r, f, m "high" first, r slowest: a 3-bit index
    cells = list(RFM8)
    order = [(r, f, m) for r in (True, False) for f in (True, False) for m in (True, False)]
    table = np.array([cells.index(cell) for cell in order], dtype=np.int8)
    index = (~r_high).astype(np.intp) * 4 + (~f_high) * 2 + (~m_high)
    return np.asarray(table[index], dtype=np.int8)


class Rule(NamedTuple):
    """A named range of score cells: r in [r_low, r_high] and fm in [fm_low, fm_high]."""

    key: str  # the segment's stable key; its name is the catalogue's `rfm11.<key>`
    r: tuple[int, int]
    fm: tuple[int, int]

    @property
    def condition(self) -> Condition:
        """The range as a condition on the quantities ``r_score`` and ``fm_score``."""
        return AllOf(
            (
                Compare("r_score", ">=", Const(self.r[0])),
                Compare("r_score", "<=", Const(self.r[1])),
                Compare("fm_score", ">=", Const(self.fm[0])),
                Compare("fm_score", "<=", Const(self.fm[1])),
            )
        )


def fm_score(f: npt.ArrayLike, m: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """The combined frequency-and-spend score ``fm = (f + m) // 2``."""
    return (np.asarray(f, dtype=np.intp) + np.asarray(m, dtype=np.intp)) // 2


# The default rfm11 table for 5 bins: a partition of the (r, fm) grid.
RFM11: tuple[Rule, ...] = (
    Rule("champions", (5, 5), (4, 5)),
    Rule("loyal", (3, 4), (4, 5)),
    Rule("potential_loyalist", (4, 5), (2, 3)),
    Rule("new", (5, 5), (1, 1)),
    Rule("promising", (4, 4), (1, 1)),
    Rule("need_attention", (3, 3), (3, 3)),
    Rule("about_to_sleep", (3, 3), (1, 2)),
    Rule("at_risk", (1, 2), (3, 4)),
    Rule("cant_lose_them", (1, 2), (5, 5)),
    Rule("hibernating", (2, 2), (1, 2)),
    Rule("lost", (1, 1), (1, 2)),
)


def check_scheme(rules: Sequence[Rule], *, bins: int) -> None:
    """Prove that every (r, f, m) cell has exactly one name and every name has a cell.

    Raises
    ------
    ConfigError
        Listing every unreachable name, then every cell with no name or with several.
    """
    found = scheme_problems(rules, bins=bins)
    if found:
        raise ConfigError.collected(found)


def scheme_problems(rules: Sequence[Rule], *, bins: int) -> list[ConfigError]:
    """Every unreachable name, then every cell with no name or with several (not raised)."""
    r, f, m = (np.array(axis) for axis in zip(*_cells(bins), strict=True))
    cells_of = {"r_score": r, "fm_score": fm_score(f, m)}
    named = np.array([rule.condition.holds(cells_of, {}) for rule in rules]).reshape(
        len(rules), r.size
    )
    problems: list[ConfigError] = []
    for i, (rr, ff, mm) in enumerate(_cells(bins)):
        matches = [rule.key for rule, hit in zip(rules, named[:, i], strict=True) if hit]
        if len(matches) != 1:
            problems.append(_cell_problem(rr, ff, mm, matches))
    # a name no cell reaches is a segment empty in every run: the segment lint's first case
    reached = {
        rule.key
        for rule, hits in zip(rules, named, strict=True)
        if overlap.judge(int(hits.sum()), ()) != overlap.Verdict("empty")
    }
    # unreachable names first: there are few of them and the long cell list is cut short
    return [
        ConfigError(
            "scores.rfm_name_unreachable",
            location=Location(field="rfm.names"),
            entry=index,  # which [[rfm.names]] table, to find its line
            name=rule.key,
            bins=bins,
            r=list(rule.r),
            fm=list(rule.fm),
        )
        for index, rule in enumerate(rules)
        if rule.key not in reached
    ] + problems


def _cells(bins: int) -> list[tuple[int, int, int]]:
    axis = range(1, bins + 1)
    return list(itertools.product(axis, axis, axis))


def _cell_problem(r: int, f: int, m: int, matches: list[str]) -> ConfigError:
    code = "scores.rfm_cell_unnamed" if not matches else "scores.rfm_cell_named_twice"
    cell: dict[str, Any] = {"r": r, "f": f, "m": m, "fm": (f + m) // 2, "names": ", ".join(matches)}
    return ConfigError(code, location=Location(field="rfm.names"), **cell)


def name_cells(
    rules: Sequence[Rule], r: npt.ArrayLike, f: npt.ArrayLike, m: npt.ArrayLike, *, bins: int
) -> npt.NDArray[np.int8]:
    """Each customer's place in `rules`: the rule whose condition holds for her cell.

    `check_scheme` has proven that exactly one does, so the first that holds is the one.
    """
    check_scheme(rules, bins=bins)
    cells = {"r_score": np.asarray(r, dtype=np.intp), "fm_score": fm_score(f, m)}
    cases = [Case(rule.key, rule.condition) for rule in rules]
    return first(cases, cells, {}, choices=range(len(rules)), default=0)
