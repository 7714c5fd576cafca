"""What became of each item of an API batch: new, updated, already there, a repeat, or rejected.

An import counts rows; a client that sent a batch wants to know, item by item, what to
retry. The same order twice counts once: the second is ``already_present`` (or
``duplicate`` within one batch), never a second order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from segmint.core.errors import Problem
from segmint.core.updates import ViewUpdate

Status = Literal["new", "updated", "already_present", "duplicate", "rejected"]
MAX_ITEMS = 1000  # items a batch may hold: one request stays well under a second to check


class ItemProblem(BaseModel):
    """Why an item was rejected: the code, the message, the field at fault."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    field: str | None


class ItemResult(BaseModel):
    """One item: its position in the batch (from 0), its key, and what became of it."""

    model_config = ConfigDict(frozen=True)

    index: int
    key: str | None
    status: Status
    problems: list[ItemProblem] = []


class BatchResult(BaseModel):
    """A batch as imported: counts, each item's outcome, the live view's updates after it."""

    model_config = ConfigDict(frozen=True)

    import_id: str
    kind: str
    received: int
    new: int
    updated: int
    already_present: int
    duplicates: int
    rejected: int
    items: list[ItemResult]
    view: list[ViewUpdate]
    view_pending: bool = Field(
        False, description="The live view takes the customers in after the answer."
    )
    received_at: dt.datetime


def outcomes(
    items: Sequence[Mapping[str, object]],
    *,
    key: str,
    problems: Sequence[Problem],
    present: frozenset[int],
    changed: set[str],
) -> list[ItemResult]:
    """Each item's outcome, from the rows whose key was there before and the keys changed.

    An item's row is its position from 1, in the problems too (`json_lines.open_objects`).
    """
    by_row: dict[int, list[ItemProblem]] = {}
    for p in problems:
        if p.location.row is not None:
            found = ItemProblem(code=p.code, message=p.message, field=p.location.field)
            by_row.setdefault(p.location.row, []).append(found)
    seen: set[str] = set()
    results = []
    for index, item in enumerate(items):
        value = item.get(key)
        name = None if value is None else str(value)
        status: Status
        if index + 1 in by_row:
            status = "rejected"
        elif name in seen:
            status = "duplicate"
        elif name in changed:
            status = "updated"
        else:
            status = "already_present" if index + 1 in present else "new"
        if name is not None and status != "rejected":
            seen.add(name)
        results.append(
            ItemResult(index=index, key=name, status=status, problems=by_row.get(index + 1, []))
        )
    return results
