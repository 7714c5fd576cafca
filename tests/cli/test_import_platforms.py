"""`segmint import FILE` as a shop user runs it: platform and kind found, clear errors."""

import json

import pytest

from segmint.demo.platforms import TAOBAO_HEADER
from tests.cli.test_cli import segmint
from tests.conftest import write_csv as write_plain
from tests.ingest.platforms.exports import write_csv
from tests.ingest.platforms.test_taobao import FIRST


@pytest.fixture
def workspace(tmp_path):
    done = segmint("init", tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    return tmp_path / "ws"


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "ExportOrderList202403101200.csv"
    return write_csv(path, TAOBAO_HEADER, FIRST, encoding="gbk", quote_all=True)


def test_a_taobao_report_imports_with_no_kind_and_says_which_preset(workspace, report):
    done = segmint("import", report, "-w", workspace)
    assert done.returncode == 0, done.stderr
    assert "Taobao / Tmall order report" in done.stdout
    assert "--preset taobao" in done.stdout
    zh = segmint("import", report, "-w", workspace, "--lang", "zh-CN")
    assert "淘宝/天猫订单报表" in zh.stdout and "已存在" in zh.stdout


def test_json_lists_every_table_the_report_filled(workspace, report):
    done = segmint("import", "orders", report, "-w", workspace, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["preset"] == "taobao"
    assert {t["kind"]: t["accepted"] for t in result["tables"]} == {
        "customers": 7,
        "orders": 9,
        "order_items": 9,
    }


def test_preset_none_reads_the_report_by_its_headers(workspace, report):
    # Without the preset the report is an ordinary orders file: its synonyms find the
    # order number, the time and the amount, but not the buyer.
    done = segmint("import", "orders", report, "-w", workspace, "--preset", "none", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["code"] == "ingest.missing_column"


def test_an_unknown_preset_exits_2_and_names_the_closest(workspace, report):
    done = segmint("import", report, "-w", workspace, "--preset", "taobo")
    assert done.returncode == 2
    assert "ingest.unknown_preset" in done.stderr and "--preset taobao" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_preset_without_the_kind_asked_for_exits_2(workspace, report):
    done = segmint("import", "tickets", report, "-w", workspace, "--preset", "taobao")
    assert done.returncode == 2
    assert "ingest.preset_not_for_kind" in done.stderr


def test_a_plain_file_without_kind_is_imported_as_the_table_it_fits(workspace, tmp_path):
    path = write_plain(
        tmp_path / "o.csv",
        ["订单号", "客户ID", "下单时间", "金额"],
        [["O1", "C1", "2024-03-05", "10.00"]],
    )
    done = segmint("import", path, "-w", workspace, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "orders"
    items = write_plain(tmp_path / "i.csv", ["订单号", "商品编号", "数量"], [["O1", "P1", "2"]])
    done = segmint("import", items, "-w", workspace, "--json")
    assert json.loads(done.stdout)["kind"] == "order_items"


def test_a_file_that_fits_nothing_asks_for_the_kind(workspace, tmp_path):
    path = write_plain(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])
    done = segmint("import", path, "-w", workspace)
    assert done.returncode == 2
    assert "ingest.unknown_kind_of_file" in done.stderr
    assert "segmint import orders" in done.stderr


@pytest.mark.parametrize("args", [[], ["orders"], ["orders", "a.csv", "b.csv"]])
def test_import_needs_a_file_and_at_most_a_kind_before_it(workspace, args):
    done = segmint("import", *args, "-w", workspace)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "FILE" in done.stderr
