"""The REST API on a million customers: profile reads under load, and ingest throughput.

What is measured, on ``--customers`` generated customers (default 1M; the workspace of
bench/run.py, copied, with one run as of 2026-06-30), against ``segmint serve`` started
as its own process on 127.0.0.1:

- profile reads: wrk with ``--connections`` connections for ``--seconds`` seconds, each
  request ``GET /v1/customers/{random id}`` with a viewer's key; p50 and p99 latency, as
  a ratio to the same server's ``GET /v1/health`` under the same load (the floor of the
  stack: HTTP, routing, JSON); goal p99 < 20 ms;
- ingest: ``--events`` product views for random customers posted in batches of 1,000 by
  4 clients at once, events per second from the first request to the last answer; the
  same batches posted again must all come back ``already_present``, and the events
  stored are counted afterwards (none lost, none twice); goal ≥ 5,000 events/s, against
  a naive client posting one event per request (one commit each) for ``--naive-seconds``.
  The answers come when a batch is stored; the live view takes the customers in just
  after, so the time until it has (asked with ``segmint status`` through the server) is
  printed too, with the rate of events both stored and in the view.

Times are wrk's and time.perf_counter's; the 1-minute load average is printed (2 shared
cores, wrk and the server on the same machine).

Usage: python bench/api.py [--customers 1M] [--seconds 10] [--connections 100]
       [--events 20000] [--naive-seconds 20] [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
from environments import note
from run import AS_OF, DATA, count, full_data, measured_code, workspace

GOAL_P99_MS = 20.0
GOAL_EVENTS = 5000.0
BATCH = 1000
CLIENTS = 4
PROFILE_LUA = """
local key = os.getenv("SEGMINT_KEY")
local customers = tonumber(os.getenv("SEGMINT_CUSTOMERS"))
request = function()
  local id = string.format("C%07d", math.random(1, customers))
  return wrk.format("GET", "/v1/customers/" .. id, {["Authorization"] = "Bearer " .. key})
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, *, seconds: int, connections: int, script: Path | None, env: dict) -> dict:
    """wrk's p50, p99 (ms), requests per second and non-2xx answers for `url`."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    command += ["-s", str(script)] if script else []
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, **env}
    )
    out = done.stdout

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * _UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": latency("50"),
        "p99": latency("99"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "bad": int(bad.group(1)) if bad else 0,
    }


def post(url: str, key: str, body: object) -> dict:
    request = urllib.request.Request(  # noqa: S310 -- the bench's own loopback server
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
        return json.loads(response.read())


def events_for(n: int, customers: int, *, prefix: str, seed: int) -> list[dict]:
    """`n` product views, each for a random customer, dated the run's day 18:00 local."""
    who = np.random.default_rng(seed).integers(1, customers + 1, size=n)
    return [
        {
            "event_id": f"{prefix}-{i}",
            "customer_id": f"C{c:07d}",
            "occurred_at": f"{AS_OF}T18:00:00+08:00",
            "type": "product_view",
            "channel": "app",
        }
        for i, c in enumerate(who)
    ]


def ingest(url: str, key: str, events: list[dict]) -> tuple[float, Counter]:
    """Post `events` in batches from CLIENTS threads; seconds taken and the items' statuses."""
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    statuses: Counter = Counter()
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not batches:
                    return
                batch = batches.pop()
            done = post(f"{url}/v1/events", key, batch)
            with lock:
                statuses.update(item["status"] for item in done["items"])

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, statuses


def view_waiting(folder: Path) -> int:
    """Customers new data touched that the live view has not taken in yet.

    Asked with `segmint status`, which reads through the server holding the workspace.
    """
    done = subprocess.run(
        [sys.executable, "-m", "segmint", "status", "--json", "-w", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(json.loads(done.stdout)["live"]["waiting"])


def caught_up(folder: Path) -> float:
    """Seconds until the live view has taken in every customer the batches touched."""
    started = time.perf_counter()
    while view_waiting(folder):
        time.sleep(0.2)
    return time.perf_counter() - started


def naive(url: str, key: str, customers: int, seconds: float) -> tuple[int, float]:
    """One event per request, one after the other, for `seconds`: events sent and time."""
    started, sent = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        (event,) = events_for(1, customers, prefix=f"NAIVE-{sent}", seed=sent)
        post(f"{url}/v1/events", key, [event])
        sent += 1
    return sent, time.perf_counter() - started


def serve(folder: Path, port: int, log: Path | None = None) -> subprocess.Popen:
    """`segmint serve` on `folder`, once its health check answers.

    Its stderr goes to `log` (default: serve.log beside `folder`), a file, never a pipe
    left unread that a chatty server could fill and stall on.
    """
    log = log or folder.parent / "serve.log"
    with log.open("w", encoding="utf-8") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "segmint", "serve", "--port", str(port), "-w", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=5)
            return server
        except urllib.error.URLError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit(f"the server did not start: {log.read_text()}") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=count, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--events", type=count, default=20_000)
    parser.add_argument("--naive-seconds", type=float, default=20.0)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    from segmint.workspace import Workspace

    home = workspace(
        DATA / f"run-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    url = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        copy = Path(tmp) / "ws"
        note("copying the workspace and running it ...")
        shutil.copytree(home, copy)
        with Workspace(copy) as ws:
            ws.run(as_of=AS_OF)
            viewer = ws.create_api_key("bench viewer", role="viewer")[1]
            ingester = ws.create_api_key("bench ingest", role="ingest")[1]
        script = Path(tmp) / "profile.lua"
        script.write_text(PROFILE_LUA, encoding="utf-8")
        env = {"SEGMINT_KEY": viewer, "SEGMINT_CUSTOMERS": str(args.customers)}
        server = serve(copy, args.port)
        try:
            load = os.getloadavg()[0]
            health = wrk(
                f"{url}/v1/health",
                seconds=args.seconds,
                connections=args.connections,
                script=None,
                env={},
            )
            profile = wrk(
                url, seconds=args.seconds, connections=args.connections, script=script, env=env
            )
            events = events_for(args.events, args.customers, prefix="BENCH", seed=1)
            took, statuses = ingest(url, ingester, events)
            behind = caught_up(copy)  # the view takes the customers in after the answers
            _, again = ingest(url, ingester, events)
            sent, naive_took = naive(url, ingester, args.customers, args.naive_seconds)
        finally:
            server.terminate()
            server.wait(timeout=120)
        with Workspace(copy, read_only=True) as ws:
            stored = ws.engine.scalar("SELECT count(*) FROM events WHERE event_id LIKE 'BENCH-%'")
    rate, naive_rate = args.events / took, sent / naive_took
    print(f"\n{measured_code()}; {args.customers:,} customers; load {load:.2f}")
    print(f"| {args.connections} connections, {args.seconds} s | p50 ms | p99 ms | requests/s |")
    print("|---|---|---|---|")
    for name, found in (("GET /v1/health", health), ("GET /v1/customers/{id}", profile)):
        print(f"| {name} | {found['p50']:.1f} | {found['p99']:.1f} | {found['rps']:,.0f} |")
    print(
        f"\nprofile p99 / health p99: {profile['p99'] / health['p99']:.1f}× "
        f"(non-2xx: {profile['bad'] + health['bad']})"
    )
    print(
        f"ingest: {args.events:,} events in {took:.1f} s = {rate:,.0f} events/s "
        f"(batches of {BATCH}, {CLIENTS} clients); statuses {dict(statuses)}; sent again: "
        f"{dict(again)}; stored {stored:,}"
    )
    print(
        f"live view: every touched customer taken in {behind:.1f} s after the last answer; "
        f"stored and in the view: {args.events / (took + behind):,.0f} events/s"
    )
    print(
        f"naive, one event per request: {sent} events in {naive_took:.1f} s = "
        f"{naive_rate:,.1f} events/s; batched / naive: {rate / naive_rate:,.0f}×"
    )
    print(
        f"\ngoals: profile p99 < {GOAL_P99_MS:.0f} ms: "
        f"{'met' if profile['p99'] < GOAL_P99_MS else 'NOT met'} · ingest ≥ "
        f"{GOAL_EVENTS:,.0f} events/s: {'met' if rate >= GOAL_EVENTS else 'NOT met'} · "
        f"every event stored once: "
        f"{'yes' if stored == args.events and again['already_present'] == args.events else 'NO'}"
    )


if __name__ == "__main__":
    main()
