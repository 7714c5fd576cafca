"""A real server over a two-run demo, and Debian's Chromium driven by Playwright.

The browser is the system's (`chromium` from apt, installed by .ci/run), never one
Playwright downloads. Without it the browser tests skip on a developer's machine and fail
in CI (CI=true), so a missing browser can never pass for a green run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from segmint.workspace import Workspace
from tests.api.conftest import Server, serving
from tests.conftest import built_demo

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the closed network refuses them
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """The system Chromium's path (skips, or fails in CI, when there is none)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium on PATH: .ci/run installs Debian's chromium with apt")
        pytest.skip("no chromium on PATH (apt-get install chromium fonts-wqy-microhei)")
    return found


@pytest.fixture(scope="package")
def site(tmp_path_factory) -> Iterator[Server]:
    """The dashboard over a 600-customer demo run twice (so movement shows)."""
    folder = built_demo(
        tmp_path_factory, "web", customers=600, seed=5, as_of=dt.date(2026, 5, 31), examples=True
    )
    with Workspace(folder) as ws:
        ws.run(as_of="2026-06-30", actor="test")
    with serving(folder) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the test session."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Tab:
    """A signed-in browser tab that records console errors and every request it makes."""

    def __init__(self, browser: Any, site: Server, *, role: str, width: int = 1280) -> None:
        self.site = site
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        if role:
            self.open("/sign-in")
            self.page.fill("#key", site.keys[role])
            self.page.click("form[action='/sign-in'] button[type=submit]")
            self.page.wait_for_url(site.url + "/")

    def open(self, path: str) -> Any:
        """Go to `path` and wait until its charts are drawn."""
        reply = self.page.goto(self.site.url + path)
        self.page.wait_for_load_state("networkidle")
        return reply

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, site) -> Iterator[Tab]:
    """An analyst's tab."""
    opened = Tab(browser, site, role="analyst")
    yield opened
    opened.close()
