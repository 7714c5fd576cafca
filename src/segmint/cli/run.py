"""`segmint run`, `runs`, `segments`, `customer` and `export snapshot`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import ForceOption, JsonOption, LangOption, WorkspaceOption

RunOption = Annotated[
    int | None, typer.Option("--run", help="Run id (default: the current run; see 'segmint runs').")
]
export_app = typer.Typer(help="Write snapshots to files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the run commands to the app."""
    app.command("run")(run)
    app.command("runs")(runs)
    app.command("segments")(segments)
    app.command("customer")(customer)
    app.add_typer(export_app, name="export")
    export_app.command("snapshot")(export_snapshot)


def run(
    ctx: typer.Context,
    workspace: WorkspaceOption = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the run is as of, YYYY-MM-DD (default: newest order)."),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Features, RFM, tiers, lifecycle, value customers and CLV for every customer.

    The run is kept as a new snapshot; a failed run leaves the previous one current.
    A run as of an earlier day than an existing run is a backtest: it is kept (see
    'segmint runs'), and the current run stays the one with the newest as-of date.

    Example: segmint run --as-of 2026-06-30 && segmint segments
    """
    from segmint.cli import render
    from segmint.pipeline.run import STEPS
    from segmint.workspace import Workspace

    with (
        Workspace(workspace, command=ctx.command_path) as ws,
        render.stages("run", total=len(STEPS)) as step,
    ):
        result = ws.run(as_of=as_of, progress=step, actor="cli")
        lang = lang or ws.settings.lang
        summary = ws.segments(run_id=result.run_id, lang=lang)
        current = ws.segments(lang=lang) if result.backtest else summary
    data = {
        "ok": True,
        "run_id": result.run_id,
        "as_of": result.as_of.isoformat(),
        "backtest": result.backtest,
        "current_run": {"run_id": current["run_id"], "as_of": str(current["as_of"])},
        "customers": result.customers,
        "seconds": round(result.seconds, 2),
        "clv_model": result.details["clv"].get("model"),
        "warnings": [w.as_dict(lang) for w in result.warnings],
        "segments": summary["segments"],
    }
    if as_json:
        render.emit_json(data)
    else:
        render.run_result(data, lang=lang)


def runs(workspace: WorkspaceOption = Path("."), as_json: JsonOption = False) -> None:
    """Every run: id, as-of date, customers, CLV model, when and how long.

    Example: segmint runs --json
    """
    from segmint.cli import render
    from segmint.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        found = ws.runs()
    if as_json:
        render.emit_json({"ok": True, "runs": found})
    else:
        render.runs(found)


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
    from segmint.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        lang = lang or ws.settings.lang
        data = ws.segments(run_id=run_id, lang=lang)
        moved = ws.diff(after=run_id) if data["previous_run"] is not None else None
    if as_json:
        render.emit_json({"ok": True, **data, "diff": moved})
    else:
        render.segments(data, moved, lang=lang)


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
    from segmint.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        data = ws.customer(customer_id, run_id=run_id, lang=lang)
    if as_json:
        render.emit_json({"ok": True, **data})
    else:
        render.profile(data)


def export_snapshot(
    out: Annotated[Path, typer.Option("--out", "-o", help="File: .csv, .parquet or .xlsx.")],
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """One row per customer with every feature, score and label.

    CSV is UTF-8 with a BOM, so Excel shows Chinese; label columns are in --lang.

    Example: segmint export snapshot --out customers.xlsx --lang zh-CN
    """
    from segmint.cli import render
    from segmint.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        rows = ws.export(out, run_id=run_id, lang=lang, force=force)
    if as_json:
        render.emit_json({"ok": True, "rows": rows, "file": str(out)})
    else:
        render.message(f"{rows:,} customers written to {out}")
