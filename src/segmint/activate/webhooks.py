"""Webhook delivery: the outbox's due messages, signed and sent, retried, or given up.

At least once: a message stays in the outbox until a receiver answers 2xx. Connection
errors, timeouts, 408, 429 and 5xx are tried again after an exponential backoff with
jitter (`backoff`), or after the receiver's ``Retry-After`` when that is longer; any
other answer, or still failing `GIVE_UP_AFTER` after the message was made, moves it to
the dead letters (`segmint webhook dead`, sent again with `replay`). Each pass checks
each target again before it sends to it (`targets.check`): DNS may have moved the name
since it was added.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx2
from pydantic import BaseModel, ConfigDict

from segmint.activate import signing, targets
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.segments import saved
from segmint.store import webhooks as outbox
from segmint.store.engine import Store

EVENTS = (
    "segment.entered",
    "segment.left",
    "tier.changed",
    "stage.changed",
    "alert.raised",
    "run.finished",
    "playbook.matched",
)
TEST_EVENT = "webhook.test"
RETRIED = frozenset({408, 429}) | frozenset(range(500, 600))
FIRST_WAIT = dt.timedelta(seconds=5)
LONGEST_WAIT = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(days=3)
TIMEOUT_SECONDS = 10.0
JITTER = 0.2
MAX_BATCH = 1000
SENDERS = 8  # subscriptions sent to at once: a slow receiver does not hold up the others


class Delivery(BaseModel):
    """What one pass over the outbox did."""

    model_config = ConfigDict(frozen=True)

    delivered: int
    retried: int
    given_up: int

    @classmethod
    def total(cls, passes: Sequence[Delivery]) -> Delivery:
        """The sum of several passes."""
        return cls(
            delivered=sum(p.delivered for p in passes),
            retried=sum(p.retried for p in passes),
            given_up=sum(p.given_up for p in passes),
        )


def subscribe(
    engine: Store,
    settings: Settings,
    url: str,
    *,
    events: list[str],
    batch: int = 1,
    segments: list[str] | None = None,
    actor: str,
) -> tuple[outbox.Subscription, str]:
    """Subscribe `url` (checked by `targets.check`) to `events`; it and its new secret.

    `batch` changes go in one message (1: a message each); `segments` limits
    ``segment.entered`` and ``segment.left`` to the segments of those names.

    Raises
    ------
    InputError
        The target may not be sent to, an event is none of `EVENTS`, a batch size is out
        of range or a segment is unknown (``webhook.no_events``, ``webhook.unknown_event``,
        ``webhook.bad_batch``, ``webhook.unknown_segment``).
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
    if not 1 <= batch <= MAX_BATCH:
        raise InputError(
            "webhook.bad_batch", location=Location(field="batch"), got=batch, most=MAX_BATCH
        )
    names = saved.known_names(engine, settings)
    for name in segments or ():
        if name not in names:
            raise InputError(
                "webhook.unknown_segment", location=Location(field="segment"), name=name
            )
    secret = signing.new_secret()
    made = outbox.add(
        engine,
        url=url,
        events=sorted(set(events)),
        batch=batch,
        segments=sorted(set(segments)) if segments else None,
        secret=secret,
        actor=actor,
    )
    return made, secret


def rotate(
    engine: Store, subscription_id: str, *, keep_old: dt.timedelta, actor: str
) -> tuple[outbox.Subscription, str]:
    """A new secret for a subscription: it and the secret (shown once).

    The old secrets sign beside it for `keep_old` more, while the receiver moves over.

    Raises
    ------
    NotFoundError
        No such subscription (``webhook.no_subscription``).
    InputError
        It was removed (``webhook.removed``).
    """
    found = outbox.get(engine, subscription_id)
    if found.removed_at is not None:
        raise InputError(
            "webhook.removed", location=Location(field="id"), subscription=subscription_id
        )
    secret = signing.new_secret()
    until = dt.datetime.now(dt.UTC) + keep_old
    outbox.rotate(engine, subscription_id, secret=secret, old_until=until, actor=actor)
    return found, secret


def backoff(attempts: int) -> dt.timedelta:
    """The wait after `attempts` failed attempts: doubling from 5 s to an hour.

    Each is then stretched by a random factor within ±`JITTER`, so that receivers that
    come back are not met by every sender at once.
    """
    wait: dt.timedelta = min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)
    return wait


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
    engine: Store,
    settings: Settings,
    *,
    now: dt.datetime,
    client: httpx2.Client,
    rng: random.Random,
    limit: int = 100,
) -> Delivery:
    """Send the messages due by `now` (at most `limit`); record each outcome."""
    picked = outbox.due(engine, now=now, limit=limit)
    outcomes = send(picked, settings, now=now, client=client, rng=rng)
    outbox.record(engine, outcomes, now=now)
    return tally(outcomes)


def send(
    picked: Sequence[outbox.Due],
    settings: Settings,
    *,
    now: dt.datetime,
    client: httpx2.Client,
    rng: random.Random,
) -> list[outbox.Outcome]:
    """Send `picked` (as `outbox.due` gives them); their outcomes, in the same order.

    Each subscription's messages go one after another in the order given (a receiver
    gets them in the order they were made, but for retries); `SENDERS` subscriptions
    are sent to at once, so a slow receiver does not hold up the others. Touches no
    database: the server sends without holding the writer's turn, then records the
    outcomes in one short write (`outbox.record`).
    """
    jitters = [rng.uniform(1 - JITTER, 1 + JITTER) for _ in picked]  # drawn in order
    queues: dict[str, list[int]] = {}
    for i, (message, _, _) in enumerate(picked):
        queues.setdefault(message.subscription_id, []).append(i)
    outcomes: list[outbox.Outcome | None] = [None] * len(picked)

    def send_queue(queue: list[int]) -> None:
        refused = _refused(picked[queue[0]][1], settings)  # once a pass: a DNS lookup each
        for i in queue:
            message, url, keys = picked[i]
            outcomes[i] = (
                outbox.Outcome(message_id=message.message_id, dead_at=now, error=refused)
                if refused is not None
                else _attempt(message, url, keys, now=now, client=client, jitter=jitters[i])
            )

    if len(queues) == 1:
        send_queue(next(iter(queues.values())))
    elif queues:
        with ThreadPoolExecutor(min(SENDERS, len(queues))) as pool:
            list(pool.map(send_queue, queues.values()))
    return [o for o in outcomes if o is not None]


def tally(outcomes: Sequence[outbox.Outcome]) -> Delivery:
    """How many of `outcomes` were delivered, will be tried again, were given up."""
    return Delivery(
        delivered=sum(o.delivered_at is not None for o in outcomes),
        retried=sum(o.next_at is not None for o in outcomes),
        given_up=sum(o.dead_at is not None for o in outcomes),
    )


def _refused(url: str, settings: Settings) -> str | None:
    """Why `url` may not be sent to now (`targets.check`), or None when it may."""
    try:
        targets.check(url, allowed_hosts=settings.webhooks.allowed_hosts)
    except InputError as exc:  # a target that became private is not tried again
        return exc.message
    return None


def _attempt(
    message: outbox.Message,
    url: str,
    keys: list[str],
    *,
    now: dt.datetime,
    client: httpx2.Client,
    jitter: float,
) -> outbox.Outcome:
    gone = outbox.Outcome(message_id=message.message_id, dead_at=now)
    body = message.body.encode()
    sent = signing.headers(
        keys,
        message_id=message.message_id,
        timestamp=int(time.time()),  # the moment of sending: receivers check it is recent
        body=body,
    )
    try:
        answer = client.post(
            url, content=body, headers={**sent, "content-type": "application/json"}
        )
    except (httpx2.TimeoutException, httpx2.TransportError) as exc:
        return _failed(message, error=type(exc).__name__, wait=None, now=now, jitter=jitter)
    if 200 <= answer.status_code < 300:
        return outbox.Outcome(message_id=message.message_id, delivered_at=now)
    error = f"HTTP {answer.status_code}"
    if answer.status_code not in RETRIED:
        return gone.model_copy(update={"error": error})
    wait = retry_after(answer.headers.get("retry-after"), now=now)
    return _failed(message, error=error, wait=wait, now=now, jitter=jitter)


def _failed(
    message: outbox.Message,
    *,
    error: str,
    wait: dt.timedelta | None,
    now: dt.datetime,
    jitter: float,
) -> outbox.Outcome:
    """Try again later, or give up once the message is too old."""
    at = now + max(backoff(message.attempts + 1) * jitter, wait or dt.timedelta(0))
    if at - message.created_at > GIVE_UP_AFTER:
        return outbox.Outcome(message_id=message.message_id, dead_at=now, error=error)
    return outbox.Outcome(message_id=message.message_id, next_at=at, error=error)


Client = httpx2.Client  # what `client` makes, named for the callers' type hints


def client() -> httpx2.Client:
    """The HTTP client deliveries use: a timeout, no redirects (a redirect is an answer)."""
    return httpx2.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
