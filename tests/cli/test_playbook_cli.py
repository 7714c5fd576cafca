"""`segmint playbook run` and `segmint tasks` as a user runs them."""

import datetime as dt
import json

from python_calamine import CalamineWorkbook

from tests.cli.test_cli import segmint
from tests.conftest import built_demo, copied

RULES = """
[[playbooks.rules]]
name = "a-managers"
segment = "tier.A"
owners = ["王经理", "李经理"]
task = "专属回访"
"""


def test_a_playbook_makes_tasks_once_and_a_task_is_done(tmp_path_factory, tmp_path):
    folder = copied(
        built_demo(tmp_path_factory, "pb", customers=300, seed=9, as_of=dt.date(2026, 6, 30)),
        tmp_path,
    )
    with (folder / "segmint.toml").open("a", encoding="utf-8") as f:
        f.write(RULES)
    dry = segmint("playbook", "run", "--dry-run", "-w", folder, "--lang", "zh-CN")
    assert dry.returncode == 0 and "试运行" in dry.stdout, dry.stderr
    ran = json.loads(segmint("playbook", "run", "-w", folder, "--json").stdout)
    (rule,) = ran["rules"]
    assert rule["tasks_created"] == rule["members"] == rule["owners_assigned"] > 0
    again = json.loads(segmint("playbook", "run", "-w", folder, "--json").stdout)
    assert again["rules"][0]["tasks_created"] == 0
    mine = json.loads(segmint("tasks", "--owner", "王经理", "-w", folder, "--json").stdout)
    assert mine["tasks"] and {t["owner"] for t in mine["tasks"]} == {"王经理"}
    first = mine["tasks"][0]["task_id"]
    closed = segmint("tasks", "done", str(first), "-w", folder)
    assert closed.returncode == 0 and "is done" in closed.stdout
    left = json.loads(segmint("tasks", "-w", folder, "--json").stdout)["tasks"]
    assert first not in {t["task_id"] for t in left} and len(left) == rule["tasks_created"] - 1
    out = tmp_path / "tasks.xlsx"
    written = segmint("tasks", "--all", "--out", out, "-w", folder)
    assert written.returncode == 0, written.stderr
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert len(sheet) - 1 == rule["tasks_created"] and sheet[0][0] == "task_id"
    unknown = segmint("tasks", "done", "99999", "-w", folder)
    assert unknown.returncode == 1 and "segmint tasks --all" in unknown.stderr
