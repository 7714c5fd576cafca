"""The team's own segments: preview a rule, add, edit, remove, list and show them.

A rule is previewed on the current run before it is saved: how many customers, what
share of them and of revenue, how much it overlaps the segments there are, a sample
of members with why. Saving keeps every earlier version; a static segment freezes its
member list of the current run when saved. A lint warns when the new segment is empty,
identical to another or contained in one (the run's memberships are the evidence).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location, NotFoundError, RuleError
from segmint.models import overlap
from segmint.segments import definitions, families, membership
from segmint.segments.definitions import Segment
from segmint.segments.rules import describe, explain
from segmint.segments.rules.tree import Rule
from segmint.segments.rules.where import suggest
from segmint.store import live, memberships, relations, reports
from segmint.store import segments as stored
from segmint.store.engine import Store
from segmint.store.snapshots import Run

if TYPE_CHECKING:
    import ibis.expr.types as ir

NAME = re.compile(r"^[^\W\d][\w\-]{0,63}$")  # a letter (Chinese too) first; no dot, no space
SAMPLE = 10


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Overlap(_Result):
    """Another segment's members in the current run, and how many the rule shares."""

    name: str
    kind: str
    members: int
    shared: int


class Lint(_Result):
    """A doubt about a new segment: empty, identical to another, or contained in one."""

    kind: Literal["empty", "identical", "contained"]
    other: str | None = None

    def render(self, lang: str) -> str:
        """The warning in `lang`."""
        return i18n.message(f"segment.lint_{self.kind}", lang, other=self.other)


class Why(_Result):
    """One member and the conditions that put her in, with her values."""

    customer_id: str
    clauses: tuple[str, ...]


class Preview(_Result):
    """What a rule selects on a run, before it is saved."""

    run_id: int
    rule: str
    sentence: str
    count: int
    share: float  # of the run's customers
    revenue_share: float | None  # of their 365-day revenue (None when there is none)
    overlaps: tuple[Overlap, ...]
    sample: tuple[Why, ...]
    lint: tuple[Lint, ...]


def preview(
    engine: Store,
    settings: Settings,
    text: str,
    *,
    run: Run,
    lang: str,
    segment: str | None = None,
) -> Preview:
    """What `text` selects on `run` (a `RuleError` with its position when it is not a rule)."""
    return _previewed(engine, settings, text, run=run, lang=lang, segment=segment)[0]


def _previewed(
    engine: Store,
    settings: Settings,
    text: str,
    *,
    run: Run,
    lang: str,
    segment: str | None,
) -> tuple[Preview, pa.Table]:
    """The preview, and the members it counted (customer_id, revenue_365d)."""
    rule = membership.read(engine, settings, text, segment=segment)
    view = membership.run_view(engine, settings, run_id=run.run_id, as_of=run.as_of)
    chosen = membership.members(engine, view, rule)
    total, revenue = reports.run_totals(engine, run.run_id)
    spend = float(sum(v or 0 for v in chosen["revenue_365d"].to_pylist()))
    overlaps = _overlaps(engine, run.run_id, chosen, exclude=segment)
    shown = Preview(
        run_id=run.run_id,
        rule=text,
        sentence=describe(rule, lang, settings=settings),
        count=chosen.num_rows,
        share=chosen.num_rows / total if total else 0.0,
        revenue_share=spend / revenue if revenue else None,
        overlaps=tuple(sorted(overlaps, key=lambda o: (-o.shared, o.name))[:SAMPLE]),
        sample=_sample(engine, view, rule, chosen, lang=lang),
        lint=_lint(chosen.num_rows, overlaps),
    )
    return shown, chosen


def _overlaps(
    engine: Store, run_id: int, chosen: pa.Table, *, exclude: str | None
) -> list[Overlap]:
    """Every segment of the run that shares a member with `chosen`, with both counts."""
    return [
        Overlap(name=name, kind=kind, members=members, shared=shared)
        for name, kind, members, shared in memberships.overlaps(engine, run_id, chosen)
        if name != exclude
    ]


def _lint(count: int, overlaps: list[Overlap]) -> tuple[Lint, ...]:
    """Empty, identical to a segment, or inside the smallest one holding it (`models.overlap`)."""
    others = (overlap.Other(o.name, o.members, o.shared) for o in overlaps)
    verdict = overlap.judge(count, others)
    return () if verdict is None else (Lint(kind=verdict.kind, other=verdict.other),)


def _sample(
    engine: Store, view: membership.RunView, rule: Rule, chosen: pa.Table, *, lang: str
) -> tuple[Why, ...]:
    ids = chosen["customer_id"].to_pylist()[:SAMPLE]
    values = membership.operands(engine, view, rule, ids=ids).to_pylist()
    return tuple(
        Why(customer_id=row["customer_id"], clauses=_clauses(rule, row, lang)) for row in values
    )


def _clauses(rule: Rule, values: dict[str, Any], lang: str) -> tuple[str, ...]:
    return tuple(c.sentence for c in explain(rule, values, lang).clauses)


def check_name(name: str) -> str:
    """`name` if a rule segment may be called so (a dot is the families' own)."""
    if not NAME.match(name):
        raise InputError("segment.bad_name", location=Location(field="name"), name=name)
    return name


def known_names(engine: Store, settings: Settings) -> set[str]:
    """The names of every segment there is, and of those runs will make (``tier.A`` …).

    What a webhook, a campaign or a playbook may name, before the first run too.
    """
    names = {str(s["name"]) for s in stored.current(engine)}
    return names | families.all_segment_names(settings)


def find(engine: Store, name: str) -> Segment:
    """The live segment `name` (family or rule), or a `NotFoundError` with the closest."""
    live = {s.name: s for s in definitions.current(engine)}
    if name in live:
        return live[name]
    raise NotFoundError(
        "segment.not_found",
        location=Location(field="name"),
        name=name,
        close=suggest(name, live).close,
    )


def add(
    engine: Store,
    settings: Settings,
    name: str,
    text: str,
    *,
    run: Run,
    description: str | None,
    static: bool,
    actor: str,
    lang: str,
) -> tuple[Segment, Preview]:
    """Save a new rule segment (checked and previewed on `run` first)."""
    check_name(name)
    if name in {s.name for s in definitions.current(engine)}:
        raise InputError("segment.exists", location=Location(field="name"), name=name)
    shown, chosen = _previewed(engine, settings, text, run=run, lang=lang, segment=name)
    with engine.transaction():
        segment_id = stored.add_version(
            engine,
            name=name,
            kind="rule",
            rule=text,
            description=description,
            static=static,
            actor=actor,
        )
        _keep(engine, segment_id, chosen, run=run, static=static)
    return find(engine, name), shown


def edit(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    text: str | None,
    description: str | None,
    run: Run,
    actor: str,
    lang: str,
) -> tuple[Segment, Preview]:
    """Save a new version of rule segment `name`; earlier versions and their runs stay."""
    old = _rule_segment(engine, name)
    rule = text if text is not None else old.rule
    shown, chosen = _previewed(engine, settings, rule, run=run, lang=lang, segment=name)
    with engine.transaction():
        segment_id = stored.add_version(
            engine,
            name=name,
            kind="rule",
            rule=rule,
            description=description if description is not None else old.description,
            static=old.static,
            actor=actor,
        )
        if old.static:  # the current run keeps the version it evaluated
            stored.freeze_members(engine, segment_id, chosen)
    return find(engine, name), shown


def remove(engine: Store, settings: Settings, name: str, *, actor: str) -> Segment:
    """Retire rule segment `name` (its history stays); refused while a segment names it.

    Returns its last version as retired (who removed it, and when).
    """
    old = _rule_segment(engine, name)
    read = membership.reader(engine, settings)
    users = [s.name for s in definitions.current(engine, kind="rule") if _refers(read, s, name)]
    if users:
        raise InputError(
            "segment.in_use", location=Location(field="name"), name=name, users=", ".join(users)
        )
    with engine.transaction():
        stored.remove(engine, name, actor=actor)
    return Segment.of(stored.by_ids(engine, [old.segment_id])[old.segment_id])


def _refers(read: Callable[..., Rule], segment: Segment, name: str) -> bool:
    """Whether `segment`'s rule names segment `name` (directly or through another)."""
    if segment.name == name:
        return False
    try:
        return name in read(segment.rule, segment=segment.name).segments
    except RuleError:  # a rule that no longer reads (a removed field) names nothing here
        return False


def _rule_segment(engine: Store, name: str) -> Segment:
    found = find(engine, name)
    if found.kind != "rule":
        raise InputError("segment.built_in", location=Location(field="name"), name=name)
    return found


def _keep(engine: Store, segment_id: int, chosen: pa.Table, *, run: Run, static: bool) -> None:
    """A new segment's members: frozen when static, and the current run's either way.

    The current run then shows the new segment at once (segments, exports, profiles).
    An edit is not attached: each run keeps the version it evaluated, and the next run
    evaluates the new one.
    """
    if static:
        stored.freeze_members(engine, segment_id, chosen)
    if run.current:
        memberships.attach_to_run(engine, run.run_id, segment_id, chosen)


class RunUse(_Result):
    """A run that evaluated the segment: which version, and how many members it had."""

    run_id: int
    as_of: dt.date
    version: int
    members: int


class SegmentDetail(_Result):
    """A segment as `segmint segment show` tells it."""

    segment: Segment
    sentence: str  # the rule in words; the reason it no longer reads, when it does not
    members: int | None  # in the current run; None when that run did not evaluate it
    versions: tuple[Segment, ...]
    runs: tuple[RunUse, ...]


def detail(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    lang: str,
    current: int | None = None,
) -> SegmentDetail:
    """Segment `name`: its latest definition in words, its versions and its runs."""
    segment = find(engine, name)
    try:
        rule = membership.read(engine, settings, segment.rule, segment=name)
        sentence = describe(rule, lang, settings=settings)
    except RuleError as exc:
        sentence = exc.render(lang)[0]
    runs = tuple(
        RunUse(run_id=r, as_of=d, version=v, members=n)
        for r, d, _, v, n in memberships.uses(engine, name)
    )
    now = next((u.members for u in runs if u.run_id == current), None)
    versions = tuple(Segment.of(v) for v in stored.versions(engine, name))
    return SegmentDetail(
        segment=segment, sentence=sentence, members=now, versions=versions, runs=runs
    )


def listing(
    engine: Store, settings: Settings, *, lang: str, current: int | None
) -> list[SegmentDetail]:
    """Every live rule segment, by name."""
    return [
        detail(engine, settings, s.name, lang=lang, current=current)
        for s in sorted(definitions.current(engine, kind="rule"), key=lambda s: s.name)
    ]


def explained_chunks(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    run: Run,
    lang: str,
    rows: int,
    keep: ir.Table | None = None,
) -> tuple[pa.Schema, Iterator[pa.Table]]:
    """The members of `name` in `run`, a chunk of `rows` at a time, and the chunks' schema.

    One row per member: customer_id, the values the rule reads, why she is in. For the
    current run, the members of the live view; only those in `keep` (customer_id) when
    given. Read the chunks inside one transaction of the caller's, for a consistent whole.
    """
    rule, view, chosen = _members(engine, settings, name, run=run)
    if keep is not None:
        chosen = chosen.semi_join(keep, "customer_id")
    values = membership.operands_of(view, rule, chosen)
    kept = [c for c in values.columns if c != "held"]
    schema = values.select(*kept).schema().to_pyarrow().append(pa.field("why", pa.string()))

    def chunks() -> Iterator[pa.Table]:
        for chunk in relations.stream(engine, values, rows=rows):
            why = [" · ".join(_clauses(rule, row, lang)) for row in chunk.to_pylist()]
            yield chunk.select(kept).append_column("why", pa.array(why, pa.string()))

    return schema, chunks()


def member_ids(engine: Store, settings: Settings, name: str, *, run: Run) -> ir.Table:
    """The members of `name` in `run` (the live view's for the current run): customer_id."""
    return _members(engine, settings, name, run=run)[2]


def member_page(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    run: Run,
    lang: str,
    after: str | None,
    limit: int,
) -> list[Why]:
    """Up to `limit` members of `name` in `run` after customer id `after`, each with why."""
    rule, view, chosen = _members(engine, settings, name, run=run)
    if after is not None:
        chosen = chosen.filter(chosen.customer_id > after)
    page = chosen.order_by("customer_id").limit(limit)
    values = membership.member_operands(engine, view, rule, page)
    return [
        Why(customer_id=row["customer_id"], clauses=_clauses(rule, row, lang))
        for row in values.to_pylist()
    ]


def _members(
    engine: Store, settings: Settings, name: str, *, run: Run
) -> tuple[Rule, membership.RunView, ir.Table]:
    """The rule of `name` as `run` evaluated it, the view it reads, and its members there."""
    segment = find(engine, name)
    segment_id = memberships.version_in_run(engine, name, run.run_id)
    version = stored.by_ids(engine, [segment_id])[segment_id]
    rule = membership.read(engine, settings, version["rule"], segment=segment.name)
    if run.current:  # the live view: its members, each row as last updated
        view = membership.current_view(engine, settings, run_id=run.run_id)
        return rule, view, live.members_table(engine, run.run_id, segment_id)
    view = membership.run_view(engine, settings, run_id=run.run_id, as_of=run.as_of)
    return rule, view, memberships.members_table(engine, run.run_id, segment_id)
