"""The messages of what runs and live updates change, written in the change's transaction.

Witnesses: the two runs' snapshots read with pandas (who changed tier or stage, who
entered or left tier A), the alerts the run raised, the live view's tiers before and
after an import, and a run killed between writing its messages and committing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from standardwebhooks.webhooks import Webhook

from segmint.store import snapshots
from segmint.workspace import Workspace
from tests.activate.test_webhooks import allow_loopback, receiving
from tests.conftest import built_demo, copied, write_csv

EARLY, LATE = dt.date(2026, 3, 31), dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return built_demo(tmp_path_factory, "changes", customers=600, seed=21, as_of=EARLY)


@pytest.fixture
def folder(made, tmp_path):
    copy = copied(made, tmp_path)
    allow_loopback(copy)
    return copy


def _told(receiver, path: str, secret: str) -> list[dict]:
    """The bodies `path` received, each signature verified with `secret`."""
    verifier = Webhook(secret)
    return [
        verifier.verify(body, headers)
        for (_, headers, body), at in zip(receiver.got, receiver.paths, strict=True)
        if at == path
    ]


def _items(bodies: list[dict]) -> list[tuple[str, dict]]:
    """(type, data) of every change told, batches opened."""
    found = []
    for body in bodies:
        if body["type"] == "batch":
            assert body["data"]["count"] == len(body["data"]["events"])
            found += [(e["type"], e["data"]) for e in body["data"]["events"]]
        else:
            found.append((body["type"], body["data"]))
    return found


def _label(value) -> str | None:
    return None if pd.isna(value) else str(value)


def _moves(before: pd.DataFrame, after: pd.DataFrame, column: str) -> set[tuple]:
    """(customer, from, to) of every customer whose `column` differs; None: not there."""
    joined = before[[column]].join(after[[column]], how="outer", lsuffix="_a", rsuffix="_b")
    return {(c, _label(a), _label(b)) for c, a, b in joined.itertuples() if _label(a) != _label(b)}


def test_a_run_tells_each_change_of_tier_stage_and_segment_and_each_alert(folder):
    with receiving([]) as receiver, Workspace(folder) as ws:
        _, entries = ws.add_webhook(
            receiver.url + "/a",
            events=["segment.entered", "segment.left"],
            segments=["tier.A"],
        )
        _, moves = ws.add_webhook(
            receiver.url + "/b",
            events=["tier.changed", "stage.changed", "alert.raised"],
            batch=50,
        )
        first = snapshots.snapshot(ws.engine, ws.runs()[0].run_id).to_pandas()
        run = ws.run(as_of=LATE)
        second = snapshots.snapshot(ws.engine, run.run_id).to_pandas()
        raised = {
            int(a)
            for (a,) in ws.engine.rows(
                "SELECT alert_id FROM alerts WHERE raised_by = ?", [f"run {run.run_id}"]
            )
        }
        done = ws.deliver_webhooks()
        waiting = ws.engine.scalar(
            "SELECT count(*) FROM webhook_messages WHERE delivered_at IS NULL"
        )
    before, after = first.set_index("customer_id"), second.set_index("customer_id")
    tiers, stages = _moves(before, after, "tier"), _moves(before, after, "stage")
    assert len(tiers) > 20 and len(stages) > 20 and raised  # the witness has something to say

    told = _items(_told(receiver, "/hook/b", moves))
    assert {(d["customer_id"], d["from"], d["to"]) for t, d in told if t == "tier.changed"} == tiers
    assert {(d["customer_id"], d["from"], d["to"]) for t, d in told if t == "stage.changed"} == (
        stages
    )
    assert {d["alert_id"] for t, d in told if t == "alert.raised"} == raised
    assert len(told) == len(tiers) + len(stages) + len(raised)  # each once
    assert all(d["run_id"] == run.run_id and d["update_id"] is None for _, d in told)
    batches = _told(receiver, "/hook/b", moves)
    assert all(b["type"] == "batch" and b["data"]["count"] <= 50 for b in batches)
    assert len(batches) == -(-len(told) // 50)

    entered = {c for c, a, b in tiers if b == "A"}
    left = {c for c, a, b in tiers if a == "A"}
    singles = _told(receiver, "/hook/a", entries)
    assert {b["data"]["customer_id"] for b in singles if b["type"] == "segment.entered"} == entered
    assert {b["data"]["customer_id"] for b in singles if b["type"] == "segment.left"} == left
    assert len(singles) == len(entered) + len(left)
    assert {b["data"]["segment"] for b in singles} <= {"tier.A"}
    assert len({b["id"] for b in singles + batches}) == len(singles) + len(batches)
    assert done.delivered == len(singles) + len(batches) and waiting == 0


def test_a_backtest_tells_no_change(folder):
    with receiving([]) as receiver, Workspace(folder) as ws:
        ws.add_webhook(receiver.url, events=["tier.changed", "segment.entered"])
        ws.run(as_of=dt.date(2026, 1, 31))  # earlier than the current run: a backtest
        assert ws.deliver_webhooks().delivered == 0
    assert receiver.got == []


def test_an_import_tells_what_its_update_changed(folder):
    with receiving([]) as receiver, Workspace(folder) as ws:
        ws.run(as_of=LATE)
        _, secret = ws.add_webhook(receiver.url, events=["tier.changed", "segment.entered"])
        run_id = ws.runs()[0].run_id
        before = snapshots.snapshot(ws.engine, run_id).to_pandas().set_index("customer_id")
        quiet = before[(before.frequency == 1) & (before.tier != "A")].index[:4].tolist()
        path = write_csv(
            folder / "orders.csv",
            ["order_id", "customer_id", "ordered_at", "amount"],
            [[f"L{i}", c, "2026-06-30T12:00:00+08:00", "30000.00"] for i, c in enumerate(quiet)],
        )
        (update,) = ws.import_file("orders", path, today=LATE).view
        ws.deliver_webhooks()
    told = _items(_told(receiver, "/hook", secret))
    tiers = {(d["customer_id"], d["from"], d["to"]) for t, d in told if t == "tier.changed"}
    assert tiers == {(c, before.tier[c], "A") for c in quiet}
    assert {d["segment"] for t, d in told if t == "segment.entered"} >= {"tier.A"}
    assert {(d["cause"], d["update_id"]) for _, d in told} == {("update", update.update_id)}


def test_an_erased_customer_is_named_by_her_pseudonym_in_every_message(folder):
    with Workspace(folder) as ws:
        ws.add_webhook("http://127.0.0.1:9/hook", events=["tier.changed"], batch=10)
        ws.add_webhook("http://127.0.0.1:9/one", events=["tier.changed"])
        ws.run(as_of=LATE)
        (named,) = ws.engine.rows(
            "SELECT body FROM webhook_messages WHERE event = 'tier.changed' LIMIT 1"
        )[0]
        customer = json.loads(named)["data"]["customer_id"]
        gone = ws.erase_customer(customer, actor="test")
        bodies = [b for (b,) in ws.engine.rows("SELECT body FROM webhook_messages")]
    assert not any(f'"{customer}"' in b for b in bodies)
    assert sum(f'"{gone.pseudonym}"' in b for b in bodies) == 2  # a single, a batch
    assert gone.rows["webhook_messages"] == 2


KILL_AFTER_MESSAGES = textwrap.dedent(
    """
    import os, signal, sys
    from segmint.store import webhook_messages
    from segmint.workspace import Workspace

    original = webhook_messages._fan_out
    def fan_out_then_die(engine, **how):
        made = original(engine, **how)
        if made > 1:  # the changes' messages are in, the run is not committed
            os.kill(os.getpid(), signal.SIGKILL)
        return made
    webhook_messages._fan_out = fan_out_then_die
    Workspace(sys.argv[1]).run(as_of=sys.argv[2])
    """
)


def test_a_run_killed_after_writing_its_messages_leaves_none(folder):
    with Workspace(folder) as ws:
        ws.add_webhook("http://127.0.0.1:9/hook", events=["tier.changed"])
        runs = ws.runs()
    done = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_MESSAGES, str(folder), LATE.isoformat()],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == -9, done.stderr
    with Workspace(folder) as ws:
        assert ws.runs() == runs
        assert ws.engine.scalar("SELECT count(*) FROM webhook_messages") == 0
        again = ws.run(as_of=LATE)  # and the run, done again, tells once
        told = ws.engine.rows("SELECT DISTINCT body::JSON->'data'->>'run_id' FROM webhook_messages")
    assert told == [(str(again.run_id),)]
