"""Pages of a long list: the items and an opaque cursor to the next page.

A cursor is the last customer id of the page, encoded so clients pass it back as it
came rather than build one; a cursor that does not decode is a clear 422.
"""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from segmint.core.errors import InputError, Location

Item = TypeVar("Item")
MAX_LIMIT = 1000  # items per page at most; the default is 50


class Page(BaseModel, Generic[Item]):
    """One page: its items, and the cursor of the next page (None on the last)."""

    model_config = ConfigDict(frozen=True)

    items: list[Item]
    next_cursor: str | None


def encode(last: str) -> str:
    """The cursor of the page after the one ending at `last`."""
    return base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")


def decode(cursor: str | None) -> str | None:
    """The last id of the page before (None for the first page)."""
    if cursor is None:
        return None
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        last = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last = ""
    if not last:
        raise InputError("api.bad_cursor", location=Location(field="cursor"), cursor=cursor[:40])
    return last


def paged(items: list[Item], *, limit: int, key: str) -> Page[Item]:
    """A page of `items` fetched one past `limit`: the extra one says there is a next page.

    `key` names the field the list is ordered by (its last value makes the cursor).
    """
    shown = items[:limit]
    more = len(items) > limit
    return Page(items=shown, next_cursor=encode(getattr(shown[-1], key)) if more else None)
