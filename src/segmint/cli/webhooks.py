"""`segmint webhook add/list/rotate/remove/test/deliver/dead/replay`: signed, from the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption

webhook_app = typer.Typer(help="Webhooks: signed messages to your systems when customers move.")


def register(app: typer.Typer) -> None:
    """Add `webhook` to the app."""
    app.add_typer(webhook_app, name="webhook")


@webhook_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where to send (http or https).")],
    on: Annotated[
        list[str],
        typer.Option(
            "--on",
            help="An event to send: segment.entered, segment.left, tier.changed, "
            "stage.changed, alert.raised, run.finished, playbook.matched (repeat for more).",
        ),
    ],
    batch: Annotated[
        int,
        typer.Option(
            "--batch", min=1, max=1000, help="Changes per message (1: a message per change)."
        ),
    ] = 1,
    segment: Annotated[
        list[str] | None,
        typer.Option(
            "--segment",
            help="Send segment.entered/left of this segment only (repeat for more; "
            "default: every segment).",
        ),
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe a URL to events; its signing secret is printed this once.

    Example: segmint webhook add https://crm.example.com/hooks --on tier.changed --on alert.raised

    Example: segmint webhook add https://crm.example.com/vip --on segment.entered --segment vip
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        made, secret = ws.add_webhook(
            url, events=on, batch=batch, segments=segment or None, actor="cli"
        )
    if as_json:
        render.emit_result(made, secret=secret)
    else:
        render.webhook_added(made, secret, locale=locale)


@webhook_app.command("rotate")
def rotate(
    ctx: typer.Context,
    subscription_id: Annotated[str, typer.Argument(metavar="ID", help="'webhook list' shows it.")],
    keep_old: Annotated[
        float,
        typer.Option(
            "--keep-old",
            min=0,
            max=24 * 30,
            help="Hours the old secret keeps signing beside the new one.",
        ),
    ] = 24.0,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """A new signing secret for a subscription, printed this once.

    Messages carry a signature by the old secret too for --keep-old hours, so the
    receiver can change over without losing one.

    Example: segmint webhook rotate sub_3f9a0c21 --keep-old 48
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        found, secret = ws.rotate_webhook_secret(
            subscription_id, keep_old_hours=keep_old, actor="cli"
        )
    if as_json:
        render.emit_result(found, secret=secret)
    else:
        render.webhook_rotated(found, secret, hours=keep_old, locale=locale)


@webhook_app.command("list")
def listing(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Every subscription: id, URL, events, when made and whether removed.

    Example: segmint webhook list
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.webhooks()
    if as_json:
        render.emit_json({"ok": True, "subscriptions": found})
    else:
        render.webhooks(found, locale=locale)


@webhook_app.command("remove")
def remove(
    ctx: typer.Context,
    subscription_id: Annotated[str, typer.Argument(metavar="ID", help="'webhook list' shows it.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop a subscription; its waiting messages are given up with it.

    Example: segmint webhook remove sub_3f9a0c21
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.remove_webhook(subscription_id, actor="cli")
    if as_json:
        render.emit_result(done)
    else:
        render.message(locale.text("cli.webhook_removed", id=done.subscription_id, url=done.url))


@webhook_app.command("test")
def test(
    ctx: typer.Context,
    subscription_id: Annotated[str, typer.Argument(metavar="ID", help="'webhook list' shows it.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a webhook.test message to one subscription now (and whatever else is due).

    Example: segmint webhook test sub_3f9a0c21
    """
    _deliver(ctx, workspace, lang, as_json, test=subscription_id)


@webhook_app.command("deliver")
def deliver(
    ctx: typer.Context,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send every message due now, in passes of 100 (run it from cron to keep them flowing).

    Example: */1 * * * * segmint webhook deliver --workspace /srv/shop
    """
    _deliver(ctx, workspace, lang, as_json, test=None)


def _deliver(
    ctx: typer.Context, workspace: Path, lang: str | None, as_json: bool, *, test: str | None
) -> None:
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.test_webhook(test) if test is not None else ws.deliver_webhooks()
    if as_json:
        render.emit_result(done)
    else:
        render.message(locale.text("cli.webhook_delivery", **done.model_dump()))


@webhook_app.command("dead")
def dead(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """The messages given up (dead letters), newest first, with the last error of each.

    Example: segmint webhook dead --json
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.dead_letters()
    if as_json:
        render.emit_json({"ok": True, "messages": found})
    else:
        render.dead_letters(found, locale=locale)


@webhook_app.command("replay")
def replay(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(metavar="ID", help="'webhook dead' shows it.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
) -> None:
    """Queue a dead letter again under its own id (receivers de-duplicate by it).

    Example: segmint webhook replay msg_5d0c3e8a9f1b2c3d4e5f6a7b
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        ws.replay_webhook(message_id)
    render.message(locale.text("cli.webhook_replayed", id=message_id))
