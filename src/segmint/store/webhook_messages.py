"""The outbox's messages, made in the transaction of the change they tell of.

The messages of a run or a live update are made in the database in one statement from
what it logged (`membership_changes`, the alerts it raised), so telling a hundred
thousand changes costs one query, not one per change; one per live subscription to the
event, or `batch` changes per message. Their shapes are version 1 of docs/webhooks.md.
`segmint.store.webhooks` keeps the subscriptions and what became of each message.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence

import pyarrow as pa

from segmint.store.engine import Store

VERSION = 1  # of the messages' shapes


# What a run or an update tells, one row per change: (event, segment, data, customer_id).
# Parameters: $1 the run, $2 the update (NULL for the run itself), $3 what raised alerts
# ("run 7", "update 12"). A tier or stage change is the pair (left the old, entered the
# new) of one customer; either half alone is a change from or to none.
_CHANGES = """
    WITH c AS (
        SELECT m.customer_id, m.entered, m.cause, s.name, s.kind, s.family, s."key"
        FROM membership_changes m JOIN segments s USING (segment_id)
        WHERE m.run_id = $1 AND m.update_id IS NOT DISTINCT FROM $2)
    SELECT CASE WHEN entered THEN 'segment.entered' ELSE 'segment.left' END AS event,
        name AS segment,
        json_object('customer_id', customer_id, 'segment', name, 'kind', kind,
            'cause', cause, 'run_id', $1, 'update_id', $2) AS data,
        customer_id
    FROM c
    UNION ALL
    SELECT family || '.changed', NULL,
        json_object('customer_id', customer_id,
            'from', max("key") FILTER (WHERE NOT entered),
            'to', max("key") FILTER (WHERE entered),
            'cause', any_value(cause), 'run_id', $1, 'update_id', $2),
        customer_id
    FROM c WHERE family IN ('tier', 'stage') GROUP BY family, customer_id
    UNION ALL
    SELECT 'alert.raised', NULL,
        json_object('alert_id', alert_id, 'customer_id', customer_id, 'reason', reason,
            'subject', subject, 'severity', severity, 'params', json(params),
            'run_id', $1, 'update_id', $2),
        customer_id
    FROM alerts WHERE raised_by = $3"""

# Every live subscription's messages of the items (event, segment, data, customer_id) in
# _items: one per item, or `batch` items per message, numbered in order (`seq`, the order
# each subscription's are sent in; the subscriptions' interleaved, so that a pass of
# delivery sends to all of them side by side). $1 a random prefix of the ids (12 hex
# digits), $2 the moment (TIMESTAMPTZ), $3 the same as text for the bodies, $4 the shapes'
# version. The body is put together as text: its parts are JSON already, or ids and names
# of ours that need no escaping (a third faster than json_object at a million messages).
_FAN_OUT = """
    INSERT INTO webhook_messages BY NAME
    WITH subs AS (
        SELECT subscription_id, batch, from_json(events, '["VARCHAR"]') AS events,
            from_json(segments, '["VARCHAR"]') AS segments
        FROM webhook_subscriptions WHERE removed_at IS NULL),
    fanned AS (
        SELECT s.subscription_id, s.batch, i.event, i.data, row_number() OVER (
            PARTITION BY s.subscription_id ORDER BY i.customer_id, i.event, i.segment) - 1 AS n
        FROM _items i JOIN subs s ON list_contains(s.events, i.event)
            AND (i.segment IS NULL OR s.segments IS NULL OR list_contains(s.segments, i.segment))),
    singles AS (
        SELECT subscription_id, n AS chunk, event AS type, data FROM fanned WHERE batch = 1),
    batches AS (
        SELECT subscription_id, n // batch AS chunk, 'batch' AS type,
            json_object('count', count(*), 'events',
                to_json(list(json_object('type', event, 'data', data) ORDER BY n))) AS data
        FROM fanned WHERE batch > 1 GROUP BY subscription_id, n // batch),
    numbered AS (
        SELECT *, row_number() OVER (ORDER BY chunk, subscription_id) AS k
        FROM (SELECT * FROM singles UNION ALL SELECT * FROM batches)),
    named AS (SELECT *, 'msg_' || $1 || lpad(format('{:x}', k), 12, '0') AS id FROM numbered)
    SELECT id AS message_id, subscription_id, type AS event,
        '{"version":' || $4 || ',"id":"' || id || '","type":"' || type
            || '","created_at":"' || $3 || '","data":' || CAST(data AS VARCHAR) || '}' AS body,
        $2 AS created_at, 0 AS attempts, $2 AS next_at,
        (SELECT coalesce(max(seq), 0) FROM webhook_messages) + k AS seq
    FROM named"""


def enqueue_changes(engine: Store, *, run_id: int, update_id: int | None, now: dt.datetime) -> int:
    """The messages of what run `run_id` (or its update `update_id`) changed; how many.

    Called inside the transaction that logged the changes and raised the alerts.
    """
    if not _listening(engine):
        return 0
    by = f"run {run_id}" if update_id is None else f"update {update_id}"
    return _fan_out_of(engine, _CHANGES, [run_id, update_id, by], now=now)


def enqueue(engine: Store, event: str, data: dict[str, object], *, now: dt.datetime) -> int:
    """A message of `event` for every live subscription to it; how many.

    Called inside the transaction of the change the message tells of.
    """
    return enqueue_many(engine, event, [data], now=now)


def enqueue_many(
    engine: Store, event: str, data: Sequence[dict[str, object]], *, now: dt.datetime
) -> int:
    """The messages of `event`, one per item of `data` (or batched), for its subscribers."""
    if not data or not _listening(engine):
        return 0
    item = pa.table(
        {
            "event": [event] * len(data),
            "segment": pa.nulls(len(data), pa.string()),
            "data": [json.dumps(d, ensure_ascii=False, default=str) for d in data],
            "customer_id": [str(d.get("customer_id", "")) for d in data],
        }
    )
    with engine.registered("_item", item):
        items = "SELECT event, segment, json(data) AS data, customer_id FROM _item"
        return _fan_out_of(engine, items, [], now=now)


def _listening(engine: Store) -> bool:
    return bool(
        engine.scalar("SELECT count(*) FROM webhook_subscriptions WHERE removed_at IS NULL")
    )


def _fan_out_of(engine: Store, items: str, params: Sequence[object], *, now: dt.datetime) -> int:
    """The messages of the items `items` selects (as `_fan_out` reads them); how many."""
    engine.execute(f"CREATE OR REPLACE TEMP TABLE _items AS {items}", params)
    try:
        return _fan_out(engine, now=now)
    finally:
        engine.execute("DROP TABLE _items")


def _fan_out(engine: Store, *, now: dt.datetime) -> int:
    ((made,),) = engine.rows(_FAN_OUT, [secrets.token_hex(6), now, now.isoformat(), VERSION])
    return int(made)


def enqueue_for(
    engine: Store,
    subscription_id: str,
    event: str,
    data: dict[str, object],
    *,
    now: dt.datetime,
) -> str:
    """A single message of `event` for one subscription (a test message); its id."""
    message_id = "msg_" + secrets.token_hex(12)
    body = {"version": VERSION, "id": message_id, "type": event, "created_at": now.isoformat()}
    text = json.dumps({**body, "data": data}, ensure_ascii=False, separators=(",", ":"))
    engine.execute(
        """INSERT INTO webhook_messages
            (message_id, subscription_id, event, body, created_at, attempts, next_at, seq)
        SELECT ?, ?, ?, ?, ?, 0, ?, coalesce(max(seq), 0) + 1 FROM webhook_messages""",
        [message_id, subscription_id, event, text, now, now],
    )
    return message_id
