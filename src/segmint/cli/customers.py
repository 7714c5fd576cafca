"""`segmint customers duplicates|merge`: one person under several ids."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption

app = typer.Typer(
    help="Identity clean-up: find and merge duplicate customers.", no_args_is_help=True
)


@app.command("duplicates")
def duplicates(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """List customers who share a phone number or e-mail under different ids.

    Example: segmint customers duplicates --json
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        groups = [asdict(g) for g in ws.duplicates()]
        locale = locale_of(ws.settings, lang)
    if as_json:
        render.emit_json({"ok": True, "groups": groups})
    else:
        render.duplicates(groups, locale=locale)


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The customer id to keep.")],
    other: Annotated[str, typer.Argument(help="The customer id merged into it.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge customer OTHER into KEEP: orders, events and tickets move, history is kept.

    Example: segmint customers merge C0000012 C0004711
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        moved = ws.merge_customers(keep, other, actor="cli")
        locale = locale_of(ws.settings, lang)
    if as_json:
        render.emit_json({"ok": True, "kept": keep, "merged": other, "moved": moved})
    else:
        render.merged(keep, other, moved, locale=locale)


@app.command("erase")
def erase(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer to erase.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Erase without asking (it cannot be undone).")
    ] = False,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a customer's personal data everywhere (PIPL / GDPR); her history stays anonymous.

    Her orders, scores and memberships move to a random pseudonym, so totals still add up;
    her name, phone, e-mail, birthday and attributes are removed with every copy. It
    cannot be undone: without --yes it asks first.

    Example: segmint customers erase C0000042 --yes
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        if not yes and not typer.confirm(locale.text("cli.erase_confirm", customer=customer_id)):
            raise typer.Exit(1)
        done = ws.erase_customer(customer_id, actor="cli")
    if as_json:
        render.emit_result(done)
    else:
        rows = sum(done.rows.values())
        render.message(
            locale.text("cli.erased", customer=customer_id, pseudonym=done.pseudonym, rows=rows)
        )
