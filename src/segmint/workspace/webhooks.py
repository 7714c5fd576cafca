"""The workspace's methods for webhooks: subscriptions, delivery, dead letters.

A part of `Workspace` kept in its own module; the work is `segmint.store.webhooks`'s
(the outbox) and `segmint.activate.webhooks`'s (sending).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from segmint.core.errors import InputError, Location
from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    from segmint.activate.webhooks import Delivery
    from segmint.store.webhooks import Due, Message, Outcome, Subscription


class WebhookMethods(WorkspacePart):
    """`Workspace`'s methods for webhooks (it provides settings and engine)."""

    def add_webhook(
        self,
        url: str,
        *,
        events: list[str],
        batch: int = 1,
        segments: list[str] | None = None,
        actor: str = "python",
    ) -> tuple[Subscription, str]:
        """Subscribe `url` to `events`; return it and its ``whsec_`` secret (shown once).

        `batch` changes travel in one message (1: one message each); `segments` limits
        ``segment.entered`` and ``segment.left`` to those segments. The URL must lead to
        public addresses only, or to a host listed in ``[webhooks] allowed_hosts``; it is
        checked again before every send. Audited.
        """
        from segmint.activate import webhooks

        return webhooks.subscribe(
            self.engine,
            self.settings,
            url,
            events=events,
            batch=batch,
            segments=segments,
            actor=actor,
        )

    def rotate_webhook_secret(
        self, subscription_id: str, *, keep_old_hours: float = 24.0, actor: str = "python"
    ) -> tuple[Subscription, str]:
        """A new signing secret for a subscription (returned, shown once); audited.

        The old one signs beside it for `keep_old_hours` more, while the receiver
        changes over.
        """
        from segmint.activate import webhooks

        return webhooks.rotate(
            self.engine,
            subscription_id,
            keep_old=dt.timedelta(hours=keep_old_hours),
            actor=actor,
        )

    def webhooks(self) -> list[Subscription]:
        """Every subscription, newest first, removed ones too; never a secret."""
        from segmint.store import webhooks

        return webhooks.listed(self.engine)

    def remove_webhook(self, subscription_id: str, *, actor: str = "python") -> Subscription:
        """Stop a subscription; its waiting messages are given up with it. Audited."""
        from segmint.store import webhooks

        return webhooks.remove(self.engine, subscription_id, actor=actor)

    def test_webhook(self, subscription_id: str, *, now: dt.datetime | None = None) -> Delivery:
        """Queue a ``webhook.test`` message for one subscription and deliver what is due."""
        moment = now or dt.datetime.now(dt.UTC)
        self.queue_test_webhook(subscription_id, now=moment)
        return self.deliver_webhooks(now=moment)

    def queue_test_webhook(self, subscription_id: str, *, now: dt.datetime | None = None) -> str:
        """Queue a ``webhook.test`` message for one subscription; its id."""
        from segmint.activate.webhooks import TEST_EVENT
        from segmint.store import webhook_messages, webhooks

        found = webhooks.get(self.engine, subscription_id)
        if found.removed_at is not None:
            raise InputError(
                "webhook.removed", location=Location(field="id"), subscription=subscription_id
            )
        return webhook_messages.enqueue_for(
            self.engine,
            subscription_id,
            TEST_EVENT,
            {"subscription_id": subscription_id},
            now=now or dt.datetime.now(dt.UTC),
        )

    def deliver_webhooks(
        self, *, now: dt.datetime | None = None, limit: int = 100, seed: int | None = None
    ) -> Delivery:
        """Send every message due now, `limit` at a time, as `segmint webhook deliver` does.

        A message tried and failed waits for its next attempt: it is not due again within
        the same call, which therefore ends.
        """
        from segmint.activate import webhooks

        moment = now or dt.datetime.now(dt.UTC)
        rng = random.Random(seed)  # noqa: S311 -- jitter of retries, not a secret
        passes = []
        with webhooks.client() as client:
            while True:
                done = webhooks.deliver(
                    self.engine, self.settings, now=moment, client=client, rng=rng, limit=limit
                )
                passes.append(done)
                if done.delivered + done.retried + done.given_up < limit:
                    return webhooks.Delivery.total(passes)

    def due_webhooks(self, *, now: dt.datetime, limit: int) -> list[Due]:
        """The messages due by `now` (at most `limit`), with their targets and secrets.

        With `record_webhooks`, a delivery pass in two short steps around the sending
        (`segmint.activate.webhooks.send`), as the server makes it without holding its
        writer's turn while receivers answer.
        """
        from segmint.store import webhooks

        return webhooks.due(self.engine, now=now, limit=limit)

    def record_webhooks(self, outcomes: Sequence[Outcome], *, now: dt.datetime) -> None:
        """Write what became of the attempts of a pass, in one transaction."""
        from segmint.store import webhooks

        webhooks.record(self.engine, outcomes, now=now)

    def dead_letters(self) -> list[Message]:
        """The messages given up, newest first: inspect them, then `replay_webhook`."""
        from segmint.store import webhooks

        return webhooks.dead_letters(self.engine)

    def replay_webhook(self, message_id: str, *, now: dt.datetime | None = None) -> None:
        """Queue a dead letter again under its own id (receivers de-duplicate by it)."""
        from segmint.store import webhooks

        webhooks.replay(self.engine, message_id, now=now or dt.datetime.now(dt.UTC))
