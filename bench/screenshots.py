"""A PNG of every dashboard page in both languages, for a reviewer to look at.

What is drawn: a demo workspace of ``--customers`` customers (default 5,000, seed 0) made
in a temporary folder as of 2026-05-31 with the example segments, then run again as of
2026-06-30 so movement shows; ``segmint serve`` started on it as its own process on a
free port of 127.0.0.1; Debian's Chromium (``chromium`` from apt, driven by Playwright
as tests/web do: never a browser Playwright downloads) signed in with an admin key.

For each language (en, zh-CN) every page is opened at 1280 px width, waited on until
every chart is drawn (each ``.plot[data-figure]`` has ``data-drawn="1"``, set by
segmint.js) and written as a full-page PNG to ``--out``, named ``<lang>-<page>.png``;
the overview also at 390 px (a phone), ``<lang>-overview-phone.png``; and the report of
the same two runs in each language (``segmint report``'s file, opened from file://),
``<lang>-report.png``. ``--report FILE`` adds another report file, ``<name>.png``.

Each file written is printed, then the count. A console error, an uncaught exception, a
request that failed or was answered with 4xx/5xx, a page not answered 200 or a chart
never drawn is printed under the page's file: a bug for the reviewer to see (the
screenshots are still written, and the exit status stays 0); so is whatever the server
wrote to stderr (a 500's traceback, under the id its error page shows).

Usage: python bench/screenshots.py [--out screenshots] [--customers 5000] [--report FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from api import serve
from environments import note
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

LANGS = ["en", "zh-CN"]
WIDTH, PHONE = 1280, 390
CHROMIUM_FLAGS = [  # tests/web/conftest.py's
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the closed network refuses them
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ALL_DRAWN = """() => [...document.querySelectorAll('.plot[data-figure]')]
    .every((el) => el.dataset.drawn === '1')"""
DRAW_TIMEOUT_MS = 30_000


def pages(customer: str) -> dict[str, str]:
    """Each signed-in page's file name and path; `customer` is a customer id to show."""
    return {
        "overview": "/",
        "tiers": "/tiers",
        "rfm": "/rfm",
        "lifecycle": "/lifecycle",
        "needs": "/needs",
        "segments": "/segments",
        "segment": "/segments/a_drifting",
        "segment-new": "/segments/new",
        "customers": f"/customers?q={customer}",
        "customer": f"/customers/{customer}",
        "alerts": "/alerts",
        "clv": "/clv",
        "campaigns": "/campaigns",
        "data": "/data",
    }


def chromium() -> str:
    """The system Chromium's path; exits with the apt command when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise SystemExit(
            "no chromium on PATH: the screenshots use Debian's browser, never a download "
            "(apt-get install chromium fonts-wqy-microhei)"
        )
    return found


def demo(folder: Path, customers: int) -> tuple[str, str]:
    """A two-run demo workspace in `folder`; an admin key and a customer id to show."""
    from segmint.demo.run import run_demo
    from segmint.workspace import Workspace

    note(f"making a demo of {customers:,} customers ...")
    run_demo(folder, customers=customers, seed=0, as_of=dt.date(2026, 5, 31), examples=True)
    from segmint.report import document

    with Workspace(folder) as ws:
        ws.run(as_of="2026-06-30", actor="screenshots")
        key = ws.create_api_key("screenshots", role="admin", actor="screenshots")[1]
        customer = ws.engine.scalar("SELECT min(customer_id) FROM snapshots")
        for lang in LANGS:  # the report of the same runs, as `segmint report` writes it
            document.write(ws, folder.parent / f"{lang}-report.html", lang=lang)
    return key, str(customer)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Tab:
    """A browser tab that notes what went wrong on the page it shows last."""

    def __init__(self, browser: Any, *, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        page = self.page
        page.on("console", lambda m: self._add(f"console {m.type}: {m.text}", m.type == "error"))
        page.on("pageerror", lambda e: self._add(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self._add(f"failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: self._add(f"HTTP {r.status}: {r.url}", r.status >= 400))

    def _add(self, problem: str, wrong: bool = True) -> None:
        if wrong:
            self.problems.append(problem)

    def open(self, url: str) -> None:
        """Go to `url` and wait until the network is quiet and every chart is drawn."""
        self.problems = []
        reply = self.page.goto(url)
        if reply is not None and reply.status != 200:
            self._add(f"the page answered {reply.status}")
        self.page.wait_for_load_state("networkidle")
        try:
            self.page.wait_for_function(ALL_DRAWN, timeout=DRAW_TIMEOUT_MS)
        except PlaywrightTimeout:  # the PNG still shows which
            drawn = self.page.locator(".plot[data-drawn='1']").count()
            plots = self.page.locator(".plot[data-figure]").count()
            self._add(f"only {drawn} of {plots} charts drawn after {DRAW_TIMEOUT_MS} ms")

    def shoot(self, path: Path) -> Path:
        """Write the whole page to `path`; print it and what went wrong on the page."""
        self.page.screenshot(path=str(path), full_page=True)
        print(path)
        for problem in self.problems:
            print(f"  ! {problem}")
        return path

    def sign_in(self, url: str, key: str) -> None:
        self.page.fill("#key", key)
        self.page.click("form[action='/sign-in'] button[type=submit]")
        self.page.wait_for_url(url + "/")

    def close(self) -> None:
        self.context.close()


def language(
    browser: Any, url: str, *, lang: str, key: str, customer: str, out: Path
) -> list[Path]:
    """Every page in `lang`, the sign-in page first; then the overview on a phone."""
    written: list[Path] = []
    tab = Tab(browser, width=WIDTH)
    try:
        tab.open(f"{url}/lang/{lang}?next=/sign-in")  # the language's cookie, then sign-in
        written.append(tab.shoot(out / f"{lang}-sign-in.png"))
        tab.sign_in(url, key)
        for name, path in pages(customer).items():
            tab.open(url + path)
            written.append(tab.shoot(out / f"{lang}-{name}.png"))
    finally:
        tab.close()
    phone = Tab(browser, width=PHONE)
    try:
        phone.open(f"{url}/lang/{lang}?next=/sign-in")
        phone.sign_in(url, key)
        phone.open(url + "/")
        written.append(phone.shoot(out / f"{lang}-overview-phone.png"))
    finally:
        phone.close()
    return written


def report(browser: Any, file: Path, out: Path) -> Path:
    """A `segmint report` file, opened from file:// as its reader would."""
    tab = Tab(browser, width=WIDTH)
    try:
        tab.open(file.resolve().as_uri())
        return tab.shoot(out / f"{file.stem}.png")
    finally:
        tab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--report", type=Path, help="another report.html to screenshot too")
    args = parser.parse_args()
    if args.report is not None and not args.report.is_file():
        raise SystemExit(f"--report {args.report}: no such file")
    browser_path = chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        key, customer = demo(folder, args.customers)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "serve.log"
        server = serve(folder, port, log)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=browser_path, args=CHROMIUM_FLAGS
                )
                written = []
                for lang in LANGS:
                    note(f"{lang} ...")
                    written += language(
                        browser, url, lang=lang, key=key, customer=customer, out=args.out
                    )
                for lang in LANGS:
                    written.append(report(browser, Path(tmp) / f"{lang}-report.html", args.out))
                if args.report is not None:
                    written.append(report(browser, args.report, args.out))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=120)
        logged = log.read_text(encoding="utf-8").strip()
    if logged:  # a 500's traceback, under the id the error page shows
        print(f"segmint serve wrote:\n{logged}")
    print(f"{len(written)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
