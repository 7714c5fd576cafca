"""An independent pandas oracle of a run: every feature, the RFM scores and names, the tiers.

Written from the stated definitions (docs/features.md, the docstrings of
`segmint.models.rfm`, `rfm_names` and `tiers`), never from segmint's code, and calling
none of it: it reads the canonical tables with plain DuckDB and does the rest with
pandas and Python integers. Money is integer cents throughout, so sums, means and
thresholds compare exactly. A time's day is its local date in the workspace time zone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

EPOCH = dt.date(1970, 1, 1)
NOT_REVENUE = ("pending", "cancelled", "refunded")
VIEWS = ("page_view", "product_view")
ORDER_WINDOWS = (7, 30, 90, 180, 365)
REVENUE_WINDOWS = (30, 90, 180, 365)
NO_CATEGORY = "(none)"
BINS = 5

# The kind of each feature, as the oracle compares it (money in cents, floats to 1e-9).
INT, MONEY, FLOAT, DATE, TEXT = "int", "money", "float", "date", "text"
KINDS: dict[str, str] = {
    "recency_days": INT,
    "frequency": INT,
    "monetary": MONEY,
    **{f"orders_{n}d": INT for n in ORDER_WINDOWS},
    **{f"revenue_{n}d": MONEY for n in REVENUE_WINDOWS},
    "aov": FLOAT,
    "avg_days_between_orders": FLOAT,
    "tenure_days": INT,
    "first_order_at": DATE,
    "last_order_at": DATE,
    "discount_share": FLOAT,
    "discount_share_90d": FLOAT,
    "refund_share": FLOAT,
    "distinct_products": INT,
    "distinct_categories": INT,
    "top_category": TEXT,
    "page_views_7d": INT,
    "page_views_30d": INT,
    "view_streak_days": INT,
    "days_since_last_view": INT,
    "email_opens_30d": INT,
    "email_clicks_30d": INT,
    "calls_90d": INT,
    "interactions_30d": INT,
    "tickets_365d": INT,
    "complaints_365d": INT,
    "avg_satisfaction": FLOAT,
    "open_tickets": INT,
    "avg_resolution_days": FLOAT,
}
# Counts are 0 when there is nothing to count; so is money (no revenue row: 0 revenue).
ZERO_WHEN_EMPTY = (
    "frequency",
    *(f"orders_{n}d" for n in ORDER_WINDOWS),
    "distinct_products",
    "distinct_categories",
    "page_views_7d",
    "page_views_30d",
    "view_streak_days",
    "email_opens_30d",
    "email_clicks_30d",
    "calls_90d",
    "interactions_30d",
    "tickets_365d",
    "complaints_365d",
    "open_tickets",
    "monetary",
    *(f"revenue_{n}d" for n in REVENUE_WINDOWS),
)

# rfm8: (r high, f high, m high) -> key
RFM8 = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}
# rfm11: key, r range, fm = (f + m) // 2 range (the built-in table for 5 bins)
RFM11 = (
    ("champions", (5, 5), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential_loyalist", (4, 5), (2, 3)),
    ("new", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need_attention", (3, 3), (3, 3)),
    ("about_to_sleep", (3, 3), (1, 2)),
    ("at_risk", (1, 2), (3, 4)),
    ("cant_lose_them", (1, 2), (5, 5)),
    ("hibernating", (2, 2), (1, 2)),
    ("lost", (1, 1), (1, 2)),
)
TIER_LABELS = ("A", "B", "C")
THRESHOLD_CENTS = (100_000_00, 50_000_00)
PARETO_PERCENT = (80, 95)  # cumulative: A reaches 80 %, B 95 %


class Raw(NamedTuple):
    """The canonical tables as the oracle needs them: local day numbers, money in cents."""

    customers: pd.DataFrame  # customer_id, signup_day (nullable)
    orders: pd.DataFrame  # order_id, customer_id, day, cents, discount_cents, status
    items: pd.DataFrame  # order_id, product_id, category, spend_cents
    events: pd.DataFrame  # customer_id, day, type
    tickets: pd.DataFrame  # customer_id, opened_day, closed_day, is_complaint, satisfaction


# ---------------------------------------------------------------------------- reading


def load(database: Path, *, zone: str) -> Raw:
    """The canonical tables of a closed workspace database, read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        t = {
            name: con.execute(f"SELECT * FROM {name}").to_arrow_table().to_pandas()  # noqa: S608
            for name in ("customers", "orders", "order_items", "events", "tickets")
        }
    finally:
        con.close()
    return raw_tables(t, zone=zone)


def raw_tables(t: dict[str, pd.DataFrame], *, zone: str) -> Raw:
    """`Raw` from frames with the canonical columns (times tz-aware, money Decimal)."""
    c, o, i, e, k = (t[n] for n in ("customers", "orders", "order_items", "events", "tickets"))
    quantity = i["quantity"].fillna(1).astype("int64")
    return Raw(
        customers=pd.DataFrame(
            {"customer_id": c["customer_id"], "signup_day": local_days(c["signup_at"], zone)}
        ),
        orders=pd.DataFrame(
            {
                "order_id": o["order_id"],
                "customer_id": o["customer_id"],
                "day": local_days(o["ordered_at"], zone),
                # what the order brought in: the amount less what was paid back
                "cents": cents(o["amount"]) - cents(o.get("refund", pd.Series(None, o.index))),
                "discount_cents": cents(o["discount"]),
                "status": o["status"].fillna("paid"),
            }
        ),
        items=pd.DataFrame(
            {
                "order_id": i["order_id"],
                "product_id": i["product_id"],
                "category": i["category"].fillna(NO_CATEGORY),
                "spend_cents": quantity * cents(i["unit_price"]),
            }
        ),
        events=pd.DataFrame(
            {
                "customer_id": e["customer_id"],
                "day": local_days(e["occurred_at"], zone),
                "type": e["type"],
            }
        ),
        tickets=pd.DataFrame(
            {
                "customer_id": k["customer_id"],
                "opened_day": local_days(k["opened_at"], zone),
                "closed_day": local_days(k["closed_at"], zone),
                "is_complaint": k["is_complaint"].fillna(False).astype(bool),
                "satisfaction": k["satisfaction"].astype("float64"),
            }
        ),
    )


def local_days(times: pd.Series, zone: str) -> pd.Series:
    """Days since 1970-01-01 of each instant's local date in `zone` (<NA> for no time)."""
    wall = times.dt.tz_convert(zone).dt.tz_localize(None).dt.floor("D")
    return ((wall - pd.Timestamp(EPOCH)) // pd.Timedelta(days=1)).astype("Int64")


def cents(money: pd.Series) -> pd.Series:
    """Decimal amounts as integer cents, exactly; an empty amount is 0."""
    return money.map(lambda d: 0 if d is None or d != d else int(Decimal(d).scaleb(2))).astype(
        "int64"
    )


def as_day(day: dt.date) -> int:
    """The day number of a date."""
    return (day - EPOCH).days


def default_as_of(raw: Raw) -> dt.date:
    """The local date of the newest order row."""
    return EPOCH + dt.timedelta(days=int(raw.orders["day"].max()))


# --------------------------------------------------------------------------- features


def features(raw: Raw, as_of: dt.date) -> pd.DataFrame:
    """Every feature of every customer of the population, indexed by customer_id (sorted)."""
    day = as_day(as_of)
    out = pd.DataFrame(index=pd.Index(population(raw, day), name="customer_id"))
    for part in (
        order_features(raw.orders, day),
        product_features(raw, day),
        activity_features(raw, day),
        service_features(raw.tickets, day),
    ):
        out = out.join(part)
    for name in ZERO_WHEN_EMPTY:
        out[name] = out[name].fillna(0).astype("int64")
    return out[list(KINDS)]


def purchase_summary(raw: Raw, day: int, *, calibration_end: int) -> pd.DataFrame:
    """The customer-base models' input per buyer: purchase days (several counted orders on
    one day are one purchase), first and last, those up to the calibration end and after
    it, and the spend of every day but the first, in cents. Indexed by customer_id.
    """
    o = _flagged(raw.orders, day)
    daily = o[o["counted"]].groupby(["customer_id", "day"])["cents"].sum().reset_index()
    rows = {}
    for customer, days in daily.groupby("customer_id"):
        ordered = days.sort_values("day")
        calibration = ordered[ordered["day"] <= calibration_end]
        rows[customer] = {
            "first_day": int(ordered["day"].iloc[0]),
            "last_day": int(ordered["day"].iloc[-1]),
            "days": len(ordered),
            "cal_days": len(calibration),
            "cal_last_day": int(calibration["day"].max()) if len(calibration) else pd.NA,
            "holdout_days": int((ordered["day"] > calibration_end).sum()),
            "repeat_spend": int(ordered["cents"].iloc[1:].sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("customer_id").sort_index()


def repeat_purchases(raw: Raw, day: int) -> pd.Series:
    """Purchase days of all customers but each one's first, counted per day (index: day)."""
    o = _flagged(raw.orders, day)
    daily = o[o["counted"]][["customer_id", "day"]].drop_duplicates()
    first = daily.groupby("customer_id")["day"].transform("min")
    return daily[daily["day"] > first].groupby("day").size().sort_index()


def population(raw: Raw, day: int) -> list[str]:
    """Customers signed up by `day` (or with no sign-up) and those with an order row by then."""
    c = raw.customers
    signed = c.loc[c["signup_day"].isna() | (c["signup_day"] <= day), "customer_id"]
    ordered = raw.orders.loc[raw.orders["day"] <= day, "customer_id"]
    return sorted(set(signed) | set(ordered))


def _flagged(orders: pd.DataFrame, day: int) -> pd.DataFrame:
    o = orders[orders["day"] <= day].copy()
    o["revenue"] = ~o["status"].isin(NOT_REVENUE)
    o["counted"] = o["revenue"] & (o["cents"] >= 0)
    return o


def order_features(orders: pd.DataFrame, day: int) -> pd.DataFrame:
    """Recency, frequency, money, windows, rhythm, discounts and refunds."""
    o = _flagged(orders, day)
    counted, revenue = o[o["counted"]], o[o["revenue"]]
    by = counted.groupby("customer_id")
    out = pd.DataFrame(index=pd.Index(sorted(set(o["customer_id"])), name="customer_id"))
    out["frequency"] = by.size()
    out["first"], out["last"] = by["day"].min(), by["day"].max()
    out["monetary"] = revenue.groupby("customer_id")["cents"].sum()
    for n in ORDER_WINDOWS:
        out[f"orders_{n}d"] = counted[counted["day"] > day - n].groupby("customer_id").size()
    for n in REVENUE_WINDOWS:
        recent = revenue[revenue["day"] > day - n]
        out[f"revenue_{n}d"] = recent.groupby("customer_id")["cents"].sum()
    out = out.fillna({name: 0 for name in out.columns if name not in ("first", "last")})
    return _order_ratios(out, o, day)


def _order_ratios(out: pd.DataFrame, o: pd.DataFrame, day: int) -> pd.DataFrame:
    counted = o[o["counted"]]
    discounted = counted[counted["discount_cents"] > 0]
    recent = discounted[discounted["day"] > day - 90]
    d_all = discounted.groupby("customer_id").size().reindex(out.index, fill_value=0)
    d_90 = recent.groupby("customer_id").size().reindex(out.index, fill_value=0)
    refunded = o[o["status"] == "refunded"].groupby("customer_id").size()
    unpaid = o["status"].isin(["pending", "cancelled"])
    paid = o[~unpaid & (o["cents"] >= 0)].groupby("customer_id").size()
    refunded = refunded.reindex(out.index, fill_value=0)
    paid = paid.reindex(out.index, fill_value=0)
    f, first, last = out["frequency"], out["first"], out["last"]
    out["recency_days"] = day - last
    out["aov"] = (out["monetary"] / 100 / f).where(f > 0)
    out["avg_days_between_orders"] = ((last - first) / (f - 1)).where(f >= 2)
    out["tenure_days"] = day - first
    out["first_order_at"] = first.map(_date)
    out["last_order_at"] = last.map(_date)
    out["discount_share"] = (d_all / f).where(f > 0)
    out["discount_share_90d"] = (d_90 / out["orders_90d"]).where(out["orders_90d"] > 0)
    out["refund_share"] = (refunded / paid).where(paid > 0)
    return out.drop(columns=["first", "last"])


def _date(day: Any) -> dt.date | None:
    return None if pd.isna(day) else EPOCH + dt.timedelta(days=int(day))


def product_features(raw: Raw, day: int) -> pd.DataFrame:
    """Distinct products and categories bought in counted orders, and the top category."""
    o = _flagged(raw.orders, day)
    counted = o.loc[o["counted"], ["order_id", "customer_id"]]
    lines = raw.items.merge(counted, on="order_id")
    by = lines.groupby("customer_id")
    out = pd.DataFrame(
        {
            "distinct_products": by["product_id"].nunique(),
            "distinct_categories": by["category"].nunique(),
        }
    )
    spend = lines.groupby(["customer_id", "category"], as_index=False)["spend_cents"].sum()
    spend = spend.sort_values(
        ["customer_id", "spend_cents", "category"], ascending=[True, False, True]
    )
    top = spend.drop_duplicates("customer_id").set_index("customer_id")["category"]
    out["top_category"] = top
    return out


def activity_features(raw: Raw, day: int) -> pd.DataFrame:
    """Views, e-mails, calls, all interactions, and the view streak."""
    e = raw.events[raw.events["day"] <= day]

    def count(where: pd.Series) -> pd.Series:
        return e[where].groupby("customer_id").size()

    views, within = e["type"].isin(VIEWS), lambda n: e["day"] > day - n
    product_views = e[e["type"] == "product_view"]
    out = pd.DataFrame(
        {
            "page_views_7d": count(views & within(7)),
            "page_views_30d": count(views & within(30)),
            "email_opens_30d": count((e["type"] == "email_open") & within(30)),
            "email_clicks_30d": count((e["type"] == "email_click") & within(30)),
            "calls_90d": count((e["type"] == "call") & within(90)),
            "interactions_30d": count(within(30)),
        }
    )
    last_view = product_views.groupby("customer_id")["day"].max()
    out = out.join((day - last_view).rename("days_since_last_view"), how="outer")
    return out.join(view_streaks(product_views, raw.orders, day), how="outer")


def view_streaks(product_views: pd.DataFrame, orders: pd.DataFrame, day: int) -> pd.Series:
    """Consecutive days ending on `day`, each with a product view and no counted order."""
    o = _flagged(orders, day)
    bought = set(zip(o.loc[o["counted"], "customer_id"], o.loc[o["counted"], "day"], strict=True))
    viewed: dict[str, set[int]] = {}
    for customer, d in zip(product_views["customer_id"], product_views["day"], strict=True):
        if (customer, d) not in bought:
            viewed.setdefault(customer, set()).add(int(d))
    streaks = {}
    for customer, days in viewed.items():
        n = 0
        while day - n in days:
            n += 1
        streaks[customer] = n
    return pd.Series(streaks, name="view_streak_days", dtype="int64")


def service_features(tickets: pd.DataFrame, day: int) -> pd.DataFrame:
    """Tickets and complaints of the last 365 days, satisfaction, tickets open on `day`,
    and the days the tickets opened in the last 365 days and closed took on average."""
    t = tickets[tickets["opened_day"] <= day]
    recent = t["opened_day"] > day - 365
    closed = t["closed_day"]
    still_open = closed.isna() | (closed.fillna(day) > day)
    resolved = recent & (closed <= day)  # opened in the last 365 days, closed by `day`
    took = (closed - t["opened_day"])[resolved]
    return pd.DataFrame(
        {
            "avg_resolution_days": took.groupby(t.loc[resolved, "customer_id"]).mean(),
            "tickets_365d": t[recent].groupby("customer_id").size(),
            "complaints_365d": t[recent & t["is_complaint"]].groupby("customer_id").size(),
            "avg_satisfaction": t.groupby("customer_id")["satisfaction"].mean(),
            "open_tickets": t[still_open].groupby("customer_id").size(),
        }
    )


# ----------------------------------------------------------------------------- scores


def nearest_rank_cuts(values: Sequence[int], bins: int = BINS) -> list[int]:
    """c_j = the ceil(j n / k)-th smallest value, j = 1..k-1."""
    ordered, n = sorted(values), len(values)
    return [ordered[-(-j * n // bins) - 1] for j in range(1, bins)]


def rfm_scores(table: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """r, f, m, the cell, rfm8 and rfm11 of the customers with frequency >= 1."""
    buyers = table[table["frequency"] >= 1]
    recency = [int(v) for v in buyers["recency_days"]]
    frequency = [int(v) for v in buyers["frequency"]]
    money = [int(v) for v in buyers["monetary"]]
    cuts = [nearest_rank_cuts(v, bins) for v in (recency, frequency, money)]
    r = [bins - sum(v > c for c in cuts[0]) for v in recency]
    f = [1 + sum(v > c for c in cuts[1]) for v in frequency]
    m = [1 + sum(v > c for c in cuts[2]) for v in money]
    n = len(buyers)
    sums = (sum(recency), sum(frequency), sum(money))
    rfm8 = [
        RFM8[(rv * n < sums[0], fv * n > sums[1], mv * n > sums[2])]
        for rv, fv, mv in zip(recency, frequency, money, strict=True)
    ]
    out = pd.DataFrame({"r_score": r, "f_score": f, "m_score": m}, index=buyers.index)
    out["rfm_cell"] = [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)]
    out["rfm8"] = rfm8
    out["rfm11"] = [rfm11(a, b, c) for a, b, c in zip(r, f, m, strict=True)]
    return out.reindex(table.index)


def rfm11(r: int, f: int, m: int) -> str:
    """The one rfm11 name whose r and fm ranges hold the cell."""
    fm = (f + m) // 2
    names = [k for k, (rl, rh), (fl, fh) in RFM11 if rl <= r <= rh and fl <= fm <= fh]
    assert len(names) == 1, (r, f, m, names)
    return names[0]


def threshold_tiers(spend_cents: pd.Series) -> pd.Series:
    """A above 100,000, B from 50,000 to 100,000 inclusive, C below."""
    high, low = THRESHOLD_CENTS
    return spend_cents.map(lambda v: "A" if v > high else "B" if v >= low else "C")


def pareto_tiers(spend_cents: pd.Series) -> pd.Series:
    """A: the fewest customers (spend desc, id asc) whose running total reaches 80 %, B 95 %."""
    ranked = sorted(spend_cents.items(), key=lambda item: (-int(item[1]), item[0]))
    total = sum(int(v) for _, v in ranked if v > 0)
    tiers, running, tier = {}, 0, 0
    for customer, value in ranked:
        if value <= 0 or total == 0:
            tiers[customer] = "C"
            continue
        tiers[customer] = TIER_LABELS[tier]
        running += int(value)
        while tier < len(PARETO_PERCENT) and running * 100 >= PARETO_PERCENT[tier] * total:
            tier += 1
    return pd.Series(tiers).reindex(spend_cents.index)


# ------------------------------------------------------------------------- comparing


RANK_PERCENT = (20, 30)  # rank tiers: the top 20 % of customers A, the next 30 % B


def rank_tiers(spend_cents: pd.Series) -> pd.Series:
    """By spend (desc), then id: the first ceil(20 n / 100) are A, up to ceil(50 n / 100) B."""
    ranked = sorted(spend_cents.items(), key=lambda item: (-int(item[1]), item[0]))
    n = len(ranked)
    ends = [-(-c * n // 100) for c in itertools.accumulate(RANK_PERCENT)]
    tiers = {}
    for position, (customer, _) in enumerate(ranked):
        tiers[customer] = "A" if position < ends[0] else "B" if position < ends[1] else "C"
    return pd.Series(tiers).reindex(spend_cents.index)


def ntile_scores(table: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """SQL NTILE(k) of the buyers by value then id (recency descending, so recent is k).

    NTILE: n rows in k groups of n // k, the first n % k groups one row larger.
    """
    buyers = table[table["frequency"] >= 1]
    n = len(buyers)
    sizes = [n // bins + (1 if g < n % bins else 0) for g in range(bins)]
    bounds = list(itertools.accumulate(sizes))

    def tiles(key: Any) -> dict[str, int]:
        ranked = sorted(buyers.index, key=key)
        return {c: next(g + 1 for g, b in enumerate(bounds) if p < b) for p, c in enumerate(ranked)}

    out = pd.DataFrame(index=buyers.index)
    out["r_score"] = pd.Series(tiles(lambda c: (-int(buyers.at[c, "recency_days"]), c)))
    out["f_score"] = pd.Series(tiles(lambda c: (int(buyers.at[c, "frequency"]), c)))
    out["m_score"] = pd.Series(tiles(lambda c: (int(buyers.at[c, "monetary"]), c)))
    return out.reindex(table.index)


# The lifecycle thresholds' documented defaults (docs/config.md, [lifecycle]).
STAGE_RULES = {
    "new_days": 90,
    "at_risk_gaps": 2.0,
    "at_risk_min_days": 60,
    "at_risk_p_alive": 0.5,
    "churned_gaps": 4.0,
    "churned_min_days": 180,
    "churned_p_alive": 0.2,
    "fallback_gap_days": 90.0,
}


def stages(table: pd.DataFrame, p_alive: pd.Series, previous: pd.Series) -> pd.Series:
    """The first stage whose rule holds: prospect, churned, at risk, won back, new, active.

    Silent too long: more than `gaps` usual gaps and at least `min_days` days since the
    last order, or P(alive) below the stage's bound (an empty P(alive) never is). A
    single-order customer's usual gap is the median of the others' own gaps.
    """
    rules = STAGE_RULES
    known = sorted(table["avg_days_between_orders"].dropna())
    stand_in = float(np.median(known)) if known else rules["fallback_gap_days"]
    out = {}
    for customer, row in table.iterrows():
        own = row["avg_days_between_orders"]
        gap = stand_in if pd.isna(own) else own
        silent = 0 if pd.isna(row["recency_days"]) else row["recency_days"]
        tenure = 0 if pd.isna(row["tenure_days"]) else row["tenure_days"]
        alive = p_alive[customer]
        too_long = {
            stage: bool(
                (silent > rules[f"{stage}_gaps"] * gap and silent >= rules[f"{stage}_min_days"])
                or (not pd.isna(alive) and alive < rules[f"{stage}_p_alive"])
            )
            for stage in ("churned", "at_risk")
        }
        if row["frequency"] <= 0:
            out[customer] = "prospect"
        elif too_long["churned"]:
            out[customer] = "churned"
        elif too_long["at_risk"]:
            out[customer] = "at_risk"
        elif previous[customer] == "churned":
            out[customer] = "won_back"
        elif tenure <= rules["new_days"]:
            out[customer] = "new"
        else:
            out[customer] = "active"
    return pd.Series(out).reindex(table.index)


def python_value(value: Any, kind: str) -> Any:
    """A snapshot or oracle cell as a plain Python value: cents for money, None for empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if kind == MONEY:
        return int(Decimal(value).scaleb(2)) if isinstance(value, Decimal) else int(value)
    if kind == INT:
        return int(value)
    if kind == FLOAT:
        return float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def same(got: Any, want: Any, kind: str) -> bool:
    """Exact equality, floats to a relative 1e-9."""
    if got is None or want is None:
        return got is None and want is None
    if kind == FLOAT:
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return bool(got == want)


def disagreements(
    table: pa.Table, expected: pd.DataFrame, column: str, *, kind: str
) -> tuple[int, list[tuple[str, Any, Any]]]:
    """How many customers both sides have, and (id, segmint, oracle) where they differ."""
    got = dict(zip(table["customer_id"].to_pylist(), table[column].to_pylist(), strict=True))
    common = [c for c in expected.index if c in got]
    bad = []
    for customer in common:
        g = python_value(got[customer], kind)
        w = python_value(expected.at[customer, column], kind)
        if not same(g, w, kind):
            bad.append((customer, g, w))
    return len(common), bad


def report(column: str, compared: int, bad: list[tuple[str, Any, Any]]) -> str:
    """The assertion message: how many differ, of how many, and the first few."""
    shown = "; ".join(f"{c}: segmint {g!r}, oracle {w!r}" for c, g, w in bad[:5])
    return f"{column}: {len(bad)} of {compared} customers differ from the oracle. {shown}"


SCORE_KINDS = {
    "r_score": INT,
    "f_score": INT,
    "m_score": INT,
    "rfm_cell": TEXT,
    "rfm8": TEXT,
    "rfm11": TEXT,
    "tier": TEXT,
}


def assert_agrees(table: pa.Table, expected: pd.DataFrame, column: str, *, kind: str) -> None:
    """Every customer of `expected` is in `table` and has the oracle's value of `column`."""
    __tracebackhide__ = True  # report the test's line, not whole tables as arguments
    compared, bad = disagreements(table, expected, column, kind=kind)
    assert compared == len(expected) == table.num_rows, (column, compared, table.num_rows)
    assert not bad, report(column, compared, bad)


def assert_pareto_curve(curve: Sequence[float], spend_cents: pd.Series) -> None:
    """A run's stored 80/20 curve: 101 points rising from 0 to 1; the top 20 % as counted here."""
    __tracebackhide__ = True
    positive = spend_cents.clip(lower=0)
    top_fifth = int(positive.nlargest(round(0.2 * len(positive))).sum())
    assert len(curve) == 101
    assert (curve[0], curve[-1]) == (0.0, 1.0), f"the curve runs {curve[:2]} ... {curve[-2:]}"
    assert all(a <= b for a, b in itertools.pairwise(curve))
    assert math.isclose(curve[20], top_fifth / int(positive.sum()), abs_tol=1e-6), curve[20]


def value_scores(
    table: pd.DataFrame, *, weights: dict[str, float], lower: Sequence[str], top_percent: float
) -> pd.DataFrame:
    """The buyers' value score: the weighted mean of their percentile ranks, the top flagged.

    A part is the average rank among the buyers / their number, empty values ranked
    lowest, turned round for the lower-is-better features; a feature empty for every
    buyer takes no part. The top ceil(top_percent % of the buyers) by score, then by id,
    are the value customers.
    """
    buyers = table[table["frequency"] > 0]
    n = len(buyers)
    parts = {}
    for name in weights:
        values = buyers[name].astype("float64")
        if values.isna().all():
            continue
        ranked = (-values if name in lower else values).rank(method="average", na_option="top")
        parts[name] = ranked / n
    total = sum(weights[name] for name in parts)
    score = sum(weights[name] * part for name, part in parts.items()) / total
    count = math.ceil(top_percent * n / 100 - 1e-9)
    order = sorted(buyers.index, key=lambda c: (-score[c], c))
    out = pd.DataFrame({"value_score": score})
    out["parts"] = [{name: parts[name][c] for name in parts} for c in out.index]
    out["value_customer"] = out.index.isin(order[:count])
    return out
