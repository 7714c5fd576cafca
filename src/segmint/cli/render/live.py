"""The live view's updates in the terminal: who was recomputed, as of which day, what moved."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape

from segmint.cli.render._console import _out
from segmint.core import formats
from segmint.core.formats import Locale
from segmint.core.updates import ViewUpdate


def view_updates(updates: Sequence[ViewUpdate], *, locale: Locale, empty: bool = False) -> None:
    """One line per update; with `empty`, a line saying the view was already current."""
    console = _out()
    if not updates and empty:
        console.print(escape(locale.text("cli.view_current")))
    for update in updates:
        line = locale.text(
            f"cli.view_{update.cause}",
            as_of=formats.day(update.as_of, locale),
            customers=formats.count(update.customers),
            entered=formats.count(update.entered),
            left=formats.count(update.left),
            raised=formats.count(update.alerts_raised),
            resolved=formats.count(update.alerts_resolved),
            seconds=formats.decimal(update.seconds, digits=2),
        )
        console.print(escape(line))
