"""Webhook subscriptions over HTTP: add, list, rotate, remove, test; the dead letters.

The server's courier (`api.delivery`) sends the outbox; these routes only change what
it sends and to whom. A subscription's secret is in the answer that made or rotated it
and nowhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from segmint.api.app import Reads, Session, Writes
from segmint.store.webhooks import Message, Subscription

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
SubscriptionId = Annotated[str, Path(max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewWebhook(_Body):
    """A subscription to make: where to send which events.

    `batch` changes go in one message; `segments` limits segment.entered and segment.left
    to those segments (null: every segment).
    """

    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=16)
    batch: int = Field(default=1, ge=1, le=1000)
    segments: list[str] | None = Field(default=None, min_length=1, max_length=200)


class Rotation(_Body):
    """How long the old secret keeps signing beside the new one."""

    keep_old_hours: float = Field(default=24.0, ge=0, le=720)


class WithSecret(BaseModel):
    """A subscription and its signing secret, shown in this answer only."""

    model_config = ConfigDict(frozen=True)

    subscription: Subscription
    secret: str


class Queued(BaseModel):
    """A message waiting in the outbox: the server sends it within a second or so."""

    model_config = ConfigDict(frozen=True)

    message_id: str


@router.get("", name="list_webhooks")
def list_webhooks(s: Session = Reads) -> list[Subscription]:
    """Every subscription, newest first, removed ones too; never a secret."""
    return s.workspace.webhooks()


@router.post("", name="add_webhook", status_code=201)
def add_webhook(body: NewWebhook, s: Session = Writes) -> WithSecret:
    """Subscribe a URL to events; the answer holds its ``whsec_`` secret, this once."""
    made, secret = s.workspace.add_webhook(
        body.url,
        events=body.events,
        batch=body.batch,
        segments=body.segments,
        actor=s.caller.actor,
    )
    return WithSecret(subscription=made, secret=secret)


@router.get("/dead", name="webhook_dead_letters")
def webhook_dead_letters(s: Session = Reads) -> list[Message]:
    """The messages given up, newest first, with the last error of each."""
    return s.workspace.dead_letters()


@router.post("/dead/{message_id}/replay", name="replay_webhook", status_code=202)
def replay_webhook(message_id: Annotated[str, Path(max_length=64)], s: Session = Writes) -> Queued:
    """Queue a dead letter again under its own id (receivers de-duplicate by it)."""
    s.workspace.replay_webhook(message_id)
    return Queued(message_id=message_id)


@router.delete("/{subscription_id}", name="remove_webhook")
def remove_webhook(subscription_id: SubscriptionId, s: Session = Writes) -> Subscription:
    """Stop a subscription; its waiting messages are given up with it."""
    return s.workspace.remove_webhook(subscription_id, actor=s.caller.actor)


@router.post("/{subscription_id}/rotate", name="rotate_webhook_secret")
def rotate_webhook_secret(
    subscription_id: SubscriptionId, body: Rotation, s: Session = Writes
) -> WithSecret:
    """A new signing secret, in this answer only; the old one signs too for a while."""
    found, secret = s.workspace.rotate_webhook_secret(
        subscription_id, keep_old_hours=body.keep_old_hours, actor=s.caller.actor
    )
    return WithSecret(subscription=found, secret=secret)


@router.post("/{subscription_id}/test", name="test_webhook", status_code=202)
def test_webhook(subscription_id: SubscriptionId, s: Session = Writes) -> Queued:
    """Queue a ``webhook.test`` message for the subscription; the server sends it."""
    return Queued(message_id=s.workspace.queue_test_webhook(subscription_id))
