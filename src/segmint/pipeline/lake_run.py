"""A run on a lake: computed by Spark where the tables are, kept by the workspace.

Every customer's row is computed on Spark (`engine_run`), which writes the run's
snapshot, category spend and channels under the lake's output, one folder per run; the
workspace loads them from there a batch at a time, and keeps the run's record, facts,
memberships and alerts, in one transaction with the folders written: a failed run
leaves nothing current. Only aggregates, the clusters' sample, the products and the few
customers an alert names come into this process as such.

No live view follows: it would recompute customers from the workspace file's tables,
which are not the lake's this run read (the next run takes in new data).
"""

from __future__ import annotations

import datetime as dt
import time

import ibis.expr.types as ir

from segmint.core.config import Settings
from segmint.features.customer import EPOCH
from segmint.pipeline import engine_run, segments
from segmint.pipeline.alerts import NOW_COLUMNS
from segmint.pipeline.finish import (
    RunResult,
    Settled,
    is_current,
    run_record,
    settle,
    tier_warnings,
)
from segmint.pipeline.run import STEPS, Progress, checked_as_of, previous_profiles
from segmint.segments.alerts import worth_telling
from segmint.store import facts as stored_facts
from segmint.store import lake, snapshots
from segmint.store.engine import Store
from segmint.store.lake import Lake
from segmint.store.relations import execute, sources


def run_on_lake(
    engine: Store,
    settings: Settings,
    *,
    tables: Lake,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    actor: str = "python",
) -> RunResult:
    """Compute every customer of the lake's tables as of `as_of` on Spark; keep the run.

    `engine` is the workspace's database; the snapshot, category spend and channels also
    stay in the lake, under `tables.output`, with the memberships.
    """
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    step = progress or (lambda _: None)
    on = tables.engine
    src = sources(on, timezone=settings.timezone)
    as_of = checked_as_of(on, settings, src, as_of)
    step(STEPS[0])
    made = engine_run.computed(
        on,
        settings,
        src,
        day=(as_of - EPOCH).days,
        previous=stages_before(engine, tables, as_of),
        profiles=previous_profiles(engine, as_of),
        progress=step,
    )
    planned = segments.plan(engine, settings)
    warnings = tier_warnings(made.facts.tiers, settings=settings) + planned.warnings
    written_to = made.facts.settings.model_copy(update={"output": tables.output})
    facts = made.facts.model_copy(update={"warnings": warnings, "settings": written_to})
    current, before = is_current(engine, as_of), snapshots.current_run(engine)
    below = None
    if current and made.shortfall is not None:  # the few an alert would name
        hits = made.shortfall.filter(worth_telling(made.shortfall, settings=settings))
        below = execute(on, hits).to_pandas()
    step(STEPS[4])
    run_id = snapshots.next_run_id(engine)
    with engine.transaction():
        written = lake.write_computed(
            engine,
            on,
            {
                "snapshots": made.snapshot,
                "snapshot_categories": made.categories,
                "snapshot_channels": made.channels,
            },
            output=tables.output,
            run_id=run_id,
        )
        record = run_record(  # finished: the rows are written
            settings, run_id=run_id, as_of=as_of, started=started, customers=made.customers
        )
        snapshots.write_run(
            engine,
            record,
            run_facts=facts,
            **{
                part: lake.read_run(written[table], run_id)
                for part, table in (
                    ("customers", "snapshots"),
                    ("categories", "snapshot_categories"),
                    ("channels", "snapshot_channels"),
                )
            },
            actor=actor,
        )
        raised, resolved = settle(
            engine,
            settings,
            planned,
            record,
            facts=facts,
            learnt=made.learnt,
            view=Settled(current=current, before=before, view=None),
            now=snapshots.snapshot(engine, run_id, columns=NOW_COLUMNS),
            shortfall=below,
            elsewhere=segments.Elsewhere(on, on.folder(written["snapshots"])),
        )
        lake.write_memberships(engine, run_id, to=on, output=tables.output)
    seconds = time.perf_counter() - clock
    return RunResult(run_id, as_of, made.customers, seconds, facts, not current, raised, resolved)


def stages_before(engine: Store, tables: Lake, as_of: dt.date) -> ir.Table | None:
    """customer_id and stage of the run before as_of, on Spark (None: there is none).

    Read where that run wrote its snapshot when it went to this lake's output (its facts
    say so; a folder there of a run that was rolled back is never taken for it), else
    handed over from the workspace: that run was made on its file, or elsewhere.
    """
    before = snapshots.previous_run(engine, as_of)
    if before is None:
        return None
    if stored_facts.read(engine, [before])[before].settings.output == tables.output:
        written = tables.engine.folder(lake.folder(tables.output, "snapshots", before))
        return written.select("customer_id", "stage")
    stages = snapshots.snapshot(engine, before, columns=("customer_id", "stage"))
    return tables.engine.load(stages)
