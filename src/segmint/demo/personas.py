"""Who the synthetic customers are as shoppers: planted profile groups with known traits.

Each customer belongs to one persona, which fixes the channel they sign up in, the
category they favour and how likely they are to buy on discount. The personas are the
truth the profile clusters are measured against (adjusted Rand index) and the traits
their descriptions must name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from segmint.demo.clock import pick

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Persona:
    """A planted group of shoppers.

    Its favourite category and sign-up channel are indices into PRODUCTS and CHANNELS;
    its discount factor scales the base's share of discount-sensitive customers.
    """

    key: str
    category: int
    channel: int
    discount_factor: float
    weight: float


# The discount factors average about 1 over the weights, so the share of discount-
# sensitive customers stays about `TruthParams.discount_sensitive_share` overall; young
# parents are the bargain hunters (60 % of them at the default 20 %).
PERSONAS: tuple[Persona, ...] = (
    Persona("young_parents", category=2, channel=2, discount_factor=3.0, weight=0.22),  # 母婴, 抖音
    Persona("tech_buyers", category=3, channel=1, discount_factor=0.1, weight=0.20),  # 数码, 京东
    Persona("beauty_fans", category=1, channel=0, discount_factor=1.5, weight=0.22),  # 美妆, 天猫
    Persona("home_makers", category=5, channel=3, discount_factor=0.3, weight=0.18),  # 家居, 微信
    Persona("store_regulars", category=0, channel=4, discount_factor=0.1, weight=0.18),  # 服装, 店
)


@dataclass(frozen=True, slots=True)
class Drawn:
    """Per customer: the persona (index into PERSONAS) and the traits it gave them."""

    persona: Ints
    channel: Ints
    favourite: Ints
    sensitive: Bools


def draw_personas(rng: np.random.Generator, n: int, *, discount_share: float) -> Drawn:
    """Draw each of `n` customers' persona and the channel, category and discount habit it fixes."""
    persona = pick(rng, [p.weight for p in PERSONAS], n)
    factor = np.asarray([p.discount_factor for p in PERSONAS])[persona]
    return Drawn(
        persona=persona,
        channel=np.asarray([p.channel for p in PERSONAS], dtype=np.int64)[persona],
        favourite=np.asarray([p.category for p in PERSONAS], dtype=np.int64)[persona],
        sensitive=rng.random(n) < np.minimum(discount_share * factor, 1.0),
    )
