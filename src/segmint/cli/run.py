"""`segmint run`, `runs`, `refresh`, `segments`, `needs`, `customer`, `export snapshot`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import ForceOption, JsonOption, LangOption, RunOption, WorkspaceOption


def _parquet_only(value: str) -> str:
    if value != "parquet":  # the one format a lake and Spark read tables from
        raise typer.BadParameter(f"'{value}' is not a format tables are written in; use parquet.")
    return value


export_app = typer.Typer(
    help="Write snapshots, segments and tables to files.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the run commands to the app."""
    app.command("run")(run)
    app.command("runs")(runs)
    app.command("segments")(segments)
    app.command("needs")(needs)
    app.command("customer")(customer)
    app.command("refresh")(refresh)
    app.add_typer(export_app, name="export")
    export_app.command("snapshot")(export_snapshot)
    export_app.command("tables")(export_tables)


def run(
    ctx: typer.Context,
    workspace: WorkspaceOption = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the run is as of, YYYY-MM-DD (default: newest order)."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="What computes the run: duckdb (the workspace file) or spark (the tables "
            "under [spark] in segmint.toml). Default: the engine setting.",
        ),
    ] = None,
    master: Annotated[
        str | None,
        typer.Option(
            "--master",
            help="Where Spark runs for --engine spark: local[4], yarn, k8s://https://host:443, "
            "spark://host:7077 (default: [spark] master).",
        ),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Features, RFM, tiers, lifecycle, value customers and CLV for every customer.

    The run is kept as a new snapshot; a failed run leaves the previous one current.
    A run as of an earlier day than an existing run is a backtest: it is kept (see
    'segmint runs'), and the current run stays the one with the newest as-of date.
    With --engine spark the canonical tables are read from Parquet and computed by
    Spark; the snapshot is kept here as ever, and written back beside the tables.

    Example: segmint run --as-of 2026-06-30 && segmint segments

    Example: segmint export tables --out lake && segmint run --engine spark --master local[4]
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.pipeline.run import STEPS
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        with render.stages(locale.text("cli.running"), total=len(STEPS)) as step:
            result = ws.run(
                as_of=as_of,
                progress=lambda name: step(locale.name("step", name.replace(" ", "_"))),
                actor="cli",
                engine=engine,
                master=master,
            )
        summary = ws.segments(run_id=result.run_id, lang=locale.lang)
        current = ws.segments(lang=locale.lang) if result.backtest else summary
    if as_json:
        render.emit_json(
            {
                "ok": True,
                "run_id": result.run_id,
                "as_of": result.as_of.isoformat(),
                "backtest": result.backtest,
                "current_run": {"run_id": current.run_id, "as_of": current.as_of.isoformat()},
                "customers": result.customers,
                "seconds": round(result.seconds, 2),
                "clv_model": result.facts.clv.model,
                "warnings": [w.as_dict(locale.lang) for w in result.warnings],
                "alerts": {"raised": result.alerts_raised, "resolved": result.alerts_resolved},
                "segments": summary.segments,
            }
        )
    else:
        render.run_result(result, summary, current, locale=locale)


def refresh(
    ctx: typer.Context,
    workspace: WorkspaceOption = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Day to roll the live view to, YYYY-MM-DD (default: today)."),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Roll the live view forward: segments that depend on dates follow the calendar.

    Recomputes only the customers whose labels or segments can change by that day (an
    order leaving "the last 30 days", a birthday, P(alive) falling past a threshold),
    with the current run's cut points and fits; memberships, changes and alerts follow.
    Run it daily (cron); 'segmint import' brings the view up to date by itself.

    Example: segmint refresh --as-of 2026-07-31
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        with render.steps(locale.text("cli.refreshing")):
            done = ws.refresh(as_of=as_of, actor="cli")
    if as_json:
        render.emit_json({"ok": True, "updates": [u.model_dump(mode="json") for u in done]})
    else:
        render.view_updates(done, locale=locale, empty=True)


def runs(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Every run: id, as-of date, customers, CLV model, when and how long.

    Example: segmint runs --json
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        found = ws.runs()
        locale = locale_of(ws.settings, lang)
    if as_json:
        render.emit_json({"ok": True, "runs": found})
    else:
        render.runs(found, locale=locale)


def segments(
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each segment family and segment: size, shares, average CLV, KPIs, change.

    Example: segmint segments --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of
    from segmint.segments.families import segment_labels

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        data = ws.segments(run_id=run_id, lang=locale.lang)
        moved = ws.diff(after=run_id) if data.previous_run is not None else None
        names = segment_labels(ws.settings, lang=locale.lang)
    if as_json:
        render.emit_result(data, diff=moved)
    else:
        render.segments(data, moved, names=names, locale=locale)


def needs(
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Profile clusters described in words, loyalty levels, service needs, next categories.

    Each cluster with its size, value and what sets it apart; the loyalty levels and the
    service needs with their customers; per tier the category to offer next.

    Example: segmint needs --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        data = ws.needs(run_id=run_id, lang=locale.lang)
    if as_json:
        render.emit_result(data)
    else:
        render.needs(data, locale=locale)


def customer(
    customer_id: Annotated[str, typer.Argument(help="The customer's id as imported.")],
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """The 360° profile of one customer: who, what she bought, every score, and why.

    Example: segmint customer C0000042 --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of
    from segmint.segments.families import segment_labels

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        data = ws.customer(customer_id, run_id=run_id, lang=locale.lang)
        names = segment_labels(ws.settings, lang=locale.lang)
    if as_json:
        render.emit_result(data)
    else:
        render.profile(data, names=names, locale=locale)


def export_snapshot(
    out: Annotated[Path, typer.Option("--out", "-o", help="File: .csv, .parquet or .xlsx.")],
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """One row per customer with every feature, score and label.

    CSV is UTF-8 with a BOM, so Excel shows Chinese. Headers and label columns are in
    --lang; English headers are the column names rules and scripts use (--lang en).

    Example: segmint export snapshot --out customers.xlsx --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import count, locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        rows = ws.export(out, run_id=run_id, lang=locale.lang, header_lang=locale.lang, force=force)
    if as_json:
        render.emit_json({"ok": True, "rows": rows, "file": str(out)})
    else:
        render.message(locale.text("cli.export_written", rows=count(rows), file=out))


def export_tables(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the tables into.")],
    workspace: WorkspaceOption = Path("."),
    form: Annotated[
        str,
        typer.Option(
            "--format", help="File format of the tables: parquet.", callback=_parquet_only
        ),
    ] = "parquet",
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """The canonical tables as Parquet, one folder per table, for Spark or a data lake.

    Writes OUT/customers, OUT/orders, OUT/order_items, OUT/events and OUT/tickets, each a
    folder of Parquet files with the workspace's exact types (money as DECIMAL).
    'segmint run --engine spark' reads them (spark.tables in segmint.toml).

    Example: segmint export tables --out lake && segmint run --engine spark
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import count, locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        written = ws.export_tables(out, force=force)
    if as_json:
        render.emit_json({"ok": True, "folder": str(out), "rows": written})
    else:
        for table, rows in written.items():
            render.message(
                locale.text("cli.table_written", table=table, rows=count(rows), file=out / table)
            )
