"""`segmint apikey` and `segmint serve` as a user runs them: real processes, real HTTP."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.api.conftest import _free_port
from tests.cli.test_cli import segmint, workspace  # noqa: F401 -- the fixture


def test_a_key_is_shown_once_listed_without_its_secret_and_revoked(workspace):  # noqa: F811
    made = segmint("apikey", "create", "--role", "viewer", "--name", "dashboard", "-w", workspace)
    assert made.returncode == 0, made.stderr
    key = next(line for line in made.stdout.splitlines() if line.startswith("sgk_"))
    assert "shown only now" in made.stdout
    listed = json.loads(segmint("apikey", "list", "-w", workspace, "--json").stdout)["keys"]
    (only,) = listed
    assert (only["name"], only["role"], only["revoked_at"]) == ("dashboard", "viewer", None)
    assert key not in json.dumps(listed) and key.startswith(f"sgk_{only['key_id']}_")
    gone = segmint("apikey", "revoke", only["key_id"], "-w", workspace, "--json")
    assert json.loads(gone.stdout)["revoked_by"] == "cli"


def test_a_bad_role_or_an_unknown_key_is_named(workspace):  # noqa: F811
    bad = segmint("apikey", "create", "--role", "root", "--name", "x", "-w", workspace)
    assert bad.returncode == 2 and "unknown role 'root'" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = segmint("apikey", "revoke", "deadbeef", "-w", workspace)
    assert missing.returncode == 1 and "no API key 'deadbeef'" in missing.stderr


def test_serve_answers_over_http_and_owns_the_workspace_while_it_runs(workspace, tmp_path):  # noqa: F811
    key = json.loads(
        segmint(
            "apikey", "create", "--role", "admin", "--name", "ops", "-w", workspace, "--json"
        ).stdout
    )["key"]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "segmint", "serve", "--port", str(port), "-w", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    try:
        health = _get(f"http://127.0.0.1:{port}/v1/health", deadline=time.monotonic() + 30)
        assert health["status"] == "ok"
        runs = _get(f"http://127.0.0.1:{port}/v1/runs", key=key)
        assert runs == []
        busy = segmint("apikey", "create", "--role", "viewer", "--name", "x", "-w", workspace)
        assert busy.returncode == 1
        assert f"serving http://127.0.0.1:{port}" in busy.stderr and "segmint serve" in busy.stderr
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert f"serving the API at http://127.0.0.1:{port}" in out
    assert "Traceback" not in err
    after = segmint("apikey", "list", "-w", workspace, "--json")  # the file is free again
    assert after.returncode == 0


def _get(url: str, *, key: str | None = None, deadline: float = 0.0) -> object:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    while True:
        try:
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- loopback
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
