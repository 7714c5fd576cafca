"""Playbooks: what the team does for the members of a tier or segment, done once each.

Each rule of ``[[playbooks.rules]]`` (settings) names a segment and its actions, done for
its members in the current view in this order:

- **owners**: a member without an account manager among the rule's gets one, the least
  loaded of the list first (ties: the list's order); one who has one of them keeps her
  (sticky across runs);
- **task**: a task titled so, for her owner, unless she had one under this rule — or,
  with ``every_days``, unless her newest is younger than that;
- **export**: the members not listed yet go to a file for the tool (a template of
  docs/exports.md), ``exports/<rule>-<day>.csv`` in the workspace;
- **webhook**: the members not told yet are told to ``playbook.matched`` subscribers.

Everything done is logged per customer and rule, in one transaction with the owners,
tasks and messages, so running the playbooks twice does nothing the second time. A dry
run works it all out and rolls it back, writing no file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.activate import exports, lists
from segmint.core.config import PlaybookRule, Settings
from segmint.core.errors import InputError, Location
from segmint.segments import saved
from segmint.store import live, relations
from segmint.store import playbooks as stored
from segmint.store import webhook_messages as outbox
from segmint.store.duckdb import DuckDBEngine
from segmint.store.snapshots import Run

EVENT = "playbook.matched"


class RuleOutcome(BaseModel):
    """What one rule did (or, in a dry run, would do)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    segment: str
    members: int
    owners_assigned: int
    tasks_created: int
    exported: int
    export_file: str | None
    told: int


class PlaybookRun(BaseModel):
    """What a run of the playbooks did, rule by rule, on the data's day."""

    model_config = ConfigDict(frozen=True)

    day: dt.date
    dry_run: bool
    rules: list[RuleOutcome]


class _DryRunError(Exception):
    """Raised at the end of a dry run, to roll its transaction back."""


def balanced(customers: Sequence[str], owners: Sequence[str], loads: dict[str, int]) -> list[str]:
    """An owner for each customer in turn: the least loaded, ties in the list's order."""
    load = {o: loads.get(o, 0) for o in owners}
    chosen = []
    for _ in customers:
        owner = min(owners, key=lambda o: (load[o], owners.index(o)))
        load[owner] += 1
        chosen.append(owner)
    return chosen


def run(
    engine: DuckDBEngine,
    settings: Settings,
    *,
    run: Run,
    folder: Path,
    dry_run: bool,
) -> PlaybookRun:
    """Do every rule's actions for its segment's members (module docstring)."""
    rules = settings.playbooks.rules
    _check_segments(engine, settings, rules)
    day = live.view_day(engine, run.run_id)
    now = dt.datetime.now(dt.UTC)
    done: list[RuleOutcome] = []
    files: list[Path] = []
    try:
        with engine.transaction():
            for rule in rules:
                found = _rule(
                    engine,
                    settings,
                    rule,
                    run=run,
                    day=day,
                    now=now,
                    folder=folder,
                    dry_run=dry_run,
                    files=files,
                )
                done.append(found)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    except BaseException:
        for path in files:  # the lists of a run that did not happen
            path.unlink(missing_ok=True)
        raise
    return PlaybookRun(day=day, dry_run=dry_run, rules=done)


def _rule(
    engine: DuckDBEngine,
    settings: Settings,
    rule: PlaybookRule,
    *,
    run: Run,
    day: dt.date,
    now: dt.datetime,
    folder: Path,
    dry_run: bool,
    files: list[Path],
) -> RuleOutcome:
    members = relations.execute(engine, saved.member_ids(engine, settings, rule.segment, run=run))
    assigned = _owners(engine, rule, members, day=day, now=now)
    tasks = _tasks(engine, rule, members, day=day, now=now)
    exported, file = _export(
        engine,
        settings,
        rule,
        members,
        run=run,
        day=day,
        now=now,
        folder=folder,
        dry_run=dry_run,
        files=files,
    )
    told = _tell(engine, rule, members, day=day, now=now)
    return RuleOutcome(
        rule=rule.name,
        segment=rule.segment,
        members=members.num_rows,
        owners_assigned=assigned,
        tasks_created=tasks,
        exported=exported,
        export_file=None if file is None else str(file),
        told=told,
    )


def _owners(
    engine: DuckDBEngine, rule: PlaybookRule, members: pa.Table, *, day: dt.date, now: dt.datetime
) -> int:
    if not rule.owners:
        return 0
    have = stored.owners(engine, members)
    needing = [c for c in members["customer_id"].to_pylist() if have.get(c) not in rule.owners]
    chosen = balanced(sorted(needing), rule.owners, stored.loads(engine))
    if needing:
        stored.set_owners(
            engine,
            pa.table({"customer_id": sorted(needing), "owner": chosen}),
            rule=rule.name,
            day=day,
            now=now,
        )
    return len(needing)


def _tasks(
    engine: DuckDBEngine, rule: PlaybookRule, members: pa.Table, *, day: dt.date, now: dt.datetime
) -> int:
    if rule.task is None:
        return 0
    last = stored.last_tasks(engine, rule.name, members)
    due = sorted(
        c
        for c in members["customer_id"].to_pylist()
        if c not in last
        or (rule.every_days is not None and (day - last[c]).days >= rule.every_days)
    )
    if not due:
        return 0
    owner = stored.owners(engine, pa.table({"customer_id": pa.array(due, pa.string())}))
    chosen = pa.table(
        {"customer_id": due, "owner": pa.array([owner.get(c) for c in due], pa.string())}
    )
    return stored.add_tasks(engine, chosen, rule=rule.name, title=rule.task, day=day, now=now)


def _export(
    engine: DuckDBEngine,
    settings: Settings,
    rule: PlaybookRule,
    members: pa.Table,
    *,
    run: Run,
    day: dt.date,
    now: dt.datetime,
    folder: Path,
    dry_run: bool,
    files: list[Path],
) -> tuple[int, Path | None]:
    import ibis

    if rule.export is None:
        return 0, None
    new = stored.not_logged(engine, rule.name, "export", members)
    keep = ibis.memtable(pa.table({"customer_id": pa.array(new, pa.string())}))
    found, chunks = lists.members(
        engine, settings, rule.segment, run=run, lang=settings.lang, template=rule.export, keep=keep
    )
    reached: list[str] = []

    def noted() -> Iterator[pa.Table]:  # the chunks, their customers noted as they pass
        for chunk in chunks:
            reached.extend(chunk["customer_id"].to_pylist())
            yield chunk

    path = _free(folder / "exports", f"{rule.name}-{day.isoformat()}")
    if dry_run:
        for _ in noted():
            pass
    else:
        path.parent.mkdir(exist_ok=True)
        files.append(path)
        exports.write_chunks(noted(), path, schema=found.schema, form="csv", encoding="utf-8-sig")
    if not reached:  # nobody new may be reached on that channel: no list
        path.unlink(missing_ok=True)
        return 0, None
    stored.log(engine, reached, rule=rule.name, action="export", day=day, now=now, detail=path.name)
    return len(reached), path


def _tell(
    engine: DuckDBEngine, rule: PlaybookRule, members: pa.Table, *, day: dt.date, now: dt.datetime
) -> int:
    if not rule.webhook:
        return 0
    new = stored.not_logged(engine, rule.name, "webhook", members)
    if not new:
        return 0
    owner = stored.owners(engine, pa.table({"customer_id": pa.array(new, pa.string())}))
    data: list[dict[str, object]] = [
        {
            "rule": rule.name,
            "segment": rule.segment,
            "customer_id": c,
            "owner": owner.get(c),
            "day": day.isoformat(),
        }
        for c in new
    ]
    outbox.enqueue_many(engine, EVENT, data, now=now)
    stored.log(engine, new, rule=rule.name, action="webhook", day=day, now=now)
    return len(new)


def _free(folder: Path, stem: str) -> Path:
    """`folder/stem.csv`, or `stem-2.csv` … when taken: a list is never overwritten."""
    path, n = folder / f"{stem}.csv", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.csv"
    return path


def _check_segments(
    engine: DuckDBEngine, settings: Settings, rules: Sequence[PlaybookRule]
) -> None:
    names = saved.known_names(engine, settings)
    for n, rule in enumerate(rules):
        if rule.segment not in names:
            raise InputError(
                "playbook.unknown_segment",
                location=Location(field=f"playbooks.rules.{n}.segment"),
                rule=rule.name,
                segment=rule.segment,
            )
