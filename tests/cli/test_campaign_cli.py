"""`segmint campaign` as a user runs it: create, list, export a variant, report, in Chinese."""

import datetime as dt
import json

import pandas as pd

from tests.cli.test_cli import segmint
from tests.conftest import built_demo, copied


def test_a_campaign_is_made_exported_and_reported(tmp_path_factory, tmp_path):
    folder = copied(
        built_demo(tmp_path_factory, "camp", customers=400, seed=2, as_of=dt.date(2026, 6, 30)),
        tmp_path,
    )
    made = segmint(
        "campaign", "create", "回访", "--segment", "tier.C", "--holdout", "20%",
        "--variants", "A,B", "--start", "2026-07-01", "--end", "2026-07-31",
        "--seed", "5", "-w", folder, "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    groups = json.loads(made.stdout)["groups"]
    assert set(groups) == {"A", "B", "holdout"} and json.loads(made.stdout)["campaign"]["seed"] == 5
    out = tmp_path / "a.csv"
    sent = segmint("campaign", "export", "回访", "--variant", "A", "--out", out, "-w", folder)
    assert sent.returncode == 0, sent.stderr
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == groups["A"]
    listed = segmint("campaign", "list", "-w", folder, "--lang", "zh-CN")
    assert "回访" in listed.stdout and "20.0 %" in listed.stdout
    told = segmint("campaign", "report", "回访", "-w", folder, "--lang", "zh-CN")
    assert told.returncode == 0, told.stderr
    assert "对照组" in told.stdout and "数据只到" in told.stdout  # the window is not over
    report = json.loads(segmint("campaign", "report", "回访", "-w", folder, "--json").stdout)
    assert report["holdout"] == groups["holdout"] and len(report["variants"]) == 2
    bad = segmint(
        "campaign", "create", "x", "--segment", "tier.C", "--holdout", "ten", "-w", folder
    )
    assert bad.returncode == 1 and "--holdout 10%" in bad.stderr and "Traceback" not in bad.stderr
