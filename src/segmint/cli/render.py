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


def error(exc: SegmintError, *, as_json: bool = False, lang: str = i18n.DEFAULT_LANG) -> None:
    """An error the user can act on: what, where, what would be right — no traceback."""
    if as_json:
        emit_json(exc.as_dict(lang))
        return
    console = _err()
    text, hint = exc.render(lang)
    where = exc.location.render(lang) if exc.location else ""
    where += i18n.message("cli.where_separator", lang) if where else ""
    error_word = i18n.message("cli.error", lang)
    console.print(f"[bold red]{error_word}[/] [dim]{exc.code}[/] {escape(where + text)}")
    if hint:
        console.print(f"[yellow]{escape(i18n.message('cli.hint', lang))}[/] {escape(hint)}")


def message(text: str) -> None:
    """One line for the user (stdout)."""
    _out().print(text)


def _bar(*columns: Any) -> Progress:
    """A description and a bar, then `columns`, on stderr; off when it is not a terminal."""
    console = _err()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *columns,
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


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


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def _money(value: object) -> str:
    return "" if value is None else f"{float(value):,.2f}"  # type: ignore[arg-type]


def _segment_rows(rows: Sequence[Mapping[str, Any]]) -> list[tuple[object, ...]]:
    return [
        (
            r["family_label"],
            r["label"],
            r["customers"],
            _percent(r["share"]),
            _percent(r["revenue_share"]),
            _money(r["avg_clv_12m"]),
            _percent(r["repurchase_rate"]),
            _percent(r["churn_rate"]),
            _money(r["aov"]),
            "" if r["change"] is None else f"{r['change']:+,}",
        )
        for r in rows
    ]


_SEGMENT_COLUMNS = (
    "family",
    "segment",
    "customers",
    "share",
    "revenue_share",
    "avg_clv_12m",
    "repurchase_rate",
    "churn_rate",
    "aov",
    "change",
)


def _segment_headers(lang: str) -> tuple[str, ...]:
    return tuple(i18n.label(key, lang) for key in _SEGMENT_COLUMNS)


def run_result(data: Mapping[str, Any], *, lang: str) -> None:
    """What a run did, and the headline segments."""
    console = _out()
    console.print(
        f"run [bold]{data['run_id']}[/] as of {data['as_of']}: {data['customers']:,} customers "
        f"in {data['seconds']:.1f} s · CLV model {data['clv_model'] or '-'}"
    )
    headline = [r for r in data["segments"] if r["family"] in ("tier", "stage", "value_customer")]
    console.print(_table("segments", _segment_headers(lang), _segment_rows(headline)))
    for warning in data["warnings"]:
        word = i18n.message("run.warning", lang)
        console.print(
            f"[bold yellow]{word}[/] [dim]{warning['code']}[/] {escape(warning['message'])}"
        )
        if warning["hint"]:
            console.print(
                f"[yellow]{escape(i18n.message('cli.hint', lang))}[/] {escape(warning['hint'])}"
            )
    if data["backtest"]:
        current = data["current_run"]
        note = i18n.message(
            "run.backtest_note",
            lang,
            current=current["run_id"],
            as_of=current["as_of"],
            run=data["run_id"],
        )
        console.print(f"[yellow]{escape(note)}[/]")
    console.print("[dim]next: segmint segments · segmint customer ID · segmint export snapshot[/]")


def runs(found: Sequence[Mapping[str, Any]]) -> None:
    """The runs, newest first."""
    if not found:
        _out().print("no runs yet: segmint run")
        return
    rows = [
        (
            r["run_id"],
            str(r["as_of"]),
            r["customers"],
            r["details"]["clv"].get("model", "-"),
            str(r["finished_at"])[:19],
            f"{(r['finished_at'] - r['started_at']).total_seconds():.1f} s",
            r["config_hash"],
            "current" if r["current"] else "backtest" if r["backtest"] else "",
        )
        for r in found
    ]
    columns = ("run", "as of", "customers", "CLV model", "finished (UTC)", "took", "settings", "")
    _out().print(_table("runs", columns, rows))


def segments(data: Mapping[str, Any], moved: Mapping[str, Any] | None, *, lang: str) -> None:
    """Segments with KPIs, then the tier and stage moves since the previous run."""
    console = _out()
    title = f"segments of run {data['run_id']} (as of {data['as_of']})"
    if data["previous_run"] is not None:
        title += f", change since run {data['previous_run']}"
    console.print(_table(title, _segment_headers(lang), _segment_rows(data["segments"])))
    curve = data["pareto_curve"]
    if len(curve) == 101:
        console.print(
            f"the top 20 % of customers hold {_percent(curve[20])} of 365-day revenue, "
            f"the top 50 % {_percent(curve[50])}"
        )
    if moved is None:
        return
    for family, cells in moved["transitions"].items():
        rows = [
            (
                c["before"] or "(new)",
                c["after"] or "(gone)",
                c["customers"],
                _money(c["revenue_365d"]),
            )
            for c in cells
            if c["before"] != c["after"]
        ]
        if rows:
            console.print(
                _table(f"{family} moves", ("from", "to", "customers", "revenue 365d"), rows)
            )


def profile(data: Mapping[str, Any]) -> None:
    """The 360° profile of one customer."""
    console = _out()
    console.print(
        f"[bold]{escape(data['customer_id'])}[/] · run {data['run_id']} as of {data['as_of']}"
    )
    identity = data["identity"] or {}
    shown = {k: v for k, v in identity.items() if v is not None and k != "customer_id"}
    if shown:
        console.print(_table("identity", ("", ""), list(shown.items())))
    labels = [(k, v, data["why"].get(k, "")) for k, v in data["labels"].items()]
    if data["why"].get("rfm"):
        labels.append(("rfm", data["snapshot"]["rfm_cell"], data["why"]["rfm"]))
    console.print(_table("labels and why", ("", "label", "why"), labels))
    row = data["snapshot"] or {}
    values = [(k, v) for k, v in row.items() if k not in ("customer_id", "value_parts")]
    console.print(_table("features and scores", ("", ""), values))
    if data["history"]:
        columns = tuple(data["history"][0])
        rows = [tuple(h.values()) for h in data["history"]]
        console.print(_table("history", columns, rows))
    if data["timeline"]:
        rows = [
            (str(t["happened_at"])[:16], t["kind"], t["ref"], t["what"], t["detail"])
            for t in data["timeline"]
        ]
        console.print(_table("recent", ("when (UTC)", "kind", "id", "what", "detail"), rows))


def headline(data: Mapping[str, Any]) -> None:
    """The demo's headline: who the value customers are, tiers, stages, churn risk."""
    console = _out()
    console.print(
        f"\nrun {data['run_id']} as of {data['as_of']}: [bold]{data['customers']:,}[/] customers, "
        f"[bold]{data['value_customers']:,}[/] value customers, "
        f"[bold]{data['churn_risk']:,}[/] at risk of churning"
    )
    tiers = [(t["tier"], t["customers"], _percent(t["revenue_share"])) for t in data["tiers"]]
    console.print(_table("tiers", ("tier", "customers", "revenue"), tiers))
    console.print(_table("lifecycle", ("stage", "customers"), list(data["stages"].items())))
    console.print(_table("RFM segments", ("segment", "customers"), list(data["rfm11"].items())))
