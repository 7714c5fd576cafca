"""Playbooks per tier: owners balanced and sticky, tasks once (or every N days), lists of new
members only, webhooks once; a second run changes nothing; a dry run writes nothing.

Witnesses: the snapshot's tier column read with pandas (who is in A, B and C), the
customers table (who consented to e-mail and has an address), the rows the run wrote.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from segmint.core.errors import ConfigError
from segmint.workspace import Workspace
from tests.activate.test_webhooks import allow_loopback
from tests.conftest import built_demo, copied

AS_OF = dt.date(2026, 6, 30)
OWNERS = ["王经理", "李经理", "张经理"]
RULES = f"""
[[playbooks.rules]]
name = "a-managers"
segment = "tier.A"
owners = {json.dumps(OWNERS, ensure_ascii=False)}
task = "专属回访：了解需求，提供定制服务"

[[playbooks.rules]]
name = "b-followup"
segment = "tier.B"
task = "定期回访，推荐新品"
every_days = 14

[[playbooks.rules]]
name = "c-mail"
segment = "tier.C"
export = "email"
webhook = true
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return built_demo(tmp_path_factory, "playbooks", customers=800, seed=14, as_of=AS_OF)


@pytest.fixture
def folder(made, tmp_path):
    copy = copied(made, tmp_path)
    allow_loopback(copy)
    with (copy / "segmint.toml").open("a", encoding="utf-8") as f:
        f.write(RULES)
    return copy


def _tiers(ws) -> pd.Series:
    run = ws.runs()[0].run_id
    snap = ws.engine.arrow(
        "SELECT customer_id, tier FROM snapshots WHERE run_id = ? ORDER BY 1", [run]
    ).to_pandas()
    return snap.set_index("customer_id").tier


def _state(ws) -> dict[str, list]:
    return {
        t: ws.engine.rows(f"SELECT * EXCLUDE (created_at) FROM {t} ORDER BY ALL")  # noqa: S608
        if t == "tasks"
        else ws.engine.rows(f"SELECT * FROM {t} ORDER BY ALL")  # noqa: S608
        for t in ("customer_owners", "tasks", "playbook_log", "webhook_messages")
    }


def test_the_first_run_acts_on_each_tier_and_the_second_changes_nothing(folder):
    with Workspace(folder) as ws:
        ws.add_webhook("http://127.0.0.1:9/hook", events=["playbook.matched"])
        tiers = _tiers(ws)
        first = ws.run_playbooks()
        state = _state(ws)
        again = ws.run_playbooks()
        customers = ws.engine.arrow("SELECT * FROM customers").to_pandas().set_index("customer_id")
        assert _state(ws) == state
    by = {r.rule: r for r in first.rules}
    a, b, c = (sorted(tiers.index[tiers == t]) for t in "ABC")
    assert len(a) > 20 and len(b) > 20 and len(c) > 100  # the witness has something to say

    owners = dict(state["customer_owners"][i][:2] for i in range(len(state["customer_owners"])))
    assert sorted(owners) == a and by["a-managers"].owners_assigned == len(a)
    loads = pd.Series(owners).value_counts()
    assert set(loads.index) == set(OWNERS) and loads.max() - loads.min() <= 1  # balanced
    tasks = pd.DataFrame(state["tasks"], columns=["id", "rule", "customer_id", "owner", "title",
                                                  "day", "done_at", "done_by"])  # fmt: skip
    a_tasks = tasks[tasks.rule == "a-managers"]
    assert sorted(a_tasks.customer_id) == a
    assert all(a_tasks.owner == a_tasks.customer_id.map(owners))  # each to her own manager
    assert sorted(tasks[tasks.rule == "b-followup"].customer_id) == b
    assert tasks.owner[tasks.rule == "b-followup"].isna().all()  # tier B has no managers

    consented = customers.consent_email.fillna(False).astype(bool)
    reachable = sorted(i for i in c if consented[i] and pd.notna(customers.email[i]))
    listed = pd.read_csv(by["c-mail"].export_file, encoding="utf-8-sig", dtype=str)
    assert sorted(listed.customer_id) == reachable == sorted(listed.customer_id.unique())
    assert by["c-mail"].exported == len(reachable) and by["c-mail"].told == len(c)
    told = [json.loads(m[3])["data"] for m in state["webhook_messages"]]
    assert sorted(d["customer_id"] for d in told) == c and {d["rule"] for d in told} == {"c-mail"}

    assert [(r.owners_assigned, r.tasks_created, r.exported, r.told) for r in again.rules] == [
        (0, 0, 0, 0)
    ] * 3
    assert all(r.export_file is None for r in again.rules)


def test_a_dry_run_says_what_would_be_done_and_does_nothing(folder):
    with Workspace(folder) as ws:
        before = _state(ws)
        dry = ws.run_playbooks(dry_run=True)
        assert _state(ws) == before and not (folder / "exports").exists()
        real = ws.run_playbooks()
    strip = [r.model_copy(update={"export_file": None}) for r in real.rules]
    assert [r.model_copy(update={"export_file": None}) for r in dry.rules] == strip
    assert dry.dry_run and not real.dry_run


def test_owners_are_sticky_and_tasks_come_again_after_every_days(folder):
    with Workspace(folder) as ws:
        ws.run_playbooks()
        owners = dict(ws.engine.rows("SELECT customer_id, owner FROM customer_owners"))
    toml = folder / "segmint.toml"
    text = toml.read_text(encoding="utf-8")  # 张经理 leaves; 赵经理 joins
    toml.write_text(text.replace('"张经理"]', '"赵经理"]'), encoding="utf-8")
    with Workspace(folder) as ws:
        second = {r.rule: r for r in ws.run_playbooks().rules}
        after = dict(ws.engine.rows("SELECT customer_id, owner FROM customer_owners"))
        ws.refresh(as_of=AS_OF + dt.timedelta(days=15))
        third_run = ws.run_playbooks()
        third = {r.rule: r for r in third_run.rules}
        newest = ws.engine.rows(
            "SELECT day, count(*) FROM tasks WHERE rule = 'b-followup' GROUP BY 1 ORDER BY 1"
        )
    moved = {c for c in owners if owners[c] != after[c]}
    assert moved == {c for c, o in owners.items() if o == "张经理"} != set()
    assert {after[c] for c in moved} <= {"王经理", "李经理", "赵经理"}
    assert second["a-managers"].owners_assigned == len(moved)
    assert second["a-managers"].tasks_created == 0  # her task was made; a new owner has it
    # 15 days on, every member of B (in the view of that day) is due again: every 14 days
    assert third_run.day == AS_OF + dt.timedelta(days=15)
    assert third["b-followup"].tasks_created == third["b-followup"].members > 0
    assert newest[-1] == (third_run.day, third["b-followup"].members)


def test_playbook_rules_that_make_no_sense_are_named_with_their_line(made, tmp_path):
    folder = copied(made, tmp_path)
    with (folder / "segmint.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[playbooks.rules]]\nname = "x"\nsegment = "tier.A"\n')
    with pytest.raises(ConfigError) as caught:
        Workspace(folder)
    assert caught.value.code == "config.playbook_no_action"
    assert caught.value.location is not None and caught.value.location.line is not None
