"""Erasure: none of her personal data left anywhere, and every total the same as before."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from segmint.core.errors import NotFoundError
from segmint.store.erasure import ID_COLUMNS
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied, write_csv

AS_OF = dt.date(2026, 6, 30)
ID_NAMES = ("customer_id", "alias", "kept", "merged")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_demo(tmp_path_factory, "erasure", customers=300, seed=11, as_of=AS_OF)


def test_every_table_with_a_customer_column_is_erased(built, tmp_path):
    with Workspace(copied(built, tmp_path)) as ws:
        found = ws.engine.rows(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE list_contains(?, column_name)",
            [list(ID_NAMES)],
        )
    missing = {(t, c) for t, c in found if c not in ID_COLUMNS.get(t, ())}
    assert not missing, f"add these to segmint.store.erasure.ID_COLUMNS: {sorted(missing)}"


def _traces(ws, values) -> dict[str, int]:
    """Rows of every table whose text columns hold one of `values` (whole or in JSON)."""
    found = {}
    columns = ws.engine.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' ORDER BY 1, 2"
    )
    for table, column in columns:
        for value in values:
            n = ws.engine.scalar(
                f'SELECT count(*) FROM "{table}" WHERE "{column}" = ? '  # noqa: S608
                f'OR contains("{column}", ?)',
                [value, json.dumps(value, ensure_ascii=False)],
            )
            if n:
                found[f"{table}.{column}"] = found.get(f"{table}.{column}", 0) + n
    return found


def _totals(ws) -> tuple:
    """What must still add up: revenue, rows per table, members per segment and run."""
    return (
        ws.engine.rows("SELECT sum(amount), count(*), count(DISTINCT customer_id) FROM orders"),
        ws.engine.rows("SELECT run_id, sum(revenue_365d), count(*) FROM snapshots GROUP BY 1"),
        ws.engine.rows(
            "SELECT run_id, segment_id, count(*) FROM memberships GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        ws.engine.rows("SELECT count(*) FROM customers"),
    )


def test_her_data_is_gone_everywhere_and_every_total_adds_up(built, tmp_path):
    folder = copied(built, tmp_path)
    with Workspace(folder) as ws:
        her, name, phone, email = ws.engine.rows(
            """SELECT c.customer_id, name, phone, email FROM customers c
            JOIN orders o USING (customer_id) WHERE name IS NOT NULL AND phone IS NOT NULL
            AND email IS NOT NULL ORDER BY 1 LIMIT 1"""
        )[0]
        neighbour = her + "9"  # an id that contains hers: must be left alone
        write_csv(
            tmp_path / "c.csv",
            ["customer_id", "name", "phone", "email", "city"],
            [
                [her, name, phone, email, "杭州"],  # her city changes: a recorded change
                [neighbour, "李四", "13900001111", "li@example.com", "上海"],
                ["Z-OTHER", "王五", "13700002222", "w5@example.com", "北京"],
            ],
        )
        ws.import_file("customers", tmp_path / "c.csv", today=dt.date(2026, 7, 1))
        write_csv(
            tmp_path / "o.csv",
            ["order_id", "customer_id", "ordered_at", "amount"],
            [
                ["E-1", neighbour, "2026-06-30 10:00", "50"],
                ["E-2", her, "2026-06-30 11:00", "not money"],  # quarantined, with her id
            ],
        )
        ws.import_file("orders", tmp_path / "o.csv", today=dt.date(2026, 7, 1))
        ws.merge_customers(her, "Z-OTHER")  # audited with her id as the kept one
        assert _traces(ws, [her, name, phone, email])  # there before
        before = _totals(ws)
        done = ws.erase_customer(her, actor="test")
        assert done.pseudonym.startswith("erased-") and done.rows["orders"] > 0
        assert _traces(ws, [her, name, phone, email]) == {}
        assert _totals(ws) == before
        kept = ws.engine.rows(
            "SELECT name, phone FROM customers WHERE customer_id = ?", [neighbour]
        )
        assert kept == [("李四", "13900001111")]
        assert ws.engine.scalar("SELECT count(*) FROM orders WHERE order_id = 'E-1'") == 1
        (entry,) = [e for e in ws.audit(limit=5) if e.action == "customer.erase"]
        assert entry.target == f"customer {done.pseudonym}" and her not in str(entry)
        with pytest.raises(NotFoundError):
            ws.customer(her)
        profile = ws.customer(done.pseudonym)
        assert profile.identity is not None and profile.identity["name"] is None
    for file in (folder / "quarantine").glob("*.csv"):
        assert her not in file.read_text(encoding="utf-8-sig"), file.name


def test_an_unknown_customer_is_named_and_nothing_changes(built, tmp_path):
    with Workspace(copied(built, tmp_path)) as ws:
        before = _totals(ws)
        with pytest.raises(NotFoundError, match="no customer 'NOPE'"):
            ws.erase_customer("NOPE")
        assert _totals(ws) == before
