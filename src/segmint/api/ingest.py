"""Customers, orders, events and tickets as they happen: batches checked like files, once.

Each route takes up to `MAX_ITEMS` objects with the canonical columns of its table
(`docs/schema.md`); the values are read and checked exactly as the same objects in a
JSON Lines file would be, so a client sees the import's own problems, item by item.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, create_model

from segmint.api.app import Session, Using
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


Customer, Order = _item("customers"), _item("orders")
Event, Ticket = _item("events"), _item("tickets")


def _ingest(kind: str, items: list[BaseModel], s: Session) -> BatchResult:
    sent = [item.model_dump(exclude_unset=True) for item in items]
    return s.workspace.ingest(kind, sent, actor=s.caller.actor)


@router.post("/customers", name="post_customers")
def post_customers(
    items: Annotated[list[Customer], Body(max_length=MAX_ITEMS, min_length=1)],  # type: ignore[valid-type]
    s: Session = Using,
) -> BatchResult:
    """New customers and changes to known ones (contact data, consent per channel …).

    The same record twice counts once; a changed one is ``updated``, the change recorded.
    """
    return _ingest("customers", items, s)


@router.post("/orders", name="post_orders")
def post_orders(
    items: Annotated[list[Order], Body(max_length=MAX_ITEMS, min_length=1)],  # type: ignore[valid-type]
    s: Session = Using,
) -> BatchResult:
    """A batch of orders; the same order_id twice counts once. Buyers' views follow."""
    return _ingest("orders", items, s)


@router.post("/events", name="post_events")
def post_events(
    items: Annotated[list[Event], Body(max_length=MAX_ITEMS, min_length=1)],  # type: ignore[valid-type]
    s: Session = Using,
) -> BatchResult:
    """A batch of events (views, e-mail opens, calls …); the same event_id twice counts once."""
    return _ingest("events", items, s)


@router.post("/tickets", name="post_tickets")
def post_tickets(
    items: Annotated[list[Ticket], Body(max_length=MAX_ITEMS, min_length=1)],  # type: ignore[valid-type]
    s: Session = Using,
) -> BatchResult:
    """A batch of service tickets; the same ticket_id twice counts once."""
    return _ingest("tickets", items, s)
