"""Inputs that used to change data silently: each is refused or quarantined, with a reason."""

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter

from segmint.core.errors import InputError, SchemaError
from segmint.workspace import Workspace
from tests.conftest import TODAY, table, write_csv

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDER_HEADER = ["order_id", "customer_id", "ordered_at", "amount", "channel"]


def _quarantine(ws, result):
    with (ws.path / result.quarantine_file).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ---- 1. A file of another kind ---------------------------------------------------------------


def _customers_then_orders(ws, tmp_path):
    customers = write_csv(
        tmp_path / "customers.csv",
        ["customer_id", "name", "channel"],
        [["C1", "张三", "wechat"], ["C2", "李四", "store"]],
    )
    ws.import_file("customers", customers, today=TODAY)
    return write_csv(
        tmp_path / "orders.csv",
        ORDER_HEADER,
        [["O1", "C1", "2024-03-05", "10", "tmall"], ["O2", "C2", "2024-03-06", "20", "jd"]],
    )


def test_an_orders_file_imported_as_customers_is_refused_naming_the_kind(ws, tmp_path):
    orders = _customers_then_orders(ws, tmp_path)
    before = table(ws, "customers", "customer_id")
    with pytest.raises(SchemaError) as info:
        ws.import_file("customers", orders, today=TODAY, name="orders.csv")
    err = info.value
    assert err.code == "ingest.wrong_kind" and err.exit_status == 2
    assert err.message.startswith("the file looks like a file of orders, not of customers")
    assert "it has 'order_id', 'ordered_at', 'amount', 'channel'" in err.message
    assert "segmint import orders orders.csv" in (err.hint or "") and "--force" in err.hint
    assert "看起来是 orders 文件" in err.render("zh-CN")[0]
    assert table(ws, "customers", "customer_id") == before
    assert ws.engine.scalar("SELECT count(*) FROM imports") == 1  # the customers import only


def test_forced_orders_file_never_fills_customer_fields_from_order_columns(ws, tmp_path):
    orders = _customers_then_orders(ws, tmp_path)
    before = table(ws, "customers", "customer_id")
    result = ws.import_file("customers", orders, today=TODAY, force=True)
    assert (result.updated, result.already_present) == (0, 2)
    assert table(ws, "customers", "customer_id") == before  # channel and attributes kept
    assert {"order_id", "ordered_at", "amount", "channel"} <= set(result.ignored_columns)


def test_a_column_absent_from_the_file_never_changes_an_existing_row(ws, tmp_path):
    first = write_csv(
        tmp_path / "a.csv",
        ["order_id", "customer_id", "ordered_at", "amount", "status", "discount"],
        [["O1", "C1", "2024-03-05", "10", "refunded", "2"]],
    )
    ws.import_file("orders", first, today=TODAY)
    again = write_csv(
        tmp_path / "b.csv", ORDER_HEADER[:4], [["O1", "C1", "2024-03-05", "10"]]
    )  # no status, no discount: their defaults (paid, 0) must not replace what is there
    result = ws.import_file("orders", again, today=TODAY)
    assert (result.updated, result.already_present) == (0, 1)
    assert ws.engine.rows("SELECT status, discount FROM orders")[0] == ("refunded", 2)


# ---- 2. Two columns for one field --------------------------------------------------------------


def test_two_columns_for_one_field_are_an_error_naming_both(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ["订单号", "order_id", "customer_id", "ordered_at", "amount"],
        [["A1", "B1", "C1", "2024-03-05", "10"]],
    )
    with pytest.raises(SchemaError, match="two columns for order_id: '订单号' and 'order_id'"):
        ws.import_file("orders", path, today=TODAY)
    assert ws.status().tables["orders"] == 0


# ---- 3. Control characters in ids ----------------------------------------------------------


def test_a_nul_or_other_control_character_in_an_id_is_quarantined(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER[:4],
        [
            ["N00\x0002", "C1", "2024-03-05", "10"],
            ["N3", "C\x1b1", "2024-03-05", "10"],
            ["N4", "C1", "2024-03-05", "10"],
        ],
    )
    result = ws.import_file("orders", path, today=TODAY)
    assert (result.accepted, result.quarantined) == (1, 2)
    got = [(p.location.row, p.code, p.location.field) for p in result.problems]
    assert got == [
        (2, "ingest.control_character", "order_id"),
        (3, "ingest.control_character", "customer_id"),
    ]
    assert "'N00\\x0002' holds a control character (U+0000)" in result.problems[0].message
    assert ws.engine.rows("SELECT order_id FROM orders") == [("N4",)]


# ---- 4. Implausible dates ------------------------------------------------------------------


def test_placeholder_dates_are_quarantined_with_the_floor_in_the_message(ws, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER[:4],
        [
            ["O1", "C1", "1900-01-01", "10"],
            ["O2", "C1", "0001-01-01", "10"],
            ["O3", "C1", "1999-12-31 23:59", "10"],
            ["O4", "C1", "2000-01-01 00:00", "10"],
        ],
    )
    result = ws.import_file("orders", path, today=TODAY)
    assert [r[0] for r in table(ws, "orders", "order_id")] == ["O4"]
    assert {p.code for p in result.problems} == {"ingest.implausible_date"}
    assert "ordered_at 1900-01-01 is before 2000-01-01" in result.problems[0].message
    status = ws.status()  # used to crash on year 1
    assert status.orders_from is not None
    assert status.orders_from.astimezone(ZoneInfo("Asia/Shanghai")).date() == dt.date(2000, 1, 1)


def test_the_floor_is_a_setting_and_birthdays_have_their_own(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    settings = ws.path / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('earliest_date = "2000-01-01"', 'earliest_date = "2015-06-01"'),
        encoding="utf-8",
    )
    ws.close()
    path = write_csv(
        tmp_path / "c.csv",
        ["customer_id", "signup_at", "birthday"],
        [
            ["C1", "2015-05-31", "1950-02-03"],
            ["C2", "2016-01-01", "1899-12-31"],
            ["C3", "2016-01-01", "2030-01-01"],
            ["C4", "2016-01-01", "1900-01-01"],
        ],
    )
    with Workspace(tmp_path / "ws") as ws:
        result = ws.import_file("customers", path, today=TODAY)
        got = [(p.location.row, p.code, p.location.field) for p in result.problems]
        assert got == [
            (2, "ingest.implausible_date", "signup_at"),
            (3, "ingest.implausible_date", "birthday"),
            (4, "ingest.future_date", "birthday"),
        ]
        assert "before 2015-06-01" in result.problems[0].message
        assert "before 1900-01-01" in result.problems[1].message
        assert [r[0] for r in table(ws, "customers", "customer_id")] == ["C4"]


# ---- 5. The moment of import -----------------------------------------------------------------


def test_an_order_later_the_same_day_than_the_import_is_in_the_future(ws, tmp_path):
    now = dt.datetime(2026, 11, 22, 10, 30, tzinfo=SHANGHAI)
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER[:4],
        [["O1", "C1", "2026-11-22 10:29", "10"], ["O2", "C1", "2026-11-22 15:34", "10"]],
    )
    result = ws.import_file("orders", path, now=now)
    assert [r[0] for r in table(ws, "orders", "order_id")] == ["O1"]
    (problem,) = result.problems
    assert (problem.code, problem.location.row) == ("ingest.future_date", 3)
    assert problem.message == (
        "ordered_at 2026-11-22 15:34 is later than the moment of import, "
        "2026-11-22 10:30:00 (Asia/Shanghai); a time cannot lie in the future"
    )


# ---- 6. Binary files -----------------------------------------------------------------------------


def test_a_program_named_csv_is_called_binary(ws, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(Path(sys.executable).resolve().read_bytes()[:4096])  # a program (ELF)
    with pytest.raises(InputError) as info:
        ws.import_file("orders", path, today=TODAY)
    assert info.value.code == "ingest.binary_file"
    assert "not a text file" in info.value.message


def test_nul_bytes_in_the_header_line_are_binary_even_when_they_decode(ws, tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\0" * 100 + b"\n" + b"\0" * 100)
    with pytest.raises(InputError, match="not a text file"):
        ws.import_file("orders", path, today=TODAY)


# ---- 7. A title row above the header -------------------------------------------------------


def _titled_workbook(path, header, rows, *, title="2026年会员名单"):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("会员")
    merged = book.add_format({"bold": True})
    sheet.merge_range(0, 0, 0, max(len(header) - 1, 1), title, merged)
    sheet.write_row(1, 0, header)
    for i, row in enumerate(rows):
        sheet.write_row(i + 2, 0, row)
    book.close()
    return path


def test_an_xlsx_with_a_merged_title_above_the_header_finds_the_header(ws, tmp_path):
    path = _titled_workbook(
        tmp_path / "members.xlsx", ["会员编号", "姓名", "手机号"], [["M1", "张三", "13800138000"]]
    )
    result = ws.import_file("customers", path, today=TODAY)
    assert (result.accepted, result.quarantined) == (1, 0)
    assert result.columns == {"customer_id": "会员编号", "name": "姓名", "phone": "手机号"}
    assert ws.engine.rows("SELECT customer_id, name FROM customers") == [("M1", "张三")]


def test_a_title_above_unknown_headers_says_so_and_names_header_row(ws, tmp_path):
    path = _titled_workbook(tmp_path / "members.xlsx", ["卡号", "姓名"], [["M1", "张三"]])
    with pytest.raises(InputError) as info:
        ws.import_file("customers", path, today=TODAY)
    assert info.value.code == "ingest.no_header_row"
    assert "row 1 holds only '2026年会员名单', which looks like a title" in info.value.message
    assert "--header-row" in (info.value.hint or "")
    done = ws.import_file(
        "customers", path, today=TODAY, header_row=2, mapping={"卡号": "customer_id"}
    )
    assert done.accepted == 1


def test_header_row_names_the_row_of_a_csv_file(ws, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "订单导出 2026-11\n\norder_id,customer_id,ordered_at,amount\nO1,C1,2024-03-05,10\n",
        encoding="utf-8",
    )
    result = ws.import_file("orders", path, today=TODAY, header_row=3)
    assert result.accepted == 1
    found = ws.import_file("orders", path, today=TODAY)  # found by itself as well
    assert found.already_present == 1
    with pytest.raises(InputError) as info:
        ws.import_file("orders", path, today=TODAY, header_row=2)
    assert info.value.code == "ingest.header_row_missing"


# ---- 8. Every quarantine reason, its text filled, in both languages ----------------------


QUARANTINED = {  # code -> (kind, header, row, a piece of the cell the message must show)
    "ingest.bad_date": ("orders", ORDER_HEADER[:4], ["B1", "C1", "2024-13-45", "1"], "2024-13-45"),
    "ingest.bad_amount": ("orders", ORDER_HEADER[:4], ["B2", "C1", "2024-03-05", "1.234"], "1.234"),
    "ingest.bad_number": (
        "order_items",
        ["order_id", "product_id", "quantity"],
        ["O1", "P1", "2.5"],
        "2.5",
    ),
    "ingest.bad_boolean": (
        "customers",
        ["customer_id", "consent_sms"],
        ["C7", "maybe"],
        "maybe",
    ),
    "ingest.bad_phone": ("customers", ["customer_id", "phone"], ["C8", "12345"], "12345"),
    "ingest.bad_email": ("customers", ["customer_id", "email"], ["C9", "nobody"], "nobody"),
    "ingest.bad_value": (
        "orders",
        [*ORDER_HEADER[:4], "status"],
        ["B3", "C1", "2024-03-05", "1", "审核中"],
        "审核中",
    ),
    "ingest.bad_id": ("customers", ["customer_id"], ["X" * 129], "X" * 129),
    "ingest.missing_value": ("orders", ORDER_HEADER[:4], ["", "C1", "2024-03-05", "1"], "order_id"),
    "ingest.future_date": ("orders", ORDER_HEADER[:4], ["B4", "C1", "2099-01-01", "1"], "2099"),
    "ingest.implausible_date": (
        "orders",
        ORDER_HEADER[:4],
        ["B5", "C1", "1900-01-01", "1"],
        "1900-01-01",
    ),
    "ingest.out_of_range": (
        "tickets",
        ["ticket_id", "customer_id", "opened_at", "satisfaction"],
        ["T1", "C1", "2024-03-05", "9"],
        "9",
    ),
    "ingest.control_character": ("customers", ["customer_id"], ["C\x001"], "C\\x001"),
    "ingest.unknown_order": ("order_items", ["order_id", "product_id"], ["NOPE", "P1"], "NOPE"),
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_quarantine_reason_reads_as_a_sentence_with_its_value(tmp_path, lang):
    seen = {}
    with Workspace.init(tmp_path / "ws") as ws:
        ws.import_file(
            "orders",
            write_csv(tmp_path / "seed.csv", ORDER_HEADER[:4], [["O1", "C1", "2024-03-05", "1"]]),
            today=TODAY,
        )
        for code, (kind, header, row, shown) in QUARANTINED.items():
            path = write_csv(tmp_path / f"{code}.csv", header, [row])
            result = ws.import_file(kind, path, today=TODAY, lang=lang)
            (line,) = _quarantine(ws, result)
            seen[code] = (line["_error_code"], line["_error"], shown)
        seen.update(_special_reasons(ws, tmp_path, lang))
    assert set(seen) >= {*QUARANTINED, "ingest.bad_row_shape", "ingest.conflicting_duplicate"}
    assert "ingest.unknown_customer" in seen
    for code, (got, text, shown) in seen.items():
        assert got == code
        assert "{" not in text and "}" not in text, text
        assert shown in text, (code, text)
        # English messages show Chinese examples (2024年3月5日, 是/否) too
        words = text.replace(shown, "").replace("2024年3月5日", "").replace("是/否", "")
        assert any("\u4e00" <= c <= "\u9fff" for c in words) == (lang == "zh-CN"), text


def _special_reasons(ws, tmp_path, lang):
    """Reasons that need a whole file: a short row, a conflicting repeat, --strict."""
    found = {}
    shape = tmp_path / "shape.csv"
    shape.write_text("order_id,customer_id,ordered_at,amount\nS1,C1,2024-03-05\n")
    (line,) = _quarantine(ws, ws.import_file("orders", shape, today=TODAY, lang=lang))
    found["ingest.bad_row_shape"] = (line["_error_code"], line["_error"], "S1,C1,2024-03-05")
    twice = write_csv(
        tmp_path / "twice.csv",
        ORDER_HEADER[:4],
        [["D1", "C1", "2024-03-05", "1"], ["D1", "C1", "2024-03-05", "2"]],
    )
    lines = _quarantine(ws, ws.import_file("orders", twice, today=TODAY, lang=lang))
    found["ingest.conflicting_duplicate"] = (lines[0]["_error_code"], lines[0]["_error"], "D1")
    unknown = write_csv(
        tmp_path / "unknown.csv",
        ORDER_HEADER[:4],
        [["U1", "C404", "2024-03-05", "1"]],
    )
    settings = ws.path / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("create_missing_customers = true", "create_missing_customers = false")
    )
    with Workspace(ws.path) as strict_ws:
        (line,) = _quarantine(
            strict_ws, strict_ws.import_file("orders", unknown, today=TODAY, lang=lang)
        )
    settings.write_text(text)
    found["ingest.unknown_customer"] = (line["_error_code"], line["_error"], "C404")
    return found


def test_the_quarantine_table_keeps_the_parameters_of_a_short_row(ws, tmp_path):
    shape = tmp_path / "shape.csv"
    shape.write_text("order_id,customer_id,ordered_at,amount\nS1,C1\n")
    result = ws.import_file("orders", shape, today=TODAY)
    (params,) = ws.engine.rows("SELECT params FROM quarantine")[0]
    assert json.loads(params) == {"found": 2, "expected": 4, "value": "S1,C1"}
    assert result.problems[0].message == "the row has 2 fields where the header has 4: S1,C1"


def test_a_map_to_a_column_the_kind_does_not_have_is_refused_with_the_closest(ws, tmp_path):
    path = write_csv(tmp_path / "c.csv", ["卡号"], [["M1"]])
    with pytest.raises(InputError) as info:
        ws.import_file("customers", path, today=TODAY, mapping={"卡号": "customer_idd"})
    assert info.value.code == "ingest.unknown_map_target" and info.value.exit_status == 2
    assert info.value.hint == "Did you mean --map '卡号=customer_id'?"
