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
from segmint.core.i18n import Named

# (r high, f high, m high) -> name; data, not branches
RFM8: dict[tuple[bool, bool, bool], Named] = {
    (True, True, True): Named("important_value", "Important value", "重要价值客户"),
    (True, False, True): Named("important_development", "Important development", "重要发展客户"),
    (False, True, True): Named("important_retention", "Important retention", "重要保持客户"),
    (False, False, True): Named("important_winback", "Important win-back", "重要挽留客户"),
    (True, True, False): Named("general_value", "General value", "一般价值客户"),
    (True, False, False): Named("general_development", "General development", "一般发展客户"),
    (False, True, False): Named("general_retention", "General retention", "一般保持客户"),
    (False, False, False): Named("general_winback", "General win-back", "一般挽留客户"),
}
RFM8_NAMES = tuple(RFM8.values())


def rfm8(
    recency_days: npt.ArrayLike, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> npt.NDArray[np.int8]:
    """Each customer's place in `RFM8_NAMES`, against the means of the customers given.

    "Strictly better than the mean" is tested as ``v n > sum(v)`` (``<`` for recency), so
    integer inputs (days, counts, money in cents) compare exactly, with no rounded mean.
    """
    r_high = _beyond_mean(recency_days, below=True)
    f_high = _beyond_mean(frequency, below=False)
    m_high = _beyond_mean(monetary, below=False)
    # RFM8 lists the cells with r, f, m "high" first, r slowest: a 3-bit index
    cells = list(RFM8)
    order = [(r, f, m) for r in (True, False) for f in (True, False) for m in (True, False)]
    table = np.array([cells.index(cell) for cell in order], dtype=np.int8)
    index = (~r_high).astype(np.intp) * 4 + (~f_high) * 2 + (~m_high)
    return np.asarray(table[index], dtype=np.int8)


def _beyond_mean(values: npt.ArrayLike, *, below: bool) -> npt.NDArray[np.bool_]:
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        array = array.astype(np.float64)
    scaled, total = array * array.size, array.sum()
    return np.asarray(scaled < total if below else scaled > total)


class Rule(NamedTuple):
    """A named range of score cells: r in [r_low, r_high] and fm in [fm_low, fm_high]."""

    name: Named
    r: tuple[int, int]
    fm: tuple[int, int]


# The default rfm11 table for 5 bins: a partition of the (r, fm) grid.
RFM11: tuple[Rule, ...] = (
    Rule(Named("champions", "Champions", "冠军客户"), (5, 5), (4, 5)),
    Rule(Named("loyal", "Loyal", "忠诚客户"), (3, 4), (4, 5)),
    Rule(Named("potential_loyalist", "Potential loyalist", "潜在忠诚客户"), (4, 5), (2, 3)),
    Rule(Named("new", "New", "新客户"), (5, 5), (1, 1)),
    Rule(Named("promising", "Promising", "有潜力客户"), (4, 4), (1, 1)),
    Rule(Named("need_attention", "Need attention", "需要关注客户"), (3, 3), (3, 3)),
    Rule(Named("about_to_sleep", "About to sleep", "即将沉睡客户"), (3, 3), (1, 2)),
    Rule(Named("at_risk", "At risk", "流失风险客户"), (1, 2), (3, 4)),
    Rule(Named("cant_lose_them", "Can't lose them", "不能失去的客户"), (1, 2), (5, 5)),
    Rule(Named("hibernating", "Hibernating", "休眠客户"), (2, 2), (1, 2)),
    Rule(Named("lost", "Lost", "已流失客户"), (1, 1), (1, 2)),
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
    cells: list[ConfigError] = []
    reached: set[str] = set()
    for r, f, m in itertools.product(range(1, bins + 1), repeat=3):
        matches = [rule.name.key for rule in rules if _matches(rule, r, (f + m) // 2)]
        reached.update(matches)
        if len(matches) != 1:
            code = "scores.rfm_cell_unnamed" if not matches else "scores.rfm_cell_named_twice"
            cell: dict[str, Any] = {
                "r": r,
                "f": f,
                "m": m,
                "fm": (f + m) // 2,
                "names": ", ".join(matches),
            }
            cells.append(ConfigError(code, location=Location(field="rfm.names"), **cell))
    # unreachable names first: there are few of them and the long cell list is cut short
    return [
        ConfigError(
            "scores.rfm_name_unreachable",
            location=Location(field="rfm.names"),
            entry=index,  # which [[rfm.names]] table, to find its line
            name=rule.name.key,
            bins=bins,
            r=list(rule.r),
            fm=list(rule.fm),
        )
        for index, rule in enumerate(rules)
        if rule.name.key not in reached
    ] + cells


def name_cells(
    rules: Sequence[Rule], r: npt.ArrayLike, f: npt.ArrayLike, m: npt.ArrayLike, *, bins: int
) -> npt.NDArray[np.int8]:
    """Each customer's place in `rules`, by a lookup table over the checked cells."""
    check_scheme(rules, bins=bins)
    table = np.zeros((bins + 1, bins + 1), dtype=np.int8)  # (r, fm) -> rule
    for index, rule in enumerate(rules):
        for rr, fm in itertools.product(range(1, bins + 1), repeat=2):
            if _matches(rule, rr, fm):
                table[rr, fm] = index
    fm_ = (np.asarray(f, dtype=np.intp) + np.asarray(m, dtype=np.intp)) // 2
    return np.asarray(table[np.asarray(r, dtype=np.intp), fm_], dtype=np.int8)


def _matches(rule: Rule, r: int, fm: int) -> bool:
    return rule.r[0] <= r <= rule.r[1] and rule.fm[0] <= fm <= rule.fm[1]
