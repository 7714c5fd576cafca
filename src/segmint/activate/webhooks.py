"""Webhook delivery: the outbox's due messages, signed and sent, retried, or given up.

At least once: a message stays in the outbox until a receiver answers 2xx. Connection
errors, timeouts, 408, 429 and 5xx are tried again after an exponential backoff with
jitter (`backoff`), or after the receiver's ``Retry-After`` when that is longer; any
other answer, or still failing `GIVE_UP_AFTER` after the message was made, moves it to
the dead letters (`segmint webhook dead`, sent again with `replay`). Each send checks
the target again (`targets.check`): DNS may have moved the name since it was added.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random

import httpx2
from pydantic import BaseModel, ConfigDict

from segmint.activate import signing, targets
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.store import webhooks as outbox
from segmint.store.duckdb import DuckDBEngine

EVENTS = (
    "segment.entered",
    "segment.left",
    "tier.changed",
    "stage.changed",
    "alert.raised",
    "run.finished",
)
TEST_EVENT = "webhook.test"
RETRIED = frozenset({408, 429}) | frozenset(range(500, 600))
FIRST_WAIT = dt.timedelta(seconds=5)
LONGEST_WAIT = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(days=3)
TIMEOUT_SECONDS = 10.0


class Delivery(BaseModel):
    """What one pass over the outbox did."""

    model_config = ConfigDict(frozen=True)

    delivered: int
    retried: int
    given_up: int


def subscribe(
    engine: DuckDBEngine, settings: Settings, url: str, *, events: list[str], actor: str
) -> tuple[outbox.Subscription, str]:
    """Subscribe `url` (checked by `targets.check`) to `events`; it and its new secret.

    Raises
    ------
    InputError
        The target may not be sent to, or an event is none of `EVENTS`
        (``webhook.no_events``, ``webhook.unknown_event``).
    """
    targets.check(url, allowed_hosts=settings.webhooks.allowed_hosts)
    known = ", ".join(EVENTS)
    if not events:
        raise InputError("webhook.no_events", location=Location(field="on"), known=known)
    for event in events:
        if event not in EVENTS:
            raise InputError(
                "webhook.unknown_event", location=Location(field="on"), event=event, known=known
            )
    secret = signing.new_secret()
    made = outbox.add(
        engine, url=url, events=sorted(set(events)), batch=1, secret=secret, actor=actor
    )
    return made, secret


def backoff(attempts: int, *, rng: random.Random) -> dt.timedelta:
    """The wait after `attempts` failed attempts: doubling from 5 s to an hour, ±20 %."""
    wait: dt.timedelta = min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)
    return wait * rng.uniform(0.8, 1.2)


def retry_after(value: str | None, *, now: dt.datetime) -> dt.timedelta | None:
    """A ``Retry-After`` header as a wait: seconds, or an HTTP date; None if absent or bad."""
    if not value:
        return None
    if value.strip().isdigit():
        return dt.timedelta(seconds=int(value.strip()))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when - now, dt.timedelta(0)) if when.tzinfo else None


def deliver(
    engine: DuckDBEngine,
    settings: Settings,
    *,
    now: dt.datetime,
    client: httpx2.Client,
    rng: random.Random,
    limit: int = 100,
) -> Delivery:
    """Send the messages due by `now` (at most `limit`); record each outcome."""
    counts = {"delivered": 0, "retried": 0, "given_up": 0}
    for message, url, keys in outbox.due(engine, now=now, limit=limit):
        outcome = _send(engine, settings, message, url, keys, now=now, client=client, rng=rng)
        counts[outcome] += 1
    return Delivery(**counts)


def _send(
    engine: DuckDBEngine,
    settings: Settings,
    message: outbox.Message,
    url: str,
    keys: list[str],
    *,
    now: dt.datetime,
    client: httpx2.Client,
    rng: random.Random,
) -> str:
    try:
        targets.check(url, allowed_hosts=settings.webhooks.allowed_hosts)
    except InputError as exc:  # a target that became private is not tried again
        outbox.give_up(engine, message.message_id, now=now, error=exc.message)
        return "given_up"
    body = message.body.encode()
    sent = signing.headers(
        keys,
        message_id=message.message_id,
        timestamp=int(now.timestamp()),
        body=body,
    )
    try:
        answer = client.post(
            url, content=body, headers={**sent, "content-type": "application/json"}
        )
    except (httpx2.TimeoutException, httpx2.TransportError) as exc:
        return _failed(engine, message, error=type(exc).__name__, wait=None, now=now, rng=rng)
    if 200 <= answer.status_code < 300:
        outbox.delivered(engine, message.message_id, now=now)
        return "delivered"
    error = f"HTTP {answer.status_code}"
    if answer.status_code not in RETRIED:
        outbox.give_up(engine, message.message_id, now=now, error=error)
        return "given_up"
    wait = retry_after(answer.headers.get("retry-after"), now=now)
    return _failed(engine, message, error=error, wait=wait, now=now, rng=rng)


def _failed(
    engine: DuckDBEngine,
    message: outbox.Message,
    *,
    error: str,
    wait: dt.timedelta | None,
    now: dt.datetime,
    rng: random.Random,
) -> str:
    """Try again later, or give up once the message is too old."""
    at = now + max(backoff(message.attempts + 1, rng=rng), wait or dt.timedelta(0))
    if at - message.created_at > GIVE_UP_AFTER:
        outbox.give_up(engine, message.message_id, now=now, error=error)
        return "given_up"
    outbox.retry(engine, message.message_id, at=at, error=error)
    return "retried"


def client() -> httpx2.Client:
    """The HTTP client deliveries use: a timeout, no redirects (a redirect is an answer)."""
    return httpx2.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
