"""`segmint apikey` and `segmint serve` as a user runs them: real processes, real HTTP."""

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from segmint.workspace import Workspace
from tests.api.conftest import _free_port
from tests.cli.test_cli import segmint, workspace  # noqa: F401 -- the fixture
from tests.conftest import built_demo, copied


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
        assert busy.returncode == 1 and "store.served" in busy.stderr
        address = f"http://127.0.0.1:{port}"
        assert f"served by 'segmint serve' at {address} (process {server.pid})" in busy.stderr
        assert f"{address}/docs" in busy.stderr  # where to make the change instead
    finally:
        _stop(server)
        out, err = server.communicate(timeout=30)
    assert f"serving the API at http://127.0.0.1:{port}" in out
    assert "Traceback" not in err
    after = segmint("apikey", "list", "-w", workspace, "--json")  # the file is free again
    assert after.returncode == 0


# Reading commands, each asked of a workspace on its own and through its server.
READS = [
    ("status",),
    ("runs",),
    ("segments",),
    ("customer", "C0000007"),
    ("customer", "C0000007", "--lang", "zh-CN"),
    ("alerts",),
    ("segment", "list"),
    ("segment", "show", "tier.A"),
    ("rule", "test", "orders_90d >= 1 and tier = 'A'"),
    ("apikey", "list"),
    ("webhook", "list"),
    ("webhook", "dead"),
    ("campaign", "list"),
    ("campaign", "report", "c"),  # made below, with variants nobody is in (no means)
    ("tasks",),
]


def test_reading_commands_ask_the_server_holding_the_workspace_and_answer_the_same(
    tmp_path_factory, tmp_path
):
    folder = copied(
        built_demo(tmp_path_factory, "served", customers=300, seed=3, as_of=dt.date(2026, 6, 30)),
        tmp_path,
    )
    with Workspace(folder) as ws:  # more variants than members: some have no means
        ws.create_campaign(
            "c",
            segment="tier.A",
            holdout=0.5,
            variants=[chr(c) for c in range(ord("A"), ord("Z") + 1)],
            start=dt.date(2026, 7, 1),
            end=dt.date(2026, 7, 31),
            seed=1,
        )
    alone = {read: _read(folder, *read) for read in READS}
    report = alone[("campaign", "report", "c")]
    empty = [v for v in report["variants"] if v["customers"] == 0]
    assert empty and empty[0]["metrics"][0]["mean_variant"] is None
    exported = segmint("export", "segment", "tier.B", "--out", tmp_path / "alone.csv", "-w", folder)
    assert exported.returncode == 0, exported.stderr
    written = segmint("report", "--out", tmp_path / "alone.html", "-w", folder)
    assert written.returncode == 0, written.stderr
    port = _free_port()
    server = _serve(folder, port)
    try:
        _get(f"http://127.0.0.1:{port}/v1/health", deadline=time.monotonic() + 30)
        for read in READS:
            assert _read(folder, *read) == alone[read], read
        through = tmp_path / "through.csv"
        exported = segmint("export", "segment", "tier.B", "--out", through, "-w", folder)
        assert exported.returncode == 0, exported.stderr
        assert through.read_bytes() == (tmp_path / "alone.csv").read_bytes()
        written = segmint("report", "--out", tmp_path / "through.html", "-w", folder)
        assert written.returncode == 0, written.stderr
        assert _undated(tmp_path / "through.html") == _undated(tmp_path / "alone.html")
        again = segmint("export", "segment", "tier.B", "--out", through, "-w", folder)
        assert again.returncode == 2 and "--force" in again.stderr  # still not overwritten
        missing = segmint("customer", "NOPE", "-w", folder, "--json")  # the server's error
        assert missing.returncode == 1 and "Traceback" not in missing.stderr
        assert json.loads(missing.stdout)["code"] == "customer.not_found"
        shown = segmint("customer", "NOPE", "-w", folder, "--lang", "zh-CN")
        assert "错误" in shown.stderr and "NOPE" in shown.stderr
    finally:
        _stop(server)
        _, err = server.communicate(timeout=30)
    assert "Traceback" not in err


def _undated(report) -> str:
    """A report's text without the line saying when it was made."""
    text = report.read_text(encoding="utf-8")
    return re.sub(r"<footer.*</footer>", "", text)


def _read(folder, *args) -> object:
    done = segmint(*args, "-w", folder, "--json")
    assert done.returncode == 0, (args, done.stderr)
    return json.loads(done.stdout)


def _serve(folder, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "segmint", "serve", "--port", str(port), "-w", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)


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
