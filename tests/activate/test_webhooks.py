"""Webhook delivery to a real receiver on 127.0.0.1: failures, waits asked for, recovery.

Witness: the receiver itself — what it got, in what order, and whether each signature
verifies with the `standardwebhooks` package; every message is answered 2xx once.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from standardwebhooks.webhooks import Webhook

from segmint.activate import webhooks as sending
from segmint.core.errors import InputError
from segmint.store import webhook_messages
from segmint.store import webhooks as outbox
from segmint.workspace import Workspace

JITTER = random.Random(1)  # noqa: S311 -- the retries' jitter, not a secret


class Receiver:
    """Answers each request with the next scripted (status, headers); then 200."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script = list(script)
        self.got: list[tuple[int, dict[str, str], bytes]] = []  # status answered, headers, body
        self.paths: list[str] = []  # of each request, in the same order
        self.url = ""

    @property
    def delivered(self) -> list[str]:
        """Message ids answered 2xx, in order."""
        return [h["webhook-id"] for status, h, _ in self.got if status == 200]


@contextmanager
def receiving(
    script: list[tuple[int, dict[str, str]]], *, delay: float = 0.0
) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 answering `script`, then 200; `delay` seconds per answer."""
    receiver = Receiver(script)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            time.sleep(delay)
            status, headers = receiver.script.pop(0) if receiver.script else (200, {})
            receiver.got.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
            receiver.paths.append(self.path)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def allow_loopback(folder) -> None:
    """Let the workspace in `folder` send webhooks to 127.0.0.1 (its segmint.toml)."""
    toml = folder / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    assert text.count("[webhooks]\n") == 1
    toml.write_text(
        text.replace("[webhooks]\n", '[webhooks]\nallowed_hosts = ["127.0.0.1"]\n'),
        encoding="utf-8",
    )


@pytest.fixture
def ws(tmp_path):
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    allow_loopback(folder)
    with Workspace(folder) as opened:
        yield opened


def _queue(ws, n: int, *, now: dt.datetime, event: str = "tier.changed") -> list[str]:
    """n messages of `event` for its subscribers; the ids of those made."""
    before = {m.message_id for m in _messages(ws)}
    with ws.engine.transaction():
        for i in range(n):
            webhook_messages.enqueue(ws.engine, event, {"customer_id": f"C{i}", "to": "A"}, now=now)
    return [m.message_id for m in _messages(ws) if m.message_id not in before]


def _deliver(ws, now: dt.datetime, *, timeout: float = 5.0) -> sending.Delivery:
    with httpx2.Client(timeout=timeout) as client:
        return sending.deliver(ws.engine, ws.settings, now=now, client=client, rng=JITTER)


def test_failures_and_a_wait_asked_for_end_in_each_message_delivered_once(ws):
    script = [(500, {}), (429, {"Retry-After": "30"})]
    with receiving(script) as receiver:
        made, secret = ws.add_webhook(receiver.url, events=["tier.changed"])
        t0 = dt.datetime.now(dt.UTC)
        ids = _queue(ws, 3, now=t0)
        assert _deliver(ws, t0) == sending.Delivery(delivered=1, retried=2, given_up=0)
        assert _deliver(ws, t0 + dt.timedelta(seconds=10)).delivered == 1  # the 500 one
        waiting = outbox.due(ws.engine, now=t0 + dt.timedelta(seconds=29), limit=10)
        assert waiting == []  # the 429 asked for 30 s, more than the backoff's 5 s
        assert _deliver(ws, t0 + dt.timedelta(seconds=31)).delivered == 1
        assert _deliver(ws, t0 + dt.timedelta(hours=2)) == sending.Delivery(
            delivered=0, retried=0, given_up=0
        )
    assert sorted(receiver.delivered) == sorted(ids) and len(receiver.delivered) == 3
    verifier = Webhook(secret)
    for _, headers, body in receiver.got:  # the failed attempts were signed too
        sent = verifier.verify(body, headers)
        assert sent["type"] == "tier.changed" and sent["id"] == headers["webhook-id"]
        assert sent["version"] == 1
    assert made.events == ["tier.changed"]


def test_a_receiver_that_is_down_or_slow_is_tried_again(ws):
    with receiving([]) as receiver:
        url = receiver.url
    ws.add_webhook(url, events=["run.finished"])  # the server is gone: connection refused
    t0 = dt.datetime.now(dt.UTC)
    (mid,) = _queue(ws, 1, now=t0, event="run.finished")
    assert _deliver(ws, t0, timeout=0.5).retried == 1
    (row,) = [m for m in _messages(ws) if m.message_id == mid]
    assert row.attempts == 1 and row.last_error == "ConnectError"
    assert row.next_at is not None and dt.timedelta(seconds=4) <= row.next_at - t0


def test_an_answer_not_worth_retrying_is_a_dead_letter_that_can_be_replayed(ws):
    with receiving([(404, {})]) as receiver:
        ws.add_webhook(receiver.url, events=["alert.raised"])
        t0 = dt.datetime.now(dt.UTC)
        (mid,) = _queue(ws, 1, now=t0, event="alert.raised")
        assert _deliver(ws, t0).given_up == 1
        (dead,) = ws.dead_letters()
        assert (dead.message_id, dead.last_error, dead.attempts) == (mid, "HTTP 404", 1)
        ws.replay_webhook(mid, now=t0)
        assert _deliver(ws, t0).delivered == 1
    assert receiver.delivered == [mid]  # the same id: a receiver that had it would skip it
    assert ws.dead_letters() == []


def test_a_message_failing_past_the_window_is_given_up(ws):
    with receiving([(503, {})] * 3) as receiver:
        ws.add_webhook(receiver.url, events=["tier.changed"])
        old = dt.datetime.now(dt.UTC) - sending.GIVE_UP_AFTER
        _queue(ws, 1, now=old)
        assert _deliver(ws, dt.datetime.now(dt.UTC)).given_up == 1
    (dead,) = ws.dead_letters()
    assert dead.last_error == "HTTP 503"


def test_private_targets_are_refused_when_added_and_when_sent(ws, tmp_path):
    with pytest.raises(InputError) as caught:
        ws.add_webhook("http://10.0.0.8/hook", events=["tier.changed"])
    assert caught.value.code == "webhook.private_address"
    with receiving([]) as receiver:
        ws.add_webhook(receiver.url, events=["tier.changed"])
        t0 = dt.datetime.now(dt.UTC)
        _queue(ws, 1, now=t0)
        strict = ws.settings.model_copy(
            update={"webhooks": ws.settings.webhooks.model_copy(update={"allowed_hosts": []})}
        )
        with httpx2.Client() as client:
            done = sending.deliver(ws.engine, strict, now=t0, client=client, rng=JITTER)
    assert done.given_up == 1 and receiver.got == []  # nothing was sent
    assert "not public" in (ws.dead_letters()[0].last_error or "")


@pytest.mark.parametrize(
    ("events", "code"), [([], "webhook.no_events"), (["tier.change"], "webhook.unknown_event")]
)
def test_events_are_checked(ws, events, code):
    with pytest.raises(InputError) as caught:
        ws.add_webhook("http://127.0.0.1:9/hook", events=events)
    assert caught.value.code == code and "tier.changed" in (caught.value.hint or "")


def test_removing_a_subscription_gives_up_its_waiting_messages_and_is_audited(ws):
    made, _ = ws.add_webhook("http://127.0.0.1:9/hook", events=["tier.changed"], actor="t")
    _queue(ws, 2, now=dt.datetime.now(dt.UTC))
    gone = ws.remove_webhook(made.subscription_id, actor="t")
    assert gone.removed_by == "t" and len(ws.dead_letters()) == 2
    actions = [(e.action, e.target) for e in ws.audit(limit=10)]
    assert ("webhook_remove", f"subscription {made.subscription_id}") in actions
    assert ("webhook_add", f"subscription {made.subscription_id}") in actions
    assert all("whsec_" not in json.dumps(e.model_dump(mode="json")) for e in ws.audit(limit=10))


def _messages(ws) -> list[outbox.Message]:
    fields = list(outbox.Message.model_fields)
    rows = ws.engine.rows(f"SELECT {', '.join(fields)} FROM webhook_messages")  # noqa: S608
    return [outbox.Message.model_validate(dict(zip(fields, r, strict=True))) for r in rows]


def test_a_run_tells_its_subscribers_when_it_is_kept(tmp_path_factory, tmp_path):
    """run.finished is written in the run's own transaction, for its subscribers alone."""
    from tests.conftest import built_demo, copied

    folder = copied(
        built_demo(tmp_path_factory, "hooks", customers=200, seed=6, as_of=dt.date(2026, 6, 30)),
        tmp_path,
    )
    allow_loopback(folder)
    with receiving([]) as receiver, Workspace(folder) as ws:
        _, secret = ws.add_webhook(receiver.url, events=["run.finished"])
        ws.add_webhook(receiver.url + "/tiers", events=["tier.changed"])  # not told
        kept = ws.run(as_of=dt.date(2026, 6, 30))
        backtest = ws.run(as_of=dt.date(2026, 3, 31))
        assert ws.deliver_webhooks().delivered == 2
    told = [Webhook(secret).verify(body, headers) for _, headers, body in receiver.got]
    assert [(m["type"], m["data"]["run_id"], m["data"]["current"]) for m in told] == [
        ("run.finished", kept.run_id, True),
        ("run.finished", backtest.run_id, False),
    ]
    assert told[0]["data"]["customers"] == kept.customers


def test_a_receiver_that_answers_too_late_gets_the_message_again_under_the_same_id(ws):
    """A timeout is a failure to the sender, though the receiver may have done the work:
    the message comes again with the same webhook-id, for the receiver to skip."""
    with receiving([], delay=0.6) as receiver:
        _, secret = ws.add_webhook(receiver.url, events=["tier.changed"])
        t0 = dt.datetime.now(dt.UTC)
        (mid,) = _queue(ws, 1, now=t0)
        assert _deliver(ws, t0, timeout=0.2).retried == 1
        (row,) = [m for m in _messages(ws) if m.message_id == mid]
        assert row.last_error == "ReadTimeout" and row.delivered_at is None
        assert _deliver(ws, t0 + dt.timedelta(seconds=10), timeout=5).delivered == 1
    ids = [headers["webhook-id"] for _, headers, _ in receiver.got]
    assert ids == [mid, mid]  # twice, de-duplicated by its id
    assert all(Webhook(secret).verify(body, headers) for _, headers, body in receiver.got)
