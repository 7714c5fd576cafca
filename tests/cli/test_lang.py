"""The command line in Chinese: every title, header, field and value, and readable numbers."""

import csv
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from segmint.core import i18n
from segmint.core.catalog import SNAPSHOT_COLUMNS
from segmint.core.schema import TABLES
from tests.cli.test_cli import segmint
from tests.conftest import write_csv

REPORTS = (
    ("status",),
    ("runs",),
    ("segments",),
    ("customer", "C0000001"),
    ("customers", "duplicates"),
)
# Entries whose English words must not show in Chinese output (names users configure and
# stored data, such as a channel or a tier label, may be in any language).
SHOWN = ("label.", "cli.", "value.", "stage.", "rfm8.", "rfm11.", "value_customer.", "explain.")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang") / "demo"
    done = segmint("demo", "--customers", 300, "--seed", 5, "--dir", folder, "--json")
    assert done.returncode == 0, done.stderr
    # an earlier run, so that run 1 has one before it to show moves against
    moved = segmint("run", "--as-of", "2026-06-30", "-w", folder, "--json")
    assert moved.returncode == 0, moved.stderr
    return folder


def _english_words() -> set[str]:
    """Words of the English texts that their Chinese texts do not also use (RFM, CLV, ...)."""
    words: set[str] = set()
    for entry in i18n.catalogue().values():
        if entry.key.startswith(SHOWN):
            english = re.findall(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", entry.en))
            chinese = re.findall(r"[A-Za-z]{3,}", entry.zh)
            words |= {w.lower() for w in english} - {w.lower() for w in chinese}
    return words - {"segmint", "segments", "customer", "export", "snapshot"}  # commands


def _labels_of(output: str) -> list[str]:
    """What the tables say about their data: titles, headers and the first column's labels."""
    said = []
    for line in output.splitlines():
        if line.startswith(("┃", "│")):
            cells = [c.strip() for c in re.split(r"[┃│]", line)[1:-1]]
            said += cells if line.startswith("┃") else cells[:1]
        elif not line.startswith(("┏", "┡", "└", "┗", "├")):
            said.append(line)
    return said


@pytest.mark.parametrize("args", REPORTS, ids=" ".join)
def test_reports_in_chinese_have_no_english_words_of_the_catalogue(demo, args):
    done = segmint(*args, "--lang", "zh-CN", "-w", demo)
    assert done.returncode == 0, done.stderr
    text = "\n".join(_labels_of(done.stdout.replace(str(demo), "")))
    found = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)} & _english_words()
    assert not found, f"English left in {' '.join(args)}: {sorted(found)}\n{done.stdout}"


def test_the_profile_names_fields_and_values_in_chinese(demo):
    shown = segmint("customer", "C0000001", "--lang", "zh-CN", "-w", demo).stdout
    assert "基本信息" in shown and "标签及原因" in shown and "特征与得分" in shown
    assert "性别" in shown and re.search(r"│ 性别\s+│ (男|女|其他)\s", shown)
    assert re.search(r"│ 同意邮件营销\s+│ (是|否)\s", shown)
    assert "True" not in shown and "False" not in shown


def test_reasons_use_one_separator_per_language(demo):
    for lang, own, other in (("zh-CN", "；", ";"), ("en", ";", "；")):
        done = segmint("customer", "C0000001", "--lang", lang, "-w", demo, "--json")
        why = json.loads(done.stdout)["why"]
        assert all(other not in text for text in why.values()), why
        assert any(own in text for text in why.values()), why


def test_numbers_are_rounded_and_money_has_the_currency(demo):
    shown = segmint("customer", "C0000001", "-w", demo).stdout
    assert re.search(r"│ value_score\s+│ \d\.\d\d\s", shown), shown
    assert re.search(r"│ clv_12m\s+│ ¥[\d,]+\.\d\d\s", shown), shown
    assert re.search(r"│ monetary\s+│ ¥[\d,]+\.\d\d\s", shown), shown
    assert not re.search(r"\d\.\d{5,}|e-\d\d", shown), "a raw float is shown"


def test_times_are_in_the_workspace_zone_and_say_so(demo):
    runs = json.loads(segmint("runs", "-w", demo, "--json").stdout)["runs"]
    shown = segmint("runs", "-w", demo).stdout
    assert "Asia/Shanghai" in shown and "UTC" not in shown
    finished = dt.datetime.fromisoformat(runs[0]["finished_at"])
    local = finished.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert local in shown


def test_segments_title_footer_and_moves_in_chinese(demo):
    shown = segmint("segments", "--run", 1, "--lang", "zh-CN", "-w", demo).stdout
    assert "客户分组" in shown and "前 20% 的客户" in shown
    assert "生命周期变化" in shown and "of run" not in shown


def test_run_summary_and_next_line_in_chinese(demo):
    done = segmint("run", "--lang", "zh-CN", "-w", demo)
    assert done.returncode == 0, done.stderr
    assert "次计算，统计日" in done.stdout and "下一步：" in done.stdout


def test_the_workspace_language_applies_without_lang(tmp_path):
    folder = tmp_path / "ws"
    assert segmint("init", folder).returncode == 0
    settings = folder / "segmint.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('lang = "en"', 'lang = "zh-CN"'),
        encoding="utf-8",
    )
    assert "数据表" in segmint("status", "-w", folder).stdout
    missing = segmint("customer", "NOPE", "-w", folder)
    assert missing.returncode == 1 and missing.stderr.startswith("错误")
    asked = segmint("customer", "NOPE", "-w", folder, "--lang", "en")
    assert asked.stderr.startswith("error")


def test_import_problems_are_in_chinese(tmp_path):
    folder = tmp_path / "ws"
    assert segmint("init", folder).returncode == 0
    path = write_csv(
        tmp_path / "o.csv",
        ["订单号", "客户ID", "下单时间", "金额"],
        [["O1", "C1", "2024-03-05", "10"], ["O2", "C1", "bad date", "ten"]],
    )
    done = segmint("import", "orders", path, "-w", folder, "--lang", "zh-CN")
    assert done.returncode == 0, done.stderr
    assert "前几处问题" in done.stdout and "不是日期或时间" in done.stdout
    assert "first problems" not in done.stdout and "rows read" not in done.stdout
    (quarantined,) = (folder / "quarantine").glob("*.csv")
    with quarantined.open(encoding="utf-8-sig") as f:
        reason = next(csv.DictReader(f))["_error"]
    assert "不是日期或时间" in reason and "；" in reason and ";" not in reason, reason


def test_a_chinese_export_has_chinese_headers_and_an_english_one_the_column_names(demo):
    out = demo.parent / "zh.csv"
    assert (
        segmint("export", "snapshot", "--out", out, "--lang", "zh-CN", "-w", demo).returncode == 0
    )
    with out.open(encoding="utf-8-sig") as f:
        headers = next(csv.reader(f))
    assert headers[:3] == ["客户编号", "距上次购买天数", "有效订单数"]
    assert not [h for h in headers if re.fullmatch(r"[a-z_0-9]+", h)], headers
    english = demo.parent / "en.csv"
    assert segmint("export", "snapshot", "--out", english, "-w", demo).returncode == 0
    with english.open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[:3] == ["customer_id", "recency_days", "frequency"]


def test_every_field_a_report_shows_has_a_chinese_name():
    names = set(TABLES["customers"].column_names) | {f.name for f in SNAPSHOT_COLUMNS}
    missing = [n for n in sorted(names) if f"label.field.{n}" not in i18n.catalogue()]
    assert not missing
    chinese = [i18n.label(f"field.{f.name}", "zh-CN") for f in SNAPSHOT_COLUMNS]
    assert len(chinese) == len(set(chinese)), "two features share a Chinese header"
