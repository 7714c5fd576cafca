"""Every golden valid rule, compiled and run on DuckDB: its members on a fixed workspace.

The workspace is generated with a fixed seed and run as of a fixed day, and holds the
segments the golden vocabulary names (vip, loyal, and frozen as a static segment), so a
rule's compiled result is its member count, a digest of the sorted member ids and the
first three. After a deliberate change, regenerate with
``python -m tests.segments.rules.test_compiled_golden`` and read the diff.
(Membership against an independent computation is tests/segments/test_saved.py and
test_compile.py; this file pins what every golden rule compiles to.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import pytest

from segmint.demo.run import run_demo
from segmint.segments import membership
from segmint.workspace import Workspace
from tests.segments.rules import golden

AS_OF = dt.date(2026, 6, 30)
FIXTURE = "compiled.txt"


def build(folder: Path) -> Workspace:
    """The fixed workspace in `folder` (a new one), open."""
    run_demo(folder, customers=400, seed=11, as_of=AS_OF)
    ws = Workspace(folder)
    ws.add_segment("vip", "tier = 'A'")
    ws.add_segment("frozen", "orders_90d >= 2", static=True)
    ws.add_segment("loyal", "in_segment('vip') and orders_365d >= 4")
    ws.run(as_of=AS_OF)
    return ws


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    ws = build(tmp_path_factory.mktemp("compiled") / "demo")
    yield ws
    ws.close()


def result(ws: Workspace, text: str) -> list[str]:
    """The golden line of `text`: its members on the fixed workspace's current run."""
    run = ws.runs()[0]
    view = membership.run_view(ws.engine, ws.settings, run_id=run.run_id, as_of=run.as_of)
    rule = membership.read(ws.engine, ws.settings, text)
    flags = ws.engine.ibis().to_pyarrow(membership.evaluate(view, {"m": rule}))
    chosen = sorted(
        c
        for c, m in zip(flags["customer_id"].to_pylist(), flags["m"].to_pylist(), strict=True)
        if m
    )
    digest = hashlib.sha256("\n".join(chosen).encode()).hexdigest()[:12]
    return [f"members {len(chosen)} sha256:{digest} first {' '.join(chosen[:3]) or '-'}"]


def _cases() -> list[list[str]]:
    return golden.cases(FIXTURE)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_a_golden_rule_compiles_to_its_members_on_duckdb(fixed, case):
    text, expected = case
    assert result(fixed, text) == [expected]


def test_every_valid_golden_rule_has_a_compiled_result():
    readable = [c[0] for c in golden.cases("valid.txt") if "in_segment('a')" not in c[0]]
    assert {c[0] for c in _cases()} >= set(readable)
    assert len(_cases()) >= 40


if __name__ == "__main__":  # rewrite the fixture from the code, then read the diff
    with tempfile.TemporaryDirectory() as scratch:
        workspace = build(Path(scratch) / "demo")
        golden.regenerate(FIXTURE, lambda text: result(workspace, text))
        workspace.close()
