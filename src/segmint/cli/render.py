"""Everything the command line shows: tables, progress, errors, JSON (the one Rich user)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from segmint.core import i18n
from segmint.core.errors import SegmintError


def _out() -> Console:
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 120  # piped into a file or a pager: don't squeeze tables to 80
    return console


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def emit_json(data: object) -> None:
    """Machine output: one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def error(exc: SegmintError, *, as_json: bool = False) -> None:
    """An error the user can act on: what, where, what would be right — no traceback."""
    if as_json:
        emit_json(exc.as_dict())
        return
    console = _err()
    where = f"{exc.location}: " if exc.location and str(exc.location) else ""
    console.print(f"[bold red]error[/] [dim]{exc.code}[/] {escape(where + exc.message)}")
    if exc.hint:
        console.print(f"[yellow]hint:[/] {escape(exc.hint)}")


def message(text: str) -> None:
    """One line for the user (stdout)."""
    _out().print(text)


@contextmanager
def progress(description: str) -> Iterator[Any]:
    """A progress bar on a terminal, nothing when piped; yields a `(done, total)` callback."""
    console = _err()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


@contextmanager
def steps(first: str) -> Iterator[Any]:
    """A spinner with the current step on a terminal, nothing when piped; yields `say(text)`."""
    console = _err()
    if not console.is_terminal:
        yield lambda _text: None
        return
    with console.status(first) as spinner:
        yield lambda text: spinner.update(text)


def _table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for i, name in enumerate(columns):
        table.add_column(name, justify="right" if i and _numeric(rows, i) else "left")
    for row in rows:
        table.add_row(*(escape(_text(v)) for v in row))
    return table


def _numeric(rows: Sequence[Sequence[object]], i: int) -> bool:
    return bool(rows) and all(isinstance(r[i], int | float) for r in rows)


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def import_result(result: Mapping[str, Any], *, lang: str) -> None:
    """The counts of one import and its first problems."""
    console = _out()
    keys = ("accepted", "updated", "already_present", "quarantined", "customers_created")
    rows = [(i18n.label(k, lang), result[k]) for k in keys]
    if result["duplicates_in_file"]:
        rows.append((i18n.label("duplicates_in_file", lang), result["duplicates_in_file"]))
    title = f"{result['kind']} ← {result['file']} ({result['format']}"
    title += f", {result['encoding']})" if result["encoding"] else ")"
    console.print(_table(title, ("", "rows"), rows))
    console.print(
        f"[dim]{result['rows_read']:,} rows read in {result['seconds']:.1f} s · "
        f"import {result['import_id']}[/]"
    )
    if result["ignored_columns"]:
        console.print(f"[dim]columns not used: {escape(', '.join(result['ignored_columns']))}[/]")
    if result["problems"]:
        shown = [
            (str(p.get("row", "")), p["code"], p.get("field", ""), p["message"])
            for p in result["problems"][:10]
        ]
        console.print(_table("first problems", ("row", "code", "field", "message"), shown))
        console.print(f"[yellow]quarantined rows are in {escape(result['quarantine_file'])}[/]")


def status(data: Mapping[str, Any]) -> None:
    """Table sizes, revenue, date range and the latest imports."""
    console = _out()
    sizes = list(data["tables"].items())
    console.print(_table(f"workspace {data['workspace']}", ("table", "rows"), sizes))
    console.print(f"net revenue: [bold]{Decimal(data['net_revenue']):,.2f}[/]")
    if data["orders_from"]:
        console.print(f"orders from {data['orders_from'][:10]} to {data['orders_to'][:10]}")
    console.print(f"[dim]schema version {data['schema_version']}[/]")
    if data["last_imports"]:
        rows = [
            (
                i["finished_at"][:16].replace("T", " "),
                i["kind"],
                Path(i["file"]).name,
                i["accepted"],
                i["updated"],
                i["quarantined"],
            )
            for i in data["last_imports"]
        ]
        console.print(
            _table(
                "last imports",
                ("finished", "kind", "file", "accepted", "updated", "quarantined"),
                rows,
            )
        )


def duplicates(groups: Sequence[Mapping[str, Any]]) -> None:
    """Groups of customer ids sharing a phone or e-mail."""
    if not groups:
        _out().print("no customers share a phone number or e-mail address")
        return
    rows = [(g["field"], g["value"], ", ".join(g["customer_ids"])) for g in groups]
    _out().print(
        _table(f"{len(groups)} possible duplicates", ("shared", "value", "customer ids"), rows)
    )


def key_values(title: str, data: Mapping[str, object]) -> None:
    """A two-column table of labels and values."""
    _out().print(_table(title, ("", ""), list(data.items())))
