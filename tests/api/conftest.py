"""A real uvicorn server on 127.0.0.1 over a generated workspace, and a plain HTTP client."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from segmint.api.app import create_app
from segmint.store.apikeys import ROLES
from segmint.workspace import Workspace
from tests.activate.test_webhooks import allow_loopback
from tests.conftest import built_demo


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Server:
    """The server's address, a key per role, and the workspace it serves."""

    url: str
    keys: dict[str, str]
    workspace: Workspace
    app: Any

    def db(self) -> Any:
        """The test's connection to the workspace (beside the server's)."""
        return contextlib.nullcontext(self.workspace.engine)

    def call(
        self,
        method: str,
        path: str,
        *,
        role: str | None = None,
        key: str | None = None,
        body: object = None,
        lang: str | None = None,
        params: dict[str, object] | None = None,
    ) -> Reply:
        """One request; `role` sends that role's key, `key` a key as given."""
        headers = {"Content-Type": "application/json"}
        token = key if key is not None else (self.keys[role] if role else None)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        data = None if body is None else json.dumps(body).encode()
        query = "" if not params else "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(  # noqa: S310 -- our own server's http:// address
            self.url + path + query, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return Reply(response.status, _json(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _json(error.read()), dict(error.headers))


def _json(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(folder) -> Iterator[Server]:
    """The API over the workspace in `folder` on a free port, one key per role."""
    with Workspace(folder, command="segmint serve") as ws:
        keys = {r: ws.create_api_key(f"test-{r}", role=r, actor="test")[1] for r in ROLES}
        keys["local"] = secrets.token_urlsafe(32)  # the server's own command line's
        app = create_app(ws, local_key=keys["local"])
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        # the test's own connection: the server may be writing on its own after an answer
        tester = ws.cursor()
        try:
            yield Server(f"http://127.0.0.1:{port}", keys, tester, app)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            tester.close()


@pytest.fixture(scope="package")
def served(tmp_path_factory):
    """The API over a 600-customer demo (its example segments saved), one key per role."""
    folder = built_demo(
        tmp_path_factory, "api", customers=600, seed=5, as_of=dt.date(2026, 6, 30), examples=True
    )
    allow_loopback(folder)  # webhooks to a receiver of the test's own
    with serving(folder) as server:
        yield server
