"""Named RFM segments: rfm8 against a pandas oracle, rfm11 through its lint."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from segmint.core.errors import ConfigError
from segmint.core.i18n import Named
from segmint.models.rfm_names import RFM8_NAMES, RFM11, Rule, check_scheme, name_cells, rfm8

ORACLE = {  # (r high, f high, m high) -> Chinese name, from the scheme's definition
    (1, 1, 1): "重要价值客户",
    (1, 0, 1): "重要发展客户",
    (0, 1, 1): "重要保持客户",
    (0, 0, 1): "重要挽留客户",
    (1, 1, 0): "一般价值客户",
    (1, 0, 0): "一般发展客户",
    (0, 1, 0): "一般保持客户",
    (0, 0, 0): "一般挽留客户",
}


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_rfm8_matches_a_pandas_oracle(data):
    n = data.draw(st.integers(1, 50))
    ints = st.integers(0, 400)
    frame = pd.DataFrame(
        {
            c: data.draw(hnp.arrays(np.int64, n, elements=ints))
            for c in ("recency", "frequency", "monetary")
        }
    )
    high = pd.DataFrame(
        {
            "r": frame.recency < frame.recency.mean(),
            "f": frame.frequency > frame.frequency.mean(),
            "m": frame.monetary > frame.monetary.mean(),
        }
    ).astype(int)
    expected = [ORACLE[tuple(row)] for row in high.itertuples(index=False)]
    got = rfm8(frame.recency, frame.frequency, frame.monetary)
    assert [RFM8_NAMES[i].zh for i in got] == expected


def test_rfm8_compares_money_in_cents_exactly():
    """Mean 1/3 cent above 100: a float mean would round, v n > sum does not."""
    cents = np.array([100, 100, 101], dtype=np.int64)
    got = rfm8(np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64), cents)
    assert [RFM8_NAMES[i].key for i in got] == [
        "general_winback",
        "general_winback",
        "important_winback",
    ]


def test_the_default_rfm11_table_names_each_of_125_cells_once_and_every_name():
    check_scheme(RFM11, bins=5)
    cells = list(itertools.product(range(1, 6), repeat=3))
    r, f, m = (np.array(c) for c in zip(*cells, strict=True))
    names = name_cells(RFM11, r, f, m, bins=5)
    assert names.size == 125
    assert set(names.tolist()) == set(range(11))


def test_an_unreachable_name_is_named():
    shadowed = (*RFM11, Rule(Named("ghost", "Ghost", "幽灵"), (6, 6), (1, 5)))
    with pytest.raises(ConfigError, match="'ghost' is unreachable"):
        check_scheme(shadowed, bins=5)


def test_a_gap_and_an_overlap_are_named_with_their_cells():
    gap = tuple(rule for rule in RFM11 if rule.name.key != "lost")
    with pytest.raises(ConfigError, match=r"cell r=1 f=1 m=1 \(fm 1\) has no name"):
        check_scheme(gap, bins=5)
    overlap = (*RFM11, Rule(Named("vip", "VIP", "贵宾"), (5, 5), (5, 5)))
    with pytest.raises(
        ConfigError, match=r"cell r=5 f=5 m=5 \(fm 5\) has several names: champions, vip"
    ):
        check_scheme(overlap, bins=5)


def test_the_vignette_table_fails_the_lint():
    """The R rfm vignette's table: four names unreachable, cells unnamed."""
    vignette = (
        ("champions", (4, 5), (4, 5), (4, 5)),
        ("loyal", (2, 5), (3, 5), (3, 5)),
        ("potential_loyalist", (3, 5), (1, 3), (1, 3)),
        ("new", (4, 5), (1, 1), (1, 1)),
        ("promising", (3, 4), (1, 1), (1, 1)),
        ("need_attention", (2, 3), (2, 3), (2, 3)),
        ("about_to_sleep", (2, 3), (1, 2), (1, 2)),
        ("at_risk", (1, 2), (2, 5), (2, 5)),
        ("cant_lose_them", (1, 1), (4, 5), (4, 5)),
        ("hibernating", (1, 2), (1, 2), (1, 2)),
        ("lost", (1, 1), (1, 1), (1, 1)),
    )
    first_match = {}
    for cell in itertools.product(range(1, 6), repeat=3):
        for key, *ranges in vignette:
            if all(lo <= v <= hi for v, (lo, hi) in zip(cell, ranges, strict=True)):
                first_match[cell] = key
                break
    assert 125 - len(first_match) > 0  # cells without a name
    assert len({k for k, *_ in vignette} - set(first_match.values())) > 0  # unreachable names
