"""`segmint alerts` and `segmint alerts ack`: the customers to act on now, and why."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption

if TYPE_CHECKING:
    from segmint.segments.results import Alert

app = typer.Typer(
    help="Alerts: valued customers buying less than expected, downgrades, churn risk, "
    "browsing without buying, segment moves.",
    invoke_without_command=True,
)


@app.callback()
def alerts(
    ctx: typer.Context,
    severity: Annotated[
        list[str] | None,
        typer.Option("--severity", help="Only this severity: high, medium, low or info."),
    ] = None,
    reason: Annotated[
        list[str] | None,
        typer.Option(
            "--reason",
            help="Only this reason: below_expectation, tier_downgrade, churn_risk, browsing, "
            "segment_entered or segment_left.",
        ),
    ] = None,
    include_closed: Annotated[
        bool, typer.Option("--all", help="Also resolved and acknowledged alerts.")
    ] = False,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """The open alerts, newest first, each with its reason and the numbers behind it.

    Example: segmint alerts --severity high --reason below_expectation
    """
    if ctx.invoked_subcommand is not None:
        return
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.alerts(
            severities=severity or (), reasons=reason or (), include_closed=include_closed
        )
    if as_json:
        render.emit_json({"ok": True, "alerts": [_json(a, locale.lang) for a in found]})
    else:
        render.alert_list(found, locale=locale)


def _json(alert: Alert, lang: str) -> dict[str, object]:
    """The alert's fields, and its reason in words."""
    data: dict[str, object] = alert.model_dump(mode="json")
    data["text"] = alert.text(lang)
    return data


@app.command("ack")
def ack(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert's id.")],
    note: Annotated[str | None, typer.Option("--note", help="What was done about it.")] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge an alert: it leaves the open list and is not raised again while it holds.

    Example: segmint alerts ack 12 --note "called her, new offer sent"
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.acknowledge_alert(alert_id, note=note, actor="cli")
    if as_json:
        render.emit_json({"ok": True, "alert": _json(done, locale.lang)})
    else:
        render.message(locale.text("cli.alert_acknowledged", alert=done.alert_id))
