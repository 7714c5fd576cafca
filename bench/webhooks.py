"""Webhooks: delivery throughput to a local receiver, and the outbox's cost to a run.

Two parts, as in the issue:

(a) Delivery: messages sent to a receiver on 127.0.0.1 (a separate process: Python's
``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive, answering 200 at once), by
``Workspace.deliver_webhooks`` — read the due messages from the outbox, sign each
(Standard Webhooks), POST it, record the outcomes — side by side with the floor a
hand-written sender would hit: a plain loop signing the same bodies with the
``standardwebhooks`` package and POSTing them with one httpx2 client, recording
nothing. Four cases: one subscription with a message per change; one subscription
with 100 changes per message (``--batch 100``); eight subscriptions with a message per
change (sent to side by side); the same with a receiver that takes 20 ms to answer.
Each is timed with time.perf_counter from the first send to the last outcome recorded;
the messages are queued beforehand; the rounds alternate which side goes first.

(b) The outbox on a run: the full run of ``--customers`` generated customers (default
200,000) as of 2026-06-30 after one as of 2026-03-31, on two copies of one workspace:
one with no subscription, one subscribed to tier, stage and alert changes (what an
integrator usually asks), one subscribed to every event (a subscription with a message
per change and one batched by 100), so the run writes a message for each of its
membership changes in its own transaction. The run's time on each copy, alternated
over ``--rounds`` rounds, each in a fresh process; the ratio with/without is the
overhead. The goal the issue sets is to measure it on a run that changes at least
100,000 memberships: the count is printed.

Data: bench/.data/parquet-<customers>/ (as bench/run.py and bench/import.py make it),
imported once into bench/.data/hooks-<customers>/ws and run once as of 2026-03-31.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from environments import note
from run import DATA, count, full_data, measured_code, workspace

EARLY, LATE = dt.date(2026, 3, 31), dt.date(2026, 6, 30)
FAR = 0.02  # seconds a distant receiver takes to answer (a round trip across the country)
EVENTS = [
    "segment.entered",
    "segment.left",
    "tier.changed",
    "stage.changed",
    "alert.raised",
    "run.finished",
]
TYPICAL = ["tier.changed", "stage.changed", "alert.raised"]

RECEIVER = textwrap.dedent(
    """
    import http.server, sys, time

    DELAY = float(sys.argv[1])  # seconds before each answer: a receiver far away

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per sender

        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            time.sleep(DELAY)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)

# One measured run in a fresh process: argv[1] the workspace; prints seconds and counts.
RUN = textwrap.dedent(
    """
    import datetime as dt, json, sys, time
    from segmint.workspace import Workspace
    import segmint.pipeline.run  # what the run imports on first use, before the clock

    with Workspace(sys.argv[1]) as ws:
        started = time.perf_counter()
        done = ws.run(as_of=dt.date.fromisoformat(sys.argv[2]))
        seconds = time.perf_counter() - started
        changes = ws.engine.scalar(
            "SELECT count(*) FROM membership_changes WHERE run_id = ? AND cause = 'run'",
            [done.run_id],
        )
        messages = ws.engine.scalar("SELECT count(*) FROM webhook_messages")
    print(json.dumps({"seconds": seconds, "changes": changes, "messages": messages}))
    """
)


def allow_loopback(folder: Path) -> None:
    toml = folder / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    if 'allowed_hosts = ["127.0.0.1"]' not in text:
        text = text.replace("[webhooks]\n", '[webhooks]\nallowed_hosts = ["127.0.0.1"]\n')
        toml.write_text(text, encoding="utf-8")


# ---- (a) delivery ----------------------------------------------------------------------


def queue(ws, *, changes: int) -> None:
    """`changes` tier changes for the subscribers, in one transaction, as a run makes them."""
    from segmint.store import webhook_messages

    data: list[dict[str, object]] = [
        {"customer_id": f"C{i:07d}", "from": "B", "to": "A", "run_id": 2} for i in range(changes)
    ]
    with ws.engine.transaction():
        webhook_messages.enqueue_many(ws.engine, "tier.changed", data, now=dt.datetime.now(dt.UTC))


def plain_loop(ws) -> float:
    """Seconds for a hand-written sender: sign and POST every queued body, record nothing."""
    import httpx2
    from standardwebhooks.webhooks import Webhook

    from segmint.store import webhooks as outbox

    picked = outbox.due(ws.engine, now=dt.datetime.now(dt.UTC), limit=10**9)
    signers = {key: Webhook(key) for _, _, keys in picked for key in keys}
    started = time.perf_counter()
    with httpx2.Client(timeout=10) as client:
        for message, url, keys in picked:
            stamp = dt.datetime.now(dt.UTC)
            signature = signers[keys[0]].sign(message.message_id, stamp, message.body)
            headers = {
                "webhook-id": message.message_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": signature,
                "content-type": "application/json",
            }
            answer = client.post(url, content=message.body.encode(), headers=headers)
            assert answer.status_code == 200
    return time.perf_counter() - started


def delivery_case(
    scratch: Path, url: str, *, subscriptions: int, batch: int, changes: int, first: str
):
    """(segmint s, plain loop s, messages) for one case, each on a fresh workspace.

    `first` says which side goes first (the rounds alternate it).
    """
    from segmint.workspace import Workspace

    seconds = {}
    messages = 0
    for side in sorted(("segmint", "plain"), key=lambda s: s != first):
        folder = scratch / f"{side}-{subscriptions}-{batch}"
        Workspace.init(folder).close()
        allow_loopback(folder)
        with Workspace(folder) as ws:
            for n in range(subscriptions):
                ws.add_webhook(f"{url}/{n}", events=["tier.changed"], batch=batch)
            queue(ws, changes=changes)
            messages = int(ws.engine.scalar("SELECT count(*) FROM webhook_messages"))
            if side == "segmint":
                started = time.perf_counter()
                done = ws.deliver_webhooks()
                seconds[side] = time.perf_counter() - started
                assert done.delivered == messages, done
            else:
                seconds[side] = plain_loop(ws)
        shutil.rmtree(folder)
    return seconds["segmint"], seconds["plain"], messages


def receiver(delay: float) -> tuple[subprocess.Popen[str], str]:
    """The receiver process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(delay)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, f"http://127.0.0.1:{process.stdout.readline().strip()}/hook"


def delivery(args: argparse.Namespace) -> None:
    near, near_url = receiver(0.0)
    far, far_url = receiver(FAR)
    try:
        n = args.messages
        cases = [
            ("one subscription, a message per change", near_url, 1, 1, n),
            ("one subscription, 100 changes per message", near_url, 1, 100, n * 10),
            ("eight subscriptions, a message per change", near_url, 8, 1, n // 8),
            (f"eight subscriptions, receiver answering in {FAR * 1000:.0f} ms", far_url, 8, 1, 50),
        ]
        print(f"\n{measured_code()}; receiver: Python ThreadingHTTPServer on 127.0.0.1")
        print("| case | messages | changes | segmint msg/s | changes/s | plain loop msg/s "
              "| segmint / plain |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            for name, url, subs, batch, changes in cases:
                runs = [
                    delivery_case(
                        Path(tmp),
                        url,
                        subscriptions=subs,
                        batch=batch,
                        changes=changes,
                        first=("segmint", "plain")[n % 2],
                    )
                    for n in range(args.rounds)
                ]
                ours = statistics.median(r[0] for r in runs)
                plain = statistics.median(r[1] for r in runs)
                messages = runs[0][2]
                total = changes * subs
                print(
                    f"| {name} | {messages:,} | {total:,} | {messages / ours:,.0f} | "
                    f"{total / ours:,.0f} | {messages / plain:,.0f} | {plain / ours:.2f} |"
                )
    finally:
        near.kill()
        far.kill()


# ---- (b) the outbox on a run -------------------------------------------------------------


def base(customers: int, memory_limit: str) -> Path:
    """The workspace with the data imported and run once as of EARLY (made once)."""
    from segmint.workspace import Workspace

    home = workspace(DATA / f"hooks-{customers}" / "ws", full_data(customers), memory_limit)
    allow_loopback(home)
    with Workspace(home) as ws:
        if not ws.runs():
            note(f"the first run, as of {EARLY} ...")
            ws.run(as_of=EARLY)
    return home


def measured_run(folder: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(folder), LATE.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def outbox_on_run(args: argparse.Namespace) -> None:
    from segmint.workspace import Workspace

    home = base(args.customers, args.memory_limit)
    sides = {  # name: the subscriptions made before the run
        "no subscription": [],
        "tier, stage and alert changes": [(TYPICAL, 1)],
        "every event, single and batched by 100": [(EVENTS, 1), (EVENTS, 100)],
    }
    times: dict[str, list[float]] = {side: [] for side in sides}
    made: dict[str, int] = {}
    changes = 0
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        for n in range(args.rounds):
            for k, (side, subscriptions) in enumerate(sides.items()):
                folder = Path(tmp) / f"{k}-{n}"
                note(f"round {n + 1}: the run with {side} ...")
                shutil.copytree(home, folder)
                with Workspace(folder) as ws:
                    for i, (events, batch) in enumerate(subscriptions):
                        ws.add_webhook(f"http://127.0.0.1:9/{i}", events=events, batch=batch)
                got = measured_run(folder)
                times[side].append(got["seconds"])
                made[side], changes = int(got["messages"]), int(got["changes"])
                shutil.rmtree(folder)
    base_times = times["no subscription"]
    print(f"\n{measured_code()}; {args.customers:,} customers, run as of {LATE} after {EARLY}")
    print(f"membership changes the run logs: {changes:,}")
    print("| subscriptions | messages the run writes | median s | / no subscription |")
    print("|---|---|---|---|")
    for side in sides:
        ratio = statistics.median(t / b for t, b in zip(times[side], base_times, strict=True))
        print(f"| {side} | {made[side]:,} | {statistics.median(times[side]):.1f} | {ratio:.2f} |")
    print(f"\n(ratios: median of {args.rounds} rounds, each side in turn on a fresh copy)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=count, default=4_000, help="of the single cases")
    parser.add_argument("--customers", type=count, default=200_000, help="of the run part")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--parts", default="delivery,run", help="of delivery, run")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "delivery" in parts:
        delivery(args)
    if "run" in parts:
        outbox_on_run(args)


if __name__ == "__main__":
    main()
