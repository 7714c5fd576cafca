"""API keys as a person reads them: the new key once, and the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.cli.render._console import _labels, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from segmint.store.apikeys import ApiKey


def api_key_created(made: ApiKey, key: str, *, locale: Locale) -> None:
    """The new key, with the warning that it is shown only now."""
    console = _out()
    said = locale.text("cli.apikey_created", key=made.key_id, role=made.role, name=made.name)
    console.print(escape(said))
    console.print(f"[bold]{escape(key)}[/]")
    console.print(f"[yellow]{escape(locale.text('cli.apikey_once'))}[/]")


def api_keys(keys: Sequence[ApiKey], *, locale: Locale) -> None:
    """Every key, newest first."""
    if not keys:
        _out().print(escape(locale.text("cli.no_apikeys")))
        return
    rows = [
        (
            k.key_id,
            k.name,
            k.role,
            formats.moment(k.created_at, locale),
            k.created_by,
            formats.moment(k.revoked_at, locale),
        )
        for k in keys
    ]
    headers = (*_labels(locale, "id", "name", "role", "created", "by", "revoked"),)
    _out().print(_table(locale.text("cli.apikeys"), headers, rows))
