"""Webhooks delivered while `segmint serve` runs: the outbox is sent as it fills.

A pass reads the due messages on a reader's connection, sends them holding no turn (a
slow receiver never holds up an import or a run), then writes every outcome in one
short transaction in the writer's turn. Passes follow one another while messages are
due, else the courier looks again after `IDLE` seconds (retries come due by time, new
messages with the change that wrote them). Killed mid-pass, the server has recorded
nothing of it: those messages are sent again after a restart (at least once; receivers
de-duplicate by id).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from segmint.activate import webhooks

if TYPE_CHECKING:
    from segmint.api.app import _Served

log = logging.getLogger("segmint.api")

IDLE = 1.0  # seconds between looks at an empty outbox
PASS = 100  # messages per pass


class Courier:
    """Delivers the outbox of the server's workspace until stopped."""

    def __init__(self, served: _Served) -> None:
        self._served = served
        self._scope = anyio.CancelScope()
        self._rng = random.Random()  # noqa: S311 -- jitter of retries, not a secret

    def stop(self) -> None:
        """End the loop (at shutdown); a pass under way is not recorded."""
        self._scope.cancel()

    async def run(self) -> None:
        """Pass after pass until stopped; a failing pass is logged and tried again."""
        with self._scope, webhooks.client() as client:
            while True:
                try:
                    sent = await self._pass(client)
                except Exception:  # the messages stay due: the next pass tries them
                    log.exception("a webhook delivery pass failed")
                    sent = 0
                if sent < PASS:
                    await anyio.sleep(IDLE)

    async def _pass(self, client: webhooks.Client) -> int:
        served = self._served
        now = dt.datetime.now(dt.UTC)
        async with served.readers.lent() as reader:
            picked = await anyio.to_thread.run_sync(
                lambda: reader.due_webhooks(now=now, limit=PASS)
            )
        if not picked:
            return 0
        settings = served.workspace.settings
        outcomes = await anyio.to_thread.run_sync(
            lambda: webhooks.send(picked, settings, now=now, client=client, rng=self._rng)
        )
        async with served.writer() as workspace:
            await anyio.to_thread.run_sync(lambda: workspace.record_webhooks(outcomes, now=now))
        return len(picked)
