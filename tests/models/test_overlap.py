"""The segment lint, on counts whose sets are written out here (the witness)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segmint.models.overlap import Other, Verdict, judge


def test_an_empty_segment_is_empty_whatever_else_there_is():
    assert judge(0, [Other("x", 0, 0)]) == Verdict("empty")


def test_identical_wins_over_contained_and_the_first_name_is_told():
    others = [Other("zeta", 5, 5), Other("alpha", 5, 5), Other("big", 9, 5)]
    assert judge(5, others) == Verdict("identical", "alpha")


def test_the_smallest_segment_holding_it_is_named():
    others = [Other("big", 9, 4), Other("mid", 6, 4), Other("mid2", 6, 4), Other("part", 8, 3)]
    assert judge(4, others) == Verdict("contained", "mid")


def test_a_segment_overlapping_others_in_part_draws_no_doubt():
    assert judge(4, [Other("a", 10, 3), Other("b", 2, 2)]) is None


@given(
    st.sets(st.integers(0, 30), max_size=20),
    st.lists(st.sets(st.integers(0, 30), max_size=20), max_size=5),
)
def test_the_verdict_agrees_with_the_sets_themselves(ours, theirs):
    others = [Other(f"s{i}", len(t), len(ours & t)) for i, t in enumerate(theirs)]
    verdict = judge(len(ours), others)
    if not ours:
        assert verdict == Verdict("empty")
    elif any(t == ours for t in theirs):
        assert verdict is not None and verdict.kind == "identical"
        assert theirs[int(verdict.other[1:])] == ours
    elif any(ours < t for t in theirs):
        assert verdict is not None and verdict.kind == "contained"
        holder = theirs[int(verdict.other[1:])]
        assert ours < holder and len(holder) == min(len(t) for t in theirs if ours < t)
    else:
        assert verdict is None
