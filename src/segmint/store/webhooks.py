"""Webhook subscriptions and the outbox of their messages.

A message is a row of `webhook_messages` per subscription, written in the transaction
of the change it tells of (so a crash never loses one nor invents one) and then sent by
`segmint.activate.webhooks` until it is delivered or given up (the dead letters, which
can be sent again). The message id is stable across attempts: receivers de-duplicate by
it. Secrets are kept to sign with and never listed.

They are made by `segmint.store.webhook_messages`; this module keeps the subscriptions and
what became of each message.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.core.errors import NotFoundError
from segmint.store import audit
from segmint.store.engine import Store

KEEP_DELIVERED = dt.timedelta(days=30)  # then a delivered message is forgotten


class Subscription(BaseModel):
    """A subscription as listed: never its secrets."""

    model_config = ConfigDict(frozen=True)

    subscription_id: str
    url: str
    events: list[str]
    batch: int  # changes per message; 1: a message per change
    segments: list[str] | None  # segment.entered/left of these segments only (None: all)
    created_at: dt.datetime
    created_by: str
    removed_at: dt.datetime | None
    removed_by: str | None


class Message(BaseModel):
    """A message waiting in the outbox, or one delivered or given up."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    subscription_id: str
    event: str
    body: str
    created_at: dt.datetime
    attempts: int
    next_at: dt.datetime | None
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    last_error: str | None


class Outcome(BaseModel):
    """What became of one attempt to send a message (`record` writes many at once)."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    delivered_at: dt.datetime | None = None
    next_at: dt.datetime | None = None  # tried again then
    dead_at: dt.datetime | None = None
    error: str | None = None


Due = tuple[Message, str, list[str]]  # a message due, its target URL, its signing secrets

# The columns read, in the order of the models' fields (zipped back into them).
_SUBSCRIPTION = ", ".join(Subscription.model_fields)
_MESSAGE = ", ".join(Message.model_fields)


def add(
    engine: Store,
    *,
    url: str,
    events: list[str],
    batch: int,
    segments: list[str] | None,
    secret: str,
    actor: str,
) -> Subscription:
    """Keep a new subscription (its target and events checked by the caller); audited."""
    subscription_id = "sub_" + secrets.token_hex(4)
    with engine.transaction():
        engine.execute(
            """INSERT INTO webhook_subscriptions (subscription_id, url, events, batch,
                segments, secrets, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                subscription_id,
                url,
                json.dumps(events),
                batch,
                None if segments is None else json.dumps(segments, ensure_ascii=False),
                _keys([(secret, None)]),
                dt.datetime.now(dt.UTC),
                actor,
            ],
        )
        audit.record(
            engine,
            "webhook_add",
            target=f"subscription {subscription_id}",
            actor=actor,
            details={"url": url, "events": events, "batch": batch, "segments": segments},
        )
    return get(engine, subscription_id)


def rotate(
    engine: Store, subscription_id: str, *, secret: str, old_until: dt.datetime, actor: str
) -> Subscription:
    """Sign with `secret` from now on, and with the older secrets until `old_until`; audited."""
    found = get(engine, subscription_id)
    now = dt.datetime.now(dt.UTC)
    kept = [(key, min(until or old_until, old_until)) for key, until in _secrets(engine, found)]
    live = [(key, until) for key, until in kept if until > now]
    with engine.transaction():
        engine.execute(
            "UPDATE webhook_subscriptions SET secrets = ? WHERE subscription_id = ?",
            [_keys([(secret, None), *live]), subscription_id],
        )
        audit.record(
            engine,
            "webhook_rotate",
            target=f"subscription {subscription_id}",
            actor=actor,
            details={"old_secrets_until": old_until.isoformat()},
        )
    return found


def _secrets(engine: Store, found: Subscription) -> list[tuple[str, dt.datetime | None]]:
    text = engine.scalar(
        "SELECT secrets FROM webhook_subscriptions WHERE subscription_id = ?",
        [found.subscription_id],
    )
    return [
        (k["key"], None if k["until"] is None else dt.datetime.fromisoformat(k["until"]))
        for k in json.loads(str(text))
    ]


def _keys(keys: Sequence[tuple[str, dt.datetime | None]]) -> str:
    """Secrets as kept: newest first, each with the moment it stops signing (or null)."""
    return json.dumps([{"key": k, "until": None if u is None else u.isoformat()} for k, u in keys])


def signing_keys(text: str, *, now: dt.datetime) -> list[str]:
    """The secrets of `text` (as `_keys` keeps them) that still sign at `now`."""
    return [
        k["key"]
        for k in json.loads(text)
        if k["until"] is None or dt.datetime.fromisoformat(k["until"]) > now
    ]


def listed(engine: Store) -> list[Subscription]:
    """Every subscription, newest first, removed ones too."""
    rows = engine.rows(
        f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions ORDER BY created_at DESC"
    )
    return [_subscription(r) for r in rows]


def get(engine: Store, subscription_id: str) -> Subscription:
    """One subscription by id.

    Raises
    ------
    NotFoundError
        No such subscription (``webhook.no_subscription``).
    """
    rows = engine.rows(
        f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions WHERE subscription_id = ?",
        [subscription_id],
    )
    if not rows:
        raise NotFoundError("webhook.no_subscription", subscription=subscription_id)
    return _subscription(rows[0])


def remove(engine: Store, subscription_id: str, *, actor: str) -> Subscription:
    """Stop a subscription: its waiting messages are given up with it; audited."""
    found = get(engine, subscription_id)
    if found.removed_at is not None:
        return found
    now = dt.datetime.now(dt.UTC)
    with engine.transaction():
        engine.execute(
            "UPDATE webhook_subscriptions SET removed_at = ?, removed_by = ? "
            "WHERE subscription_id = ?",
            [now, actor, subscription_id],
        )
        engine.execute(
            "UPDATE webhook_messages SET dead_at = ?, next_at = NULL, "
            "last_error = 'subscription removed' "
            "WHERE subscription_id = ? AND delivered_at IS NULL AND dead_at IS NULL",
            [now, subscription_id],
        )
        audit.record(
            engine,
            "webhook_remove",
            target=f"subscription {subscription_id}",
            actor=actor,
            details={"url": found.url},
        )
    return get(engine, subscription_id)


def due(engine: Store, *, now: dt.datetime, limit: int) -> list[Due]:
    """Messages due by `now`, in the order made, with their target and signing secrets.

    Each as (message, the subscription's URL, the secrets that sign at `now`).
    """
    columns = ", ".join(f"m.{c}" for c in Message.model_fields)
    rows = engine.rows(
        f"""SELECT {columns}, s.url, s.secrets
        FROM webhook_messages m JOIN webhook_subscriptions s USING (subscription_id)
        WHERE m.delivered_at IS NULL AND m.dead_at IS NULL AND m.next_at <= ?
        ORDER BY m.next_at, m.seq LIMIT ?""",
        [now, limit],
    )
    return [(_message(r[:-2]), str(r[-2]), signing_keys(str(r[-1]), now=now)) for r in rows]


def record(engine: Store, outcomes: Sequence[Outcome], *, now: dt.datetime) -> None:
    """Write what became of each attempt, in one statement; forget old delivered ones."""
    if not outcomes:
        return
    table = pa.Table.from_pylist(
        [o.model_dump() for o in outcomes],
        schema=pa.schema(
            [
                ("message_id", pa.string()),
                ("delivered_at", pa.timestamp("us", "UTC")),
                ("next_at", pa.timestamp("us", "UTC")),
                ("dead_at", pa.timestamp("us", "UTC")),
                ("error", pa.string()),
            ]
        ),
    )
    with engine.registered("_outcomes", table), engine.transaction():
        engine.execute(
            """UPDATE webhook_messages m SET attempts = m.attempts + 1,
                delivered_at = o.delivered_at, next_at = o.next_at, dead_at = o.dead_at,
                last_error = o.error
            FROM _outcomes o WHERE m.message_id = o.message_id
                AND m.delivered_at IS NULL AND m.dead_at IS NULL"""
        )
        engine.execute(
            "DELETE FROM webhook_messages WHERE delivered_at < ?", [now - KEEP_DELIVERED]
        )


def dead_letters(engine: Store) -> list[Message]:
    """The messages given up, newest first."""
    rows = engine.rows(
        f"SELECT {_MESSAGE} FROM webhook_messages WHERE dead_at IS NOT NULL "
        "ORDER BY dead_at DESC, message_id"
    )
    return [_message(r) for r in rows]


def replay(engine: Store, message_id: str, *, now: dt.datetime) -> None:
    """Send a dead letter again (same id: a receiver that has it ignores it)."""
    queued = engine.rows(
        "UPDATE webhook_messages SET dead_at = NULL, next_at = ? "
        "WHERE message_id = ? AND dead_at IS NOT NULL RETURNING message_id",
        [now, message_id],
    )
    if not queued:
        raise NotFoundError("webhook.no_dead_letter", message=message_id)


def _subscription(row: tuple[object, ...]) -> Subscription:
    fields = dict(zip(Subscription.model_fields, row, strict=True))
    fields["events"] = json.loads(str(fields["events"]))
    if fields["segments"] is not None:
        fields["segments"] = json.loads(str(fields["segments"]))
    return Subscription.model_validate(fields)


def _message(row: tuple[object, ...]) -> Message:
    return Message.model_validate(dict(zip(Message.model_fields, row, strict=True)))
