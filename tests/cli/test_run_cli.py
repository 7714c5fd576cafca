"""`segmint demo`, `run`, `runs`, `segments`, `customer`, `export snapshot` as a user types them."""

import json

import pytest

from segmint.workspace import Workspace
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
    done = segmint("run", "-w", folder, "--json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["customers"] > 0 and not run["backtest"] and run["warnings"] == []
    listed = json.loads(segmint("runs", "-w", folder, "--json").stdout)["runs"]
    assert listed[0]["run_id"] == run["run_id"] and len(listed) >= 2
    assert listed[0]["current"] and not listed[0]["backtest"]
    segments = json.loads(segmint("segments", "-w", folder, "--json").stdout)
    assert segments["run_id"] == run["run_id"]
    tiers = [s for s in segments["segments"] if s["family"] == "tier"]
    assert sum(s["customers"] for s in tiers) == run["customers"]
    who = segmint("export", "snapshot", "--out", folder / "s.csv", "-w", folder)
    assert who.returncode == 0 and "customers written" in who.stdout
    first = (folder / "s.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    profile = json.loads(segmint("customer", first.strip('"'), "-w", folder, "--json").stdout)
    assert profile["customer_id"] == first.strip('"') and profile["why"]["tier"]


def test_the_json_of_each_report_is_the_typed_result_the_library_returns(demo):
    """Witness: each --json reads back into the model `Workspace` returns, equal to it."""
    from segmint.demo.run import Headline
    from segmint.segments.results import Diff, Profile, SegmentsReport
    from segmint.store.snapshots import Run
    from segmint.store.status import Status
    from segmint.workspace import Workspace

    folder, data = demo
    Headline.model_validate(data["headline"])
    # an earlier run, so that segments shows a diff
    assert segmint("run", "--as-of", "2026-03-31", "-w", folder).returncode == 0
    with Workspace(folder, read_only=True) as ws:
        who = ws.snapshot()["customer_id"][0].as_py()
    shown = {
        name: json.loads(segmint(*command, "-w", folder, "--json").stdout)
        for name, command in {
            "status": ("status",),
            "runs": ("runs",),
            "segments": ("segments",),
            "customer": ("customer", who),
        }.items()
    }
    with Workspace(folder, read_only=True) as ws:
        assert Status.model_validate(_typed(shown["status"])) == ws.status()
        assert [Run.model_validate(r) for r in shown["runs"]["runs"]] == ws.runs()
        diff = shown["segments"].pop("diff")
        assert SegmentsReport.model_validate(_typed(shown["segments"])) == ws.segments()
        assert Diff.model_validate(diff) == ws.diff()
        # the profile's feature values are catalog columns (Any): compared as JSON
        profile = Profile.model_validate(_typed(shown["customer"]))
        assert profile.model_dump(mode="json") == ws.customer(who).model_dump(mode="json")
        assert profile.customer_id == who and profile.labels["tier"]


def _typed(shown: dict) -> dict:
    """A --json document without its "ok" mark: the typed result's own fields."""
    assert shown.pop("ok") is True
    return shown


def test_a_back_dated_run_is_a_backtest_and_never_replaces_the_current_run(demo):
    folder, _ = demo
    current = json.loads(segmint("segments", "-w", folder, "--json").stdout)["run_id"]
    done = segmint("run", "--as-of", "2026-01-31", "-w", folder, "--json")
    assert done.returncode == 0, done.stderr
    backtest = json.loads(done.stdout)
    assert backtest["backtest"] and backtest["current_run"]["run_id"] == current
    assert json.loads(segmint("segments", "-w", folder, "--json").stdout)["run_id"] == current
    shown = json.loads(
        segmint("segments", "--run", backtest["run_id"], "-w", folder, "--json").stdout
    )
    assert shown["run_id"] == backtest["run_id"] and shown["as_of"] == "2026-01-31"
    listed = {
        r["run_id"]: r for r in json.loads(segmint("runs", "-w", folder, "--json").stdout)["runs"]
    }
    assert listed[backtest["run_id"]]["backtest"] and not listed[backtest["run_id"]]["current"]
    assert listed[current]["current"]
    table = segmint("runs", "-w", folder).stdout
    assert "backtest" in table and "current" in table
    said = segmint("run", "--as-of", "2026-01-31", "-w", folder).stdout
    assert f"which stays the current run; see it with --run {backtest['run_id'] + 1}" in said


@pytest.mark.parametrize(
    ("as_of", "code", "says"),
    [
        ("2020-01-01", "run.as_of_before_data", "is before the first order"),
        ("9999-12-31", "run.as_of_after_data", "more than a year after the newest order"),
    ],
)
def test_an_as_of_outside_the_data_is_refused_with_its_span(demo, as_of, code, says):
    folder, _ = demo
    before = segmint("runs", "-w", folder, "--json").stdout
    done = segmint("run", "--as-of", as_of, "-w", folder)
    assert done.returncode == 2, done.stderr
    assert code in done.stderr and says in done.stderr and "the orders run from" in done.stderr
    assert "Traceback" not in done.stderr
    assert segmint("runs", "-w", folder, "--json").stdout == before  # nothing was kept


def test_an_unknown_run_lists_the_runs_there_are(demo):
    folder, _ = demo
    done = segmint("segments", "--run", "99", "-w", folder)
    assert done.returncode == 1
    # 1, or 1-N once the module's other tests have run again (the order xdist picks)
    assert "there is no run 99; the runs are 1" in done.stderr
    assert "'segmint runs' lists them" in done.stderr and "segmint run'" not in done.stderr


def test_a_run_warns_when_one_tier_holds_nearly_everyone(tmp_path):
    """The B2B cut-offs on a shop's customers: nearly everyone who bought is in tier C.

    Witness of the share: the run's snapshot, buyers (365-day spend above 0) in C.
    """
    folder = tmp_path / "demo"
    assert segmint("demo", "--customers", 300, "--seed", 5, "--dir", folder).returncode == 0
    settings = folder / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('method = "pareto"', 'method = "thresholds"', 1), "utf-8")
    done = segmint("run", "-w", folder, "--json")
    warning = json.loads(done.stdout)["warnings"][0]
    assert warning["code"] == "run.tiers_concentrated"
    with Workspace(folder) as ws:
        snap = ws.snapshot().to_pandas()
    buyers = snap[snap["revenue_365d"] > 0]
    share = round(100 * float((buyers["tier"] == "C").mean()), 1)
    assert warning["params"]["tier"] == "C" and warning["params"]["share"] == share > 90
    assert warning["hint"] == 'Set method = "pareto" under [tiers] in segmint.toml and run again.'
    shown = segmint("run", "-w", folder, "--lang", "zh-CN")
    assert "run.tiers_concentrated" in shown.stdout and 'method = "pareto"' in shown.stdout
    assert "几乎区分不出客户" in shown.stdout


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
        (("customer", "NOPE"), "There is no customer 'NOPE'", 1),
        (("segments", "--run", "999"), "there is no run 999", 1),
        (("export", "snapshot", "--out", "x.txt"), "must end in .csv, .parquet, .xlsx", 2),
    ],
)
def test_mistakes_get_a_message_not_a_traceback(demo, args, message, status):
    folder, _ = demo
    done = segmint(*args, "-w", folder)
    assert done.returncode == status
    assert message in done.stderr and "Traceback" not in done.stderr


def test_an_as_of_that_is_not_a_date_is_a_usage_error(demo):
    folder, _ = demo
    done = segmint("run", "--as-of", "2026-02-30", "-w", folder)
    assert done.returncode == 2
    assert "as-of '2026-02-30' is not a date" in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_language_is_a_usage_error(demo):
    folder, _ = demo
    done = segmint("segments", "--lang", "fr", "-w", folder)
    assert done.returncode == 2
    assert "'fr' is not a language segmint speaks" in done.stderr


def test_settings_that_make_no_sense_are_named_with_their_lines(tmp_path):
    assert segmint("init", tmp_path / "ws").returncode == 0
    settings = tmp_path / "ws" / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("thresholds = [100000.0, 50000.0]", "thresholds = [100000, -5]")
    settings.write_text(text.replace("churned_min_days = 180", "churned_min_days = 30"), "utf-8")
    lines = text.splitlines()
    done = segmint("runs", "-w", tmp_path / "ws")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    first = lines.index("thresholds = [100000, -5]") + 1
    assert f"segmint.toml, line {first}, field 'tiers.thresholds'" in done.stderr
    assert "[100000, -5]" in done.stderr and "lifecycle.churned_min_days = 30" in done.stderr


def test_a_settings_file_saved_as_gbk_says_to_save_it_as_utf8(tmp_path):
    assert segmint("init", tmp_path / "ws").returncode == 0
    settings = tmp_path / "ws" / "segmint.toml"
    settings.write_bytes('# 店铺设置\nlang = "zh-CN"\n'.encode("gbk"))
    done = segmint("runs", "-w", tmp_path / "ws", "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)
    assert error["code"] == "config.not_utf8" and error["location"]["file"] == "segmint.toml"
    assert "UTF-8" in error["hint"]


def test_refresh_rolls_the_live_view_forward_and_says_what_moved(demo):
    import datetime as dt

    folder, _ = demo
    segmint("run", "-w", folder)
    later = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    done = segmint("refresh", "--as-of", later, "-w", folder, "--json")
    assert done.returncode == 0, done.stderr
    (update,) = json.loads(done.stdout)["updates"]
    assert update["cause"] == "roll_forward" and update["as_of"] == later
    assert update["customers"] > 0 and update["entered"] > 0
    again = segmint("refresh", "--as-of", later, "-w", folder, "--lang", "zh-CN")
    assert again.returncode == 0 and "实时视图已是最新" in again.stdout
    bad = segmint("refresh", "--as-of", "next week", "-w", folder)
    assert bad.returncode == 2 and "next week" in bad.stderr
