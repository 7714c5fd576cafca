"""Random assignment to a campaign's variants and its hold-out, the same every time.

A customer's group follows from the campaign's seed and her id alone: u = the first 64
bits of SHA-256("{seed}:{customer_id}") / 2^64, uniform on [0, 1) for every practical
purpose; she is in the hold-out when u < holdout, else in variant
floor((u - holdout) / (1 - holdout) * k) of the k variants. So a run, a re-export or a
customer who joins the segment a month later gets the group she would have had on the
first day, with no table of draws to keep, and anyone with the seed can check it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location

HOLDOUT = "holdout"  # the group name of the customers who get nothing
MOST_VARIANTS = 26


def draws(customer_ids: Iterable[str], *, seed: int) -> npt.NDArray[np.float64]:
    """The draw u in [0, 1) of each customer (the module's formula)."""
    return np.array(
        [
            int.from_bytes(hashlib.sha256(f"{seed}:{c}".encode()).digest()[:8], "big") / 2**64
            for c in customer_ids
        ],
        dtype=np.float64,
    )


def assign(
    customer_ids: Sequence[str], *, seed: int, holdout: float, variants: Sequence[str]
) -> list[str]:
    """The group of each customer: `HOLDOUT` or one of `variants`.

    Raises
    ------
    InputError
        A hold-out share outside (0, 1), no variant, too many, a repeated one or one
        named like the hold-out (``campaign.bad_holdout``, ``campaign.bad_variants``).
    """
    check(holdout=holdout, variants=variants)
    u = draws(customer_ids, seed=seed)
    k = len(variants)
    index = np.minimum(((u - holdout) / (1 - holdout) * k).astype(np.int64), k - 1)
    names = np.array(list(variants), dtype=object)
    return [HOLDOUT if held else str(names[i]) for held, i in zip(u < holdout, index, strict=True)]


def check(*, holdout: float, variants: Sequence[str]) -> None:
    """Raise `InputError` for a hold-out share or variants `assign` cannot use."""
    if not 0 < holdout < 1:
        raise InputError(
            "campaign.bad_holdout", location=Location(field="holdout"), holdout=holdout
        )
    names = list(variants)
    if (
        not names
        or len(names) > MOST_VARIANTS
        or len(set(names)) < len(names)
        or (HOLDOUT in names or any(not n.strip() for n in names))
    ):
        raise InputError(
            "campaign.bad_variants",
            location=Location(field="variants"),
            variants=", ".join(names),
            most=MOST_VARIANTS,
        )
