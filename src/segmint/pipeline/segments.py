"""A run's memberships: every family, rule and static segment, written with its snapshot.

The rule segments are read before the run writes anything (`plan`): one that no longer
reads (a field it named is gone) is skipped with a warning, not a failed run. The
members are written inside the run's transaction, after the snapshot rows: a failed run
leaves no memberships behind, and a finished one has a member list for every segment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import ibis
import ibis.expr.types as ir

from segmint.core.config import Settings
from segmint.core.errors import RuleError
from segmint.core.facts import RunWarning
from segmint.segments import definitions, membership
from segmint.segments.definitions import Segment
from segmint.segments.rules.tree import Rule
from segmint.store import memberships
from segmint.store.engine import Engine, Store
from segmint.store.relations import execute


class Elsewhere(NamedTuple):
    """A run computed on another engine: it, and the run's snapshot rows there."""

    engine: Engine
    rows: ir.Table


@dataclass(frozen=True)
class Plan:
    """The rule segments a run evaluates, the static ones it copies, what it skips."""

    rules: dict[int, Rule]  # by segment id (a version)
    static: tuple[Segment, ...]
    warnings: tuple[RunWarning, ...]


def plan(engine: Store, settings: Settings) -> Plan:
    """Read every live rule segment; a rule that does not read is skipped, with a warning."""
    rules: dict[int, Rule] = {}
    static: list[Segment] = []
    warnings: list[RunWarning] = []
    read = membership.reader(engine, settings)
    for segment in definitions.current(engine, kind="rule"):
        if segment.static:
            static.append(segment)
            continue
        try:
            rules[segment.segment_id] = read(segment.rule, segment=segment.name)
        except RuleError as exc:
            params = {"segment": segment.name, "problem": exc.message}
            warnings.append(RunWarning(code="run.segment_skipped", params=params))
    return Plan(rules, tuple(static), tuple(warnings))


def write_memberships(
    engine: Store,
    settings: Settings,
    planned: Plan,
    *,
    run_id: int,
    as_of: dt.date,
    clusters: Sequence[int] = (),
    elsewhere: Elsewhere | None = None,
) -> None:
    """The members of every live segment in run `run_id`, and their counts.

    `clusters` are the run's cluster ids, each a segment of the cluster family. The rules
    are evaluated where the canonical tables are: the workspace's database, or
    `elsewhere` (a Spark run's engine, given the run's snapshot rows).
    """
    definitions.sync_families(engine, settings, clusters=clusters)
    memberships.write_families(engine, run_id)
    ids = memberships.family_segment_ids(engine)
    for segment in planned.static:
        memberships.write_static(engine, run_id, segment.segment_id)
        ids.append(segment.segment_id)
    if planned.rules:
        columns = {f"s{segment_id}": rule for segment_id, rule in planned.rules.items()}
        if elsewhere is None:
            view = membership.run_view(engine, settings, run_id=run_id, as_of=as_of)
            flags = membership.evaluate(view, columns)
        else:
            view = membership.engine_view(
                elsewhere.engine, engine, settings, run_id=run_id, rows=elsewhere.rows, as_of=as_of
            )
            evaluated = membership.evaluate(view, columns)
            # a member of at least one rule: the others would only bring flags all false
            some = evaluated.filter(ibis.or_(*(evaluated[name] for name in columns)))
            flags = engine.load(execute(elsewhere.engine, some))  # brought into the workspace
        memberships.write_rules(
            engine, run_id, flags, {f"s{segment_id}": segment_id for segment_id in planned.rules}
        )
        ids.extend(planned.rules)
    memberships.record_counts(engine, run_id, ids)
