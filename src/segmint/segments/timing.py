"""When a segment can change with no new data: the hooks of rules and labels on the calendar.

The live view is rolled forward a day at a time, and only the customers a passing day can
move are recomputed. A condition's verdict can change only when a value it reads does,
so it is enough to know, for every comparison of a rule, the days on which its operands
move by themselves (`Hook`), and to take the earliest over all of them:

- ``Exit(source, days)``: a window of `days` days over `source` loses a row (the oldest
  row in it leaves) or gains one dated after the view (a row already stored for a later
  day); a streak is ``Exit(source, 1)``.
- ``Crossing(field, value)``: a counter that grows one a day (days since the last order,
  tenure, the view's own date) passes `value`.
- ``Decline(field, value)``: P(alive) falls as a customer stays silent; it passes `value`.
- ``Birthday()``: ``age`` moves on her birthday.
- ``Daily()``: anything else that moves with the calendar (a model output compared with
  another value, days-since inside arithmetic): checked every day, which is always right
  and only slower.

The hooks overestimate change (a window losing a row need not flip its comparison), never
underestimate it: a customer is recomputed at least on every day her segments can move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from segmint.core.catalog import ORDER_WINDOWS, REVENUE_WINDOWS, SERVICE_NEEDS
from segmint.segments.rules.tree import (
    Arithmetic,
    Between,
    Compare,
    FieldRef,
    In,
    IsNull,
    Literal,
    Logical,
    Member,
    Negative,
    Node,
    Not,
    Rule,
    Window,
)


@dataclass(frozen=True, slots=True)
class Exit:
    """A window of `days` days over `source` loses its oldest row or gains a later one."""

    source: str
    days: int


@dataclass(frozen=True, slots=True)
class Crossing:
    """A counter growing one a day (recency_days, tenure_days, ...) passes `value`."""

    field: str
    value: float


@dataclass(frozen=True, slots=True)
class Decline:
    """P(alive), falling while a customer is silent, passes `value`."""

    field: str
    value: float


@dataclass(frozen=True, slots=True)
class Birthday:
    """``age`` grows on the customer's birthday."""


@dataclass(frozen=True, slots=True)
class Daily:
    """Moves with the calendar in a way not worked out: recompute every day."""


Hook = Exit | Crossing | Decline | Birthday | Daily

COUNTERS = frozenset({"recency_days", "tenure_days", "days_since_last_view", "as_of"})
DECLINING = frozenset({"p_alive"})
MODEL_OUTPUTS = frozenset({"expected_orders_90d", "clv_12m"})  # move daily, not worked out
# Built-in labels: their hooks depend on the run's facts (`pipeline.horizon`).
LABELS = frozenset(
    {"r_score", "rfm_cell", "rfm8", "rfm11", "tier", "stage", "value_score", "value_customer"}
    | {"cluster", "loyalty_points", "loyalty_level", "next_category", *SERVICE_NEEDS}
)
EPOCH = dt.date(1970, 1, 1)


def _field_hooks() -> dict[str, tuple[Hook, ...]]:
    """The windowed features of the catalog: which source and days move each of them."""
    hooks: dict[str, tuple[Hook, ...]] = {
        **{f"orders_{n}d": (Exit("orders", n),) for n in ORDER_WINDOWS},
        **{f"revenue_{n}d": (Exit("orders", n),) for n in REVENUE_WINDOWS},
        "discount_share_90d": (Exit("orders", 90),),
        "page_views_7d": (Exit("events", 7),),
        "page_views_30d": (Exit("events", 30),),
        "view_streak_days": (Exit("events", 1),),
        "email_opens_30d": (Exit("events", 30),),
        "email_clicks_30d": (Exit("events", 30),),
        "calls_90d": (Exit("events", 90),),
        "interactions_30d": (Exit("events", 30),),
        "tickets_365d": (Exit("tickets", 365),),
        "complaints_365d": (Exit("tickets", 365),),
        "age": (Birthday(),),
    }
    return hooks


WINDOWED: dict[str, tuple[Hook, ...]] = _field_hooks()


def rule_hooks(rule: Rule) -> frozenset[Hook | str]:
    """The hooks of a checked rule; a built-in label it reads is named by its field.

    The caller replaces a label's name (``tier``, ``stage``, ...) by that label's own
    hooks (`pipeline.horizon`), which depend on the run's facts.
    """
    return frozenset(_hooks(rule.tree))


def _hooks(node: Node) -> set[Hook | str]:
    match node:
        case Logical(operands=parts):
            return set().union(*(_hooks(p) for p in parts))
        case Not(operand=inner):
            return _hooks(inner)
        case Member(rule=inner):
            return set() if inner is None else _hooks(inner.tree)
        case Compare(left=left, right=right):
            return _compared(left, [right]) | _compared(right, [left])
        case Between(operand=operand, low=low, high=high):
            return _compared(operand, [low, high]) | _operands(low) | _operands(high)
        case In(operand=operand, values=values):
            return _compared(operand, list(values))
        case IsNull(operand=operand):
            return _operands(operand)
        case _:
            return _operands(node)


def _compared(side: Node, others: list[Node]) -> set[Hook | str]:
    """The hooks of `side` compared with `others`: a crossing where both are that simple."""
    values = [_number(o) if isinstance(o, Literal) else None for o in others]
    match side:
        case FieldRef(name=name) if name in COUNTERS | DECLINING and None not in values:
            kind = Crossing if name in COUNTERS else Decline
            return {kind(name, v) for v in values if v is not None}
        case _:
            return _operands(side)


def _operands(node: Node) -> set[Hook | str]:
    """The hooks of every value `node` reads, when nothing finer is known of how."""
    match node:
        case FieldRef(name=name):
            if name in COUNTERS or name in DECLINING or name in MODEL_OUTPUTS:
                return {Daily()}
            if name in LABELS:
                return {name}
            return set(WINDOWED.get(name, ()))
        case Window(source=source, days=days, without=without):
            hooks: set[Hook | str] = {Exit(source, days or 1)}
            return hooks | ({Exit(without, 1)} if without else set())
        case Arithmetic(left=left, right=right):
            return _operands(left) | _operands(right)
        case Negative(operand=inner):
            return _operands(inner)
        case Compare() | Logical() | Not() | Member() | Between() | In() | IsNull():
            return _hooks(node)  # a condition used as a value
        case _:
            return set()  # a literal


def _number(literal: Literal) -> float | None:
    """A literal's value on a counter's scale: a number, or a date as days since 1970."""
    value = literal.value
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    if isinstance(value, int | Decimal):
        return float(value)
    return None
