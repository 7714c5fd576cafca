"""The Python face: Workspace.init, imports, merges and their history."""

import json

import pytest

from segmint import NotFoundError, Workspace
from segmint.core.errors import InputError
from tests.conftest import TODAY, write_csv


def test_init_twice_keeps_the_settings(tmp_path):
    Workspace.init(tmp_path / "w").close()
    (tmp_path / "w" / "segmint.toml").write_text('lang = "zh-CN"\n', encoding="utf-8")
    with Workspace.init(tmp_path / "w") as ws:
        assert ws.settings.lang == "zh-CN"


def test_opening_a_folder_without_settings_says_how_to_make_one(tmp_path):
    with pytest.raises(NotFoundError, match="not a segmint workspace") as info:
        Workspace(tmp_path)
    assert "segmint init" in (info.value.hint or "")


def test_merge_fills_gaps_moves_history_and_is_audited(ws, tmp_path):
    customers = write_csv(
        tmp_path / "c.csv",
        ["customer_id", "name", "phone", "email"],
        [["C1", "王芳", "13800138000", ""], ["C2", "", "13800138000", "wf@example.com"]],
    )
    orders = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "ordered_at", "amount"],
        [["O1", "C1", "2024-03-05", "10"], ["O2", "C2", "2024-03-06", "20"]],
    )
    ws.import_file("customers", customers, today=TODAY)
    ws.import_file("orders", orders, today=TODAY)
    assert ws.merge_customers("C1", "C2") == {"orders": 1, "events": 0, "tickets": 0}
    assert ws.engine.rows("SELECT customer_id, name, email FROM customers") == [
        ("C1", "王芳", "wf@example.com")
    ]
    assert ws.engine.rows("SELECT DISTINCT customer_id FROM orders") == [("C1",)]
    kept, merged, record = ws.engine.rows(
        "SELECT kept, merged, merged_record FROM customer_merges"
    )[0]
    assert (kept, merged, json.loads(record)["email"]) == ("C1", "C2", "wf@example.com")
    action, details = ws.engine.rows(
        "SELECT action, details FROM audit ORDER BY recorded_at DESC LIMIT 1"
    )[0]
    assert action == "merge" and json.loads(details)["merged"] == "C2"
    # Re-importing the old file adds no customer: C2 is known as merged into C1. C1's own
    # row differs from the merged record (no e-mail), so it is updated and recorded.
    again = ws.import_file("customers", customers, today=TODAY)
    assert (again.accepted, again.updated, again.already_present) == (0, 1, 1)
    assert ws.status().tables["customers"] == 1


def test_merge_into_itself_is_refused(ws):
    with pytest.raises(InputError, match="into itself"):
        ws.merge_customers("C1", "C1")


def test_a_batch_before_the_first_run_has_no_view_to_wait_for(tmp_path):
    with Workspace.init(tmp_path / "ws") as ws:
        done = ws.ingest(
            "orders",
            [{"order_id": "O1", "customer_id": "C1", "ordered_at": "2026-06-30", "amount": 5}],
            live=False,
        )
    assert (done.new, done.view, done.view_pending) == (1, [], False)
