"""The consoles and tables every rendering shares: the one place Rich is set up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from segmint.core import formats, i18n
from segmint.core.formats import Locale


def _out() -> Console:
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 120  # piped into a file or a pager: don't squeeze tables to 80
    return console


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _notice(
    console: Console, word: str, code: str, text: str, hint: str | None, *, lang: str
) -> None:
    """An error or a warning: its word, its code and text, then its hint."""
    console.print(f"{word} [dim]{code}[/] {escape(text)}")
    if hint:
        console.print(f"[yellow]{escape(i18n.message('cli.hint', lang))}[/]{escape(hint)}")


def _bar(*columns: Any) -> Progress:
    """A description and a bar, then `columns`, on stderr; off when it is not a terminal."""
    console = _err()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *columns,
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def _table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for i, name in enumerate(columns):
        right = bool(i) and _numeric(rows, i)
        # fold: Chinese has no spaces to wrap at, and Rich would cut a long reason short
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(_text(v)) for v in row))
    return table


def _numeric(rows: Sequence[Sequence[object]], i: int) -> bool:
    return bool(rows) and all(isinstance(r[i], int | float) for r in rows)


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.count(value)
    return "" if value is None else str(value)


def _labels(locale: Locale, *keys: str) -> tuple[str, ...]:
    return tuple(locale.label(k) for k in keys)


def _field(name: str, locale: Locale) -> str:
    """A field's name as the reader knows it."""
    return locale.name("label.field", name)
