"""Readers: every format streams as text-or-typed Arrow batches with exact row numbers."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from segmint.core.errors import InputError, NotFoundError
from segmint.ingest.readers import open_file


def read_all(reader):
    """All batches as one dict of columns and one list of row numbers."""
    batches = list(reader)
    if not batches:
        return {}, []
    table = pa.Table.from_batches([b.data for b in batches])
    return table.to_pydict(), [int(r) for b in batches for r in b.rows]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# ---- CSV: encodings -------------------------------------------------------------------------


def test_utf8_csv_reads_every_column_as_text_with_spreadsheet_row_numbers(tmp_path):
    path = write(tmp_path / "customers.csv", " id , name ,amount\n007,Zoë,1.50\n008,Åsa,\n")
    reader = open_file(path)
    columns, rows = read_all(reader)
    assert (reader.format, reader.encoding, reader.delimiter) == ("csv", "utf-8", ",")
    assert reader.headers == ("id", "name", "amount")
    assert columns == {"id": ["007", "008"], "name": ["Zoë", "Åsa"], "amount": ["1.50", ""]}
    assert rows == [2, 3]
    assert reader.name == str(path)
    assert reader.size_bytes == path.stat().st_size


def test_utf8_bom_is_detected_and_removed_from_the_first_header(tmp_path):
    path = write(tmp_path / "bom.csv", "customer_id,email\nC1,a@example.com\n", "utf-8-sig")
    reader = open_file(path)
    columns, _ = read_all(reader)
    assert reader.encoding == "utf-8-sig"
    assert reader.headers == ("customer_id", "email")
    assert columns["customer_id"] == ["C1"]


def test_gbk_csv_with_chinese_headers_is_detected_and_decoded(tmp_path):
    text = "客户编号,姓名,城市\nC001,张三,北京\nC002,李四,上海\n"
    reader = open_file(write(tmp_path / "客户.csv", text, "gbk"))
    columns, rows = read_all(reader)
    assert reader.encoding == "gb18030"  # a superset of GBK
    assert reader.headers == ("客户编号", "姓名", "城市")
    assert columns["姓名"] == ["张三", "李四"]
    assert rows == [2, 3]


def test_short_gbk_file_is_not_mistaken_for_another_encoding(tmp_path):
    # charset-normalizer's best guess for these bytes is big5; gb18030 is among its candidates.
    reader = open_file(write(tmp_path / "tiny.csv", "a,b\n1,王\n", "gbk"))
    assert reader.encoding == "gb18030"
    assert read_all(reader)[0]["b"] == ["王"]


def test_gb18030_only_characters_are_decoded(tmp_path):
    text = "id,name\n1,𠀀\n2,䶮\n3,€\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")  # the witness: GBK cannot hold these
    reader = open_file(write(tmp_path / "rare.csv", text, "gb18030"))
    assert reader.encoding == "gb18030"
    assert read_all(reader)[0]["name"] == ["𠀀", "䶮", "€"]


def test_gbk_file_decodes_across_block_and_sample_boundaries(tmp_path):
    # ~3.4 MB, so pyarrow transcodes several blocks and the detection sample ends mid-file.
    lines = [f"{i},客户{i}号,广州市天河区" for i in range(100_000)]
    path = write(tmp_path / "big.csv", "编号,名称,地址\n" + "\n".join(lines) + "\n", "gbk")
    reader = open_file(path, batch_rows=30_000)
    columns, rows = read_all(reader)
    assert reader.encoding == "gb18030"
    assert columns["名称"][99_999] == "客户99999号"
    assert set(columns["地址"]) == {"广州市天河区"}
    assert rows == list(range(2, 100_002))


def test_encoding_override_wins_over_detection(tmp_path):
    path = write(tmp_path / "latin.csv", "name\nJosé\n", "latin-1")
    reader = open_file(path, encoding="latin-1")
    assert reader.encoding == "iso8859-1"
    assert read_all(reader)[0]["name"] == ["José"]


def test_wrong_encoding_override_names_the_row_and_suggests_an_encoding(tmp_path):
    path = write(tmp_path / "gbk.csv", "id,name\n1,ok\n2,张三\n", "gbk")
    with pytest.raises(
        InputError, match=r"gbk.csv, row 3: the file is not valid utf-8 text: byte 0x\w\w on row 3"
    ) as err:
        open_file(path, encoding="utf-8")
    assert err.value.code == "ingest.bad_encoding"
    assert err.value.hint == "Pass the file's encoding, for example --encoding gb18030."


def test_bad_bytes_after_the_detection_sample_are_an_input_error(tmp_path):
    body = "".join(f"{i},name {i}\n" for i in range(120_000))  # > 1 MB of UTF-8
    path = tmp_path / "late.csv"
    path.write_bytes(("id,name\n" + body).encode() + "9,张三\n".encode("gbk"))
    reader = open_file(path)
    assert reader.encoding == "utf-8"
    with pytest.raises(InputError, match=r"row 120002: the file is not valid utf-8 text") as err:
        read_all(reader)
    assert "--encoding" in err.value.hint


def test_undecodable_gb18030_bytes_are_an_input_error(tmp_path):
    body = "".join(f"{i},名字{i}\n" for i in range(80_000)).encode("gbk")  # > 1 MB
    path = tmp_path / "broken.csv"
    path.write_bytes("编号,名字\n".encode("gbk") + body + b"1,\xff\xfe\n")
    reader = open_file(path)
    message = r"row 80002: the file is not valid gb18030 text: byte 0xff on row 80002"
    with pytest.raises(InputError, match=message):
        read_all(reader)


def test_unknown_encoding_name_is_an_input_error(tmp_path):
    path = write(tmp_path / "a.csv", "a\n1\n")
    with pytest.raises(InputError, match="--encoding 'klingon' is not a text encoding"):
        open_file(path, encoding="klingon")


# ---- CSV: dialects --------------------------------------------------------------------------


def test_tsv_extension_reads_tabs(tmp_path):
    reader = open_file(write(tmp_path / "orders.tsv", "order_id\tamount\nO1\t1,5\n"))
    assert reader.delimiter == "\t"
    assert read_all(reader)[0] == {"order_id": ["O1"], "amount": ["1,5"]}


def test_tab_delimiter_is_sniffed_in_a_txt_file(tmp_path):
    reader = open_file(write(tmp_path / "export.txt", "a\tb\tc\n1\t2\t3\n4\t5\t6\n"))
    assert reader.delimiter == "\t"
    assert reader.headers == ("a", "b", "c")


def test_semicolon_delimiter_is_sniffed(tmp_path):
    text = "kunde;betrag;stadt\nK1;12,50;Köln\nK2;3,00;Berlin\n"
    reader = open_file(write(tmp_path / "de.csv", text))
    assert reader.delimiter == ";"
    assert read_all(reader)[0]["betrag"] == ["12,50", "3,00"]


def test_pipe_delimiter_is_sniffed(tmp_path):
    reader = open_file(write(tmp_path / "p.csv", "a|b\n1|2\n3|4\n"))
    assert reader.delimiter == "|"


def test_single_column_file_falls_back_to_comma(tmp_path):
    reader = open_file(write(tmp_path / "emails.csv", "email\na@example.com\nb@example.com\n"))
    assert reader.delimiter == ","
    assert read_all(reader)[0] == {"email": ["a@example.com", "b@example.com"]}


def test_doubled_quotes_after_an_unquoted_sample_are_unescaped(tmp_path):
    # The Sniffer sees no quotes in its 64 KB and says doublequote=False; CSV doubles anyway.
    body = "".join(f"{i},plain\n" for i in range(10_000))
    columns, rows = read_all(
        open_file(write(tmp_path / "late.csv", f'id,note\n{body}x,"a ""b"""\n'))
    )
    assert columns["note"][-1] == 'a "b"'
    assert rows[-1] == 10_002


def test_quoted_fields_keep_delimiters_quotes_and_line_breaks(tmp_path):
    text = 'id,address,note\n1,"Main St 1, Springfield","say ""hi"""\n2,"line one\nline two",x\n'
    columns, rows = read_all(open_file(write(tmp_path / "q.csv", text)))
    assert columns["address"] == ["Main St 1, Springfield", "line one\nline two"]
    assert columns["note"] == ['say "hi"', "x"]
    # Row numbers count records as a spreadsheet does; a line break inside quotes is one row.
    assert rows == [2, 3]


# ---- CSV: row numbers and bad rows ----------------------------------------------------------


def test_row_numbers_step_over_blank_and_malformed_lines(tmp_path):
    text = (
        "id,name,city\n"  # 1
        "1,a,x\n"  # 2
        "\n"  # 3: blank
        "2,b\n"  # 4: too few fields
        "3,c,z\n"  # 5
        "   \n"  # 6: spaces only, blank
        "4,d,w,extra,more\n"  # 7: too many fields
        "5,e,v\r\n"  # 8
        "\r\n"  # 9: blank
        "6,f,u\n"  # 10
    )
    reader = open_file(write(tmp_path / "messy.csv", text), name="messy.csv", batch_rows=2)
    batches = list(reader)
    assert [list(b.rows) for b in batches] == [[2, 5], [8, 10]]
    assert [b.data.column("id").to_pylist() for b in batches] == [["1", "3"], ["5", "6"]]
    assert [(p.location.row, p.message) for p in reader.skipped] == [
        (4, "the row has 2 fields where the header has 3: 2,b"),
        (7, "the row has 5 fields where the header has 3: 4,d,w,extra,more"),
    ]
    assert {p.code for p in reader.skipped} == {"ingest.bad_row_shape"}
    assert (
        str(reader.skipped[0])
        == "messy.csv, row 4: the row has 2 fields where the header has 3: 2,b"
    )


def test_row_numbers_stay_exact_across_many_blocks(tmp_path):
    # Blank and malformed lines spread over a file of several pyarrow blocks; the witness is
    # the line number each record was written on.
    lines, expected, bad = ["id,value"], [], []
    for i in range(400_000):  # ~5 MB, five of pyarrow's 1 MiB blocks
        if i % 997 == 0:
            lines.append("")
        elif i % 1_511 == 0:
            lines.append(f"{i},x,y")
            bad.append(len(lines))
        else:
            lines.append(f"{len(lines) + 1},{'v' * (i % 13)}")
            expected.append(len(lines))
    path = write(tmp_path / "long.csv", "\n".join(lines) + "\n")
    reader = open_file(path, batch_rows=7_000)
    columns, rows = read_all(reader)
    assert rows == expected
    assert columns["id"] == [str(r) for r in expected]
    assert [p.location.row for p in reader.skipped] == bad


def test_leading_blank_lines_before_the_header_keep_row_numbers(tmp_path):
    reader = open_file(write(tmp_path / "lead.csv", "\n\nid,name\n1,a\n"))
    assert reader.headers == ("id", "name")
    assert read_all(reader)[1] == [4]


def test_lines_of_delimiters_only_are_left_out_like_blank_lines(tmp_path):
    columns, rows = read_all(open_file(write(tmp_path / "e.csv", "a,b\n1,2\n,\n3,4\n")))
    assert columns == {"a": ["1", "3"], "b": ["2", "4"]}
    assert rows == [2, 4]


def test_a_second_iteration_reads_again_and_refills_skipped(tmp_path):
    reader = open_file(write(tmp_path / "twice.csv", "a,b\n1\n2,3\n"))
    first, second = read_all(reader), read_all(reader)
    assert first == second == ({"a": ["2"], "b": ["3"]}, [3])
    assert len(reader.skipped) == 1
    assert reader.bytes_read == reader.size_bytes


def test_a_repeated_header_is_set_apart_and_remembered(tmp_path):
    # Whether a repeat matters is the import's to say (ingest.plan refuses it in a plain
    # file, a platform's export may repeat a column its preset does not read).
    reader = open_file(write(tmp_path / "dup.csv", "id,email,name, email\n1,a,b,c\n"))
    assert reader.headers == ("id", "email", "name", "email #4")
    assert reader.repeated == [("email", 2, 4)]
    batch = next(iter(reader))
    assert batch.data.column("email #4").to_pylist() == ["c"]


def test_two_empty_header_cells_are_named_by_position(tmp_path):
    with pytest.raises(InputError, match="columns 3 and 4 of the file have no header"):
        open_file(write(tmp_path / "trailing.csv", "id,name,,\n1,a,,\n"))


def test_header_only_file_yields_no_batches(tmp_path):
    reader = open_file(write(tmp_path / "header.csv", "id,name\n"))
    assert reader.headers == ("id", "name")
    assert list(reader) == []


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_is_an_input_error(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="the file is empty"):
        open_file(path)


def test_big_csv_streams_in_bounded_batches(tmp_path):
    # ~50 MB: the witness for bounded memory is that no batch exceeds batch_rows records and
    # pyarrow's blocks (what it holds at once) stay near batch_rows rows.
    row = "C{0:07d},customer{0}@example.com,{1}.50,2024-05-{2:02d},上海市浦东新区,VIP,active\n"
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("id,email,amount,date,city,tier,status\n")
        for start in range(0, 620_000, 20_000):
            f.writelines(row.format(i, i % 997, i % 28 + 1) for i in range(start, start + 20_000))
    assert path.stat().st_size > 50_000_000
    reader = open_file(path, batch_rows=50_000)
    sizes, last_row, progress = [], 1, []
    for batch in reader:
        sizes.append(batch.data.num_rows)
        assert batch.rows[0] == last_row + 1
        last_row = int(batch.rows[-1])
        progress.append(reader.bytes_read)
    assert sum(sizes) == 620_000
    assert max(sizes) <= 50_000
    assert len(sizes) >= 620_000 // 50_000
    assert progress == sorted(progress)
    assert reader.bytes_read == reader.size_bytes


# ---- Formats and files ----------------------------------------------------------------------


def test_unknown_extension_lists_the_accepted_formats(tmp_path):
    path = write(tmp_path / "data.xyz", "a\n1\n")
    with pytest.raises(InputError, match=r"from extension '.xyz'; it reads .csv") as err:
        open_file(path)
    assert err.value.code == "ingest.unknown_format"
    assert "--format" not in err.value.hint  # segmint import has no such option
    assert "data.csv" in err.value.hint


def test_file_format_overrides_the_extension(tmp_path):
    reader = open_file(write(tmp_path / "data.xyz", "a\n1\n"), file_format="csv")
    assert read_all(reader)[0] == {"a": ["1"]}


def test_unknown_file_format_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="from format 'xls'"):
        open_file(write(tmp_path / "a.csv", "a\n"), file_format="xls")


def test_missing_file_raises_not_found_with_the_name_as_given(tmp_path):
    with pytest.raises(NotFoundError, match=r"^orders\.csv: there is no such file") as err:
        open_file(tmp_path / "orders.csv", name="orders.csv")
    assert err.value.location.file == "orders.csv"


def test_encoding_option_on_a_parquet_file_is_an_input_error(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1]}), path)
    with pytest.raises(InputError, match="--encoding applies to CSV files; the file is PARQUET"):
        open_file(path, encoding="gbk")


# ---- XLSX -----------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "crm.xlsx"
    book = xlsxwriter.Workbook(path)
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = book.add_format({"num_format": "hh:mm:ss"})
    sheet = book.add_worksheet("Customers")
    # Two empty rows first: the header is on spreadsheet row 3.
    sheet.write_row(2, 0, ["id", "name", "joined", "last_seen", "serial", "amount", "vip", "at"])
    sheet.write_row(3, 0, [1, "张三", None, None, 45000, 12.5, True])
    sheet.write_datetime(3, 2, dt.date(2024, 1, 5), date)
    sheet.write_number(3, 3, 45000, date)  # a serial date that Excel shows as a date
    sheet.write_number(3, 7, 0.5, clock)
    # Row 5 is empty; row 6 has a datetime, a float and blanks.
    sheet.write_row(5, 0, [2, "Bob", None, None, 45000.25, 0.1])
    sheet.write_datetime(5, 2, dt.datetime(2024, 1, 5, 13, 4, 5), stamp)
    other = book.add_worksheet("Orders")
    other.write_row(0, 0, ["order_id", "total"])
    for i in range(5):
        other.write_row(i + 1, 0, [f"O{i}", i * 10])
    book.close()
    return path


def test_xlsx_cells_become_text_with_spreadsheet_row_numbers(workbook):
    reader = open_file(workbook)
    columns, rows = read_all(reader)
    assert (reader.format, reader.sheet, reader.encoding) == ("xlsx", "Customers", None)
    assert reader.headers == ("id", "name", "joined", "last_seen", "serial", "amount", "vip", "at")
    assert rows == [4, 6]
    assert columns == {
        "id": ["1", "2"],
        "name": ["张三", "Bob"],
        "joined": ["2024-01-05", "2024-01-05 13:04:05"],
        "last_seen": ["2023-03-15", ""],  # serial 45000 in a date format
        "serial": ["45000", "45000.25"],  # plain numbers stay numbers-as-text
        "amount": ["12.5", "0.1"],
        "vip": ["true", ""],
        "at": ["12:00:00", ""],
    }


@pytest.mark.parametrize("sheet", ["Orders", 1])
def test_xlsx_second_sheet_by_name_or_index_in_batches(workbook, sheet):
    reader = open_file(workbook, sheet=sheet, batch_rows=2)
    batches = list(reader)
    assert reader.sheet == "Orders"
    assert [b.data.num_rows for b in batches] == [2, 2, 1]
    assert [int(r) for b in batches for r in b.rows] == [2, 3, 4, 5, 6]
    assert batches[2].data.to_pydict() == {"order_id": ["O4"], "total": ["40"]}


def test_xlsx_unknown_sheet_lists_the_sheet_names(workbook):
    with pytest.raises(
        InputError, match=r"no sheet 'Order'; its sheets are 'Customers', 'Orders'"
    ) as err:
        open_file(workbook, sheet="Order")
    assert err.value.hint == "Did you mean --sheet 'Orders'?"
    with pytest.raises(InputError, match="no sheet '5'"):
        open_file(workbook, sheet=5)


def test_a_file_that_is_not_a_workbook_is_an_input_error(tmp_path):
    path = write(tmp_path / "fake.xlsx", "id,name\n1,a\n")
    with pytest.raises(InputError, match="cannot read the file as an Excel workbook"):
        open_file(path)


# ---- Parquet --------------------------------------------------------------------------------


def test_parquet_keeps_typed_columns_and_numbers_records(tmp_path):
    path = tmp_path / "orders.parquet"
    table = pa.table(
        {
            "order_id": ["O1", "O2", "O3"],
            "amount": pa.array([1.5, 2.0, None], pa.float64()),
            "ordered_at": pa.array(
                [dt.datetime(2024, 1, d) for d in (1, 2, 3)], pa.timestamp("us")
            ),
            "items": pa.array([1, 2, 3], pa.int32()),
        }
    )
    pq.write_table(table, path)
    reader = open_file(path, batch_rows=2)
    batches = list(reader)
    assert reader.format == "parquet"
    assert reader.headers == ("order_id", "amount", "ordered_at", "items")
    assert [b.data.num_rows for b in batches] == [2, 1]
    assert batches[0].data.schema == table.schema
    assert np.concatenate([b.rows for b in batches]).tolist() == [1, 2, 3]
    assert pa.Table.from_batches([b.data for b in batches]).equals(table)
    assert reader.bytes_read == reader.size_bytes


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the file as Parquet"):
        open_file(write(tmp_path / "x.parquet", "not parquet at all"))


# ---- JSON Lines -----------------------------------------------------------------------------


def test_json_lines_keep_types_nested_objects_and_line_numbers(tmp_path):
    text = (
        '{"id": "C1", "orders": 3, "spent": 12.5, "address": {"city": "北京"}}\n'
        "\n"
        '{"id": "C2", "orders": 1, "spent": 3.0, "address": {"city": "上海"}, "vip": true}\n'
    )
    reader = open_file(write(tmp_path / "customers.jsonl", text))
    batches = list(reader)
    data = batches[0].data
    assert reader.headers == ("id", "orders", "spent", "address", "vip")
    assert data.schema.field("orders").type == pa.int64()
    assert data.schema.field("spent").type == pa.float64()
    assert pa.types.is_struct(data.schema.field("address").type)
    assert data.column("address").to_pylist() == [{"city": "北京"}, {"city": "上海"}]
    assert batches[0].rows.tolist() == [1, 3]


def test_json_lines_batches_have_every_header_in_order(tmp_path):
    lines = ['{"a": 1, "b": "x"}', '{"b": "y"}', '{"b": "z", "c": 2}']
    reader = open_file(write(tmp_path / "e.ndjson", "\n".join(lines)), batch_rows=1)
    batches = list(reader)
    assert [b.data.schema.names for b in batches] == [["a", "b", "c"]] * 3
    assert batches[1].data.to_pydict() == {"a": [None], "b": ["y"], "c": [None]}


def test_malformed_json_line_is_named(tmp_path):
    text = '{"id": 1}\n\n{"id": 2,}\n'
    with pytest.raises(InputError, match=r"row 3: line 3 of the file is not valid JSON"):
        open_file(write(tmp_path / "bad.jsonl", text))


def test_malformed_json_line_after_the_first_megabyte_is_named(tmp_path):
    lines = [json.dumps({"id": i, "email": f"user{i}@example.com"}) for i in range(30_000)]
    path = write(tmp_path / "late.jsonl", "\n".join([*lines, '{"id": oops}']) + "\n")
    reader = open_file(path)  # the first megabyte is fine
    with pytest.raises(InputError, match="line 30001 of the file is not valid JSON"):
        read_all(reader)


def test_a_json_array_is_not_json_lines(tmp_path):
    path = write(tmp_path / "array.json", '[{"id": 1}, {"id": 2}]\n')
    with pytest.raises(
        InputError, match="line 1 of the file is a JSON array, not an object"
    ) as err:
        open_file(path)
    assert (
        err.value.hint == 'JSON Lines holds one JSON object per line, like {"customer_id": "C1"}.'
    )
