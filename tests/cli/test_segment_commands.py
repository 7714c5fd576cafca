"""`segmint rule test`, `segmint segment ...` and `segmint export segment` as a user runs them."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from tests.cli.test_cli import segmint
from tests.conftest import built_demo, copied

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_demo(tmp_path_factory, "cli-segments", customers=1500, seed=5, as_of=AS_OF)


@pytest.fixture
def ws(built, tmp_path):
    return copied(built, tmp_path)


def _json(done):
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_rule_test_prints_the_count_as_json(ws):
    data = _json(segmint("rule", "test", "orders_365d >= 3", "-w", ws, "--json"))
    snap = pd.read_parquet(_export_snapshot(ws))
    assert data["count"] == int((snap.orders_365d >= 3).sum()) > 0
    assert data["sentence"] == "orders_365d is at least 3"
    assert len(data["sample"]) == 10


def _export_snapshot(ws):
    out = ws / "snap.parquet"
    assert segmint("export", "snapshot", "--out", out, "-w", ws).returncode == 0
    return out


def test_a_rule_that_does_not_read_fails_with_its_line_and_column(ws):
    done = segmint("rule", "test", "orders_30d > 3 and (tier = 'A'", "-w", ws)
    assert done.returncode == 1
    assert "rules.unclosed_parenthesis" in done.stderr
    assert "1:20" in done.stderr
    data = json.loads(segmint("rule", "test", "orders_30 > 3", "-w", ws, "--json").stdout)
    assert data["code"] == "rules.unknown_field"
    assert data["location"] == {"position": 0}
    assert "did you mean 'orders_30d'" in data["message"]


def test_hostile_rules_change_nothing(ws):
    before = segmint("status", "-w", ws, "--json").stdout
    hostile = (
        "1; DROP TABLE orders",
        "orders_30d > 3 -- and 1 = 1",
        "read_csv('/etc/passwd')",
        "city = ''; ATTACH 'x.db'; --'",
        "__import__('os').system('touch pwned')",
        "getvariable('x') = 1",
    )
    for rule in hostile:
        done = segmint("rule", "test", rule, "-w", ws, "--json")
        assert done.returncode == 1, rule
        assert json.loads(done.stdout)["code"].startswith("rules."), rule
    assert segmint("status", "-w", ws, "--json").stdout == before
    assert not (ws / "pwned").exists() and not (ws / "x.db").exists()


def test_a_segment_is_added_listed_shown_edited_exported_and_removed(ws, tmp_path):
    added = _json(
        segmint(
            "segment",
            "add",
            "regulars",
            "orders_365d >= 3",
            "--description",
            "come back",
            "-w",
            ws,
            "--json",
        )
    )
    assert added["segment"]["version"] == 1 and added["preview"]["count"] > 0
    listed = _json(segmint("segment", "list", "-w", ws, "--json"))["segments"]
    assert [(d["segment"]["name"], d["members"]) for d in listed] == [
        ("regulars", added["preview"]["count"])
    ]
    edited = _json(segmint("segment", "edit", "regulars", "orders_365d >= 5", "-w", ws, "--json"))
    assert edited["segment"]["version"] == 2
    assert edited["segment"]["description"] == "come back"
    shown = _json(segmint("segment", "show", "regulars", "-w", ws, "--json", "--lang", "zh-CN"))
    assert [v["rule"] for v in shown["versions"]] == ["orders_365d >= 3", "orders_365d >= 5"]
    assert shown["sentence"] == "近 365 天订单数 不少于 5"
    out = tmp_path / "regulars.csv"
    done = segmint("export", "segment", "regulars", "--out", out, "-w", ws)
    assert done.returncode == 0, done.stderr
    exported = pd.read_csv(out, encoding="utf-8-sig")
    assert list(exported.columns) == ["customer_id", "orders_365d", "why"]
    assert len(exported) == added["preview"]["count"]  # the current run keeps version 1
    removed = segmint("segment", "remove", "regulars", "-w", ws)
    assert removed.returncode == 0 and "regulars" in removed.stdout
    assert _json(segmint("segment", "list", "-w", ws, "--json"))["segments"] == []


def test_a_customers_profile_names_her_segments_and_why(ws):
    _json(segmint("segment", "add", "regulars", "orders_365d >= 3", "-w", ws, "--json"))
    out = ws / "regulars.csv"
    segmint("export", "segment", "regulars", "--out", out, "-w", ws)
    member = pd.read_csv(out, encoding="utf-8-sig").customer_id.iloc[0]
    profile = _json(segmint("customer", member, "-w", ws, "--json"))
    (mine,) = profile["segments"]
    assert mine["name"] == "regulars" and mine["why"][0].startswith("orders_365d = ")
    text = segmint("customer", member, "-w", ws, "--lang", "zh-CN").stdout
    assert "所属的自定义分群" in text and "近 365 天订单数" in text
