"""Refunds on any orders file, and cells written for Excel or masked by a platform."""

from decimal import Decimal

import pyarrow as pa

from segmint.ingest import parse
from tests.conftest import TODAY, write_csv


def test_a_full_refund_makes_an_order_refunded_and_a_partial_one_lowers_revenue(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "ordered_at", "amount", "status", "refund"],
        [
            ["O1", "C1", "2024-03-05", "100.00", "completed", "100.00"],  # refunded in full
            ["O2", "C1", "2024-03-06", "100.00", "completed", "30.25"],  # 69.75 stays
            ["O3", "C2", "2024-03-07", "50.00", "paid", ""],  # no refund
            ["O4", "C2", "2024-03-08", "50.00", "paid", "50.01"],  # more than paid: bad
        ],
    )
    result = ws.import_file("orders", path, today=TODAY)
    assert (result.accepted, result.quarantined) == (3, 1)
    assert result.problems[0].code == "ingest.refund_exceeds_amount"
    assert result.problems[0].location.row == 5
    statuses = dict(ws.engine.rows("SELECT order_id, status FROM orders"))
    assert statuses == {"O1": "refunded", "O2": "completed", "O3": "paid"}
    assert Decimal(ws.status().net_revenue) == Decimal("69.75") + Decimal("50.00")


def test_pending_orders_are_no_revenue(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "ordered_at", "amount", "status"],
        [["O1", "C1", "2024-03-05", "10.00", "pending"], ["O2", "C1", "2024-03-06", "5", "paid"]],
    )
    ws.import_file("orders", path, today=TODAY)
    assert ws.status().net_revenue == Decimal("5.00")


def test_cells_protected_for_excel_read_as_excel_shows_them():
    cells = parse.unprotected(pa.array(['="2398123456789012345"', "'0012", "123\t", '=""']))
    ids = parse.parse_ids(cells)
    assert ids.values.to_pylist() == ["2398123456789012345", "0012", "123", None]
    assert not ids.bad.any()
    # an apostrophe before a letter is part of the text
    assert parse.unprotected(pa.array(["'Tis"])).to_pylist() == ["'Tis"]


def test_a_csv_cell_protected_for_excel_imports_as_its_text(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "ordered_at", "amount", "phone"],
        [['="2398123456789012345"', "'0012", "2024-03-05", '="10.50"', "'13925130165"]],
    )
    ws.import_file("orders", path, today=TODAY)
    assert ws.engine.rows("SELECT order_id, customer_id, amount FROM orders") == [
        ("2398123456789012345", "0012", Decimal("10.50"))
    ]


def test_a_masked_phone_is_kept_as_written_and_a_garbled_one_is_bad():
    cells = parse.unprotected(pa.array(["138****8000", "'139 2513 0165", "138****", "1*3"]))
    phones = parse.parse_phones(cells)
    assert phones.values.to_pylist() == ["138****8000", "13925130165", None, None]
    assert phones.bad.tolist() == [False, False, True, True]


def test_a_tab_around_an_id_is_padding_not_a_control_character(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "ordered_at", "amount"],
        [["\t9001", "C1\t", "2024-03-05", "10"], ["90\t02", "C1", "2024-03-05", "10"]],
    )
    result = ws.import_file("orders", path, today=TODAY)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.problems[0].code == "ingest.control_character"
    assert ws.engine.rows("SELECT order_id, customer_id FROM orders") == [("9001", "C1")]
