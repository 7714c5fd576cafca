"""Compiled rules against independent pandas readings of the snapshot and the raw tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pandas as pd
import pytest
import sqlglot

from segmint.core.errors import RuleError
from segmint.segments.rules.compile import Context, evaluate, operands
from segmint.segments.rules.tree import Filter, Name, Type
from segmint.store.lake import write_tables
from segmint.store.relations import CANONICAL, execute, rule_table, sources
from segmint.store.spark import SparkEngine
from tests.segments.rules import raw
from tests.segments.rules.trees import (
    AT,
    among,
    arith,
    between,
    both,
    cmp,
    either,
    field,
    is_null,
    lit,
    member,
    no,
    rule,
    window,
)

AS_OF = dt.date(2026, 6, 30)
ENGINES = ("duckdb", pytest.param("spark", marks=[pytest.mark.spark]))
pytestmark = pytest.mark.xdist_group("spark")  # one Java process for the whole suite
DAY = (AS_OF - dt.date(1970, 1, 1)).days
VIP = rule(
    both(cmp("=", field("tier", Type.TEXT), lit("A")), cmp(">", field("orders_365d"), lit(2)))
)


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, rules_demo, tmp_path_factory):
    """The workspace, its rule table and a compile context on an engine, the oracle's frames.

    On Spark the canonical tables and the snapshots are Parquet folders, as a Spark run
    reads and writes them; the rules and the oracle are the same.
    """
    ws = rules_demo
    run = ws.runs()[0]
    engine = ws.engine
    if request.param == "spark":
        lake = tmp_path_factory.mktemp("lake")
        write_tables(ws.engine, lake, tables=(*CANONICAL, "snapshots"))
        engine = SparkEngine(str(lake), session=request.getfixturevalue("spark_session"))
    base = rule_table(engine, run.run_id, timezone=ws.settings.timezone, as_of=run.as_of)
    ctx = Context(sources(engine, timezone=ws.settings.timezone), DAY)
    snapshot = ws.snapshot().to_pandas().set_index("customer_id")
    people = ws.engine.arrow("SELECT customer_id, city FROM customers").to_pandas()
    snapshot["city"] = people.set_index("customer_id")["city"].reindex(snapshot.index)
    return ws, base, ctx, snapshot, engine


def members(demo, tree, *, ctx=None) -> set[str]:
    _, base, default, _, engine = demo
    table = execute(engine, evaluate({"s": rule(tree)}, base, ctx or default)).to_pandas()
    assert table["s"].notna().all()  # never null
    return set(table.loc[table["s"], "customer_id"])


def ids(mask: pd.Series) -> set[str]:
    return set(mask[mask.fillna(False).astype(bool)].index)


# ---- (a) the ten example rules, each against an independent computation ----------------


def test_orders_and_discount_share_rule_matches_the_snapshot(demo):
    s = demo[3]
    tree = both(
        cmp(">", field("orders_30d"), lit(3)),
        cmp(">=", field("discount_share_90d", Type.FLOAT), lit(Decimal("0.5"))),
    )
    assert members(demo, tree) == ids((s.orders_30d > 3) & (s.discount_share_90d >= 0.5))


def test_tier_and_p_alive_rule_matches_the_snapshot(demo):
    s = demo[3]
    tree = both(
        cmp("=", field("tier", Type.TEXT), lit("A")),
        cmp("<", field("p_alive"), lit(Decimal("0.5"))),
    )
    assert members(demo, tree) == ids((s.tier == "A") & (s.p_alive < 0.5))


def test_not_city_counts_a_customer_without_a_city_in(demo):
    """`not (city = '上海')`: the comparison is false for an empty city, so `not` holds."""
    s = demo[3]
    tree = both(
        cmp(">=", field("r_score"), lit(4)),
        cmp(">=", field("f_score"), lit(4)),
        no(cmp("=", field("city", Type.TEXT), lit("上海"))),
    )
    expected = (s.r_score >= 4) & (s.f_score >= 4) & ~(s.city == "上海")
    assert members(demo, tree) == ids(expected)


def test_revenue_between_compares_money_exactly(demo):
    s = demo[3]
    tree = between(field("revenue_365d", Type.MONEY), lit(1000), lit(5000))
    low, high = Decimal(1000), Decimal(5000)
    assert members(demo, tree) == {c for c, v in s.revenue_365d.items() if low <= v <= high}


@pytest.mark.parametrize("channel", ["tmall", "天猫"])
def test_count_of_orders_by_channel_matches_raw_orders(demo, channel):
    ws, s = demo[0], demo[3]
    o = raw.orders(ws)
    rows = o[o.counted & raw.in_window(o.date, AS_OF, 30) & (o.channel == channel)]
    counts = rows.groupby("customer_id").size()
    tree = cmp(">=", window("count", "orders", 30, Filter("channel", (channel,))), lit(2))
    assert members(demo, tree) == set(counts[counts >= 2].index) & set(s.index)


def test_share_of_discounted_orders_matches_raw_orders(demo):
    ws, s = demo[0], demo[3]
    o = raw.orders(ws)
    o = o[o.counted & raw.in_window(o.date, AS_OF, 90)]
    share = (o.discount > 0).groupby(o.customer_id).mean()
    tree = cmp(">", window("share", "orders", 90, Filter("discounted")), lit(Decimal("0.5")))
    assert members(demo, tree) == set(share[share > 0.5].index) & set(s.index)


@pytest.mark.parametrize("days", [1, 7])
def test_view_streak_matches_raw_events_and_orders(demo, days):
    ws, s = demo[0], demo[3]
    e, o = raw.events(ws), raw.orders(ws)
    found = raw.streaks(e[e.type == "product_view"], o[o.counted], AS_OF)
    streak = window("streak", "events", None, Filter("type", ("product_view",)), without="orders")
    expected = {c for c, n in found.items() if n >= days} & set(s.index)
    assert members(demo, cmp(">=", streak, lit(days))) == expected
    assert days > 1 or expected  # the data has streaks to find


def test_absent_orders_matches_raw_orders(demo):
    ws, s = demo[0], demo[3]
    o = raw.orders(ws)
    recent = set(o.loc[o.counted & raw.in_window(o.date, AS_OF, 60), "customer_id"])
    assert members(demo, window("absent", "orders", 60)) == set(s.index) - recent


def test_in_segment_inlines_a_rule_segment(demo):
    s = demo[3]
    assert members(demo, member("vip", VIP)) == ids((s.tier == "A") & (s.orders_365d > 2))


def test_in_segment_of_a_static_segment_reads_its_member_list(demo):
    frozen = sorted(demo[3].index)[::7]
    ctx = Context(demo[2].sources, DAY, members=lambda name: ibis.memtable({"customer_id": frozen}))
    tree = both(member("vip"), cmp(">", field("frequency"), lit(0)))
    s = demo[3]
    assert members(demo, tree, ctx=ctx) == set(frozen) & ids(s.frequency > 0)


def test_date_minus_days_compares_with_a_date_field(demo):
    s = demo[3]
    tree = cmp(
        "<", field("last_order_at", Type.DATE), arith("-", field("as_of", Type.DATE), lit(30))
    )
    cut = AS_OF - dt.timedelta(days=30)
    assert members(demo, tree) == {
        c for c, d in s.last_order_at.items() if d is not None and d < cut
    }


def test_count_of_orders_with_a_line_in_a_category_matches_raw_orders(demo):
    ws, s = demo[0], demo[3]
    o = raw.orders(ws)
    wanted = {"美妆", "母婴"}
    has = o.categories.map(lambda c: isinstance(c, set) and bool(c & wanted))
    rows = o[o.counted & raw.in_window(o.date, AS_OF, 90) & has]
    counts = rows.groupby("customer_id").size()
    w = window("count", "orders", 90, Filter("category", tuple(sorted(wanted))))
    assert members(demo, cmp(">=", w, lit(1))) == set(counts.index) & set(s.index)


def test_sum_of_orders_in_a_store_is_net_revenue_of_raw_orders(demo):
    ws, s = demo[0], demo[3]
    o = raw.orders(ws)
    rows = o[o.revenue & raw.in_window(o.date, AS_OF, 365) & (o.store == "天猫旗舰店")]
    sums = rows.groupby("customer_id")["net"].sum()
    w = window("sum", "orders", 365, Filter("store", ("天猫旗舰店",)))
    got = execute(demo[4], operands(rule(cmp(">", w, lit(0))), demo[1], demo[2])).to_pandas()
    got = got.set_index("customer_id")[w.key]
    expected = sums.reindex(s.index).fillna(Decimal(0))
    assert (got.reindex(s.index) == expected).all()
    assert set(got[got > 0].index) == set(expected[expected > 0].index)


# ---- (c) empty values, division by zero, exact money ----------------------------------


def test_an_empty_operand_makes_a_comparison_false_and_not_flips_it(demo):
    s = demo[3]
    share = field("discount_share_90d", Type.FLOAT)
    empty = ids(s.discount_share_90d.isna())
    assert empty  # customers without orders in 90 days
    assert members(demo, cmp(">=", share, lit(0))) == ids(s.discount_share_90d >= 0)
    assert members(demo, no(cmp(">=", share, lit(0)))) == empty
    assert members(demo, is_null(share)) == empty
    assert members(demo, among(share, Decimal(0), negated=True)) == ids(s.discount_share_90d > 0)


def test_division_by_zero_is_empty_and_int_over_int_is_a_float(demo):
    _, base, ctx, s, _ = demo
    per_order = arith("/", field("orders_30d"), field("orders_365d"))
    tree = cmp(">", per_order, lit(Decimal("0.4")))
    table = execute(demo[4], operands(rule(is_null(per_order)), base, ctx)).to_pandas()
    assert set(table.loc[table.held, "customer_id"]) == ids(s.orders_365d == 0)
    ratio = s.orders_30d / s.orders_365d.where(s.orders_365d > 0)
    assert members(demo, tree) == ids(ratio > 0.4)  # 1 / 2 is 0.5, not 0
    assert ids((ratio > 0.4) & (ratio < 1))


def test_a_bare_boolean_field_is_false_when_empty(demo):
    s = demo[3]
    assert members(demo, field("value_customer", Type.BOOL)) == ids(s.value_customer)
    assert members(demo, no(field("value_customer", Type.BOOL))) == set(s.index) - ids(
        s.value_customer
    )


# ---- (d) one statement for many rules; (e) hostile text stays a literal ---------------


def fifty_rules():
    """Fifty rules over fields, windows of all three sources and segments."""
    rules = {}
    for i in range(50):
        w = window("count", ("orders", "events", "tickets")[i % 3], 7 + i)
        rules[f"s{i}"] = rule(
            either_or(i, cmp(">=", w, lit(1)), cmp(">", field("frequency"), lit(i % 7)))
        )
    rules["vip"] = rule(member("vip", VIP))
    return rules


def either_or(i, a, b):
    return both(a, b) if i % 2 else either(a, b)


def test_fifty_rules_compile_to_a_single_select(demo):
    _, base, ctx, s, engine = demo
    expression = evaluate(fifty_rules(), base, ctx)
    statements = sqlglot.parse(ibis.to_sql(expression, dialect="duckdb"), dialect="duckdb")
    assert len(statements) == 1
    assert isinstance(statements[0], sqlglot.exp.Select)
    table = execute(engine, expression)
    assert table.num_rows == len(s)
    assert len(table.column_names) == 1 + 51


HOSTILE = "x'; DROP TABLE customers; --\"\\"


def test_a_hostile_string_is_bound_as_a_literal(demo):
    ws, base, ctx, _, engine = demo
    before = ws.engine.scalar("SELECT count(*) FROM customers")
    tree = either(
        cmp("=", field("city", Type.TEXT), lit(HOSTILE)),
        cmp(">=", window("count", "orders", 30, Filter("channel", (HOSTILE,))), lit(1)),
    )
    sql = ibis.to_sql(evaluate({HOSTILE: rule(tree)}, base, ctx), dialect="duckdb")
    assert len(sqlglot.parse(sql, dialect="duckdb")) == 1
    assert "'x''; DROP TABLE customers; --\"\\'" in sql  # quoted, the quote doubled
    table = execute(engine, evaluate({HOSTILE: rule(tree)}, base, ctx))
    assert table.column_names == ["customer_id", HOSTILE]
    assert not any(table[HOSTILE].to_pylist())
    assert ws.engine.scalar("SELECT count(*) FROM customers") == before


def test_keys_that_differ_only_in_case_do_not_collide(demo):
    """DuckDB matches column names without regard to case; window columns are by position."""
    upper = window("count", "orders", 30, Filter("channel", ("TMALL",)))
    lower = window("count", "orders", 30, Filter("channel", ("tmall",)))
    assert upper.key.lower() == lower.key.lower()
    assert members(demo, either(cmp(">=", upper, lit(0)), cmp(">=", lower, lit(1)))) == set(
        demo[3].index
    )


# ---- what the compiler refuses ----------------------------------------------------------


def test_a_parsed_name_is_refused_with_its_position(demo):
    with pytest.raises(RuleError, match="Name cannot be compiled") as caught:
        evaluate({"s": rule(cmp(">", Name("orders_30", AT), lit(3)))}, demo[1], demo[2])
    assert caught.value.code == "rules.cannot_compile"


def test_a_static_segment_without_member_lists_is_refused(demo):
    with pytest.raises(RuleError, match="segment 'vip' is static") as caught:
        evaluate({"s": rule(member("vip"))}, demo[1], demo[2])
    assert caught.value.code == "rules.no_member_list"
