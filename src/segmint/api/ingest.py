"""Customers, orders, events and tickets as they happen: batches checked like files, once.

Each route takes up to `MAX_ITEMS` objects with the canonical columns of its table
(`docs/schema.md`); the values are read and checked exactly as the same objects in a
JSON Lines file would be, so a client sees the import's own problems, item by item.
(No postponed annotations here: each route's body type is made at run time, per kind.)
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, ConfigDict, create_model

from segmint.api.app import Session, Writes, view_soon
from segmint.core.schema import TABLES
from segmint.ingest.items import MAX_ITEMS, BatchResult

router = APIRouter(tags=["ingest"])
Value = str | int | float | bool | None  # the importer types and checks each value


def _item(kind: str) -> type[BaseModel]:
    """An item of `kind`: every column of its table, none required by the schema itself.

    Required columns and values are the importer's to check, so a missing order id is the
    same problem (with its item number) as in a file; an unknown field is refused here.
    """
    table = TABLES[kind]
    fields: dict[str, Any] = dict.fromkeys(table.column_names, (Value, None))
    if table.extra is not None:  # free attributes: an object of the shop's own fields
        fields[table.extra] = (dict[str, Value] | None, None)
    config = ConfigDict(extra="forbid", title=kind[:-1].capitalize())
    return create_model(kind[:-1].capitalize(), __config__=config, **fields)


# What each route says of its batch, by kind (the table its items go to).
ROUTES = {
    "customers": "New customers and changes to known ones (contact data, consent per "
    "channel …); a changed record is ``updated``, the change recorded.",
    "orders": "A batch of orders; their buyers' live view follows (``wait``: before the answer).",
    "events": "A batch of events: views, e-mail opens and clicks, calls …",
    "tickets": "A batch of service tickets: complaints, questions, their resolution.",
}


WAIT = (
    "Answer once the live view has taken the batch's customers in (an update per batch). "
    "By default the answer comes when the batch is stored, and the view takes in the "
    "customers of every batch stored meanwhile in one update just after."
)


def _route(kind: str) -> Callable[..., BatchResult]:
    """The POST route of `kind`: its body a list of `kind`'s items (documented, checked)."""
    item = _item(kind)

    def post(
        items: Annotated[list[item], Body(max_length=MAX_ITEMS, min_length=1)],  # type: ignore[valid-type]
        request: Request,
        wait: Annotated[bool, Query(description=WAIT)] = False,
        s: Session = Writes,
    ) -> BatchResult:
        sent = [i.model_dump(exclude_unset=True) for i in items]  # type: ignore[attr-defined]
        done = s.workspace.ingest(kind, sent, actor=s.caller.actor, live=wait)
        if done.view_pending:
            view_soon(request)
        return done

    key = TABLES[kind].key[0]
    post.__doc__ = f"{ROUTES[kind]}\n\nThe same {key} twice counts once."
    return post


for _kind in ROUTES:
    router.add_api_route(f"/{_kind}", _route(_kind), methods=["POST"], name=f"post_{_kind}")
