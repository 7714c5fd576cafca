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
from dataclasses import dataclass
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
from segmint.store.engine import Store
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


@dataclass(frozen=True, slots=True)
class _Pass:
    """What every rule of one run of the playbooks acts with."""

    engine: Store
    settings: Settings
    run: Run
    day: dt.date  # the data's (the live view's)
    now: dt.datetime
    folder: Path  # the workspace's: lists go to its exports/
    dry_run: bool
    files: list[Path]  # the lists written so far, removed if the run fails


def run(
    engine: Store,
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
    p = _Pass(engine, settings, run, day, now, folder, dry_run, [])
    done: list[RuleOutcome] = []
    try:
        with engine.transaction():
            done = [_rule(p, rule) for rule in rules]
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    except BaseException:
        for path in p.files:  # the lists of a run that did not happen
            path.unlink(missing_ok=True)
        raise
    return PlaybookRun(day=day, dry_run=dry_run, rules=done)


def _rule(p: _Pass, rule: PlaybookRule) -> RuleOutcome:
    chosen = saved.member_ids(p.engine, p.settings, rule.segment, run=p.run)
    members = relations.execute(p.engine, chosen)
    assigned = _owners(p, rule, members)  # first: tasks and messages name the owner
    tasks = _tasks(p, rule, members)
    exported, file = _export(p, rule, members)
    return RuleOutcome(
        rule=rule.name,
        segment=rule.segment,
        members=members.num_rows,
        owners_assigned=assigned,
        tasks_created=tasks,
        exported=exported,
        export_file=None if file is None else str(file),
        told=_tell(p, rule, members),
    )


def _owners(p: _Pass, rule: PlaybookRule, members: pa.Table) -> int:
    if not rule.owners:
        return 0
    have = stored.owners(p.engine, members)
    needing = sorted(
        c for c in members["customer_id"].to_pylist() if have.get(c) not in rule.owners
    )
    if needing:
        chosen = balanced(needing, rule.owners, stored.loads(p.engine))
        stored.set_owners(
            p.engine,
            pa.table({"customer_id": needing, "owner": chosen}),
            rule=rule.name,
            day=p.day,
            now=p.now,
        )
    return len(needing)


def _tasks(p: _Pass, rule: PlaybookRule, members: pa.Table) -> int:
    if rule.task is None:
        return 0
    last = stored.last_tasks(p.engine, rule.name, members)
    due = sorted(
        c
        for c in members["customer_id"].to_pylist()
        if c not in last
        or (rule.every_days is not None and (p.day - last[c]).days >= rule.every_days)
    )
    if not due:
        return 0
    owner = stored.owners(p.engine, _ids(due))
    chosen = pa.table(
        {"customer_id": due, "owner": pa.array([owner.get(c) for c in due], pa.string())}
    )
    return stored.add_tasks(p.engine, chosen, rule=rule.name, title=rule.task, day=p.day, now=p.now)


def _export(p: _Pass, rule: PlaybookRule, members: pa.Table) -> tuple[int, Path | None]:
    import ibis

    if rule.export is None:
        return 0, None
    new = stored.not_logged(p.engine, rule.name, "export", members)
    found, chunks = lists.members(
        p.engine,
        p.settings,
        rule.segment,
        run=p.run,
        lang=p.settings.lang,
        template=rule.export,
        keep=ibis.memtable(_ids(new)),
    )
    reached: list[str] = []

    def noted() -> Iterator[pa.Table]:  # the chunks, their customers noted as they pass
        for chunk in chunks:
            reached.extend(chunk["customer_id"].to_pylist())
            yield chunk

    path = _free(p.folder / "exports", f"{rule.name}-{p.day.isoformat()}")
    if p.dry_run:
        for _ in noted():
            pass
    else:
        path.parent.mkdir(exist_ok=True)
        p.files.append(path)
        exports.write_chunks(noted(), path, schema=found.schema, form="csv", encoding="utf-8-sig")
    if not reached:  # nobody new may be reached on that channel: no list
        path.unlink(missing_ok=True)
        return 0, None
    stored.log(
        p.engine, reached, rule=rule.name, action="export", day=p.day, now=p.now, detail=path.name
    )
    return len(reached), path


def _tell(p: _Pass, rule: PlaybookRule, members: pa.Table) -> int:
    if not rule.webhook:
        return 0
    new = stored.not_logged(p.engine, rule.name, "webhook", members)
    if not new:
        return 0
    owner = stored.owners(p.engine, _ids(new))
    day = p.day.isoformat()
    data: list[dict[str, object]] = [
        {
            "rule": rule.name,
            "segment": rule.segment,
            "customer_id": c,
            "owner": owner.get(c),
            "day": day,
        }
        for c in new
    ]
    outbox.enqueue_many(p.engine, EVENT, data, now=p.now)
    stored.log(p.engine, new, rule=rule.name, action="webhook", day=p.day, now=p.now)
    return len(new)


def _ids(customers: Sequence[str]) -> pa.Table:
    return pa.table({"customer_id": pa.array(list(customers), pa.string())})


def _free(folder: Path, stem: str) -> Path:
    """`folder/stem.csv`, or `stem-2.csv` … when taken: a list is never overwritten."""
    path, n = folder / f"{stem}.csv", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.csv"
    return path


def _check_segments(engine: Store, settings: Settings, rules: Sequence[PlaybookRule]) -> None:
    names = saved.known_names(engine, settings)
    for n, rule in enumerate(rules):
        if rule.segment not in names:
            raise InputError(
                "playbook.unknown_segment",
                location=Location(field=f"playbooks.rules.{n}.segment"),
                rule=rule.name,
                segment=rule.segment,
            )
