"""Everything the command line shows: tables, progress, errors, JSON (the one Rich user).

Imports, status and identity here; runs, segments and profiles in `reports`; rule
previews, the team's segments and alerts in `rules`; the shared consoles and tables in
`_console`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import DownloadColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from segmint.cli.render._console import _bar, _err, _field, _labels, _notice, _out, _table
from segmint.cli.render.activation import campaign_created as campaign_created
from segmint.cli.render.activation import campaign_report as campaign_report
from segmint.cli.render.activation import campaigns as campaigns
from segmint.cli.render.activation import playbook_run as playbook_run
from segmint.cli.render.activation import segment_exported as segment_exported
from segmint.cli.render.activation import task_list as task_list
from segmint.cli.render.live import view_updates as view_updates
from segmint.cli.render.needs import needs as needs
from segmint.cli.render.reports import headline as headline
from segmint.cli.render.reports import profile as profile
from segmint.cli.render.reports import run_result as run_result
from segmint.cli.render.reports import runs as runs
from segmint.cli.render.reports import segments as segments
from segmint.cli.render.rules import alert_list as alert_list
from segmint.cli.render.rules import rule_preview as rule_preview
from segmint.cli.render.rules import segment_detail as segment_detail
from segmint.cli.render.rules import segment_list as segment_list
from segmint.cli.render.rules import segment_saved as segment_saved
from segmint.cli.render.service import api_key_created as api_key_created
from segmint.cli.render.service import api_keys as api_keys
from segmint.cli.render.webhooks import dead_letters as dead_letters
from segmint.cli.render.webhooks import webhook_added as webhook_added
from segmint.cli.render.webhooks import webhook_rotated as webhook_rotated
from segmint.cli.render.webhooks import webhooks as webhooks
from segmint.core import formats, i18n
from segmint.core.errors import SegmintError, located
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from pydantic import BaseModel

    from segmint.store.status import ImportRecord, Status


def emit_json(data: object) -> None:
    """Machine output: one JSON document on stdout (typed results as their JSON form)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable) + "\n")


def emit_result(result: BaseModel, **more: object) -> None:
    """A typed result as machine output: its JSON form, marked ok, with `more` fields."""
    emit_json({"ok": True, **result.model_dump(mode="json"), **more})


def _jsonable(value: object) -> object:
    """A value json cannot write itself: a typed result's fields, else its text."""
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(value)


def error(exc: SegmintError, *, as_json: bool = False, lang: str = i18n.DEFAULT_LANG) -> None:
    """An error the user can act on: what, where, what would be right — no traceback."""
    if as_json:
        emit_json(exc.as_dict(lang))
        return
    text, hint = exc.render(lang)
    word = f"[bold red]{escape(i18n.message('cli.error', lang))}[/]"
    _notice(_err(), word, exc.code, located(exc.location, text, lang), hint, lang=lang)


def message(text: str) -> None:
    """One line for the user (stdout)."""
    _out().print(text)


@contextmanager
def progress(description: str) -> Iterator[Any]:
    """A progress bar on a terminal, nothing when piped; yields a `(done, total)` callback."""
    bar = _bar(DownloadColumn(), TimeElapsedColumn(), TimeRemainingColumn())
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


def import_result(result: Mapping[str, Any], *, locale: Locale, preset: str | None = None) -> None:
    """The counts of one import and its first problems; a table per table a file filled.

    `preset` is the title of the platform preset the file was read with, if any.
    """
    console = _out()
    name = preset or locale.label("table." + result["kind"])
    title = f"{name} ← {result['file']} ({result['format']}"
    title += f", {result['encoding']})" if result["encoding"] else ")"
    if preset is None:
        keys = ("accepted", "updated", "already_present", "quarantined", "customers_created")
        rows = [(locale.label(k), result[k]) for k in keys]
        if result["duplicates_in_file"]:
            rows.append((locale.label("duplicates_in_file"), result["duplicates_in_file"]))
        console.print(_table(title, ("", locale.label("rows")), rows))
    else:
        _tables_filled(console, result, title=title, locale=locale)
        used = locale.text("cli.preset_used", title=preset, name=result["preset"])
        console.print(f"[dim]{escape(used)}[/]")
    read = locale.text(
        "cli.rows_read",
        rows=formats.count(result["rows_read"]),
        seconds=formats.decimal(result["seconds"], digits=1),
        import_id=result["import_id"],
    )
    console.print(f"[dim]{escape(read)}[/]")
    if result["ignored_columns"]:
        unused = locale.text("cli.columns_not_used", columns=", ".join(result["ignored_columns"]))
        console.print(f"[dim]{escape(unused)}[/]")
    if result["problems"]:
        _problems(result, locale=locale)


def _tables_filled(
    console: Console, result: Mapping[str, Any], *, title: str, locale: Locale
) -> None:
    """New, updated and unchanged rows per table; then what moved (statuses) and rows set aside."""
    keys = ("accepted", "updated", "already_present")
    rows = [(locale.label("table." + t["kind"]), *(t[k] for k in keys)) for t in result["tables"]]
    console.print(_table(title, _labels(locale, "table", *keys), rows))
    for counts in result["tables"]:
        if counts["changes"]:
            moved = ", ".join(_change(c, counts["kind"], locale) for c in counts["changes"])
            table = locale.label("table." + counts["kind"])
            console.print(escape(locale.text("cli.table_changes", table=table, changes=moved)))
    for key in ("quarantined", "duplicates_in_file"):
        if result[key]:
            console.print(escape(f"{locale.label(key)}: {formats.count(result[key])}"))


def _change(change: Mapping[str, Any], kind: str, locale: Locale) -> str:
    """A change as the reader reads it: Order status: shipped → completed ×2."""
    what = locale.name(f"column.{kind}", change["column"])
    if change["before"] is not None or change["after"] is not None:
        before, after = (locale.name("value.order", change[k]) for k in ("before", "after"))
        what = f"{what}: {before} → {after}"
    return f"{what} ×{formats.count(change['rows'])}"


def _problems(result: Mapping[str, Any], *, locale: Locale) -> None:
    console = _out()
    shown = [
        (str(p.get("row", "")), p["code"], p.get("field", ""), p["message"])
        for p in result["problems"][:10]
    ]
    headers = _labels(locale, "row", "code", "field", "message")
    console.print(_table(locale.text("cli.first_problems"), headers, shown))
    where = locale.text("cli.quarantine_file", file=result["quarantine_file"])
    console.print(f"[yellow]{escape(where)}[/]")


def status(data: Status, *, locale: Locale) -> None:
    """Table sizes, revenue, date range, the live view and the latest imports."""
    console = _out()
    sizes = [(locale.label(f"table.{t}"), n) for t, n in data.tables.items()]
    title = locale.text("cli.workspace", path=data.workspace)
    console.print(_table(title, _labels(locale, "table", "rows"), sizes))
    revenue = formats.money(data.net_revenue, locale)
    console.print(escape(locale.text("cli.net_revenue", revenue=revenue)))
    if data.orders_from:
        first, last = (formats.day(d, locale) for d in (data.orders_from, data.orders_to))
        console.print(escape(locale.text("cli.orders_span", first=first, last=last)))
    if data.live is not None:
        view = data.live
        line = locale.text(
            "cli.live_status",
            run=view.run_id,
            as_of=formats.day(view.as_of, locale),
            updates=formats.count(view.updates),
            customers=formats.count(view.customers_updated),
            next=formats.day(view.next_change, locale) if view.next_change else "-",
            waiting=formats.count(view.waiting),
        )
        console.print(escape(line))
    console.print(
        f"[dim]{escape(locale.text('cli.schema_version', version=data.schema_version))}[/]"
    )
    if data.last_imports:
        _last_imports(data.last_imports, locale=locale)


def _last_imports(imports: Sequence[ImportRecord], *, locale: Locale) -> None:
    rows = [
        (
            formats.moment(i.finished_at, locale),
            locale.label(f"table.{i.kind}"),
            Path(i.file).name,
            i.accepted,
            i.updated,
            i.quarantined,
        )
        for i in imports
    ]
    headers = (
        formats.zone(locale),
        *_labels(locale, "kind", "file", "accepted", "updated", "quarantined"),
    )
    _out().print(_table(locale.text("cli.last_imports"), headers, rows))


def duplicates(groups: Sequence[Mapping[str, Any]], *, locale: Locale) -> None:
    """Groups of customer ids sharing a phone or e-mail."""
    if not groups:
        _out().print(escape(locale.text("cli.no_duplicates")))
        return
    separator = locale.text("cli.list_separator")
    rows = [
        (_field(g["field"], locale), g["value"], separator.join(g["customer_ids"])) for g in groups
    ]
    title = locale.text("cli.possible_duplicates", count=formats.count(len(groups)))
    _out().print(_table(title, _labels(locale, "shared", "value", "customer_ids"), rows))


def merged(keep: str, other: str, moved: Mapping[str, int], *, locale: Locale) -> None:
    """What a merge of two customers moved, per table."""
    title = locale.text("cli.merged", other=other, keep=keep)
    rows = [(locale.label(f"table.{t}"), n) for t, n in moved.items()]
    _out().print(_table(title, _labels(locale, "table", "moved"), rows))


def key_values(title: str, data: Mapping[str, object]) -> None:
    """A two-column table of labels and values."""
    _out().print(_table(title, ("", ""), list(data.items())))


@contextmanager
def stages(description: str, *, total: int) -> Iterator[Any]:
    """A bar over `total` steps on a terminal; yields `step(name)` to call as each starts."""
    bar = _bar(TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=total)
        seen: list[str] = []

        def step(name: str) -> None:
            bar.update(task, completed=len(seen), description=f"{description}: {name}")
            seen.append(name)

        yield step
