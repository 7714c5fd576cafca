"""What acting on segments shows: exports for the tools, playbooks, tasks, campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.cli import formats
from segmint.cli.formats import Locale
from segmint.cli.render._console import _out

if TYPE_CHECKING:
    from segmint.activate.lists import SegmentExport


def segment_exported(done: SegmentExport, *, locale: Locale) -> None:
    """How many rows went where; with a template, who was left out and why."""
    console = _out()
    console.print(
        escape(locale.text("cli.export_written", rows=formats.count(done.rows), file=done.file))
    )
    if done.reach is not None and done.reach.exported < done.reach.members:
        channel = locale.text(f"cli.channel.{done.template}")
        left_out = locale.text(
            "cli.export_left_out",
            members=formats.count(done.reach.members),
            no_consent=formats.count(done.reach.no_consent),
            no_address=formats.count(done.reach.no_address),
            channel=channel,
        )
        console.print(f"[yellow]{escape(left_out)}[/]")
