"""The rule table: a run's snapshot beside each customer's profile, against hand-made rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import NotFoundError
from segmint.segments.rules.compile import Context, evaluate
from segmint.segments.rules.tree import Type
from segmint.store.relations import execute, rule_table, sources
from tests.segments.rules.trees import cmp, field, lit, rule

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def made(ws):
    """Run 1 as of 2026-06-30 with four customers; D has a snapshot row but no profile."""
    ws.engine.execute(
        "INSERT INTO runs (run_id, as_of) VALUES (1, ?), (2, ?)", [AS_OF, dt.date(2026, 1, 1)]
    )
    ws.engine.execute(
        "INSERT INTO customers (customer_id, city, birthday, signup_at, consent_sms) VALUES "
        "('A', '上海', DATE '2000-06-30', TIMESTAMPTZ '2026-06-29 16:30:00+00', true), "
        "('B', NULL, DATE '2000-07-01', TIMESTAMPTZ '2026-06-29 15:59:59+00', NULL), "
        "('C', '北京', DATE '2004-02-29', NULL, false)"
    )
    ws.engine.execute(
        "INSERT INTO snapshots (run_id, customer_id, revenue_365d, tier) VALUES "
        "(1, 'A', 1234.56, 'A'), (1, 'B', 1234.57, 'B'), (1, 'C', 1234.55, 'C'), "
        "(1, 'D', 0, 'C'), (2, 'A', 1.00, 'C')"
    )
    return ws


def rows(ws, run_id=1):
    table = execute(ws.engine, rule_table(ws.engine, run_id, timezone=ws.settings.timezone))
    return {r["customer_id"]: r for r in table.to_pylist()}


def test_one_row_per_customer_of_the_run_with_snapshot_and_profile(made):
    found = rows(made)
    assert sorted(found) == ["A", "B", "C", "D"]
    assert found["A"]["tier"] == "A" and found["A"]["city"] == "上海"
    assert found["A"]["as_of"] == AS_OF
    assert "run_id" not in found["A"] and "value_parts" not in found["A"]
    assert rows(made, 2)["A"]["revenue_365d"] == Decimal("1.00")


def test_age_counts_whole_years_at_as_of(made):
    found = rows(made)
    assert found["A"]["age"] == 26  # birthday on as_of itself
    assert found["B"]["age"] == 25  # birthday the day after
    assert found["C"]["age"] == 22  # 29 February: 2026 has none, the birthday is not yet


def test_signup_date_is_the_local_date_in_the_workspace_zone(made):
    found = rows(made)  # Asia/Shanghai, UTC+8
    assert found["A"]["signup_date"] == dt.date(2026, 6, 30)  # 00:30 local
    assert found["B"]["signup_date"] == dt.date(2026, 6, 29)  # 23:59:59 local
    assert found["C"]["signup_date"] is None


def test_a_customer_without_a_profile_has_empty_profile_fields(made):
    d = rows(made)["D"]
    assert d["as_of"] == AS_OF
    for name in ("gender", "age", "birthday", "city", "signup_date", "consent_sms"):
        assert d[name] is None


def test_an_unknown_run_is_not_found(made):
    with pytest.raises(NotFoundError, match="there is no run 7; the runs are 1, 2"):
        rule_table(made.engine, 7, timezone="Asia/Shanghai")


@pytest.mark.parametrize(
    ("op", "expected"),
    [("=", {"A"}), ("!=", {"B", "C", "D"}), (">=", {"A", "B"}), ("<", {"C", "D"})],
)
def test_money_compares_exactly_with_a_decimal_literal(made, op, expected):
    """1234.56 as a binary float is 1234.5599999999999; DECIMAL against Decimal is exact."""
    ctx = Context(
        sources(made.engine, timezone="Asia/Shanghai"), (AS_OF - dt.date(1970, 1, 1)).days
    )
    base = rule_table(made.engine, 1, timezone="Asia/Shanghai")
    tree = cmp(op, field("revenue_365d", Type.MONEY), lit(Decimal("1234.56")))
    table = execute(made.engine, evaluate({"s": rule(tree)}, base, ctx)).to_pylist()
    assert {r["customer_id"] for r in table if r["s"]} == expected
