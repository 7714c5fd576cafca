"""The workspace's methods for webhooks: subscriptions, delivery, dead letters.

A part of `Workspace` kept in its own module; the work is `segmint.store.webhooks`'s
(the outbox) and `segmint.activate.webhooks`'s (sending).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from segmint.core.config import Settings
from segmint.core.errors import InputError, Location

if TYPE_CHECKING:
    from segmint.activate.webhooks import Delivery
    from segmint.store.duckdb import DuckDBEngine
    from segmint.store.webhooks import Message, Subscription


class WebhookMethods:
    """`Workspace`'s methods for webhooks (it provides settings and engine)."""

    settings: Settings

    @property
    def engine(self) -> DuckDBEngine:
        """The database connection (`Workspace.engine`)."""
        raise NotImplementedError

    def add_webhook(
        self, url: str, *, events: list[str], actor: str = "python"
    ) -> tuple[Subscription, str]:
        """Subscribe `url` to `events`; return it and its ``whsec_`` secret (shown once).

        The URL must lead to public addresses only, or to a host listed in ``[webhooks]
        allowed_hosts``; it is checked again before every send. Audited.
        """
        from segmint.activate import webhooks

        return webhooks.subscribe(self.engine, self.settings, url, events=events, actor=actor)

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
        from segmint.activate.webhooks import TEST_EVENT
        from segmint.store import webhooks

        moment = now or dt.datetime.now(dt.UTC)
        found = webhooks.get(self.engine, subscription_id)
        if found.removed_at is not None:
            raise InputError(
                "webhook.removed", location=Location(field="id"), subscription=subscription_id
            )
        webhooks.enqueue_for(
            self.engine,
            subscription_id,
            TEST_EVENT,
            {"subscription_id": subscription_id},
            now=moment,
        )
        return self.deliver_webhooks(now=moment)

    def deliver_webhooks(
        self, *, now: dt.datetime | None = None, limit: int = 100, seed: int | None = None
    ) -> Delivery:
        """Send the messages due now (at most `limit`), as `segmint webhook deliver` does."""
        from segmint.activate import webhooks

        with webhooks.client() as client:
            return webhooks.deliver(
                self.engine,
                self.settings,
                now=now or dt.datetime.now(dt.UTC),
                client=client,
                rng=random.Random(seed),  # noqa: S311 -- jitter of retries, not a secret
                limit=limit,
            )

    def dead_letters(self) -> list[Message]:
        """The messages given up, newest first: inspect them, then `replay_webhook`."""
        from segmint.store import webhooks

        return webhooks.dead_letters(self.engine)

    def replay_webhook(self, message_id: str, *, now: dt.datetime | None = None) -> None:
        """Queue a dead letter again under its own id (receivers de-duplicate by it)."""
        from segmint.store import webhooks

        webhooks.replay(self.engine, message_id, now=now or dt.datetime.now(dt.UTC))
