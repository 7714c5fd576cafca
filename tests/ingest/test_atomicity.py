"""An import is all or nothing: `kill -9` at any moment leaves the workspace as it was."""

import shutil
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from segmint.workspace import Workspace
from tests.conftest import table


def _orders_csv(path, n, *, start=0):
    ids = np.arange(start, start + n)
    pacsv.write_csv(
        pa.table(
            {
                "order_id": pa.array([f"O{i}" for i in ids]),
                "customer_id": pa.array([f"C{i % 5000}" for i in ids]),
                "ordered_at": pa.array([f"2024-0{1 + i % 9}-1{i % 10} 12:00" for i in ids]),
                "amount": pa.array([f"{i % 1000}.{i % 100:02d}" for i in ids]),
            }
        ),
        path,
    )
    return path


def _snapshot(path):
    with Workspace(path) as ws:
        return {
            name: table(ws, name, "ALL")
            for name in ("orders", "customers", "imports", "quarantine", "changes", "audit")
        }


def test_killed_imports_leave_the_workspace_exactly_as_before(tmp_path):
    ws_path = tmp_path / "ws"
    with Workspace.init(ws_path) as ws:
        ws.import_file("orders", _orders_csv(tmp_path / "first.csv", 1000))
    before = _snapshot(ws_path)
    big = _orders_csv(tmp_path / "big.csv", 400_000, start=500)
    command = [sys.executable, "-m", "segmint", "import", "orders", str(big), "-w"]
    # Time one whole import on a copy, then kill at points spread over that span:
    # start-up, reading, staging, merging and committing all get hit.
    shutil.copytree(ws_path, tmp_path / "probe")
    started = time.monotonic()
    subprocess.run([*command, str(tmp_path / "probe")], check=True, capture_output=True)
    duration = time.monotonic() - started
    command.append(str(ws_path))
    kills = 0
    for delay in np.linspace(0.1, 0.97, 10) * duration:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no clean-up code runs
            kills += 1
        proc.wait()
        after = _snapshot(ws_path)
        if after["imports"] != before["imports"]:
            # the import finished before the kill: it must be whole
            assert len(after["orders"]) == 1000 + 399_500
            break
        assert after == before
    assert kills >= 6  # the test killed real imports, not finished ones
    # and the workspace still takes the import afterwards
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert len(_snapshot(ws_path)["orders"]) == 1000 + 399_500
