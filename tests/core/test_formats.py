"""Figures as a person reads them: rounded amounts in each language's own units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from segmint.core.formats import Locale, money_short

EN, ZH = Locale(lang="en"), Locale(lang="zh-CN")


@pytest.mark.parametrize(
    ("amount", "en", "zh"),
    [
        (0, "¥0", "¥0"),
        (850.4, "¥850", "¥850"),
        (999.96, "¥1.0k", "¥1,000"),
        (340_000, "¥340k", "¥34万"),
        (Decimal("1234567.89"), "¥1.2M", "¥123万"),
        (9_960_000, "¥10M", "¥996万"),  # 9.96 rounds to 10: no "10.0"
        (120_000_000, "¥120M", "¥1.2亿"),
        (-5_400, "-¥5.4k", "-¥5,400"),
    ],
)
def test_money_short_rounds_into_the_units_each_language_counts_in(amount, en, zh):
    assert money_short(amount, EN) == en
    assert money_short(amount, ZH) == zh


def test_money_short_names_a_currency_without_a_symbol():
    assert money_short(2_500_000, Locale(lang="en", currency="SGD")) == "SGD 2.5M"
