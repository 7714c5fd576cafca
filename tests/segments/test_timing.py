"""When a rule can change with no new data: the hooks read off its checked tree.

Witness: the rule text itself (which field it compares, with what, over which window).
"""

from __future__ import annotations

import pytest

from segmint.core.config import Settings
from segmint.segments.rules import read
from segmint.segments.rules.vocabulary import vocabulary
from segmint.segments.timing import Birthday, Crossing, Daily, Decline, Exit, rule_hooks

WORDS = vocabulary(Settings())


@pytest.mark.parametrize(
    ("text", "hooks"),
    [
        ("recency_days > 30", {Crossing("recency_days", 30.0)}),
        (
            "recency_days between 30 and 60",
            {Crossing("recency_days", 30.0), Crossing("recency_days", 60.0)},
        ),
        (
            "tenure_days in (90, 180)",
            {Crossing("tenure_days", 90.0), Crossing("tenure_days", 180.0)},
        ),
        ("as_of >= date '2026-07-01'", {Crossing("as_of", 20635.0)}),
        ("p_alive < 0.3", {Decline("p_alive", 0.3)}),
        ("count(orders, 30) >= 2", {Exit("orders", 30)}),
        ("sum(orders, 90, channel = 'tmall') > 500", {Exit("orders", 90)}),
        (
            "streak(events, type = 'product_view', without = orders) >= 3",
            {Exit("events", 1), Exit("orders", 1)},
        ),
        ("orders_90d >= 2 and page_views_7d > 0", {Exit("orders", 90), Exit("events", 7)}),
        ("age >= 30", {Birthday()}),
        ("tier = 'A' and stage = 'active'", {"tier", "stage"}),
        ("clv_12m > 1000", {Daily()}),
        ("last_order_at < as_of - 30", {Daily()}),
        ("recency_days > avg_days_between_orders * 2", {Daily()}),
        ("frequency >= 3 and city = '上海' and monetary > 100", set()),
        ("not (recency_days <= 30)", {Crossing("recency_days", 30.0)}),
    ],
)
def test_a_rule_hooks_on_what_moves_it_with_the_calendar(text, hooks):
    assert rule_hooks(read(text, WORDS)) == hooks
