"""Webhook subscriptions and the outbox of their messages.

A message is a row of `webhook_messages` per subscription, written in the transaction
of the change it tells of (so a crash never loses one nor invents one) and then sent by
`segmint.activate.webhooks` until it is delivered or given up (the dead letters, which
can be sent again). The message id is stable across attempts: receivers de-duplicate by
it. Secrets are kept to sign with and never listed.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from pydantic import BaseModel, ConfigDict

from segmint.core.errors import NotFoundError
from segmint.store import audit
from segmint.store.duckdb import DuckDBEngine


class Subscription(BaseModel):
    """A subscription as listed: never its secrets."""

    model_config = ConfigDict(frozen=True)

    subscription_id: str
    url: str
    events: list[str]
    batch: int
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


# The columns read, in the order of the models' fields (zipped back into them).
_SUBSCRIPTION = ", ".join(Subscription.model_fields)
_MESSAGE = ", ".join(Message.model_fields)


def add(
    engine: DuckDBEngine, *, url: str, events: list[str], batch: int, secret: str, actor: str
) -> Subscription:
    """Keep a new subscription (its target and events checked by the caller); audited."""
    subscription_id = "sub_" + secrets.token_hex(4)
    with engine.transaction():
        engine.execute(
            "INSERT INTO webhook_subscriptions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [
                subscription_id,
                url,
                json.dumps(events),
                batch,
                json.dumps([secret]),
                dt.datetime.now(dt.UTC),
                actor,
            ],
        )
        audit.record(
            engine,
            "webhook_add",
            target=f"subscription {subscription_id}",
            actor=actor,
            details={"url": url, "events": events, "batch": batch},
        )
    return get(engine, subscription_id)


def listed(engine: DuckDBEngine) -> list[Subscription]:
    """Every subscription, newest first, removed ones too."""
    rows = engine.rows(
        f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions ORDER BY created_at DESC"
    )
    return [_subscription(r) for r in rows]


def get(engine: DuckDBEngine, subscription_id: str) -> Subscription:
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


def remove(engine: DuckDBEngine, subscription_id: str, *, actor: str) -> Subscription:
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


def enqueue(
    engine: DuckDBEngine, event: str, data: dict[str, object], *, now: dt.datetime
) -> list[str]:
    """A message of `event` for every live subscription to it; their ids.

    Called inside the transaction of the change the message tells of.
    """
    rows = engine.rows(
        "SELECT subscription_id, events FROM webhook_subscriptions WHERE removed_at IS NULL"
    )
    made = []
    for subscription_id, events in rows:
        if event in json.loads(events):
            made.append(_put(engine, subscription_id, event, data, now=now))
    return made


def enqueue_for(
    engine: DuckDBEngine,
    subscription_id: str,
    event: str,
    data: dict[str, object],
    *,
    now: dt.datetime,
) -> str:
    """A message of `event` for one subscription (a test message); its id."""
    with engine.transaction():
        return _put(engine, subscription_id, event, data, now=now)


def _put(
    engine: DuckDBEngine,
    subscription_id: str,
    event: str,
    data: dict[str, object],
    *,
    now: dt.datetime,
) -> str:
    message_id = "msg_" + secrets.token_hex(12)
    body = json.dumps(
        {
            "version": 1,
            "id": message_id,
            "type": event,
            "created_at": now.isoformat(),
            "data": data,
        },
        ensure_ascii=False,
        default=str,
    )
    engine.execute(
        "INSERT INTO webhook_messages VALUES (?, ?, ?, ?, ?, 0, ?, NULL, NULL, NULL)",
        [message_id, subscription_id, event, body, now, now],
    )
    return message_id


def due(
    engine: DuckDBEngine, *, now: dt.datetime, limit: int
) -> list[tuple[Message, str, list[str]]]:
    """Messages due by `now`, oldest first, with their target and signing secrets.

    Each as (message, the subscription's URL, its secrets newest first).
    """
    columns = ", ".join(f"m.{c}" for c in Message.model_fields)
    rows = engine.rows(
        f"""SELECT {columns}, s.url, s.secrets
        FROM webhook_messages m JOIN webhook_subscriptions s USING (subscription_id)
        WHERE m.delivered_at IS NULL AND m.dead_at IS NULL AND m.next_at <= ?
        ORDER BY m.created_at, m.message_id LIMIT ?""",
        [now, limit],
    )
    return [(_message(r[:-2]), str(r[-2]), list(json.loads(str(r[-1])))) for r in rows]


def delivered(engine: DuckDBEngine, message_id: str, *, now: dt.datetime) -> None:
    """Record a delivery (a 2xx answer)."""
    engine.execute(
        "UPDATE webhook_messages SET attempts = attempts + 1, delivered_at = ?, next_at = NULL, "
        "last_error = NULL WHERE message_id = ?",
        [now, message_id],
    )


def retry(engine: DuckDBEngine, message_id: str, *, at: dt.datetime, error: str) -> None:
    """Record a failed attempt to try again at `at`."""
    engine.execute(
        "UPDATE webhook_messages SET attempts = attempts + 1, next_at = ?, last_error = ? "
        "WHERE message_id = ?",
        [at, error, message_id],
    )


def give_up(engine: DuckDBEngine, message_id: str, *, now: dt.datetime, error: str) -> None:
    """Move a message to the dead letters."""
    engine.execute(
        "UPDATE webhook_messages SET attempts = attempts + 1, dead_at = ?, next_at = NULL, "
        "last_error = ? WHERE message_id = ?",
        [now, error, message_id],
    )


def dead_letters(engine: DuckDBEngine) -> list[Message]:
    """The messages given up, newest first."""
    rows = engine.rows(
        f"SELECT {_MESSAGE} FROM webhook_messages WHERE dead_at IS NOT NULL "
        "ORDER BY dead_at DESC, message_id"
    )
    return [_message(r) for r in rows]


def replay(engine: DuckDBEngine, message_id: str, *, now: dt.datetime) -> None:
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
    return Subscription.model_validate(fields)


def _message(row: tuple[object, ...]) -> Message:
    return Message.model_validate(dict(zip(Message.model_fields, row, strict=True)))
