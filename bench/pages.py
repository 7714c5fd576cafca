"""The dashboard's pages on a million customers: server time per page, p50 and p99.

What is measured, on ``--customers`` generated customers (default 1M; the workspace of
bench/run.py, copied), against ``segmint serve`` started as its own process on
127.0.0.1. The copy is made to show movement, as the dashboard's tests do: a run as of
2026-05-31; then the demo's example rule segments (``EXAMPLE_SEGMENTS``) and a
campaign on ``a_drifting`` with a 10 % hold-out for June; then a run as of 2026-06-30.

Signed in with an admin's key (``POST /sign-in``, its session cookie sent on every GET),
each page gets ``--warm-up`` requests, then ``--requests`` requests one after the other
on one keep-alive connection, each timed with time.perf_counter from sending to the last
byte of the answer; every answer must be 200 with a whole HTML page (naming the
customer, the segment or the campaign where the page is about one). ``GET /v1/health``
is measured the same way, as the floor of the stack (HTTP, routing, JSON), and each
page's p50 is given as a ratio to it. The two customer pages ask for a different random
customer each time. With one request at a time on 127.0.0.1 the client's time is the
server's time plus the loopback and the client's own parsing, which together are less
than health's whole round trip (about 1 ms). p99 is interpolated (numpy's linear
percentile): of 30 requests, it lies between the two slowest. Goal: every page under
300 ms, judged on p99.

Then, with the server stopped, the ``Workspace`` calls each page makes (as
src/segmint/web/pages.py makes them) are timed in this process on the same copy (the
median of ``--calls`` after one unmeasured): what is left of a page's time beyond them
is the request, the session's key check, sorting, charts and the template.

The 1-minute load average is printed (2 shared cores, client and server on one machine).

Usage: python bench/pages.py [--customers 1M] [--requests 30] [--warm-up 3] [--calls 5]
       [--memory-limit 3GB] [--port 8766]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import shutil
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from api import serve
from environments import note
from run import AS_OF, DATA, count, full_data, measured_code, workspace

GOAL_MS = 300.0
FIRST_AS_OF = dt.date(2026, 5, 31)
SEGMENT = "a_drifting"  # one of the demo's EXAMPLE_SEGMENTS
CAMPAIGN = "bench_winback"
HEALTH = "/v1/health"
# Each page's path ({id}: a random customer's id, new for each request) and what its
# answer must hold besides a whole page (the search: a link to the customer it found).
PAGES = {
    "/": None,
    "/tiers": None,
    "/rfm": None,
    "/lifecycle": None,
    "/needs": None,
    "/clv": None,
    "/segments": None,
    f"/segments/{SEGMENT}": SEGMENT,
    "/customers?q={id}": 'href="/customers/{id}"',
    "/customers/{id}": "{id}",
    "/alerts": None,
    "/campaigns": CAMPAIGN,
    "/data": None,
}


def prepare(folder: Path) -> str:
    """Two runs, the example segments and a campaign in `folder`; an admin's key."""
    from segmint.demo.run import EXAMPLE_SEGMENTS
    from segmint.workspace import Workspace

    with Workspace(folder) as ws:
        for as_of in (FIRST_AS_OF, AS_OF):
            note(f"running as of {as_of} ...")
            started = time.perf_counter()
            ws.run(as_of=as_of, actor="bench")
            note(f"  {time.perf_counter() - started:.0f} s")
            if as_of == FIRST_AS_OF:
                for name, (rule, description) in EXAMPLE_SEGMENTS.items():
                    ws.add_segment(name, rule, description=description, actor="bench")
                ws.create_campaign(
                    CAMPAIGN, segment=SEGMENT, holdout=0.1, start="2026-06-01",
                    end="2026-06-30", seed=1, actor="bench",
                )  # fmt: skip
        return ws.create_api_key("bench admin", role="admin", actor="bench")[1]


def sign_in(port: int, key: str) -> str:
    """The session cookie (name=value) the dashboard answers a good key with."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/sign-in",
            body=urllib.parse.urlencode({"key": key, "next": "/"}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        reply = connection.getresponse()
        reply.read()
        cookie = reply.getheader("set-cookie")
        if reply.status != 303 or not cookie:
            raise SystemExit(f"sign-in answered {reply.status}, cookie {cookie!r}")
        return cookie.split(";")[0]
    finally:
        connection.close()


def timed_gets(
    port: int, paths: Callable[[], tuple[str, str | None]], *, cookie: str, n: int, warm: int
) -> list[float]:
    """Milliseconds of `n` GETs one after the other (after `warm` unmeasured ones).

    `paths` gives each request's path and a text its answer must hold (or None).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    times = []
    try:
        for i in range(warm + n):
            path, needed = paths()
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            reply = connection.getresponse()
            body = reply.read().decode("utf-8")
            took = (time.perf_counter() - started) * 1e3
            check(path, reply.status, body, needed)
            if i >= warm:
                times.append(took)
    finally:
        connection.close()
    return times


def check(path: str, status: int, body: str, needed: str | None) -> None:
    """An answer of 200 with a whole page (a JSON object for the API) naming `needed`."""
    whole = body.startswith("{") if path.startswith("/v1/") else "</html>" in body
    if status != 200 or not whole or (needed is not None and needed not in body):
        raise SystemExit(f"GET {path}: {status}, {len(body):,} characters: {body[:300]!r}")


def page_paths(template: str, needed: str | None, customers: int, seed: int) -> Callable:
    """Each call: `template` with a new random customer's id for {id}, and what to find."""
    rng = np.random.default_rng(seed)

    def one() -> tuple[str, str | None]:
        customer = f"C{int(rng.integers(1, customers + 1)):07d}"
        found = needed.replace("{id}", customer) if needed else None
        return template.replace("{id}", customer), found

    return one


def ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.1f}×"


def percentiles(times: list[float]) -> dict[str, float]:
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}


def profile(ws: Any, customer_id: str) -> object:
    """What the Customer 360 page asks: her profile, and her orders month by month."""
    found = ws.customer(customer_id)
    return ws.monthly_orders(customer_id, as_of=found.view_as_of or found.as_of)


def methods(folder: Path, customers: int, calls: int) -> dict[str, float]:
    """Median milliseconds of the Workspace calls behind each page, in this process."""
    from segmint.workspace import Workspace

    rng = np.random.default_rng(2)

    def anyone() -> str:
        return f"C{int(rng.integers(1, customers + 1)):07d}"

    behind: dict[str, Callable[[Any], object]] = {
        "/": lambda ws: ws.overview(),
        "/tiers": lambda ws: ws.tiers(),
        "/rfm": lambda ws: ws.rfm_view(),
        "/lifecycle": lambda ws: ws.lifecycle(),
        "/needs": lambda ws: ws.needs(),
        "/clv": lambda ws: ws.clv_view(),
        "/segments": lambda ws: ws.segments(),
        f"/segments/{SEGMENT}": lambda ws: ws.segment(SEGMENT),
        "/customers?q={id}": lambda ws: ws.find_customers(text=anyone(), limit=50),
        "/customers/{id}": lambda ws: profile(ws, anyone()),
        "/alerts": lambda ws: (ws.alerts(by_stake=True, limit=200), ws.alert_totals()),
        "/campaigns": lambda ws: [ws.campaign_report(c.name) for c in ws.campaigns()],
        "/data": lambda ws: (ws.imports(), ws.runs()),
    }
    found = {}
    with Workspace(folder, read_only=True) as ws:
        for page, call in behind.items():
            call(ws)
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                call(ws)
                times.append((time.perf_counter() - started) * 1e3)
            found[page] = statistics.median(times)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=count, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30, help="measured, per page")
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured, per page")
    parser.add_argument("--calls", type=int, default=5, help="per Workspace method")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    home = workspace(
        DATA / f"run-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    with tempfile.TemporaryDirectory(dir=DATA, prefix="pages-") as tmp:
        copy = Path(tmp) / "ws"
        note("copying the workspace ...")
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.tmp"))
        key = prepare(copy)
        server = serve(copy, args.port)
        try:
            cookie = sign_in(args.port, key)
            load = os.getloadavg()[0]
            figures = {}
            for seed, (page, needed) in enumerate([(HEALTH, None), *PAGES.items()]):
                note(f"GET {page} ...")
                paths = page_paths(page, needed, args.customers, seed)
                figures[page] = percentiles(
                    timed_gets(args.port, paths, cookie=cookie, n=args.requests, warm=args.warm_up)
                )
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=120)
        note("timing the Workspace calls behind the pages ...")
        inside = methods(copy, args.customers, args.calls)
    report(args, figures, inside, load=(load, load_after))


def report(
    args: argparse.Namespace,
    figures: dict[str, dict[str, float]],
    inside: dict[str, float],
    *,
    load: tuple[float, float],
) -> None:
    health = figures[HEALTH]["p50"]
    print(
        f"\n{measured_code()}; {args.customers:,} customers, runs as of {FIRST_AS_OF} and "
        f"{AS_OF}; {args.requests} requests a page after {args.warm_up} unmeasured; "
        f"load {load[0]:.2f} before, {load[1]:.2f} after"
    )
    print(
        f"| page | p50 ms | p99 ms | p50 / health p50 | under {GOAL_MS:.0f} ms: p50, p99 "
        "| Workspace calls, median ms |"
    )
    print("|---|---|---|---|---|---|")
    for page, found in figures.items():
        within = ", ".join("yes" if found[p] < GOAL_MS else "NO" for p in ("p50", "p99"))
        call = f"{inside[page]:.1f}" if page in inside else "-"
        print(
            f"| {page} | {found['p50']:.1f} | {found['p99']:.1f} | "
            f"{ratio(found['p50'] / health)} | {within} | {call} |"
        )
    slow = [page for page in PAGES if figures[page]["p99"] >= GOAL_MS]
    print(
        f"\ngoal: every page under {GOAL_MS:.0f} ms (judged on p99): "
        + ("met" if not slow else f"NOT met ({len(slow)} of {len(PAGES)}: {', '.join(slow)})")
    )


if __name__ == "__main__":
    main()
