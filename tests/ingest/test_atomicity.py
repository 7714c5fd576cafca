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

BIG = 400_000


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


def _import(big, workspace):
    return [sys.executable, "-m", "segmint", "import", "orders", str(big), "-w", str(workspace)]


def test_killed_imports_leave_the_workspace_exactly_as_before(tmp_path):
    template = tmp_path / "template"
    with Workspace.init(template) as ws:
        ws.import_file("orders", _orders_csv(tmp_path / "first.csv", 1000))
    before = _snapshot(template)
    big = _orders_csv(tmp_path / "big.csv", BIG, start=500)  # 500 orders overlap
    # Time one whole import, then kill fresh copies at points spread over that span:
    # start-up, reading, staging, merging and committing all get hit.
    shutil.copytree(template, tmp_path / "probe")
    started = time.monotonic()
    subprocess.run(_import(big, tmp_path / "probe"), check=True, capture_output=True)
    duration = time.monotonic() - started
    killed = 0
    for i, delay in enumerate(np.linspace(0.1, 0.95, 10) * duration):
        workspace = shutil.copytree(template, tmp_path / f"try{i}")
        proc = subprocess.Popen(
            _import(big, workspace), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            proc.kill()  # SIGKILL: no clean-up code runs
            killed += 1
        proc.wait()
        after = _snapshot(workspace)
        if after["imports"] == before["imports"]:
            assert after == before, f"killed after {delay:.2f} s"
        else:  # the import committed before the kill landed: it must be whole
            assert len(after["orders"]) == 1000 + BIG - 500
    assert killed >= 5  # most attempts killed a running import, not a finished one
    # and a killed workspace still takes the import afterwards
    done = subprocess.run(
        _import(big, tmp_path / "try0"), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(_snapshot(tmp_path / "try0")["orders"]) == 1000 + BIG - 500


KILL_AFTER_COMMIT = """
import os, signal, sys
from segmint.ingest import quarantine
from segmint.workspace import Workspace

def die(*args, **kwargs):  # the import has committed; its quarantine file is next
    os.kill(os.getpid(), signal.SIGKILL)
quarantine.write = die
Workspace(sys.argv[1]).import_file("orders", sys.argv[2])
"""


def test_a_quarantine_file_lost_after_the_commit_is_written_again(tmp_path):
    """Fault injection: SIGKILL between the import's commit and its quarantine file."""
    from tests.conftest import write_csv

    Workspace.init(tmp_path / "ws").close()
    rows = [["O1", "C1", "2024-03-05", "10"], ["O2", "C1", "not a date", "12"]]
    bad = write_csv(tmp_path / "o.csv", ["订单号", "客户ID", "下单时间", "金额"], rows)
    done = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_COMMIT, str(tmp_path / "ws"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == -9, done.stderr
    folder = tmp_path / "ws" / "quarantine"
    assert not list(folder.glob("*.csv"))  # the import committed, its file was never written
    with Workspace(tmp_path / "ws") as ws:
        assert ws.engine.scalar("SELECT count(*) FROM quarantine") == 1
        good = write_csv(tmp_path / "p.csv", ["订单号", "客户ID", "下单时间", "金额"], [rows[0]])
        ws.import_file("orders", good)
    (restored,) = folder.glob("*.csv")
    text = restored.read_text(encoding="utf-8-sig")
    assert (
        text.splitlines()[0] == "_row,_error_code,_error_field,_error,订单号,客户ID,下单时间,金额"
    )
    assert text.splitlines()[1].startswith("3,ingest.bad_date,ordered_at,")
    assert text.splitlines()[1].endswith(",O2,C1,not a date,12")
