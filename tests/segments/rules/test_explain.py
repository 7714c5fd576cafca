"""One customer's verdict: the engine's two-valued semantics and the sentences shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from segmint.segments.rules import explain, read
from tests.segments.rules.vocab import words

VOCABULARY = words()


def _sentences(text, values, lang="en"):
    return [c.sentence for c in explain(read(text, VOCABULARY), values, lang).clauses]


def test_each_condition_says_the_customers_value_and_its_verdict():
    text = "orders_30d > 3 and discount_share_90d >= 0.5 and city = '上海'"
    values = {"orders_30d": 5, "discount_share_90d": 0.6, "city": None}
    assert _sentences(text, values) == [
        "orders_30d = 5 > 3 ✓",
        "discount_share_90d = 0.6 ≥ 0.5 ✓",
        "city = (empty) ✗",
    ]
    assert _sentences(text, values, "zh-CN") == [
        "近 30 天订单数 = 5 > 3 ✓",
        "近 90 天优惠订单占比 = 0.6 ≥ 0.5 ✓",
        "城市 = （空） ✗",
    ]


def test_an_empty_value_fails_every_comparison_and_not_flips_the_verdict():
    values = {"city": None, "tier": None, "revenue_365d": None}
    rule = read("not (city = '上海')", VOCABULARY)
    assert explain(rule, values, "en").held  # engine: coalesce(city = '上海', false)
    for text in ("tier not in ('A')", "revenue_365d not between 1 and 2", "city != '上海'"):
        assert not explain(read(text, VOCABULARY), values, "en").held, text
    assert explain(read("city is null", VOCABULARY), values, "en").held


def test_windows_segments_and_dates_are_read_by_their_keys():
    text = (
        "count(orders, 30, 渠道 = 'tmall') >= 2 and in_segment('vip') "
        "and last_order_at < as_of - 30 and absent(orders, 60)"
    )
    values = {
        "count(orders, 30, channel = 'tmall')": 2,
        "in_segment:vip": True,
        "last_order_at": dt.date(2024, 1, 5),
        "as_of": dt.date(2024, 3, 2),
        "absent(orders, 60)": False,
    }
    verdict = explain(read(text, VOCABULARY), values, "en")
    assert not verdict.held
    assert [c.sentence for c in verdict.clauses] == [
        "count(orders, 30, channel = 'tmall') = 2 ≥ 2 ✓",
        "in_segment('vip') = true ✓",
        "last_order_at = 2024-01-05 < as_of - 30 (2024-02-01) ✓",
        "absent(orders, 60) = false ✗",
    ]
    assert verdict.clauses[2].values == (
        ("last_order_at", dt.date(2024, 1, 5)),
        ("as_of", dt.date(2024, 3, 2)),
    )


def test_division_by_zero_and_a_date_beyond_the_calendar_are_empty():
    values = {"revenue_365d": Decimal("10.00"), "frequency": 0, "as_of": dt.date(9999, 12, 1)}
    assert _sentences("revenue_365d / frequency > 1", values) == [
        "revenue_365d / frequency = (empty) ✗"
    ]
    assert not explain(read("as_of + 100 > as_of", VOCABULARY), values, "en").held


def test_the_clause_text_is_the_canonical_rule_text():
    rule = read("近30天订单数 ＞ 3 且 tier = 'A'", VOCABULARY)
    clauses = explain(rule, {"orders_30d": 1, "tier": "A"}, "en").clauses
    assert [c.text for c in clauses] == ["orders_30d > 3", "tier = 'A'"]
    assert [c.held for c in clauses] == [False, True]
