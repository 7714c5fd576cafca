"""The value parsers against hand-written cells, typed columns and round-trip properties.

Witnesses: expected instants are computed independently with `zoneinfo`; Excel serials
against Excel's own day zero (1899-12-30); amounts against `decimal.Decimal`.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.ingest import parse

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def local(*fields: int, zone: ZoneInfo = SHANGHAI) -> dt.datetime:
    """A wall time in `zone` as the UTC instant it names."""
    return dt.datetime(*fields, tzinfo=zone).astimezone(UTC)


def run(parser, cells, **options):
    return parser(pa.array(cells), **options)


def timestamps(cells, **options):
    return run(parse.parse_timestamps, cells, timezone="Asia/Shanghai", **options)


def only(parsed):
    """The single value of a one-cell parse, which must not be bad."""
    assert not parsed.bad.any()
    return parsed.values.to_pylist()[0]


# ---------------------------------------------------------------- timestamps and dates

TIMESTAMP_FORMS = [
    ("2024-03-05", local(2024, 3, 5)),
    ("2024-03-05 14:03", local(2024, 3, 5, 14, 3)),
    ("2024-03-05T14:03", local(2024, 3, 5, 14, 3)),
    ("2024-03-05 14:03:05", local(2024, 3, 5, 14, 3, 5)),
    ("2024-03-05T14:03:05", local(2024, 3, 5, 14, 3, 5)),
    ("2024-03-05T14:03:05.5", local(2024, 3, 5, 14, 3, 5, 500_000)),
    ("2024-03-05 14:03:05.123456", local(2024, 3, 5, 14, 3, 5, 123_456)),
    ("2024-03-05T14:03:05.123456789", local(2024, 3, 5, 14, 3, 5, 123_456)),
    ("2024-03-05T14:03:05Z", dt.datetime(2024, 3, 5, 14, 3, 5, tzinfo=UTC)),
    ("2024-03-05T14:03:05.25Z", dt.datetime(2024, 3, 5, 14, 3, 5, 250_000, tzinfo=UTC)),
    ("2024-03-05T14:03:05+08:00", dt.datetime(2024, 3, 5, 6, 3, 5, tzinfo=UTC)),
    ("2024-03-05 14:03:05+0800", dt.datetime(2024, 3, 5, 6, 3, 5, tzinfo=UTC)),
    ("2024-03-05 14:03 -05:00", dt.datetime(2024, 3, 5, 19, 3, tzinfo=UTC)),
    ("2024/3/5", local(2024, 3, 5)),
    ("2024/03/05 14:03", local(2024, 3, 5, 14, 3)),
    ("2024/3/5 9:03:05", local(2024, 3, 5, 9, 3, 5)),
    ("2024-3-5", local(2024, 3, 5)),
    ("2024.03.05", local(2024, 3, 5)),
    ("2024.3.5 14:03", local(2024, 3, 5, 14, 3)),
    ("2024年3月5日", local(2024, 3, 5)),
    ("2024年03月05日", local(2024, 3, 5)),
    ("2024年3月5日 14:03", local(2024, 3, 5, 14, 3)),
    ("2024年3月5日 14时03分", local(2024, 3, 5, 14, 3)),
    ("2024年3月5日 14时03分05秒", local(2024, 3, 5, 14, 3, 5)),
    ("2024年3月5日14:03", local(2024, 3, 5, 14, 3)),
    ("2024 年 3 月 2 日 14 时 03 分", local(2024, 3, 2, 14, 3)),
    ("2024年3月1号", local(2024, 3, 1)),
    ("20240305", local(2024, 3, 5)),
    ("１７０９６１８５８０", dt.datetime.fromtimestamp(1709618580, UTC)),
    ("1709618580", dt.datetime.fromtimestamp(1709618580, UTC)),
    ("1709618580123", dt.datetime.fromtimestamp(1709618580.123, UTC)),
    ("２０２４－０３－０５　１４：０３", local(2024, 3, 5, 14, 3)),
    ("２０２４年３月５日", local(2024, 3, 5)),
    ("  2024-03-05 14:03  ", local(2024, 3, 5, 14, 3)),
    ("2024-02-29", local(2024, 2, 29)),
    ("2024-03-31 23:59:59", local(2024, 3, 31, 23, 59, 59)),
]


@pytest.mark.parametrize(("cell", "instant"), TIMESTAMP_FORMS)
def test_timestamps_read_every_listed_form(cell, instant):
    assert only(timestamps([cell])) == instant


@pytest.mark.parametrize(
    "cell",
    [
        "2024-13-45",
        "yesterday",
        "2024/02/30",
        "2023-02-29",
        "2024-04-31",
        "2024-03-05 24:00",
        "2024-03-05 14:60",
        "2024-03-05 23:59:60",
        "2024-03-05 23:59:61",
        "2024-03/05",
        "2024-03-05 14",
        "2024年3月5日 14时",
        "45356",
        "12345678901",
        "2024-03-05T14:03+25:00",
        "2024-00-10",
        "2024年2月30日",
        "20240230",
        "20241301",
        "2024-03-05 14:03:5",
    ],
)
def test_timestamps_flag_impossible_or_unknown_forms_as_bad(cell):
    parsed = timestamps([cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.values.null_count == 1
    assert parsed.code == "ingest.bad_date"


def test_timestamps_flag_exactly_the_bad_positions_and_leave_empty_cells_null():
    parsed = timestamps(["2024-03-05", "", None, "x", "  ", "2024/02/30", "2024/3/5"])
    assert parsed.bad.tolist() == [False, False, False, True, False, True, False]
    assert parsed.values.is_null().to_pylist() == [False, True, True, True, True, True, False]
    assert parsed.values.type == pa.timestamp("us", tz="UTC")


def test_timestamps_read_a_mixed_column_row_by_row():
    cells = [cell for cell, _ in TIMESTAMP_FORMS]
    assert timestamps(cells).values.to_pylist() == [instant for _, instant in TIMESTAMP_FORMS]


@pytest.mark.parametrize(
    ("zone", "instant"),
    [
        ("UTC", dt.datetime(2024, 3, 5, 14, 3, tzinfo=UTC)),
        ("America/New_York", local(2024, 3, 5, 14, 3, zone=ZoneInfo("America/New_York"))),
        ("Asia/Shanghai", local(2024, 3, 5, 14, 3)),
    ],
)
def test_timestamps_read_naive_times_in_the_given_timezone(zone, instant):
    assert only(parse.parse_timestamps(pa.array(["2024-03-05 14:03"]), timezone=zone)) == instant


def test_timestamps_ignore_the_timezone_when_the_cell_names_its_offset():
    for zone in ("UTC", "Asia/Shanghai", "America/New_York"):
        parsed = parse.parse_timestamps(pa.array(["2024-03-05T14:03:00+08:00"]), timezone=zone)
        assert only(parsed) == dt.datetime(2024, 3, 5, 6, 3, tzinfo=UTC)


def test_timestamps_in_a_dst_gap_or_overlap_do_not_fail_the_batch():
    new_york = ZoneInfo("America/New_York")
    cells = ["2024-03-10 02:30", "2024-11-03 01:30"]  # skipped, then repeated, in New York
    parsed = parse.parse_timestamps(pa.array(cells), timezone="America/New_York")
    gap_end = dt.datetime(2024, 3, 10, 3, 0, tzinfo=new_york).astimezone(UTC)
    earlier = dt.datetime(2024, 11, 3, 1, 30, fold=0, tzinfo=new_york).astimezone(UTC)
    assert parsed.values.to_pylist() == [gap_end, earlier]


@pytest.mark.parametrize(
    ("cell", "instant"),
    [
        ("45356", local(2024, 3, 5)),
        ("45356.5", local(2024, 3, 5, 12)),
        ("45356.585416666667", local(2024, 3, 5, 14, 3)),
        ("61", local(1900, 3, 1)),  # as Excel shows it; below 61 its phantom 1900-02-29
        ("1", local(1899, 12, 31)),  # shifts Excel's display by a day, not the count of days
        ("2958465", local(9999, 12, 31)),
        ("2024-03-05 14:03", local(2024, 3, 5, 14, 3)),
        ("20240305", local(2024, 3, 5)),
        ("1709618580", dt.datetime.fromtimestamp(1709618580, UTC)),
    ],
)
def test_timestamps_read_excel_serial_dates_as_local_times_when_asked(cell, instant):
    assert only(timestamps([cell], excel_serial=True)) == instant


@pytest.mark.parametrize("cell", ["0.5", "2958466", "-3"])
def test_timestamps_flag_serials_outside_excels_calendar(cell):
    assert timestamps([cell], excel_serial=True).bad.tolist() == [True]


def test_timestamps_read_typed_excel_floats_as_serials():
    parsed = timestamps(pa.array([45356.5, None]), excel_serial=True)
    assert parsed.values.to_pylist() == [local(2024, 3, 5, 12), None]


@pytest.mark.parametrize(
    ("column", "instant"),
    [
        (pa.array([dt.datetime(2024, 3, 5, 14, 3)], pa.timestamp("ms")), local(2024, 3, 5, 14, 3)),
        (
            pa.array([dt.datetime(2024, 3, 5, 14, 3, tzinfo=UTC)], pa.timestamp("ns", tz="UTC")),
            dt.datetime(2024, 3, 5, 14, 3, tzinfo=UTC),
        ),
        (
            pa.array(
                [dt.datetime(2024, 3, 5, 19, 3, tzinfo=UTC)],
                pa.timestamp("s", tz="America/New_York"),
            ),
            dt.datetime(2024, 3, 5, 19, 3, tzinfo=UTC),
        ),
        (pa.array([dt.date(2024, 3, 5)], pa.date32()), local(2024, 3, 5)),
        (pa.array([dt.date(2024, 3, 5)], pa.date64()), local(2024, 3, 5)),
        (pa.array([1709618580], pa.int64()), dt.datetime.fromtimestamp(1709618580, UTC)),
        (pa.array([20240305], pa.int32()), local(2024, 3, 5)),
        (pa.array(["2024-03-05"], pa.large_string()), local(2024, 3, 5)),
        (pa.array(["2024-03-05"]).dictionary_encode(), local(2024, 3, 5)),
    ],
)
def test_timestamps_read_typed_columns(column, instant):
    parsed = parse.parse_timestamps(column, timezone="Asia/Shanghai")
    assert only(parsed) == instant
    assert parsed.values.type == pa.timestamp("us", tz="UTC")


def test_timestamps_accept_chunked_and_sliced_arrays():
    chunked = pa.chunked_array([pa.array(["x", "2024-03-05"]), pa.array(["2024/02/30", None])])
    parsed = parse.parse_timestamps(chunked, timezone="Asia/Shanghai")
    assert parsed.bad.tolist() == [True, False, True, False]
    sliced = pa.array(["x", "2024/3/5", "2024年3月5日", "1709618580"]).slice(1)
    parsed = parse.parse_timestamps(sliced, timezone="Asia/Shanghai")
    assert parsed.values.to_pylist()[:2] == [local(2024, 3, 5), local(2024, 3, 5)]


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/3/5 23:59", dt.date(2024, 3, 5)),
        ("2024年3月5日 14时03分", dt.date(2024, 3, 5)),
        ("20240305", dt.date(2024, 3, 5)),
        ("2024.03.05", dt.date(2024, 3, 5)),
        ("2024-03-05T23:30:00-05:00", dt.date(2024, 3, 5)),  # the date as written
        ("1709618580", dt.date(2024, 3, 5)),  # an epoch names a UTC instant
        ("１９９０－１２－３１", dt.date(1990, 12, 31)),
    ],
)
def test_dates_read_the_timestamp_forms_and_drop_the_time(cell, day):
    parsed = run(parse.parse_dates, [cell])
    assert only(parsed) == day
    assert parsed.values.type == pa.date32()


def test_dates_take_a_zoned_timestamp_on_its_local_calendar():
    instant = dt.datetime(2024, 3, 4, 16, 30, tzinfo=UTC)  # 00:30 on 5 March in Shanghai
    column = pa.array([instant], pa.timestamp("us", tz="Asia/Shanghai"))
    assert only(parse.parse_dates(column)) == dt.date(2024, 3, 5)


def test_dates_truncate_naive_timestamps_and_read_excel_serials():
    column = pa.array([dt.datetime(2024, 3, 5, 23, 59)], pa.timestamp("us"))
    assert only(parse.parse_dates(column)) == dt.date(2024, 3, 5)
    assert only(run(parse.parse_dates, ["45356.9"], excel_serial=True)) == dt.date(2024, 3, 5)


def test_dates_flag_impossible_dates_with_the_date_code():
    parsed = run(parse.parse_dates, ["2024/02/30", "1990-01-01", ""])
    assert parsed.bad.tolist() == [True, False, False]
    assert parsed.code == "ingest.bad_date"


@given(
    moment=st.datetimes(dt.datetime(1992, 1, 1), dt.datetime(2100, 12, 31)),
    sep=st.sampled_from([" ", "T"]),
    spec=st.sampled_from(["minutes", "seconds", "microseconds"]),
)
def test_iso_local_times_round_trip_through_the_timezone(moment, sep, spec):
    # Shanghai has kept UTC+8 without DST since 1992, so every wall time names one instant.
    moment = dt.datetime.fromisoformat(moment.isoformat(timespec=spec))
    parsed = timestamps([moment.isoformat(sep=sep, timespec=spec)])
    assert only(parsed) == moment.replace(tzinfo=SHANGHAI).astimezone(UTC)


@given(
    moment=st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 12, 31)),
    minutes=st.integers(-12 * 60, 14 * 60),
)
def test_iso_times_with_an_offset_round_trip_to_the_same_instant(moment, minutes):
    aware = moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    assert only(timestamps([aware.isoformat()])) == aware.astimezone(UTC)


@given(st.datetimes(dt.datetime(1992, 1, 1), dt.datetime(2100, 12, 31)))
def test_chinese_date_times_round_trip_through_the_timezone(moment):
    cell = f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    expected = moment.replace(second=0, microsecond=0, tzinfo=SHANGHAI).astimezone(UTC)
    assert only(timestamps([cell])) == expected


@given(
    day=st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)),
    layout=st.sampled_from(
        ["{y}-{m:02}-{d:02}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}{m:02}{d:02}"]
    ),
)
def test_dates_round_trip_in_every_layout(day, layout):
    cell = layout.format(y=day.year, m=day.month, d=day.day)
    assert only(run(parse.parse_dates, [cell])) == day


# ---------------------------------------------------------------------------- money

MONEY_FORMS = [
    ("1234.5", "1234.50"),
    ("1,234.50", "1234.50"),
    ("¥1,234.50", "1234.50"),
    ("￥1,234.50", "1234.50"),
    ("$12", "12.00"),
    ("1234.50元", "1234.50"),
    ("RMB 12", "12.00"),
    ("rmb12", "12.00"),
    ("CNY 12", "12.00"),
    ("12 CNY", "12.00"),
    ("１２３４.５０", "1234.50"),
    ("１，２３４．５０", "1234.50"),
    ("-12.30", "-12.30"),
    ("(12.30)", "-12.30"),
    ("(¥1,234.50)", "-1234.50"),
    ("（12.30）", "-12.30"),
    ("¥-12.30", "-12.30"),
    ("-¥12.30", "-12.30"),
    (" 12 ", "12.00"),
    ("0", "0.00"),
    ("0.5", "0.50"),
    ("12.3000", "12.30"),  # zeros past the cents are exact, not rounding
    ("1,234,567.89", "1234567.89"),
    ("9999999999999999.99", "9999999999999999.99"),
    ("-9,999,999,999,999,999.99", "-9999999999999999.99"),
]


@pytest.mark.parametrize(("cell", "amount"), MONEY_FORMS)
def test_money_reads_every_listed_form_exactly(cell, amount):
    parsed = run(parse.parse_money, [cell])
    assert only(parsed) == Decimal(amount)
    assert parsed.values.type == pa.decimal128(18, 2)


@pytest.mark.parametrize(
    "cell",
    [
        "1.234",
        "12.345",
        "0.001",
        "¥1,234.567",
    ],
)
def test_money_rejects_three_decimals_instead_of_rounding(cell):
    parsed = run(parse.parse_money, [cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_amount"


@pytest.mark.parametrize(
    "cell",
    [
        "abc",
        "12.3.4",
        "1,23,4x",
        "1,2345",
        "12,34",
        "¥",
        "(-12)",
        "--12",
        "12-",
        "¥ 1 234",
        "12.",
        ".5",
        "1e3",
        "10000000000000000",
        "12345678901234567.00",
    ],
)
def test_money_flags_text_that_is_no_amount_or_overflows(cell):
    assert run(parse.parse_money, [cell]).bad.tolist() == [True]


def test_money_leaves_empty_cells_null_and_flags_only_bad_ones():
    parsed = run(parse.parse_money, ["12", "", None, "  ", "x", "1.234", "¥5"])
    assert parsed.bad.tolist() == [False, False, False, False, True, True, False]
    assert parsed.values.to_pylist() == [Decimal("12.00"), None, None, None, None, None, 5]


@pytest.mark.parametrize(
    ("column", "amounts", "bad"),
    [
        (pa.array([5, -3, None], pa.int64()), ["5.00", "-3.00", None], [False, False, False]),
        (pa.array([10**17], pa.int64()), [None], [True]),
        (
            pa.array([Decimal("12.300"), Decimal("12.345")], pa.decimal128(10, 3)),
            ["12.30", None],
            [False, True],
        ),
        (pa.array([Decimal("7")], pa.decimal128(5, 0)), ["7.00"], [False]),
        (pa.array([12.3, 0.1 + 0.2, -5.0], pa.float64()), ["12.30", "0.30", "-5.00"], [False] * 3),
        (pa.array([12.345, float("inf"), 1e17]), [None, None, None], [True, True, True]),
        (pa.array([12.3400001, 12.34001]), ["12.34", None], [False, True]),  # 1e-6 tolerance
        (pa.array([float("nan"), None]), [None, None], [False, False]),  # pandas' missing
        (pa.array([1.5], pa.float32()), ["1.50"], [False]),
    ],
)
def test_money_reads_typed_columns_exactly_or_flags_them(column, amounts, bad):
    parsed = parse.parse_money(column)
    assert parsed.values.to_pylist() == [None if a is None else Decimal(a) for a in amounts]
    assert parsed.bad.tolist() == bad
    assert parsed.values.type == pa.decimal128(18, 2)


@st.composite
def written_amounts(draw):
    """A two-place amount and one of the ways a shop system writes it."""
    amount = draw(st.decimals(-(10**13), 10**13, places=2, allow_nan=False, allow_infinity=False))
    number = format(abs(amount), ",.2f" if draw(st.booleans()) else ".2f")
    currency = draw(st.sampled_from(["", "¥", "￥", "$", "RMB ", "CNY "]))
    suffix = draw(st.sampled_from(["", "元"])) if not currency.strip().isalpha() else ""
    if amount >= 0:
        return amount, f"{currency}{number}{suffix}"
    layout = draw(st.sampled_from(["-{c}{n}{s}", "{c}-{n}{s}", "({c}{n}{s})"]))
    return amount, layout.format(c=currency, n=number, s=suffix)


@given(written_amounts())
def test_money_round_trips_any_written_two_place_amount(case):
    amount, cell = case
    assert only(run(parse.parse_money, [cell])) == amount


# ----------------------------------------------------------------------------- ints


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("３", 3),
        ("3.0", 3),
        ("3.00", 3),
        ("+3", 3),
        ("-3", -3),
        ("1,000", 1000),
        ("007", 7),
        ("2147483647", 2**31 - 1),
        ("-2147483648", -(2**31)),
    ],
)
def test_ints_read_whole_numbers(cell, number):
    parsed = run(parse.parse_ints, [cell])
    assert only(parsed) == number
    assert parsed.values.type == pa.int32()


@pytest.mark.parametrize(
    "cell", ["3.5", "x", "3x", "1,00", "2147483648", "-2147483649", "99999999999999999999", "--3"]
)
def test_ints_flag_fractions_text_and_overflow(cell):
    parsed = run(parse.parse_ints, [cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_number"


def test_ints_read_typed_columns():
    assert parse.parse_ints(pa.array([3, None], pa.int64())).values.to_pylist() == [3, None]
    assert parse.parse_ints(pa.array([2**40], pa.int64())).bad.tolist() == [True]
    floats = parse.parse_ints(pa.array([3.0, 3.5, float("nan")]))
    assert floats.values.to_pylist() == [3, None, None]
    assert floats.bad.tolist() == [False, True, False]


@given(st.integers(-(2**31), 2**31 - 1), st.booleans())
def test_ints_round_trip_with_or_without_thousands_separators(number, grouped):
    assert only(run(parse.parse_ints, [format(number, "," if grouped else "d")])) == number


# ---------------------------------------------------------------------------- bools

TRUE_CELLS = [
    "true",
    "TRUE",
    "True",
    "yes",
    "Yes",
    "y",
    "Y",
    "1",
    "t",
    "T",
    "是",
    "对",
    "同意",
    "✓",
]
FALSE_CELLS = ["false", "FALSE", "no", "No", "n", "N", "0", "f", "F", "否", "错", "不同意", "✗"]


@pytest.mark.parametrize(
    ("cell", "value"), [(c, True) for c in TRUE_CELLS] + [(c, False) for c in FALSE_CELLS]
)
def test_bools_read_every_listed_word(cell, value):
    parsed = run(parse.parse_bools, [f" {cell} "])
    assert only(parsed) is value
    assert parsed.values.type == pa.bool_()


@pytest.mark.parametrize("cell", ["maybe", "2", "yess", "是的吗", "-1"])
def test_bools_flag_other_words(cell):
    parsed = run(parse.parse_bools, [cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_boolean"


def test_bools_read_typed_columns():
    assert parse.parse_bools(pa.array([True, None])).values.to_pylist() == [True, None]
    ints = parse.parse_bools(pa.array([1, 0, 2]))
    assert ints.values.to_pylist() == [True, False, None]
    assert ints.bad.tolist() == [False, False, True]


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("86 13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("(010) 6552-9988", "01065529988"),
        ("010-65529988", "01065529988"),
        ("+86 10 6552 9988", "01065529988"),  # the trunk 0 comes back after +86
        ("0086 21 5555 6666", "02155556666"),
        ("(0755) 8888 9999", "075588889999"),
        ("0571-8888777", "05718888777"),
        ("+86 400 812 3123", "4008123123"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+852 2345 6789", "+85223456789"),
        ("65529988", "65529988"),
    ],
)
def test_phones_normalize_chinese_and_international_numbers(cell, number):
    parsed = run(parse.parse_phones, [cell])
    assert only(parsed) == number
    assert parsed.values.type == pa.string()


@pytest.mark.parametrize(
    "cell",
    [
        "12345",
        "123456",
        "138abc00000",
        "ext 123",
        "+86 12345678",
        "+86 138 0013 800",
        "8612345678901",
        "+86 013 8001 3800",
        "138-0013-80",
        "1380013800",
        "0123456",
        "95588",
        "+1234567890123456",
        "138+0013+8000",
    ],
)
def test_phones_flag_short_lettered_or_invalid_chinese_numbers(cell):
    parsed = run(parse.parse_phones, [cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_phone"


def test_phones_read_excel_numbers_as_digits():
    parsed = parse.parse_phones(pa.array([13800138000.0, None]))
    assert parsed.values.to_pylist() == ["13800138000", None]


# --------------------------------------------------------------------------- emails


@pytest.mark.parametrize(
    ("cell", "email"),
    [
        (" Foo.Bar@Example.COM ", "foo.bar@example.com"),
        ("ｆｏｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "foo@example.com"),
        ("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk"),
        ("张三@例子.中国", "张三@例子.中国"),
    ],
)
def test_emails_are_trimmed_folded_and_lower_cased(cell, email):
    assert only(run(parse.parse_emails, [cell])) == email


@pytest.mark.parametrize(
    "cell", ["a@b", "a b@c.com", "a@@b.com", "a@b@c.com", "@b.com", "a@.com", "a@b..com", "a@b."]
)
def test_emails_flag_addresses_without_the_local_at_domain_shape(cell):
    parsed = run(parse.parse_emails, [cell])
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_email"


# ----------------------------------------------------------------------------- enum

STATUS = {"synonyms": {"已支付": "paid", "已退款": "refunded"}, "values": ("paid", "refunded")}


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("已支付", "paid"),
        (" 已退款 ", "refunded"),
        ("paid", "paid"),
        ("PAID", "paid"),
        ("Refunded", "refunded"),
        ("ＰＡＩＤ", "paid"),
    ],
)
def test_enum_maps_synonyms_and_canonical_values(cell, value):
    parsed = run(parse.parse_enum, [cell], **STATUS)
    assert only(parsed) == value
    assert parsed.values.type == pa.string()


def test_enum_folds_spaces_and_dashes_as_header_matching_does():
    parsed = run(
        parse.parse_enum,
        ["Page View", "add-to-cart", "page_view"],
        synonyms={},
        values=("page_view", "add_to_cart"),
    )
    assert parsed.values.to_pylist() == ["page_view", "add_to_cart", "page_view"]


def test_enum_flags_unknown_values_and_leaves_empty_ones_null():
    parsed = run(parse.parse_enum, ["lost", "", None, "paid"], **STATUS)
    assert parsed.values.to_pylist() == [None, None, None, "paid"]
    assert parsed.bad.tolist() == [True, False, False, False]
    assert parsed.code == "ingest.bad_value"


def test_enum_reads_dictionary_columns():
    column = pa.array(["已支付", "paid", "x", None]).dictionary_encode()
    parsed = parse.parse_enum(column, **STATUS)
    assert parsed.values.to_pylist() == ["paid", "paid", None, None]


# ------------------------------------------------------------------------ ids, text


@pytest.mark.parametrize(
    ("column", "ids"),
    [
        (pa.array(["  C001 ", "Ｃ００１", "订单-7"]), ["C001", "C001", "订单-7"]),
        (pa.array([1023, None], pa.int64()), ["1023", None]),
        (pa.array([1023.0, float("nan")]), ["1023", None]),  # Excel stores ids as floats
        (pa.array([Decimal("1023.00")], pa.decimal128(8, 2)), ["1023"]),
        (pa.array(["x" * 128]), ["x" * 128]),
    ],
)
def test_ids_are_trimmed_text_with_numbers_written_as_integers(column, ids):
    parsed = parse.parse_ids(column)
    assert parsed.values.to_pylist() == ids
    assert not parsed.bad.any()
    assert parsed.values.type == pa.string()


@pytest.mark.parametrize(
    "column",
    [
        pa.array([1023.5]),
        pa.array([float("inf")]),
        pa.array([Decimal("10.25")], pa.decimal128(6, 2)),
        pa.array(["x" * 129]),
    ],
)
def test_ids_flag_fractions_and_overlong_text(column):
    parsed = parse.parse_ids(column)
    assert parsed.bad.tolist() == [True]
    assert parsed.code == "ingest.bad_id"


def test_text_is_trimmed_but_otherwise_kept_as_given():
    parsed = run(parse.parse_text, [" Ｂ 张三 ", "\u3000", "", None, "a\tb"])
    assert parsed.values.to_pylist() == ["Ｂ 张三", None, None, None, "a\tb"]
    assert not parsed.bad.any()


def test_text_writes_numbers_and_nested_values_as_text():
    assert parse.parse_text(pa.array([12.0, 1.5])).values.to_pylist() == ["12", "1.5"]
    nested = parse.parse_text(pa.array([{"城市": "上海"}, None]))
    assert nested.values.to_pylist() == ['{"城市": "上海"}', None]


# ------------------------------------------------------------------------ all kinds

PARSERS = {
    "text": (parse.parse_text, {}, pa.string()),
    "ids": (parse.parse_ids, {}, pa.string()),
    "timestamps": (parse.parse_timestamps, {"timezone": "UTC"}, pa.timestamp("us", tz="UTC")),
    "dates": (parse.parse_dates, {}, pa.date32()),
    "money": (parse.parse_money, {}, pa.decimal128(18, 2)),
    "ints": (parse.parse_ints, {}, pa.int32()),
    "bools": (parse.parse_bools, {}, pa.bool_()),
    "phones": (parse.parse_phones, {}, pa.string()),
    "emails": (parse.parse_emails, {}, pa.string()),
    "enum": (parse.parse_enum, STATUS, pa.string()),
}


@pytest.mark.parametrize("kind", PARSERS)
def test_every_parser_leaves_empty_cells_null_and_not_bad(kind):
    parser, options, _ = PARSERS[kind]
    parsed = parser(pa.array(["", None, "   ", "\u3000"]), **options)
    assert parsed.values.null_count == 4
    assert parsed.bad.dtype == np.bool_
    assert parsed.bad.tolist() == [False] * 4


@pytest.mark.parametrize("kind", PARSERS)
def test_every_parser_returns_its_type_for_empty_null_and_chunked_input(kind):
    parser, options, kind_type = PARSERS[kind]
    for column in (pa.array([], pa.string()), pa.nulls(3), pa.chunked_array([], pa.string())):
        parsed = parser(column, **options)
        assert parsed.values.type == kind_type
        assert len(parsed.values) == len(parsed.bad) == len(column)


MIXED = {
    "timestamps": [cell for cell, _ in TIMESTAMP_FORMS] + ["x", "", None, "2024/02/30"],
    "money": [cell for cell, _ in MONEY_FORMS] + ["abc", "", None, "1.234"],
    "phones": ["13800138000", "+86 10 6552 9988", "+1 415 555 2671", "12345", "", None],
}


@pytest.mark.parametrize("kind", MIXED)
@given(data=st.data())
def test_a_column_parses_exactly_as_its_cells_do_one_by_one(kind, data):
    # The parsers read each form on its own subset and scatter back: the oracle is the
    # same parser on one cell at a time.
    parser, options, _ = PARSERS[kind]
    cells = data.draw(st.lists(st.sampled_from(MIXED[kind]), max_size=40))
    together = parser(pa.array(cells, pa.string()), **options)
    alone = [parser(pa.array([cell], pa.string()), **options) for cell in cells]
    assert together.values.to_pylist() == [p.values.to_pylist()[0] for p in alone]
    assert together.bad.tolist() == [bool(p.bad[0]) for p in alone]


def test_parsers_do_not_modify_their_input():
    column = pa.array([" ¥1,234.50 ", "２０２４年３月５日"])
    for parser, options, _ in PARSERS.values():
        parser(column, **options)
    assert column.to_pylist() == [" ¥1,234.50 ", "２０２４年３月５日"]
