"""`segmint playbook run`, `segmint tasks` and `segmint tasks done`: acting on tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import ForceOption, JsonOption, LangOption, WorkspaceOption

playbook_app = typer.Typer(help="Playbooks: owners, tasks, lists and webhooks per segment.")
tasks_app = typer.Typer(
    help="The team's tasks, made by the playbooks.", invoke_without_command=True
)


def register(app: typer.Typer) -> None:
    """Add `playbook` and `tasks` to the app."""
    app.add_typer(playbook_app, name="playbook")
    app.add_typer(tasks_app, name="tasks")


@playbook_app.command("run")
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be done; change nothing.")
    ] = False,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Do the [[playbooks.rules]] of segmint.toml for their segments' members, once each.

    Example: segmint playbook run --dry-run
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.run_playbooks(dry_run=dry_run)
    if as_json:
        render.emit_result(done)
    else:
        render.playbook_run(done, locale=locale)


@tasks_app.callback()
def tasks(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option("--owner", help="One owner's tasks.")] = None,
    include_done: Annotated[bool, typer.Option("--all", help="Done ones too.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write them to .csv, .xlsx or .parquet.")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """The open tasks, the newest first (or write them to a file with --out).

    Example: segmint tasks --owner 王经理 --out 王经理.xlsx
    """
    if ctx.invoked_subcommand is not None:
        return
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import count, locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        if out is not None:
            rows = ws.export_tasks(out, owner=owner, include_done=include_done, force=force)
            render.message(locale.text("cli.tasks_written", rows=count(rows), file=out))
            return
        found = ws.tasks(owner=owner, include_done=include_done)
    if as_json:
        render.emit_json({"ok": True, "tasks": found})
    else:
        render.task_list(found, locale=locale)


@tasks_app.command("done")
def done(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(metavar="ID", help="'segmint tasks' shows it.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a task done.

    Example: segmint tasks done 17
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.task_done(task_id, actor="cli")
    if as_json:
        render.emit_result(found)
    else:
        render.message(locale.text("cli.task_done", id=found.task_id, title=found.title))
