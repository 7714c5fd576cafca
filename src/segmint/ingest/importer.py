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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pyarrow as pa

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.core.errors import (
    ImportRejectedError,
    InputError,
    Location,
    Problem,
    ProblemList,
    SchemaError,
)
from segmint.core.schema import TABLES
from segmint.ingest import quarantine, readers
from segmint.ingest.batches import FileReader, HeaderRule
from segmint.ingest.mapping import HeaderMap, holds_required, likely_kind, map_headers
from segmint.ingest.validate import BOOKKEEPING_PREFIX, Context, check_batch, staged_columns
from segmint.store import imports
from segmint.store.duckdb import DuckDBEngine
from segmint.store.staging import Staging

Progress = Callable[[int, int], None]
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
            "problems": [
                {"code": p.code, "message": p.message, **p.location.as_dict()}
                for p in self.problems[:problems]
            ],
        }


def import_file(
    engine: DuckDBEngine,
    kind: str,
    path: Path,
    *,
    settings: Settings,
    workspace: Path,
    options: ImportOptions,
    now: dt.datetime,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file of `kind` into the workspace database, all or nothing.

    Raises
    ------
    SchemaError
        A required column is missing (nothing is read).
    ImportRejectedError
        `strict` and at least one row is bad (nothing is written).
    InputError, NotFoundError
        The file cannot be read.
    """
    started = time.perf_counter()
    name = options.name or path.name
    _check_map(options.mapping, kind)
    extra = {**settings.mapping, **options.mapping}
    reader = readers.open_file(
        path,
        name=name,
        encoding=options.encoding,
        sheet=options.sheet,
        batch_rows=settings.import_.batch_rows,
        header=HeaderRule(options.header_row, partial(holds_required, kind=kind, extra=extra)),
    )
    headers = _map(
        reader.headers,
        kind,
        extra=extra,
        name=name,
        force=options.force,
    )
    ctx = Context(
        kind=kind,
        file=name,
        headers=headers,
        timezone=settings.timezone,
        currency=settings.currency,
        now=now,
        earliest=settings.import_.earliest_date,
        excel_serial=reader.format == "xlsx",
    )
    import_id = _new_import_id(kind)
    # The stage is a temporary table: nothing of it survives a crash, so it is filled and
    # cleaned outside the transaction, which then only writes the canonical tables. (Filled
    # inside it, the final insert runs twice as slowly in DuckDB 1.5.)
    stage = Staging(engine, TABLES[kind], staged_columns(ctx), keep=_not_in_file(ctx))
    try:
        problems, raw, rows_read = _stage_file(reader, stage, ctx, progress)
        duplicates = _settle_in_file(stage, ctx, problems, raw)
        with engine.transaction():
            customers_created = _check_references(
                stage, ctx, problems, options=options, settings=settings
            )
            rejected_rows = {p.location.row for p in problems}
            if options.strict and problems:
                raise _rejected(problems, name)
            counts = stage.merge(import_id)
            # Rows of customers merged into another id (see Staging.resolve_aliases).
            merged_away = rows_read - len(rejected_rows) - duplicates - counts.total
            _record_quarantine(engine, import_id, problems, raw)
            result = ImportResult(
                import_id=import_id,
                kind=kind,
                file=name,
                format=reader.format,
                encoding=reader.encoding,
                columns=headers.columns,
                ignored_columns=_ignored(headers, kind),
                rows_read=rows_read,
                accepted=counts.inserted,
                updated=counts.updated,
                already_present=counts.unchanged + merged_away,
                quarantined=len(rejected_rows),
                duplicates_in_file=duplicates,
                customers_created=customers_created,
                problems=problems,
                quarantine_file=None,
                seconds=time.perf_counter() - started,
            )
            imports.record_import(engine, result.as_dict(problems=0), actor=options.actor)
    finally:
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


def _map(
    found: Sequence[str], kind: str, *, extra: Mapping[str, str], name: str, force: bool
) -> HeaderMap:
    """The file's headers mapped to `kind`, refused when they fit another kind better.

    With `force`, the headers that are the other kind's own fields (order_id, ordered_at,
    amount, an order's channel ... in an orders file imported as customers) are set
    aside: they neither fill a column nor go into attributes.
    """
    likely = likely_kind(found, kind, extra=extra)
    if likely is not None and not force:
        raise SchemaError(
            "ingest.wrong_kind",
            location=Location(file=name),
            file=name,
            kind=kind,
            likely=likely[0],
            evidence=", ".join(
                f"'{h}'" + ("" if h == c else f" ({c})") for c, h in likely[1].items()
            ),
        )
    headers = map_headers(found, kind, extra=extra, file=name)
    if likely is None:
        return headers
    key = {headers.columns[c] for c in TABLES[kind].key if c in headers.columns}
    foreign = [h for h in found if h in likely[1].values() and h not in key]
    return HeaderMap(
        columns={c: h for c, h in headers.columns.items() if h not in foreign},
        unmapped=tuple(h for h in headers.unmapped if h not in foreign),
        foreign=tuple(foreign),
    )


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


def _stage_file(
    reader: FileReader, stage: Staging, ctx: Context, progress: Progress | None
) -> tuple[list[Problem], dict[int, dict[str, object]], int]:
    problems: list[Problem] = []
    raw: dict[int, dict[str, object]] = {}
    rows_read = 0

    def checked() -> Iterator[pa.Table]:
        nonlocal rows_read
        for batch in reader:
            result = check_batch(batch, ctx)
            problems.extend(result.problems)
            for record in result.bad.to_pylist():
                raw[int(record.pop("_row"))] = record
            rows_read += batch.data.num_rows
            if progress is not None:
                progress(reader.bytes_read, reader.size_bytes)
            yield result.data

    stage.append(checked())
    problems.extend(reader.skipped)
    rows_read += len(reader.skipped)
    return problems, raw, rows_read


def _settle_in_file(
    stage: Staging,
    ctx: Context,
    problems: list[Problem],
    raw: dict[int, dict[str, object]],
) -> int:
    """Settle what the file alone decides: derived ids, merged ids, duplicates.

    Returns the number of exact in-file duplicates (counted once).
    """
    if ctx.kind == "events":
        stage.derive_event_ids()
    stage.resolve_aliases()
    conflicts, duplicates = stage.take_duplicates()
    key = "/".join(TABLES[ctx.kind].key)
    for conflict in conflicts:
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
    return duplicates


def _check_references(
    stage: Staging,
    ctx: Context,
    problems: list[Problem],
    *,
    options: ImportOptions,
    settings: Settings,
) -> int:
    """Rows must point at known customers (created unless strict) and orders.

    Runs inside the import's transaction; returns the number of customers created.
    """
    created = 0
    if ctx.kind in _CUSTOMER_KINDS:
        if options.strict or not settings.import_.create_missing_customers:
            _reject_unknown(
                stage, problems, "customer_id", "customers", "ingest.unknown_customer", ctx.file
            )
        else:
            created = stage.create_missing_customers()
    if ctx.kind == "order_items":
        _reject_unknown(stage, problems, "order_id", "orders", "ingest.unknown_order", ctx.file)
    problems.sort(key=lambda p: p.location.row or 0)
    return created


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
    engine: DuckDBEngine,
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


def _ignored(headers: HeaderMap, kind: str) -> tuple[str, ...]:
    """Headers whose cells are not kept: all unmapped ones, unless the table keeps extras."""
    extra = TABLES[kind].extra
    if extra is not None and extra not in headers.columns:
        kept = tuple(h for h in headers.unmapped if h.startswith(BOOKKEEPING_PREFIX))
        return kept + headers.foreign
    return headers.unmapped + headers.foreign


def _new_import_id(kind: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{kind}-{secrets.token_hex(3)}"
