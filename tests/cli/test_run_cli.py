"""`segmint demo`, `run`, `runs`, `segments`, `customer`, `export snapshot` as a user types them."""

import json

import pytest

from tests.cli.test_cli import segmint


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "demo"
    done = segmint("demo", "--customers", 1500, "--seed", 3, "--dir", folder, "--json")
    assert done.returncode == 0, done.stderr
    return folder, json.loads(done.stdout)


def test_demo_prints_the_headline(demo):
    _, data = demo
    headline = data["headline"]
    assert headline["customers"] == 1500
    assert sum(t["customers"] for t in headline["tiers"]) == 1500
    assert sum(t["revenue_share"] for t in headline["tiers"]) == pytest.approx(1.0)
    assert 0 < headline["value_customers"] < 1500
    assert headline["churn_risk"] == headline["stages"]["At risk"]


def test_run_then_runs_segments_and_customer(demo):
    folder, _ = demo
    done = segmint("run", "--as-of", "2026-01-31", "-w", folder, "--json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["as_of"] == "2026-01-31" and run["customers"] > 0
    listed = json.loads(segmint("runs", "-w", folder, "--json").stdout)["runs"]
    assert listed[0]["run_id"] == run["run_id"] and len(listed) >= 2
    segments = json.loads(segmint("segments", "-w", folder, "--json").stdout)
    assert segments["run_id"] == run["run_id"]
    tiers = [s for s in segments["segments"] if s["family"] == "tier"]
    assert sum(s["customers"] for s in tiers) == run["customers"]
    who = segmint("export", "snapshot", "--out", folder / "s.csv", "-w", folder)
    assert who.returncode == 0 and "customers written" in who.stdout
    first = (folder / "s.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    profile = json.loads(segmint("customer", first.strip('"'), "-w", folder, "--json").stdout)
    assert profile["customer_id"] == first.strip('"') and profile["why"]["tier"]


def test_tables_read_in_a_terminal(demo):
    folder, _ = demo
    shown = segmint("segments", "-w", folder, "--lang", "zh-CN")
    assert shown.returncode == 0, shown.stderr
    assert "价值等级" in shown.stdout and "生命周期" in shown.stdout
    profile = segmint("customer", "C0000001", "-w", folder)
    assert "labels and why" in profile.stdout and "features and scores" in profile.stdout


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (("run", "--as-of", "2026-02-30"), "--as-of '2026-02-30' is not a date", 1),
        (("customer", "NOPE"), "There is no customer 'NOPE'", 1),
        (("segments", "--run", "999"), "There is no run 999", 1),
        (("export", "snapshot", "--out", "x.txt"), "must end in .csv, .parquet, .xlsx", 2),
    ],
)
def test_mistakes_get_a_message_not_a_traceback(demo, args, message, status):
    folder, _ = demo
    done = segmint(*args, "-w", folder)
    assert done.returncode == status
    assert message in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_language_is_a_usage_error(demo):
    folder, _ = demo
    done = segmint("segments", "--lang", "fr", "-w", folder)
    assert done.returncode == 2
    assert "'fr' is not a language segmint speaks" in done.stderr
