"""Files are never replaced unasked; a workspace can be read while others read it, or from a
read-only copy; a merged customer's old id says where she went."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.cli.test_broken_environments import _frozen, run
from tests.cli.test_cli import segmint
from tests.cli.test_run_cli import demo  # noqa: F401 -- the module's demo workspace


@pytest.fixture
def copy(demo, tmp_path):  # noqa: F811
    folder, _ = demo
    target = tmp_path / "ws"
    shutil.copytree(folder, target)
    return target


def test_export_does_not_replace_a_file_without_force(copy, tmp_path, capsys):
    out = tmp_path / "mine.csv"
    out.write_text("my own work\n", encoding="utf-8")
    done = segmint("export", "snapshot", "--out", out, "-w", copy)
    assert done.returncode == 2
    assert f"'{out}' already exists" in done.stderr and "--force" in done.stderr
    assert out.read_text(encoding="utf-8") == "my own work\n"
    status, stdout, _ = run(
        ["export", "snapshot", "--out", str(out), "-w", str(copy), "--force"], capsys
    )
    assert status == 0 and "customers written" in stdout
    assert out.read_text(encoding="utf-8-sig").startswith('"customer_id"')


@pytest.mark.parametrize(
    ("target", "code", "status"),
    [
        ("missing/out.csv", "files.no_folder", 2),
        (".", "files.is_folder", 2),
        ("/proc/segmint.csv", "files.cannot_write", 1),
        ("/proc/segmint.xlsx", "files.cannot_write", 1),  # xlsxwriter's FileCreateError
        ("/proc/segmint.parquet", "files.cannot_write", 1),
    ],
)
def test_export_to_a_place_that_cannot_be_written(copy, tmp_path, capsys, target, code, status):
    out = target if target.startswith("/") else str(tmp_path / target)
    found, stdout, _ = run(["export", "snapshot", "--out", out, "-w", str(copy), "--json"], capsys)
    error = json.loads(stdout)
    assert (found, error["code"]) == (status, code)
    assert out.rstrip("/.") in error["message"] or str(tmp_path) in error["message"]


def test_generate_does_not_replace_the_users_files_without_force(tmp_path, capsys):
    (tmp_path / "orders.csv").write_text("order_id\nMINE\n", encoding="utf-8")
    status, _, stderr = run(["generate", "-n", "5", "--out", str(tmp_path)], capsys)
    assert status == 2
    assert f"'{tmp_path / 'orders.csv'}' already exists" in stderr and "--force" in stderr
    assert (tmp_path / "orders.csv").read_text(encoding="utf-8") == "order_id\nMINE\n"
    assert not (tmp_path / "customers.csv").exists()  # refused before anything was written
    status, _, _ = run(["generate", "-n", "5", "--out", str(tmp_path), "--force"], capsys)
    assert status == 0 and "MINE" not in (tmp_path / "orders.csv").read_text(encoding="utf-8")


def test_generate_into_a_place_that_cannot_be_written(capsys):
    status, stdout, _ = run(["generate", "-n", "5", "--out", "/proc/segmint", "--json"], capsys)
    assert status == 1 and json.loads(stdout)["code"] == "files.cannot_write"


def test_init_on_a_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    status, _, stderr = run(["init", str(tmp_path / "afile")], capsys)
    assert status == 2 and "workspace.not_a_folder" in stderr and "is a file" in stderr


def test_reading_commands_work_on_a_read_only_copy(copy, tmp_path, capsys):
    out = tmp_path / "snapshot.parquet"
    with _frozen(copy):
        for argv in (
            ["status"],
            ["runs"],
            ["segments"],
            ["customer", "C0000001"],
            ["customers", "duplicates"],
            ["export", "snapshot", "--out", str(out)],
        ):
            status, _, stderr = run([*argv, "-w", str(copy)], capsys)
            assert status == 0, (argv, stderr)
    assert out.is_file()


def test_reading_commands_work_while_another_process_reads(copy, capsys):
    code = textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(copy / "segmint.duckdb")!r}, read_only=True)
        print("ready", flush=True)
        time.sleep(120)
    """)
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        for argv in (["status"], ["runs"], ["segments"], ["customer", "C0000001"]):
            status, _, stderr = run([*argv, "-w", str(copy), "--json"], capsys)
            assert status == 0, (argv, stderr)
        # a writer cannot have the file while it is read; it is told who reads it
        status, stdout, _ = run(
            ["customers", "merge", "C0000001", "C0000002", "-w", str(copy), "--json"], capsys
        )
        error = json.loads(stdout)
        assert status == 1 and error["code"] == "store.busy_other"
        assert f"(process {reader.pid})" in error["message"]
    finally:
        reader.kill()
        reader.wait()
        if reader.stdout is not None:
            reader.stdout.close()


def test_a_merged_customer_says_where_she_went(copy, capsys):
    status, _, _ = run(["customers", "merge", "C0000001", "C0000002", "-w", str(copy)], capsys)
    assert status == 0
    status, stdout, _ = run(["customer", "C0000002", "-w", str(copy), "--json"], capsys)
    error = json.loads(stdout)
    assert status == 1 and error["code"] == "customer.merged"
    assert error["message"] == "customer 'C0000002' was merged into 'C0000001'"
    assert error["hint"] == "See that customer: segmint customer C0000001"
    status, stdout, _ = run(["customer", "NOPE", "-w", str(copy), "--json"], capsys)
    assert json.loads(stdout)["code"] == "customer.not_found"
