"""The command line as a user runs it: real subprocesses, exit codes, JSON, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import write_csv

HEADER = ["订单号", "客户ID", "下单时间", "金额", "手机"]


def segmint(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "segmint", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


@pytest.fixture
def workspace(tmp_path):
    done = segmint("init", tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    return tmp_path / "ws"


def test_init_creates_settings_and_database(workspace):
    assert (workspace / "segmint.toml").is_file()
    assert (workspace / "segmint.duckdb").is_file()


def test_import_json_reports_counts_and_the_quarantine_file(workspace, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        HEADER,
        [["O1", "C1", "2024-03-05", "10", ""], ["O2", "C1", "bad date", "10", ""]],
    )
    done = segmint("import", "orders", path, "--workspace", workspace, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["accepted"], result["quarantined"], result["already_present"]) == (1, 1, 0)
    assert result["quarantine_file"] == f"quarantine/{result['import_id']}.csv"
    assert (workspace / result["quarantine_file"]).is_file()
    assert result["problems"][0]["row"] == 3


def test_workspace_comes_from_the_environment(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, [["O1", "C1", "2024-03-05", "10", ""]])
    done = segmint("import", "orders", path, env={"SEGMINT_WORKSPACE": str(workspace)})
    assert done.returncode == 0, done.stderr
    status = json.loads(segmint("status", "--json", "-w", workspace).stdout)
    assert status["tables"]["orders"] == 1
    assert status["net_revenue"] == "10.00"


def test_missing_column_exits_1_with_a_message_and_no_traceback(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", ["order_id", "customer_id"], [["O1", "C1"]])
    done = segmint("import", "orders", path, "-w", workspace)
    assert done.returncode == 1
    assert "no column for required 'ordered_at'" in done.stderr
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", ["order_id", "customer_id"], [["O1", "C1"]])
    done = segmint("--debug", "import", "orders", path, "-w", workspace)
    assert done.returncode == 1
    assert "Traceback" in done.stderr


def test_strict_with_bad_rows_exits_1_and_imports_nothing(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, [["O1", "C1", "someday", "10", ""]])
    done = segmint("import", "orders", path, "-w", workspace, "--strict", "--json")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["ok"] is False and error["code"] == "ingest.rejected"
    assert json.loads(segmint("status", "--json", "-w", workspace).stdout)["tables"]["orders"] == 0


def test_usage_errors_exit_2(workspace):
    assert segmint("import", "-w", workspace).returncode == 2
    assert segmint("import", "orders", "x.csv", "--no-such-option").returncode == 2


def test_a_mistaken_command_line_is_told_like_any_error_in_the_users_language(workspace):
    wrong = segmint("run", "--as-f", "2024-01-01", "--lang", "zh-CN", "-w", workspace)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "错误 cli.no_such_option" in wrong.stderr
    assert "“segmint run”没有选项 --as-f" in wrong.stderr and "--as-of" in wrong.stderr
    missing = segmint("import", "orders", "--json", "-w", workspace)
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["code"] == "cli.missing"
    other = segmint("frobnicate")
    assert other.returncode == 2 and "cli.usage" in other.stderr
    assert "No such command 'frobnicate'" in other.stderr


def test_unknown_kind_suggests_the_closest(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, [["O1", "C1", "2024-03-05", "10", ""]])
    done = segmint("import", "order", path, "-w", workspace)
    assert done.returncode == 2  # a mistake in the command's argument
    assert "unknown kind 'order'" in done.stderr and "Did you mean 'orders'?" in done.stderr


def test_not_a_workspace_says_how_to_make_one(tmp_path):
    done = segmint("status", "-w", tmp_path)
    assert done.returncode == 1
    assert "is not a segmint workspace" in done.stderr and "segmint init" in done.stderr


def test_duplicates_and_merge(workspace, tmp_path):
    customers = write_csv(
        tmp_path / "c.csv",
        ["会员号", "姓名", "手机号"],
        [["C1", "王芳", "13800138000"], ["C2", "王芳", "+86 138-0013-8000"], ["C3", "李强", ""]],
    )
    orders = write_csv(
        tmp_path / "o.csv",
        HEADER,
        [["O1", "C1", "2024-03-05", "10", ""], ["O2", "C2", "2024-03-06", "20", ""]],
    )
    assert segmint("import", "customers", customers, "-w", workspace).returncode == 0
    assert segmint("import", "orders", orders, "-w", workspace).returncode == 0
    groups = json.loads(segmint("customers", "duplicates", "-w", workspace, "--json").stdout)
    assert groups["groups"] == [
        {"field": "phone", "value": "13800138000", "customer_ids": ["C1", "C2"]}
    ]
    merged = segmint("customers", "merge", "C1", "C2", "-w", workspace, "--json")
    assert json.loads(merged.stdout)["moved"] == {"orders": 1, "events": 0, "tickets": 0}
    status = json.loads(segmint("status", "-w", workspace, "--json").stdout)
    assert status["tables"]["customers"] == 2
    # a later order under the merged id lands on the kept customer
    later = write_csv(tmp_path / "o2.csv", HEADER, [["O3", "C2", "2024-03-07", "5", ""]])
    assert segmint("import", "orders", later, "-w", workspace).returncode == 0
    again = segmint("customers", "merge", "C1", "C2", "-w", workspace)
    assert again.returncode == 1 and "already merged into 'C1'" in again.stderr
    unknown = segmint("customers", "merge", "C1", "C9", "-w", workspace)
    assert unknown.returncode == 1 and "there is no customer 'C9'" in unknown.stderr


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["import"],
        ["init"],
        ["status"],
        ["demo"],
        ["generate"],
        ["customers", "merge"],
        ["customers", "duplicates"],
    ],
)
def test_every_command_has_help_with_an_example(command):
    done = segmint(*command, "--help")
    assert done.returncode == 0
    assert "Example" in done.stdout or command == [], done.stdout


def test_demo_builds_a_workspace_and_can_be_run_again(tmp_path):
    folder = tmp_path / "demo"
    for _ in range(2):  # a second run remakes the demo folder instead of refusing it
        done = segmint("demo", "--customers", 300, "--dir", folder, "--json")
        assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["tables"]["customers"] == 300
    assert summary["tables"]["orders"] == summary["imports"]["orders"]["accepted"] > 300
    assert all(r["quarantined"] == 0 for r in summary["imports"].values())
    report = folder / "report.html"
    assert summary["report"] == str(report)
    assert report.stat().st_size > 1_000_000 and b"<script>" in report.read_bytes()  # plotly.js
    shown = segmint("demo", "--customers", 300, "--dir", folder)
    assert shown.returncode == 0, shown.stderr
    assert f"Report written to {report}" in " ".join(shown.stdout.split())  # wrapped or not


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    done = segmint("demo", "--customers", 50, "--dir", tmp_path)
    assert done.returncode == 2
    assert f"'{tmp_path}' is not empty and was not made by 'segmint demo'" in done.stderr
    assert "--force" in done.stderr
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_generate_writes_every_kind_and_the_truth(tmp_path):
    done = segmint("generate", "--customers", 200, "--out", tmp_path / "g", "--messy", "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    assert {"customers", "orders", "order_items", "events", "tickets"} <= set(files)
    raw = (tmp_path / "g" / "orders.csv").read_bytes()
    assert "订单编号".encode("gbk") in raw.splitlines()[0]


def test_xlsx_sheet_by_name(workspace, tmp_path):
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write_row(0, 0, ["这是说明页"])
    sheet = book.add_worksheet("会员")
    sheet.write_row(0, 0, ["会员号", "姓名"])
    sheet.write_row(1, 0, ["C1", "王芳"])
    book.close()
    done = segmint("import", "customers", path, "--sheet", "会员", "-w", workspace, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["accepted"] == 1
    wrong = segmint("import", "customers", path, "--sheet", "会员们", "-w", workspace)
    # A --sheet that names no sheet is a usage mistake (exit 2), with the closest name.
    assert wrong.returncode == 2 and "--sheet '会员'" in wrong.stderr


def test_an_orders_file_imported_as_customers_exits_2_and_force_overrides(workspace, tmp_path):
    path = write_csv(tmp_path / "orders.csv", HEADER, [["O1", "C1", "2024-03-05", "10", ""]])
    done = segmint("import", "customers", path, "-w", workspace)
    assert done.returncode == 2, done.stderr
    assert "looks like a file of orders, not of customers" in done.stderr
    assert "'订单号' (order_id)" in done.stderr
    assert "--force" in done.stderr and "Traceback" not in done.stderr
    forced = segmint("import", "customers", path, "-w", workspace, "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert "订单号" in json.loads(forced.stdout)["ignored_columns"]


def test_the_quarantine_path_printed_opens_from_the_current_folder(workspace, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, [["O1", "C1", "bad date", "10", ""]])
    done = segmint("import", "orders", path, "-w", "ws", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("quarantined rows are in ")[1].split()[0]
    assert shown.startswith("ws/quarantine/") and (tmp_path / shown).is_file()
    as_json = segmint("import", "orders", path, "-w", "ws", "--json", cwd=tmp_path)
    result = json.loads(as_json.stdout)
    assert result["quarantine_file"].startswith("quarantine/")  # the record: in the workspace
    assert (tmp_path / result["quarantine_path"]).is_file()


def test_import_help_names_force_and_header_row():
    done = segmint("import", "--help")
    assert "--force" in done.stdout and "--header-row" in done.stdout
