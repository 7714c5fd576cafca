"""Assignment to variants and a hold-out: the stated formula, the stated shares, stable.

Witnesses: SHA-256 computed here from the documented formula; the binomial bounds of the
group shares over 200,000 ids.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import stats

from segmint.core.errors import InputError
from segmint.models import holdout


def _by_hand(customer_id: str, seed: int, share: float, variants: list[str]) -> str:
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < share:
        return "holdout"
    return variants[min(int((u - share) / (1 - share) * len(variants)), len(variants) - 1)]


def test_groups_follow_the_documented_formula():
    ids = [f"C{i:07d}" for i in range(2000)] + ["王芳", "", "C 1"]
    got = holdout.assign(ids, seed=42, holdout=0.1, variants=["A", "B", "C"])
    assert got == [_by_hand(c, 42, 0.1, ["A", "B", "C"]) for c in ids]


def test_a_customer_keeps_her_group_whoever_else_is_assigned():
    ids = [f"C{i:07d}" for i in range(1000)]
    alone = holdout.assign(ids[500:], seed=9, holdout=0.2, variants=["A", "B"])
    together = holdout.assign(ids, seed=9, holdout=0.2, variants=["A", "B"])
    assert together[500:] == alone
    other = holdout.assign(ids, seed=10, holdout=0.2, variants=["A", "B"])
    assert other != together  # the seed matters


@pytest.mark.parametrize(("share", "variants"), [(0.1, ["A"]), (0.25, ["A", "B", "C"])])
def test_group_shares_are_the_stated_ones(share, variants):
    n = 200_000
    got = np.array(
        holdout.assign([f"C{i}" for i in range(n)], seed=1, holdout=share, variants=variants)
    )
    expected = {"holdout": share} | {v: (1 - share) / len(variants) for v in variants}
    for group, p in expected.items():
        low, high = stats.binom.ppf([0.0005, 0.9995], n, p)  # 99.9 % of draws fall here
        assert low <= (got == group).sum() <= high, group


@pytest.mark.parametrize(
    ("share", "variants", "code"),
    [
        (0.0, ["A"], "campaign.bad_holdout"),
        (1.0, ["A"], "campaign.bad_holdout"),
        (0.1, [], "campaign.bad_variants"),
        (0.1, ["A", "A"], "campaign.bad_variants"),
        (0.1, ["holdout"], "campaign.bad_variants"),
        (0.1, [" "], "campaign.bad_variants"),
    ],
)
def test_shares_and_variants_that_cannot_be_used_are_named(share, variants, code):
    with pytest.raises(InputError) as caught:
        holdout.assign(["C1"], seed=1, holdout=share, variants=variants)
    assert caught.value.code == code
