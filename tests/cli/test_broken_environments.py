"""Every command against a catalogue of broken environments: a message, never a traceback.

The commands come from walking the Typer app, so a new command is covered as soon as it
exists (the test fails until `ARGS` says how to call it). Each runs in-process through
`segmint.cli.main`, the same error handling a user's shell gets; a workspace held by
another writer is a real second process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from segmint.cli import app, main
from segmint.workspace import Workspace

# How to call each command; WS, OUT and FILE are filled in per environment.
ARGS: dict[str, list[str]] = {
    "init": ["WS"],
    "status": ["-w", "WS"],
    "import": ["orders", "FILE", "-w", "WS"],
    "generate": ["--out", "OUT", "-n", "5"],
    "demo": ["--dir", "OUT", "-n", "20"],
    "run": ["-w", "WS"],
    "runs": ["-w", "WS"],
    "refresh": ["-w", "WS"],
    "segments": ["-w", "WS"],
    "needs": ["-w", "WS"],
    "customer": ["C1", "-w", "WS"],
    "export snapshot": ["--out", "OUT", "-w", "WS"],
    "export tables": ["--out", "OUT", "-w", "WS"],
    "customers duplicates": ["-w", "WS"],
    "customers merge": ["C1", "C2", "-w", "WS"],
    "customers erase": ["C1", "--yes", "-w", "WS"],
    "rule test": ["orders_30d > 3", "-w", "WS"],
    "segment add": ["busy", "orders_30d > 3", "-w", "WS"],
    "segment edit": ["busy", "orders_30d > 4", "-w", "WS"],
    "segment remove": ["busy", "-w", "WS"],
    "segment list": ["-w", "WS"],
    "segment show": ["busy", "-w", "WS"],
    "export segment": ["busy", "--out", "OUT", "-w", "WS"],
    "alerts ack": ["1", "-w", "WS"],
    "apikey create": ["--role", "viewer", "--name", "x", "-w", "WS"],
    "apikey list": ["-w", "WS"],
    "apikey revoke": ["deadbeef", "-w", "WS"],
    "webhook add": ["https://93.184.215.14/h", "--on", "tier.changed", "-w", "WS"],
    "webhook list": ["-w", "WS"],
    "webhook rotate": ["sub_00000000", "-w", "WS"],
    "webhook remove": ["sub_00000000", "-w", "WS"],
    "webhook test": ["sub_00000000", "-w", "WS"],
    "webhook deliver": ["-w", "WS"],
    "webhook dead": ["-w", "WS"],
    "webhook replay": ["msg_0", "-w", "WS"],
    "campaign create": ["c1", "--segment", "tier.A", "-w", "WS"],
    "campaign list": ["-w", "WS"],
    "campaign export": ["c1", "--variant", "A", "--out", "OUT", "-w", "WS"],
    "campaign report": ["c1", "-w", "WS"],
    "playbook run": ["--dry-run", "-w", "WS"],
    "report": ["--out", "OUT", "-w", "WS"],
    "tasks done": ["1", "-w", "WS"],
    # every environment it meets stops it before it listens (it needs a writable workspace)
    "serve": ["-w", "WS"],
}
# Commands that write a file or folder the user names, and so meet the broken outputs.
WRITES_OUT = {
    "generate",
    "demo",
    "export snapshot",
    "export segment",
    "export tables",
    "campaign export",
    "report",
}


def commands() -> list[str]:
    """Every leaf command of the app, as typed after 'segmint'."""
    found: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):  # a group (Typer brings its own click)
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append(" ".join(path))

    walk(typer.main.get_command(app), [])
    return sorted(found)


def test_every_command_has_arguments_in_the_catalogue():
    assert set(commands()) == set(ARGS)


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("broken")
    good = root / "good"
    Workspace.init(good).close()
    orders = root / "orders.csv"
    orders.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2024-03-05,10\n")
    bad_toml = root / "bad_toml"
    bad_toml.mkdir()
    (bad_toml / "segmint.toml").write_text("this is [not toml\n", encoding="utf-8")
    truncated = root / "truncated"
    shutil.copytree(good, truncated)
    with (truncated / "segmint.duckdb").open("r+b") as f:
        f.truncate(100)
    read_only = root / "read_only"
    shutil.copytree(good, read_only)
    with _frozen(read_only), _held(root / "busy", good) as busy:
        yield {
            "root": root,
            "good": good,
            "orders": orders,
            "none": root / "empty",
            "bad_toml": bad_toml,
            "truncated": truncated,
            "read_only": read_only,
            "busy": busy,
        }


@contextlib.contextmanager
def _frozen(folder: Path) -> Iterator[None]:
    """Make `folder` read-only: no write bit, and immutable where the system allows it
    (so the test means the same when it runs as root)."""
    paths = [folder, *folder.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    chattr = shutil.which("chattr")
    if chattr:
        subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True, check=False)
    try:
        yield
    finally:
        if chattr:
            subprocess.run([chattr, "-i", *map(str, paths)], capture_output=True, check=False)
        for path in paths:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


@contextlib.contextmanager
def _held(folder: Path, good: Path) -> Iterator[Path]:
    """A workspace that another process has open for writing, as 'segmint run' would."""
    shutil.copytree(good, folder)
    code = textwrap.dedent(f"""
        import sys, time
        from segmint.store.duckdb import DuckDBEngine
        engine = DuckDBEngine(__import__("pathlib").Path({str(folder / "segmint.duckdb")!r}),
                              command="segmint run")
        engine.report("run: features")
        print("ready", flush=True)
        time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield folder
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


ENVIRONMENTS = {
    # name: (workspace, output path, must a command that uses the workspace fail?)
    "no workspace": ("none", "root/out.csv", True),
    "segmint.toml is not TOML": ("bad_toml", "root/out.csv", True),
    "truncated segmint.duckdb": ("truncated", "root/out.csv", True),
    "held by another writer": ("busy", "root/out.csv", True),
    "read-only copy": ("read_only", "read_only/out.csv", False),
    "output in a missing folder": ("good", "root/missing/out.csv", False),
    "output is a folder": ("good", "root", False),
    "output is an existing file": ("good", "orders", False),
    "output under /proc": ("good", "/proc/segmint/out.csv", False),
}


def _resolve(spec: str, places: dict[str, Path]) -> Path:
    if spec.startswith("/"):
        return Path(spec)
    name, _, rest = spec.partition("/")
    return places[name] / rest if rest else places[name]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """`segmint ARGV` in-process: exit status, stdout, stderr. Any other exception is
    what a user would see as a traceback, so it fails the test."""
    try:
        main(argv)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    else:
        status = 0
    out, err = capsys.readouterr()
    return status, out, err


def _applies(command: str, environment: str) -> bool:
    """Whether `environment` breaks something `command` uses: its workspace or its output."""
    workspace, output, _ = ENVIRONMENTS[environment]
    if workspace != "good":
        return "WS" in ARGS[command]
    # demo makes a missing folder, and would build a whole demo there
    return command in WRITES_OUT and not (command == "demo" and "missing" in output)


CASES = [(c, e) for c in sorted(ARGS) for e in ENVIRONMENTS if _applies(c, e)]


@pytest.mark.parametrize(("command", "environment"), CASES)
def test_command_in_a_broken_environment(command, environment, places, capsys, tmp_path):
    workspace, output, must_fail = ENVIRONMENTS[environment]
    uses_workspace = "WS" in ARGS[command]
    ws = places[workspace]
    if command == "init" and workspace == "none":
        ws = tmp_path / "new"  # making a workspace where there is none is init's job
        must_fail = False
    out = _resolve(output, places)
    values = {"WS": str(ws), "OUT": str(out), "FILE": str(places["orders"])}
    argv = [*command.split(), *(values.get(a, a) for a in ARGS[command])]
    if "--json" in _options(command):
        argv.append("--json")
    status, stdout, stderr = run(argv, capsys)
    assert "Traceback" not in stderr
    assert status in (0, 1, 2), (argv, status, stderr)
    if must_fail and uses_workspace:
        assert status in (1, 2), (argv, stdout)
    if status == 0:
        return
    if "--json" in argv:
        error = json.loads(stdout)
        assert error["ok"] is False and error["code"] and error["message"], error
    else:
        assert stderr.startswith("error "), stderr
        assert len(stderr.split()) > 3, stderr


def _options(command: str) -> set[str]:
    found: Any = typer.main.get_command(app)
    for name in command.split():
        found = found.commands[name]
    return {opt for p in found.params for opt in getattr(p, "opts", [])}


def test_a_busy_workspace_names_its_holder(places, capsys):
    status, stdout, _ = run(["status", "-w", str(places["busy"]), "--json"], capsys)
    error = json.loads(stdout)
    assert status == 1 and error["code"] == "store.busy"
    assert "'segmint run' (process " in error["message"] and "running since" in error["message"]
    assert "run: features" in error["hint"]


def test_reading_commands_work_on_a_read_only_copy(places, capsys):
    for argv in (["status"], ["runs"], ["customers", "duplicates"]):
        status, _, stderr = run([*argv, "-w", str(places["read_only"]), "--json"], capsys)
        assert status == 0, (argv, stderr)
    assert sorted(os.listdir(places["read_only"])) == ["segmint.duckdb", "segmint.toml"]
