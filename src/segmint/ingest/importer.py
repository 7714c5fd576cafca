"""An all-or-nothing import: read → map → parse → check → stage → merge, in one transaction.

Good rows land in the canonical table, bad rows go to the quarantine with their row
number and reason, and either the whole import commits or nothing does: a crash or a
killed process leaves the workspace as it was. Importing the same file again changes
nothing; overlapping files add only what is new; a changed row is updated and the change
recorded.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.core.errors import (
    ImportRejectedError,
    InputError,
    Location,
    Problem,
    ProblemList,
)
from segmint.core.schema import TABLES
from segmint.core.updates import ViewUpdate
from segmint.ingest import quarantine, readers
from segmint.ingest.batches import FileReader, HeaderRule
from segmint.ingest.json_lines import open_objects
from segmint.ingest.loader import Progress, load
from segmint.ingest.mapping import fold
from segmint.ingest.plan import Plan, accepts_header, plan
from segmint.ingest.validate import BOOKKEEPING_PREFIX, Context, staged_columns
from segmint.store import imports, live
from segmint.store.engine import Store
from segmint.store.staging import MergeCounts, Staging

_CUSTOMER_KINDS = ("orders", "events", "tickets")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read and judge one file."""

    name: str | None = None  # the file name as the user gave it
    encoding: str | None = None
    sheet: str | int | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)  # --map source=canonical
    strict: bool = False
    lang: str = "en"
    actor: str = "cli"
    force: bool = False  # import even when the headers fit another kind better
    header_row: int | None = None  # the row of the headers; found by itself when None
    preset: str | None = None  # a platform preset by name, "none" for none; found when None
    rows: bool = False  # say which rows' keys were there before (`ImportResult.present`)


@dataclass(frozen=True, slots=True)
class Change:
    """Rows of one table an import changed in one column (for a status: in one move)."""

    column: str
    rows: int
    before: str | None = None  # the status moved from and to; None for other columns
    after: str | None = None


@dataclass(frozen=True, slots=True)
class TableCounts:
    """What an import did to one table."""

    kind: str
    accepted: int  # new rows
    updated: int  # rows whose values changed (or, for customers of an order export, filled)
    already_present: int
    changes: tuple[Change, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready counts."""
        return {
            "kind": self.kind,
            "accepted": self.accepted,
            "updated": self.updated,
            "already_present": self.already_present,
            "changes": [asdict(c) for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did.

    rows_read = accepted + updated + already_present + quarantined + duplicates_in_file.
    """

    import_id: str
    kind: str
    file: str
    format: str
    encoding: str | None
    columns: dict[str, str]  # canonical column -> header used
    ignored_columns: tuple[str, ...]
    rows_read: int
    accepted: int  # new rows added
    updated: int  # rows already there whose values changed (recorded in `changes`)
    already_present: int  # rows already there, identical
    quarantined: int  # rows set aside
    duplicates_in_file: int  # exact repeats inside the file, counted once
    customers_created: int
    problems: list[Problem]
    quarantine_file: str | None
    seconds: float
    preset: str | None = None  # the platform preset the file was read with
    tables: tuple[TableCounts, ...] = ()  # every table the file filled, `kind` among them
    view: tuple[ViewUpdate, ...] = ()  # the live view's updates that took the rows in
    present: frozenset[int] = frozenset()  # rows whose key was there (`ImportOptions.rows`)

    def as_dict(self, *, problems: int = 20) -> dict[str, object]:
        """JSON-ready summary with the first `problems` problems."""
        return {
            "ok": True,
            "import_id": self.import_id,
            "kind": self.kind,
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "columns": self.columns,
            "ignored_columns": list(self.ignored_columns),
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "updated": self.updated,
            "already_present": self.already_present,
            "quarantined": self.quarantined,
            "duplicates_in_file": self.duplicates_in_file,
            "customers_created": self.customers_created,
            "quarantine_file": self.quarantine_file,
            "seconds": round(self.seconds, 3),
            "view": [u.model_dump(mode="json") for u in self.view],
            "preset": self.preset,
            "tables": [t.as_dict() for t in self.tables],
            "problems": [
                {"code": p.code, "message": p.message, **p.location.as_dict()}
                for p in self.problems[:problems]
            ],
        }


def import_file(
    engine: Store,
    kind: str | None,
    path: Path,
    *,
    settings: Settings,
    workspace: Path,
    options: ImportOptions,
    now: dt.datetime,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file into the workspace database, all or nothing.

    `kind` is the table the file is about; None finds it from the headers (a platform's
    export, or the table whose required columns they name). A platform's export fills
    every table its preset reads (orders, order_items, customers) in one transaction.

    Raises
    ------
    SchemaError
        A required column is missing (nothing is read).
    ImportRejectedError
        `strict` and at least one row is bad (nothing is written).
    InputError, NotFoundError
        The file cannot be read, or no kind is given and none fits.
    """
    name = options.name or path.name
    if kind is not None:
        _check_map(options.mapping, kind)
    extra = {**settings.mapping, **options.mapping}
    reader = readers.open_file(
        path,
        name=name,
        encoding=options.encoding,
        sheet=options.sheet,
        batch_rows=settings.import_.batch_rows,
        header=HeaderRule(options.header_row, accepts_header(kind, options.preset, extra)),
    )
    return import_reader(
        engine,
        kind,
        reader,
        settings=settings,
        workspace=workspace,
        options=options,
        now=now,
        progress=progress,
    )


def import_objects(
    engine: Store,
    kind: str,
    objects: Sequence[Mapping[str, object]],
    *,
    settings: Settings,
    workspace: Path,
    options: ImportOptions,
    now: dt.datetime,
) -> ImportResult:
    """Import a batch of objects (an API request's items) as one file of them would be.

    Item n (from 1) is row n of the result's problems; the same checks, the same
    all-or-nothing transaction and the same quarantine as a file's.
    """
    label = options.name or f"{kind} batch"
    reader = open_objects(objects, name=label, batch_rows=settings.import_.batch_rows)
    return import_reader(
        engine, kind, reader, settings=settings, workspace=workspace, options=options, now=now
    )


def import_reader(
    engine: Store,
    kind: str | None,
    reader: FileReader,
    *,
    settings: Settings,
    workspace: Path,
    options: ImportOptions,
    now: dt.datetime,
    progress: Progress | None = None,
) -> ImportResult:
    """Import what an opened reader reads: `import_file`'s work once the file is open."""
    started = time.perf_counter()
    name = reader.name
    extra = {**settings.mapping, **options.mapping}
    context = partial(
        Context,
        file=name,
        timezone=settings.timezone,
        currency=settings.currency,
        now=now,
        earliest=settings.import_.earliest_date,
        excel_serial=reader.format == "xlsx",
        excel_text=reader.format in ("csv", "xlsx"),
    )
    chosen = plan(
        reader.headers,
        kind,
        preset=options.preset,
        extra=extra,
        mapping=options.mapping,
        name=name,
        force=options.force,
        context=context,
        repeated=reader.repeated,
    )
    if kind is None and chosen.preset is None:
        _check_map(options.mapping, chosen.kind)
    import_id = _new_import_id(chosen.kind)
    # The stages are temporary tables: nothing of them survives a crash, so they are filled
    # and cleaned outside the transaction, which then only writes the canonical tables.
    # (Filled inside it, the final insert runs twice as slowly in DuckDB 1.5.)
    stages = {
        t.kind: Staging(engine, TABLES[t.kind], staged_columns(t.ctx), keep=_not_in_file(t.ctx))
        for t in chosen.targets
    }
    try:
        loaded = load(reader, chosen, stages, progress)
        problems, raw = loaded.problems, loaded.raw
        duplicates = _settle_in_file(chosen, stages, problems, raw)
        with engine.transaction(checkpoint=True):  # a kill can never keep part of it
            counts, created = _merge(
                chosen, stages, problems, import_id, options=options, settings=settings
            )
            rejected_rows = {p.location.row for p in problems}
            if options.strict and problems:
                raise _rejected(problems, name)
            main = counts[chosen.kind]
            # Rows of customers merged into another id (see Staging.resolve_aliases).
            merged_away = loaded.rows_read - len(rejected_rows) - duplicates - main.total
            _record_quarantine(engine, import_id, problems, raw)
            result = ImportResult(
                import_id=import_id,
                kind=chosen.kind,
                file=name,
                format=reader.format,
                encoding=reader.encoding,
                columns=chosen.main.ctx.headers.columns,
                ignored_columns=_ignored(chosen, reader.headers),
                rows_read=loaded.rows_read,
                accepted=main.inserted,
                updated=main.updated,
                already_present=main.unchanged + (merged_away if chosen.preset is None else 0),
                quarantined=len(rejected_rows),
                duplicates_in_file=duplicates,
                customers_created=created,
                problems=problems,
                quarantine_file=None,
                seconds=time.perf_counter() - started,
                preset=chosen.preset.name if chosen.preset else None,
                present=main.present,
                tables=tuple(
                    TableCounts(
                        kind=kind,
                        accepted=c.inserted,
                        updated=c.updated,
                        already_present=c.unchanged,
                        changes=tuple(
                            Change(column, rows, before, after)
                            for column, before, after, rows in imports.change_summary(
                                engine, import_id, kind
                            )
                        ),
                    )
                    for kind, c in counts.items()
                ),
            )
            imports.record_import(engine, result.as_dict(problems=0), actor=options.actor)
    finally:
        for stage in stages.values():
            stage.drop()
    if not problems:
        return result
    file = quarantine.write(
        _rejected_rows(problems, raw),
        headers=reader.headers,
        path=workspace / quarantine.QUARANTINE_DIR / f"{import_id}.csv",
        lang=options.lang,
    )
    relative = str(file.relative_to(workspace))
    return replace(result, quarantine_file=relative, seconds=time.perf_counter() - started)


def _check_map(mapping: Mapping[str, str], kind: str) -> None:
    """A --map target must be a column of `kind`; a typo would otherwise be ignored.

    (`[mapping]` in segmint.toml serves every kind, so its targets are not checked here.)
    """
    columns = TABLES[kind].column_names
    for source, target in mapping.items():
        if target not in columns:
            close = difflib.get_close_matches(target, columns, n=1)
            raise InputError(
                "ingest.unknown_map_target",
                location=Location(field="--map"),
                source=source,
                target=target,
                kind=kind,
                columns=", ".join(columns),
                close=close[0] if close else None,
            )


def _not_in_file(ctx: Context) -> list[str]:
    """Staged columns the file does not hold (defaults): set on new rows, kept on old ones."""
    table = TABLES[ctx.kind]
    return [
        c
        for c in staged_columns(ctx)
        if c not in ctx.headers.columns and c not in table.key and c != table.extra
    ]


def _settle_in_file(
    chosen: Plan,
    stages: Mapping[str, Staging],
    problems: list[Problem],
    raw: dict[int, dict[str, object]],
) -> int:
    """Settle what the file alone decides: derived ids, merged ids, duplicates.

    A row whose key another row of the file gives other values is quarantined from every
    table it feeds. Returns the number of exact in-file duplicates of the main table.
    """
    duplicates, conflicting = 0, set[int]()
    for target in chosen.targets:
        stage, ctx = stages[target.kind], target.ctx
        if ctx.kind == "events":
            stage.derive_event_ids()
        stage.resolve_aliases()
        conflicts, exact = stage.take_duplicates()
        duplicates += exact if target.kind == chosen.kind else 0
        key = "/".join(TABLES[ctx.kind].key)
        for conflict in conflicts:
            conflicting.update(conflict.rows)
            for row, values in conflict.values.items():
                # staged values are under canonical names: show them under the file's headers
                raw.setdefault(row, {ctx.headers.columns.get(k, k): v for k, v in values.items()})
                _add(
                    problems,
                    "ingest.conflicting_duplicate",
                    ctx.file,
                    row,
                    key,
                    value=conflict.key,
                    rows=", ".join(map(str, conflict.rows)),
                )
    if conflicting and len(chosen.targets) > 1:
        for stage in stages.values():
            stage.drop_rows(sorted(conflicting))
    return duplicates


def _merge(
    chosen: Plan,
    stages: Mapping[str, Staging],
    problems: list[Problem],
    import_id: str,
    *,
    options: ImportOptions,
    settings: Settings,
) -> tuple[dict[str, MergeCounts], int]:
    """Merge every stage into its table, customers first; return counts and customers made.

    Runs inside the import's transaction. Rows must point at known customers (created
    unless strict) and orders; customers read from an order export fill only what a
    customer record lacks.
    """
    counts: dict[str, MergeCounts] = {}
    created = 0
    for target in chosen.targets:
        stage, ctx = stages[target.kind], target.ctx
        if ctx.kind in _CUSTOMER_KINDS:
            if options.strict or not settings.import_.create_missing_customers:
                _reject_unknown(
                    stage, problems, "customer_id", "customers", "ingest.unknown_customer", ctx.file
                )
            else:
                created += stage.create_missing_customers()
        if ctx.kind == "order_items":
            _reject_unknown(stage, problems, "order_id", "orders", "ingest.unknown_order", ctx.file)
        counts[target.kind] = (
            stage.fill(import_id)
            if target.fills_only
            else stage.merge(import_id, rows=options.rows and target.kind == chosen.kind)
        )
        live.mark(stage.engine, stage.touched)  # the live view recomputes them
        if target.fills_only:
            created += counts[target.kind].inserted
    problems.sort(key=lambda p: p.location.row or 0)
    return counts, created


def _reject_unknown(
    stage: Staging, problems: list[Problem], column: str, target: str, code: str, name: str
) -> None:
    unknown = stage.unknown(column, target)
    for row, value in unknown:
        _add(problems, code, name, row, column, value=value)
    stage.drop_rows([row for row, _ in unknown])


def _add(
    problems: list[Problem], code: str, file: str, row: int, column: str, **params: object
) -> None:
    params = {"field": column, **params}
    problems.append(
        Problem(
            code,
            i18n.message(code, "en", **params),
            Location(file=file, row=row, field=column),
            params,
        )
    )


def _rejected(problems: Sequence[Problem], name: str) -> ImportRejectedError:
    return ImportRejectedError(
        "ingest.rejected",
        location=Location(file=name),
        rows=len({p.location.row for p in problems}),
        file=name,
        problems=ProblemList(tuple(problems)),
    )


def _rejected_rows(
    problems: Sequence[Problem], raw: Mapping[int, dict[str, object]]
) -> list[quarantine.Rejected]:
    return [
        quarantine.Rejected(
            row=p.location.row or 0,
            code=p.code,
            field=p.location.field,
            params=p.params,
            raw=raw.get(p.location.row or 0, {}),
        )
        for p in problems
    ]


def _record_quarantine(
    engine: Store,
    import_id: str,
    problems: Sequence[Problem],
    raw: Mapping[int, dict[str, object]],
) -> None:
    rows = [
        {
            "row": r.row,
            "code": r.code,
            "field": r.field,
            "message": p.message,
            "params": json.dumps(r.params, ensure_ascii=False, default=str),
            "raw": json.dumps(r.raw, ensure_ascii=False, default=str),
        }
        for p, r in zip(problems, _rejected_rows(problems, raw), strict=True)
    ]
    imports.record_quarantine(engine, import_id, rows)


def _ignored(chosen: Plan, found: Sequence[str]) -> tuple[str, ...]:
    """Headers whose cells are not kept: unmapped ones, unless the table keeps extras.

    For a platform's export, the headers its preset does not read.
    """
    if chosen.preset is not None:
        read = {fold(h) for h in chosen.preset.needed()}
        return tuple(h for h in found if fold(h) not in read)
    headers, kind = chosen.main.ctx.headers, chosen.kind
    extra = TABLES[kind].extra
    if extra is not None and extra not in headers.columns:
        kept = tuple(h for h in headers.unmapped if h.startswith(BOOKKEEPING_PREFIX))
        return kept + headers.foreign
    return headers.unmapped + headers.foreign


def _new_import_id(kind: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{kind}-{secrets.token_hex(3)}"
