"""Webhooks as a person reads them: the new subscription's secret once, lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.cli.render._console import _labels, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from segmint.store.webhooks import Message, Subscription


def webhook_added(made: Subscription, secret: str, *, locale: Locale) -> None:
    """The new subscription and its secret, with the warning that it is shown only now."""
    console = _out()
    said = locale.text(
        "cli.webhook_added", id=made.subscription_id, url=made.url, events=", ".join(made.events)
    )
    console.print(escape(said))
    console.print(f"[bold]{escape(secret)}[/]")
    console.print(f"[yellow]{escape(locale.text('cli.webhook_secret_once'))}[/]")


def webhook_rotated(found: Subscription, secret: str, *, hours: float, locale: Locale) -> None:
    """The new secret of a subscription, and how long the old one still signs."""
    console = _out()
    said = locale.text(
        "cli.webhook_rotated", id=found.subscription_id, hours=formats.decimal(hours, digits=1)
    )
    console.print(escape(said))
    console.print(f"[bold]{escape(secret)}[/]")
    console.print(f"[yellow]{escape(locale.text('cli.webhook_secret_once'))}[/]")


def webhooks(found: Sequence[Subscription], *, locale: Locale) -> None:
    """Every subscription, newest first."""
    if not found:
        _out().print(escape(locale.text("cli.no_webhooks")))
        return
    rows = [
        (
            s.subscription_id,
            s.url,
            ", ".join(s.events),
            str(s.batch),
            ", ".join(s.segments or ()) or locale.text("cli.every_segment"),
            formats.moment(s.created_at, locale),
            formats.moment(s.removed_at, locale),
        )
        for s in found
    ]
    headers = _labels(locale, "id", "url", "events", "batch", "segments", "created", "removed")
    _out().print(_table(locale.text("cli.webhooks"), headers, rows))


def dead_letters(found: Sequence[Message], *, locale: Locale) -> None:
    """The messages given up, newest first, with their last error."""
    if not found:
        _out().print(escape(locale.text("cli.no_dead_letters")))
        return
    rows = [
        (
            m.message_id,
            m.subscription_id,
            m.event,
            str(m.attempts),
            m.last_error or "",
            formats.moment(m.dead_at, locale),
        )
        for m in found
    ]
    headers = _labels(locale, "id", "subscription", "event", "attempts", "error", "given_up")
    _out().print(_table(locale.text("cli.dead_letters"), headers, rows))
