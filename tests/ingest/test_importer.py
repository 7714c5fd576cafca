"""Importing real, messy files: every good row kept, every bad row quarantined with a reason."""

import csv
import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.core.errors import ImportRejectedError, InputError, NotFoundError, SchemaError
from tests.conftest import TODAY, table, write_csv

UTC = dt.UTC
ORDER_HEADER = ["order_id", "customer_id", "ordered_at", "amount", "status"]


def _orders(ws, path, **kw):
    return ws.import_file("orders", path, today=TODAY, **kw)


def _quarantine(ws, result):
    with (ws.path / result.quarantine_file).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_clean_orders_are_accepted_with_exact_money_and_utc_times(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER,
        [
            ["O1", "C1", "2024-03-05 14:03", "1234.50", "paid"],
            ["O2", "C2", "2024-03-06", "0.10", "paid"],
            ["O3", "C1", "2024-03-07T08:00:00+08:00", "0.20", "cancelled"],
        ],
    )
    result = _orders(ws, path)
    assert (result.accepted, result.quarantined, result.customers_created) == (3, 0, 2)
    rows = ws.engine.rows("SELECT order_id, ordered_at, amount FROM orders ORDER BY order_id")
    assert rows[0][1] == dt.datetime(2024, 3, 5, 6, 3, tzinfo=UTC)  # Asia/Shanghai is UTC+8
    assert rows[1][1] == dt.datetime(2024, 3, 5, 16, 0, tzinfo=UTC)
    assert [r[2] for r in rows] == [Decimal("1234.50"), Decimal("0.10"), Decimal("0.20")]
    assert ws.status().net_revenue == Decimal("1234.60")  # the cancelled order does not count


def test_gbk_file_with_chinese_headers_and_mixed_forms_imports_every_row(ws, tmp_path):
    header = ["订单编号", "会员编号", "下单时间", "实付金额", "优惠金额", "订单状态"]
    rows = [
        ["A1", "M1", "2024年3月5日 14:03", "￥1,234.50", "10", "已支付"],
        ["A2", "M1", "2024/3/6 9:05", "88元", "", "已完成"],  # GBK has no half-width ¥,
        ["A3", "M2", "20240307", "99.90元", "0", "已退款"],
        ["A4", "M2", "2024-03-08 10:00:00", "$1,000", "5.5", "已取消"],
    ]
    path = write_csv(tmp_path / "订单.csv", header, rows, encoding="gbk")
    result = _orders(ws, path)
    assert result.encoding in ("gb18030", "gbk")
    assert (result.accepted, result.quarantined) == (4, 0)
    got = ws.engine.rows("SELECT order_id, amount, discount, status FROM orders ORDER BY order_id")
    assert got == [
        ("A1", Decimal("1234.50"), Decimal("10.00"), "paid"),
        ("A2", Decimal("88.00"), Decimal("0.00"), "completed"),
        ("A3", Decimal("99.90"), Decimal("0.00"), "refunded"),
        ("A4", Decimal("1000.00"), Decimal("5.50"), "cancelled"),
    ]


def test_utf8_bom_and_tab_separated_files_import(ws, tmp_path):
    a = write_csv(
        tmp_path / "a.csv",
        ORDER_HEADER,
        [["O1", "C1", "2024-01-01", "1", "paid"]],
        encoding="utf-8-sig",
    )
    b = write_csv(
        tmp_path / "b.tsv", ORDER_HEADER, [["O2", "C1", "2024-01-02", "2", "paid"]], delimiter="\t"
    )
    assert _orders(ws, a).accepted == 1
    assert _orders(ws, b).accepted == 1


def test_xlsx_with_excel_serial_dates_and_datetime_cells(ws, tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "o.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("订单")
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["订单号", "客户ID", "订单日期", "金额(元)"])
    sheet.write_row(1, 0, ["X1", "C1"])
    sheet.write_datetime(1, 2, dt.datetime(2024, 3, 5, 14, 3), date_format)
    sheet.write_number(1, 3, 12.5)
    sheet.write_row(2, 0, ["X2", "C1", 45356, 99])  # 45356 = 2024-03-05 as an Excel serial
    book.close()
    result = _orders(ws, path)
    assert (result.accepted, result.quarantined) == (2, 0)
    got = ws.engine.rows("SELECT order_id, ordered_at, amount FROM orders ORDER BY order_id")
    assert got == [
        ("X1", dt.datetime(2024, 3, 5, 6, 3, tzinfo=UTC), Decimal("12.50")),
        ("X2", dt.datetime(2024, 3, 4, 16, 0, tzinfo=UTC), Decimal("99.00")),
    ]


def test_parquet_and_json_lines_keep_their_types(ws, tmp_path):
    pq.write_table(
        pa.table(
            {
                "order_id": ["P1"],
                "customer_id": ["C1"],
                "ordered_at": pa.array(
                    [dt.datetime(2024, 3, 5, 6, 3)], pa.timestamp("us", tz="UTC")
                ),
                "amount": pa.array([Decimal("10.25")], pa.decimal128(18, 2)),
            }
        ),
        tmp_path / "o.parquet",
    )
    (tmp_path / "o.jsonl").write_text(
        json.dumps(
            {"order_id": "J1", "customer_id": "C1", "ordered_at": "2024-03-05 14:03", "amount": 7}
        )
        + "\n",
        encoding="utf-8",
    )
    assert _orders(ws, tmp_path / "o.parquet").accepted == 1
    assert _orders(ws, tmp_path / "o.jsonl").accepted == 1
    assert ws.engine.rows("SELECT order_id, amount FROM orders ORDER BY 1") == [
        ("J1", Decimal("7.00")),
        ("P1", Decimal("10.25")),
    ]


def test_json_lines_times_keep_their_offsets_beside_clock_times(ws, tmp_path):
    """pyarrow reads "10:00+08:00" as 02:00 without a zone, as "10:00" is read 10:00: a
    file of offset times alone was stored 8 hours early. Witness: the instants by hand."""
    lines = [
        {"order_id": "J1", "customer_id": "C1", "ordered_at": "2024-03-05T14:03:00+08:00"},
        {"order_id": "J2", "customer_id": "C1", "ordered_at": "2024-03-05T14:03:00Z"},
        {"order_id": "J3", "customer_id": "C1", "ordered_at": "2024-03-05 14:03"},  # local
    ]
    for n, line in enumerate(lines):  # each alone (typed by pyarrow), then all in one file
        (tmp_path / f"o{n}.jsonl").write_text(json.dumps(line | {"amount": 7}) + "\n", "utf-8")
        assert _orders(ws, tmp_path / f"o{n}.jsonl").accepted == 1
    want = [
        ("J1", dt.datetime(2024, 3, 5, 6, 3, tzinfo=UTC)),
        ("J2", dt.datetime(2024, 3, 5, 14, 3, tzinfo=UTC)),
        ("J3", dt.datetime(2024, 3, 5, 6, 3, tzinfo=UTC)),  # 14:03 in Asia/Shanghai
    ]
    assert ws.engine.rows("SELECT order_id, ordered_at FROM orders ORDER BY 1") == want
    (tmp_path / "all.jsonl").write_text(
        "".join(json.dumps(line | {"amount": 7}) + "\n" for line in lines), "utf-8"
    )
    assert _orders(ws, tmp_path / "all.jsonl").already_present == 3


BAD_ROWS = [
    # (row cells, expected code, field) — each kind of bad row has its own reason
    (["B1", "C1", "2024-13-45", "10", "paid"], "ingest.bad_date", "ordered_at"),
    (["B2", "C1", "2024-03-05", "12.3.4", "paid"], "ingest.bad_amount", "amount"),
    (["B3", "", "2024-03-05", "10", "paid"], "ingest.missing_value", "customer_id"),
    (["B4", "C1", "2024-03-05", "10", "lost in post"], "ingest.bad_value", "status"),
    (["B5", "C1", "2099-01-01", "10", "paid"], "ingest.future_date", "ordered_at"),
    (["B6", "C1", "2024-03-05", "1.005", "paid"], "ingest.bad_amount", "amount"),
    (["", "C1", "2024-03-05", "10", "paid"], "ingest.missing_value", "order_id"),
]


def test_each_kind_of_bad_row_is_quarantined_with_its_row_number_and_reason(ws, tmp_path):
    good = [["G1", "C1", "2024-03-05", "10", "paid"], ["G2", "C2", "2024-03-06", "20", "paid"]]
    rows = [good[0], *(r for r, _, _ in BAD_ROWS), good[1]]
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("G3,C1,2024-03-05,10,paid,EXTRA\n")  # a row with too many fields
    result = _orders(ws, path)
    assert result.accepted == 2
    assert result.quarantined == len(BAD_ROWS) + 1
    assert result.rows_read == len(rows) + 1
    quarantined = _quarantine(ws, result)
    expected = [(str(i + 3), code, field) for i, (_, code, field) in enumerate(BAD_ROWS)]
    expected.append((str(len(rows) + 2), "ingest.bad_row_shape", ""))
    assert [(q["_row"], q["_error_code"], q["_error_field"]) for q in quarantined] == expected
    # the original cells are kept under the file's own headers
    assert quarantined[0]["ordered_at"] == "2024-13-45"
    assert quarantined[0]["_error"].startswith("'2024-13-45' in ordered_at is not a date")
    assert [r[0] for r in table(ws, "orders", "order_id")] == ["G1", "G2"]


def test_quarantine_messages_follow_the_language(ws, tmp_path):
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, [["B1", "C1", "昨天", "10", "paid"]])
    result = _orders(ws, path, lang="zh-CN")
    assert _quarantine(ws, result)[0]["_error"].startswith("ordered_at 的值“昨天”不是日期")


def test_strict_import_writes_nothing_when_a_row_is_bad(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER,
        [["O1", "C1", "2024-03-05", "10", "paid"], ["O2", "C1", "never", "10", "paid"]],
    )
    with pytest.raises(ImportRejectedError, match=r"row 3.*'never' in ordered_at"):
        _orders(ws, path, strict=True)
    assert ws.status().tables["orders"] == 0
    assert ws.status().tables["customers"] == 0
    assert ws.engine.scalar("SELECT count(*) FROM imports") == 0


def test_strict_import_does_not_create_customers(ws, tmp_path):
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, [["O1", "C9", "2024-03-05", "10", "paid"]])
    with pytest.raises(ImportRejectedError, match="customer 'C9' is not in the workspace"):
        _orders(ws, path, strict=True)


def test_missing_required_column_stops_before_any_row_is_written(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv", ["order_id", "customer_id", "ordered_at"], [["O1", "C1", "2024-03-05"]]
    )
    with pytest.raises(SchemaError, match="no column for required 'amount'"):
        _orders(ws, path)
    assert ws.engine.scalar("SELECT count(*) FROM imports") == 0


def test_missing_file_is_not_found(ws, tmp_path):
    with pytest.raises(NotFoundError):
        _orders(ws, tmp_path / "nope.csv")


def test_same_file_twice_adds_nothing(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER,
        [["O1", "C1", "2024-03-05", "10", "paid"], ["O2", "C1", "2024-03-06", "20", "paid"]],
    )
    first = _orders(ws, path)
    before = table(ws, "orders", "order_id")
    again = _orders(ws, path)
    assert (first.accepted, again.accepted, again.already_present, again.updated) == (2, 0, 2, 0)
    assert table(ws, "orders", "order_id") == before


def test_overlapping_file_adds_new_rows_and_records_changed_ones(ws, tmp_path):
    _orders(
        ws,
        write_csv(
            tmp_path / "a.csv",
            ORDER_HEADER,
            [["O1", "C1", "2024-03-05", "10", "paid"], ["O2", "C1", "2024-03-06", "20", "paid"]],
        ),
    )
    result = _orders(
        ws,
        write_csv(
            tmp_path / "b.csv",
            ORDER_HEADER,
            [
                ["O2", "C1", "2024-03-06", "20", "refunded"],
                ["O3", "C2", "2024-03-07", "30", "paid"],
            ],
        ),
    )
    assert (result.accepted, result.updated, result.already_present) == (1, 1, 0)
    assert ws.engine.scalar("SELECT status FROM orders WHERE order_id = 'O2'") == "refunded"
    key, before, after = ws.engine.rows("SELECT key, before, after FROM changes")[0]
    assert key == "O2"
    assert json.loads(before)["status"] == "paid" and json.loads(after)["status"] == "refunded"


def test_same_id_with_different_values_in_one_file_quarantines_both(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER,
        [
            ["O1", "C1", "2024-03-05", "10", "paid"],
            ["O1", "C1", "2024-03-05", "99", "paid"],
            ["O2", "C1", "2024-03-05", "10", "paid"],
            ["O2", "C1", "2024-03-05", "10", "paid"],  # an exact repeat counts once
        ],
    )
    result = _orders(ws, path)
    assert (result.accepted, result.quarantined, result.duplicates_in_file) == (1, 2, 1)
    rows = _quarantine(ws, result)
    assert [(r["_row"], r["_error_code"]) for r in rows] == [
        ("2", "ingest.conflicting_duplicate"),
        ("3", "ingest.conflicting_duplicate"),
    ]
    assert "rows 2, 3" in rows[0]["_error"]


def test_events_without_id_count_once(ws, tmp_path):
    header = ["customer_id", "occurred_at", "type", "page"]
    rows = [
        ["C1", "2024-03-05 10:00", "page_view", "/home"],
        ["C1", "2024-03-05 10:00", "浏览", "/home"],
    ]
    path = write_csv(tmp_path / "e.csv", header, rows)
    result = ws.import_file("events", path, today=TODAY)
    assert (result.accepted, result.duplicates_in_file) == (1, 1)
    assert json.loads(ws.engine.scalar("SELECT properties FROM events")) == {"page": "/home"}
    assert ws.import_file("events", path, today=TODAY).accepted == 0


def test_order_items_of_unknown_orders_are_quarantined(ws, tmp_path):
    _orders(
        ws, write_csv(tmp_path / "o.csv", ORDER_HEADER, [["O1", "C1", "2024-03-05", "10", "paid"]])
    )
    path = write_csv(
        tmp_path / "i.csv",
        ["订单号", "商品编号", "数量", "单价"],
        [["O1", "P1", "2", "5"], ["O9", "P1", "1", "5"], ["O1", "P2", "0", "5"]],
    )
    result = ws.import_file("order_items", path, today=TODAY)
    assert result.accepted == 1
    codes = [(r["_row"], r["_error_code"]) for r in _quarantine(ws, result)]
    assert codes == [("3", "ingest.unknown_order"), ("4", "ingest.out_of_range")]


def test_customers_phones_emails_and_extra_attributes(ws, tmp_path):
    header = ["会员号", "姓名", "手机号", "邮箱", "性别", "会员等级"]
    rows = [
        ["C1", "王芳", "+86 138 0013 8000", " Wang.Fang@Example.COM ", "女", "金卡"],
        ["C2", "李强", "138-0013-80", "li@example.com", "男", ""],
    ]
    result = ws.import_file("customers", write_csv(tmp_path / "c.csv", header, rows), today=TODAY)
    assert (result.accepted, result.quarantined) == (1, 1)
    got = ws.engine.rows("SELECT customer_id, phone, email, gender, attributes FROM customers")
    assert got == [("C1", "13800138000", "wang.fang@example.com", "female", '{"会员等级": "金卡"}')]
    assert _quarantine(ws, result)[0]["_error_code"] == "ingest.bad_phone"


def test_orders_of_unknown_customers_create_minimal_customers_once(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER,
        [
            ["O1", "C1", "2024-03-05", "10", "paid"],
            ["O2", "C1", "2024-03-06", "10", "paid"],
            ["O3", "C2", "2024-03-06", "10", "paid"],
        ],
    )
    assert _orders(ws, path).customers_created == 2
    header = ["customer_id", "name"]
    result = ws.import_file(
        "customers", write_csv(tmp_path / "c.csv", header, [["C1", "张伟"]]), today=TODAY
    )
    assert (result.accepted, result.updated) == (0, 1)
    assert ws.engine.scalar("SELECT name FROM customers WHERE customer_id = 'C1'") == "张伟"


def test_every_import_is_audited(ws, tmp_path):
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, [["O1", "C1", "2024-03-05", "10", "paid"]])
    result = _orders(ws, path)
    actions = ws.engine.rows("SELECT action, target, details FROM audit")
    assert actions[0][:2] == ("import", "orders")
    assert json.loads(actions[0][2])["import_id"] == result.import_id


def test_wrong_encoding_midway_stops_the_import_and_writes_nothing(ws, tmp_path):
    rows = [[f"O{i}", "C1", "2024-03-05", "10", "paid"] for i in range(300_000)]
    rows.append(["O-last", "王芳", "2024-03-05", "10", "paid"])  # the first non-ASCII cell
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, rows, encoding="gbk")
    with pytest.raises(InputError, match=r"utf-8") as info:
        _orders(ws, path, encoding="utf-8")
    assert "--encoding" in (info.value.hint or str(info.value))
    assert ws.status().tables["orders"] == 0
    assert ws.engine.scalar("SELECT count(*) FROM imports") == 0


def test_events_that_differ_only_in_their_properties_are_both_kept(ws, tmp_path):
    header = ["customer_id", "occurred_at", "type", "page"]
    rows = [
        ["C1", "2024-03-05 10:00", "page_view", "/home"],
        ["C1", "2024-03-05 10:00", "page_view", "/sale"],
    ]
    result = ws.import_file("events", write_csv(tmp_path / "e.csv", header, rows), today=TODAY)
    assert (result.accepted, result.quarantined, result.duplicates_in_file) == (2, 0, 0)


def test_a_fixed_quarantine_file_imports_as_it_is(ws, tmp_path):
    path = write_csv(
        tmp_path / "订单.csv",
        ["订单号", "客户ID", "下单时间", "金额"],
        [["O1", "C1", "2024-03-05", "10"], ["O2", "C1", "2024年13月5日", "20"]],
        encoding="gbk",
    )
    result = _orders(ws, path)
    fixed = ws.path / result.quarantine_file
    text = fixed.read_text(encoding="utf-8-sig").replace("2024年13月5日", "2024年3月6日")
    fixed.write_text(text, encoding="utf-8-sig")
    again = _orders(ws, fixed)
    assert (again.accepted, again.quarantined) == (1, 0)
    assert set(again.ignored_columns) == {"_row", "_error_code", "_error_field", "_error"}
    assert ws.status().tables["orders"] == 2
