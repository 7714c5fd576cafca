"""`segmint report`: a run of the customer base as one HTML file to open or forward."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import ForceOption, JsonOption, LangOption, RunOption, WorkspaceOption

ReportOut = Annotated[
    Path, typer.Option("--out", "-o", help="The HTML file to write, e.g. report.html.")
]


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report)


def report(
    out: ReportOut = Path("report.html"),
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write the report of a run: one HTML file that opens from disk, with no network.

    What changed since the run before, the overview, tiers and their migration, RFM,
    lifecycle, value customers, alerts with the money at stake, CLV with its validation
    and every segment; each chart with its numbers in a table.

    Example: segmint report --lang zh-CN --out report.html
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of
    from segmint.report import document

    with reading(workspace) as ws, render.steps("report"):
        locale = locale_of(ws.settings, lang)
        written = document.write(ws, out, run_id=run_id, lang=locale.lang, force=force)
    if as_json:
        render.emit_json({"ok": True, "file": str(written)})
    else:
        render.message(locale.text("cli.report_written", file=written))
