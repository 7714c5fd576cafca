"""Features of a customer's interactions: views, e-mail, calls, channels, the view streak."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.features.orders import counted_orders, within

VIEWS = ("page_view", "product_view")
NO_CHANNEL = "(none)"


def activity_features(events: ir.Table, orders: ir.Table, as_of: int) -> ir.Table:
    """One row per customer with an event up to as_of."""
    e = events.filter(events.day <= as_of)
    days = {n: within(e.day, as_of, n) for n in (7, 30, 90)}

    g = e.group_by("customer_id").aggregate(
        page_views_7d=e.count(where=e.type.isin(VIEWS) & days[7]),
        page_views_30d=e.count(where=e.type.isin(VIEWS) & days[30]),
        last_view_day=e.day.max(where=e.type == "product_view"),
        email_opens_30d=e.count(where=(e.type == "email_open") & days[30]),
        email_clicks_30d=e.count(where=(e.type == "email_click") & days[30]),
        calls_90d=e.count(where=(e.type == "call") & days[90]),
        interactions_30d=e.count(where=days[30]),
    )
    g = g.mutate(days_since_last_view=as_of - g.last_view_day).drop("last_view_day")
    streaks = view_streaks(events, orders, as_of)
    joined = g.join(streaks, "customer_id", how="left")
    return joined.mutate(view_streak_days=joined.view_streak_days.fill_null(0)).drop(
        "customer_id_right"
    )


def view_streaks(events: ir.Table, orders: ir.Table, as_of: int) -> ir.Table:
    """Consecutive days ending on as_of with a product view and no counted order.

    The good days, newest first, form the streak while day n (0-based) is as_of - n.
    """
    views = events.filter((events.type == "product_view") & (events.day <= as_of))
    bought = counted_orders(orders, as_of).select("customer_id", "day")
    # only a customer whose as_of is itself a good day has a streak: look at those alone
    today = views.filter(views.day == as_of).select("customer_id").distinct()
    starters = today.anti_join(bought.filter(bought.day == as_of), "customer_id")
    viewed = views.semi_join(starters, "customer_id").select("customer_id", "day").distinct()
    good = viewed.anti_join(bought.semi_join(starters, "customer_id"), ["customer_id", "day"])
    n = ibis.row_number().over(group_by=good.customer_id, order_by=ibis.desc(good.day))
    ranked = good.mutate(n=n)
    streak = ranked.filter(as_of - ranked.day == ranked.n)
    return streak.group_by("customer_id").aggregate(view_streak_days=streak.count())


def channel_interactions(events: ir.Table, as_of: int) -> ir.Table:
    """customer_id, channel, interactions_30d: interactions in the last 30 days by channel."""
    e = events.filter((events.day <= as_of) & within(events.day, as_of, 30))
    e = e.mutate(channel=e.channel.fill_null(NO_CHANNEL))
    return e.group_by(["customer_id", "channel"]).aggregate(interactions_30d=e.count())
