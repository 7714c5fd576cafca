"""Evaluating rule segments on a run: who is in, and why, computed in the database.

A rule is read against the workspace's vocabulary (its fields, and the segments
`in_segment` may name), compiled to one engine expression over the run's rule table
(snapshot + profile) and the canonical tables (windows), and executed where the data
is. Explanations evaluate the same checked tree on the operand values the same
expression computes, so the "why" is the computation's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from segmint.core.config import Settings
from segmint.features.customer import EPOCH
from segmint.segments import definitions
from segmint.segments.rules.check import read as read_rule
from segmint.segments.rules.tree import Rule
from segmint.segments.rules.vocabulary import SegmentRef, Vocabulary, vocabulary
from segmint.store import relations
from segmint.store import segments as stored
from segmint.store.engine import Engine, Store

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from segmint.segments.rules.compile import Context


def workspace_vocabulary(engine: Store, settings: Settings) -> Vocabulary:
    """The fields, and every live segment `in_segment` may name (static: no rule)."""
    refs = {
        s.name: SegmentRef(s.name, None if s.static else s.rule)
        for s in definitions.current(engine)
    }
    return vocabulary(settings, segments=refs)


def read(engine: Store, settings: Settings, text: str, *, segment: str | None = None) -> Rule:
    """`text` parsed and checked against the workspace (a `RuleError` when it is not a rule).

    `segment` names the segment the rule defines, so a reference back to it is a cycle.
    """
    return reader(engine, settings)(text, segment=segment)


def reader(engine: Store, settings: Settings) -> Callable[..., Rule]:
    """`read` with the workspace's vocabulary looked up once, for reading many rules."""
    words = workspace_vocabulary(engine, settings)

    def read_one(text: str, *, segment: str | None = None) -> Rule:
        return read_rule(text, words, segment=segment)

    return read_one


@dataclass(frozen=True)
class RunView:
    """What rules are evaluated on: a run's rule table and the context of its windows."""

    base: ir.Table
    context: Context


def run_view(engine: Store, settings: Settings, *, run_id: int, as_of: dt.date) -> RunView:
    """The rule table of run `run_id` and the canonical tables as of its day."""
    from segmint.segments.rules.compile import Context

    src = relations.sources(engine, timezone=settings.timezone)
    base = relations.rule_table(engine, run_id, timezone=settings.timezone)
    context = Context(sources=src, as_of=(as_of - EPOCH).days, members=_static(engine))
    return RunView(base, context)


def engine_view(
    engine: Engine,
    store: Store,
    settings: Settings,
    *,
    run_id: int,
    rows: ir.Table,
    as_of: dt.date,
) -> RunView:
    """The rule table of a run's `rows` on the engine of its canonical tables.

    `rows` is the run's snapshot, on that engine. The static segments' lists come from
    the workspace `store`, handed to the engine.
    """
    from segmint.segments.rules.compile import Context

    src = relations.sources(engine, timezone=settings.timezone)
    base = relations.rule_table(engine, run_id, timezone=settings.timezone, rows=rows, as_of=as_of)
    members = _static(store, to=engine)
    return RunView(base, Context(sources=src, as_of=(as_of - EPOCH).days, members=members))


def live_view(
    engine: Store,
    settings: Settings,
    *,
    run_id: int,
    rows: pa.Table,
    sources: relations.Sources,
    as_of: dt.date,
) -> RunView:
    """The rule table of a few customers' live rows, their own relations, as of a day."""
    import ibis

    from segmint.segments.rules.compile import Context

    base = relations.rule_table(
        engine, run_id, timezone=settings.timezone, rows=ibis.memtable(rows), as_of=as_of
    )
    context = Context(sources=sources, as_of=(as_of - EPOCH).days, members=_static(engine))
    return RunView(base, context)


def current_view(engine: Store, settings: Settings, *, run_id: int) -> RunView:
    """The rule table of the live view of run `run_id` (the current run), as of its day.

    Each row is as the latest update left it; windows end on the view's day.
    """
    from segmint.segments.rules.compile import Context
    from segmint.store import live

    day = live.view_day(engine, run_id)
    base = relations.rule_table(
        engine,
        run_id,
        timezone=settings.timezone,
        rows=live.rows_table(engine, run_id),
        as_of=day,
    )
    src = relations.sources(engine, timezone=settings.timezone)
    context = Context(sources=src, as_of=(day - EPOCH).days, members=_static(engine))
    return RunView(base, context)


def customer_view(
    engine: Store, settings: Settings, *, run_id: int, customer_id: str, as_of: dt.date
) -> RunView:
    """The rule table of one customer's live row, as of its day (her rows alone)."""
    from segmint.store import live

    table = live.view_table(engine, run_id, [customer_id])
    src = relations.sources(engine, timezone=settings.timezone)
    return live_view(
        engine,
        settings,
        run_id=run_id,
        rows=table,
        sources=relations.restricted(src, [customer_id]),
        as_of=as_of,
    )


def _static(engine: Store, *, to: Engine | None = None) -> Any:
    """`members(name)`: the frozen list of the live version of static segment `name`.

    On the workspace's database, or handed `to` another engine.
    """

    def members(name: str) -> ir.Table:
        version = stored.versions(engine, name)[-1]
        listed = stored.frozen_members(engine, version["segment_id"])
        return listed if to is None else to.load(relations.execute(engine, listed))

    return members


def evaluate(view: RunView, rules: Mapping[str, Rule]) -> ir.Table:
    """customer_id and one boolean column per rule name (never null), as one expression."""
    from segmint.segments.rules.compile import evaluate as compiled

    return compiled(rules, view.base, view.context)


def members(engine: Store, view: RunView, rule: Rule) -> pa.Table:
    """The customers a rule holds for, with their 365-day revenue, by customer id."""
    flags = evaluate(view, {"member": rule})
    who = flags.filter(flags.member).select("customer_id")
    joined = who.join(view.base.select("customer_id", "revenue_365d"), "customer_id")
    return relations.execute(engine, joined.order_by("customer_id"))


def operands(engine: Store, view: RunView, rule: Rule, *, ids: Sequence[str]) -> pa.Table:
    """The values a rule reads (and whether it held) for the customers `ids`."""
    import ibis
    import pyarrow as pa

    chosen = pa.table({"customer_id": pa.array(list(ids), pa.string())})
    return member_operands(engine, view, rule, ibis.memtable(chosen))


def member_operands(engine: Store, view: RunView, rule: Rule, chosen: ir.Table) -> pa.Table:
    """The values a rule reads for the customers of `chosen` (customer_id), by id."""
    return relations.execute(engine, operands_of(view, rule, chosen))


def operands_of(view: RunView, rule: Rule, chosen: ir.Table) -> ir.Table:
    """`member_operands` as an expression, to execute or to stream."""
    from segmint.segments.rules.compile import operands as compiled

    values = compiled(rule, view.base, view.context)
    return values.semi_join(chosen, "customer_id").order_by("customer_id")
