"""`segmint init` and `segmint status`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption


def register(app: typer.Typer) -> None:
    """Add `init` and `status` to the app."""
    app.command("init")(init)
    app.command("status")(status)


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace: segmint.toml and an empty segmint.duckdb.

    Example: segmint init shop && cd shop && segmint import orders orders.csv
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace.init(directory, command=ctx.command_path) as ws:
        data = ws.status()
        locale = locale_of(ws.settings, lang)
    if as_json:
        render.emit_result(data)
    else:
        render.message(locale.text("cli.workspace_ready", directory=directory))


def status(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Row counts per table, net revenue, the orders' dates and the last imports.

    Example: segmint status --workspace shop --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        data = ws.status()
        locale = locale_of(ws.settings, lang)
    if as_json:
        render.emit_result(data)
    else:
        render.status(data, locale=locale)
