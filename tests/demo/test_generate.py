"""The synthetic data: canonical shape, exact money, the stated BG/NBD process, the files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from segmint.core.errors import InputError
from segmint.core.schema import EVENT_TYPES, TABLES, Kind
from segmint.demo import tables
from segmint.demo.generate import Dataset, TruthParams, generate
from segmint.demo.messy import CHINESE_HEADERS, write_files

# Written out here, not imported from segmint.demo.columns: the test is the witness.
ARROW_TYPE = {
    Kind.ID: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.PHONE: pa.string(),
    Kind.EMAIL: pa.string(),
    Kind.JSON: pa.string(),
    Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    Kind.DATE: pa.date32(),
    Kind.MONEY: pa.decimal128(18, 2),
    Kind.INT: pa.int32(),
    Kind.BOOL: pa.bool_(),
}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def small() -> Dataset:
    return generate(2_000, seed=11)


@pytest.fixture(scope="module")
def large() -> Dataset:
    return generate(200_000, seed=5)


@pytest.fixture(scope="module")
def messy_files(small: Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_files(small, tmp_path_factory.mktemp("messy"), messy=True)


def _np(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False))


def _cents(column: pa.ChunkedArray) -> np.ndarray:
    # Independent of the generator's buffer trick: decimal -> exact integer cents via Arrow.
    scaled = pc.multiply(column, pa.scalar(100, pa.decimal128(18, 0)))
    return _np(scaled.cast(pa.int64()))


def _end(data: Dataset) -> dt.datetime:
    """Local midnight ending as_of, in UTC: the observation end."""
    local = dt.datetime.combine(data.as_of + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


def test_the_same_seed_gives_the_same_tables_and_another_seed_does_not() -> None:
    first, again, other = generate(1_500, seed=3), generate(1_500, seed=3), generate(1_500, seed=4)
    for kind in (*TABLES, "truth"):
        assert getattr(first, kind).equals(getattr(again, kind)), kind
    assert not first.orders.equals(other.orders)


@pytest.mark.parametrize("kind", list(TABLES))
def test_tables_have_exactly_the_canonical_columns_and_types(small: Dataset, kind: str) -> None:
    table = small.tables()[kind]
    assert tuple(table.column_names) == TABLES[kind].column_names
    for column in TABLES[kind].columns:
        assert table.schema.field(column.name).type == ARROW_TYPE[column.kind], column.name
        if column.required:
            assert table.column(column.name).null_count == 0, column.name
        if column.values:
            assert set(pc.unique(table.column(column.name)).drop_null().to_pylist()) <= set(
                column.values
            )


@pytest.mark.parametrize("kind", list(TABLES))
def test_every_key_is_unique(small: Dataset, kind: str) -> None:
    key = list(TABLES[kind].key)
    table = small.tables()[kind]
    assert table.group_by(key).aggregate([]).num_rows == table.num_rows


def test_item_lines_add_up_to_amount_plus_discount_to_the_cent(large: Dataset) -> None:
    orders, items = large.orders, large.order_items
    order = _np(pc.index_in(items.column("order_id"), value_set=orders.column("order_id")))
    lines = _np(items.column("quantity")).astype(np.int64) * _cents(items.column("unit_price"))
    total = np.zeros(orders.num_rows, dtype=np.int64)
    np.add.at(total, order, lines)
    expected = _cents(orders.column("amount")) + _cents(orders.column("discount"))
    np.testing.assert_array_equal(total, expected)
    assert (_cents(items.column("unit_price")) > 0).all()
    counts = np.bincount(order, minlength=orders.num_rows)
    assert counts.min() >= 1 and counts.max() <= 4


def test_truth_counts_orders_not_cancelled_and_revenue_not_refunded(large: Dataset) -> None:
    truth, orders = large.truth, large.orders
    owner = _np(pc.index_in(orders.column("customer_id"), value_set=truth.column("customer_id")))
    status = _np(orders.column("status"))
    counted = status != "cancelled"
    n = truth.num_rows
    np.testing.assert_array_equal(
        _np(truth.column("n_orders")), np.bincount(owner[counted], minlength=n)
    )
    revenue = np.zeros(n, dtype=np.int64)
    paid = np.isin(status, ["paid", "completed"])
    np.add.at(revenue, owner[paid], _cents(orders.column("amount"))[paid])
    np.testing.assert_array_equal(_cents(truth.column("revenue")), revenue)
    # Without a win-back burst or a drop, the orders are the first plus the BG/NBD repeat
    # purchases; a drop (tests/demo/test_drops.py) removes some of them.
    pure = ~_np(truth.column("won_back")) & _np(pc.is_null(truth.column("drop")))
    np.testing.assert_array_equal(
        _np(truth.column("n_orders"))[pure], 1 + _np(truth.column("x"))[pure]
    )


def test_alive_customers_have_not_dropped_out_and_nothing_is_dated_after_the_end(
    large: Dataset,
) -> None:
    truth = large.truth
    alive, won = _np(truth.column("alive")), _np(truth.column("won_back"))
    dropped = _np(pc.is_valid(truth.column("dropout_at")))
    assert not (alive & ~won & dropped).any()
    assert (dropped[~alive]).all()
    assert (dropped[won]).all() and alive[won].all()
    gap = pc.subtract(truth.column("won_back_at"), truth.column("dropout_at")).cast(pa.int64())
    assert pc.min(gap).as_py() >= 180 * 86_400 * 10**6
    end = pa.scalar(_end(large), pa.timestamp("us", tz="UTC"))
    for table, column in [
        (large.orders, "ordered_at"),
        (large.events, "occurred_at"),
        (large.tickets, "closed_at"),
        (large.customers, "signup_at"),
        (truth, "dropout_at"),
    ]:
        assert pc.max(table.column(column)).as_py() < end.as_py(), column
    tickets = large.tickets
    took = pc.subtract(tickets.column("closed_at"), tickets.column("opened_at")).cast(pa.int64())
    assert pc.min(took).as_py() > 0


def test_dropped_out_customers_buy_nothing_after_their_dropout(large: Dataset) -> None:
    orders = large.orders
    bought = orders.filter(pc.not_equal(orders.column("status"), "cancelled"))
    last = bought.group_by("customer_id").aggregate([("ordered_at", "max")])
    joined = large.truth.join(last, "customer_id")
    stopped = joined.filter(
        pc.and_(pc.is_valid(joined.column("dropout_at")), pc.invert(joined.column("won_back")))
    )
    assert stopped.num_rows > 10_000
    # A drop can remove the purchase the dropout follows: then the last order is earlier.
    undropped = stopped.filter(pc.is_null(stopped.column("drop")))
    assert undropped.num_rows < stopped.num_rows
    assert undropped.column("ordered_at_max").equals(undropped.column("dropout_at"))
    last, dropout = stopped.column("ordered_at_max"), stopped.column("dropout_at")
    assert pc.all(pc.less_equal(last, dropout)).as_py()


def test_repeat_purchases_follow_the_bg_nbd_expectation(large: Dataset) -> None:
    """Witness: E[X(t)], equation (9) of Fader, Hardie & Lee (2005), and P(X(t) = 0).

    Averaged over each customer's own T. Simulations that let customers drop out at the
    first purchase too, or never, or drew N without the Gamma mixing, or gave everyone
    the mean p miss the mean by 7.9, 135, 138 and 236 standard errors (measured with
    these 200,000 customers); 4 standard errors leaves a chance of about 1 in 16,000
    that a right simulation fails for an unlucky seed.
    """
    params = large.params
    x, T = _np(large.truth.column("x")), _np(large.truth.column("T"))
    grid = np.linspace(0.0, T.max(), 2_001)
    expected = np.interp(T, grid, _expected_repeat_purchases(grid, params)).mean()
    error = x.std() / math.sqrt(x.size)
    assert abs(x.mean() - expected) < 4 * error, (x.mean(), expected, error)
    # P(X(t) = 0) = (alpha / (alpha + t))**r: equation (8) at x = 0.
    none = (params.alpha / (params.alpha + T)) ** params.r
    share_error = math.sqrt(none.mean() * (1 - none.mean()) / x.size)
    assert abs((x == 0).mean() - none.mean()) < 4 * share_error


def _expected_repeat_purchases(t: np.ndarray, params: TruthParams) -> np.ndarray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * _hyp2f1(r, b, a + b - 1, z))


def _hyp2f1(a: float, b: float, c: float, z: np.ndarray) -> np.ndarray:
    """Gauss's series, summed until every term is below 1e-16 of the sum (z < 1)."""
    term, total = np.ones_like(z), np.ones_like(z)
    for n in range(200_000):
        term = term * (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if np.all(np.abs(term) < 1e-16 * np.abs(total)):
            return total
    raise AssertionError("the series did not converge")


def test_hypergeometric_series_matches_closed_forms() -> None:
    z = np.array([0.0, 0.3, 0.9, 0.995])
    # 2F1(1, 1; 2; z) = -log(1 - z) / z and 2F1(a, b; b; z) = (1 - z)**-a.
    np.testing.assert_allclose(_hyp2f1(1, 1, 2, z[1:]), -np.log1p(-z[1:]) / z[1:], rtol=1e-12)
    np.testing.assert_allclose(_hyp2f1(0.3, 2.5, 2.5, z), (1 - z) ** -0.3, rtol=1e-12)


def test_revenue_is_concentrated_on_the_top_fifth(large: Dataset) -> None:
    revenue = np.sort(_cents(large.truth.column("revenue")))[::-1]
    top = revenue[: revenue.size // 5].sum() / revenue.sum()
    assert 0.70 <= top <= 0.85, top
    per_customer = large.orders.num_rows / large.customers.num_rows
    assert 8 <= per_customer <= 12, per_customer


def test_discount_sensitive_customers_order_mostly_with_discounts(large: Dataset) -> None:
    orders = large.orders.join(
        large.truth.select(["customer_id", "discount_sensitive"]), "customer_id"
    )
    discounted = _cents(orders.column("discount")) > 0
    sensitive = _np(orders.column("discount_sensitive"))
    assert discounted[sensitive].mean() > 0.7
    assert discounted[~sensitive].mean() < 0.25


def test_orders_fall_in_local_shopping_hours(small: Dataset) -> None:
    hours = _np(
        pc.hour(pc.add(small.orders.column("ordered_at"), pa.scalar(dt.timedelta(hours=8))))
    )
    assert (np.isin(hours, [19, 20, 21, 22])).sum() > 3 * (np.isin(hours, [2, 3, 4, 5])).sum()


def test_customers_look_like_a_chinese_shops(large: Dataset) -> None:
    customers = large.customers
    phones = _np(customers.column("phone")).astype(str)
    assert set(np.char.str_len(phones)) == {11}
    assert {int(p[:2]) for p in phones} <= set(range(13, 20))  # mobile prefixes 13x-19x
    cities = {city: province for city, province, _ in tables.CITIES}
    pairs = customers.select(["city", "province"]).group_by(["city", "province"]).aggregate([])
    assert all(cities[c] == p for c, p in zip(*pairs.to_pydict().values(), strict=True))
    born = customers.column("birthday")
    assert 0.12 < born.null_count / customers.num_rows < 0.18
    youngest = (large.as_of - pc.max(born).as_py()).days / 365.25
    oldest = (large.as_of - pc.min(born).as_py()).days / 365.25
    assert youngest > 17.9 and oldest < 70.1
    assert oldest > 60  # the old ones, born before 1970, are there too
    emails = customers.column("email").drop_null()
    assert pc.all(pc.equal(emails, pc.utf8_lower(emails))).as_py()
    assert 0.4 < len(emails) / customers.num_rows < 0.5


def test_duplicate_customers_share_a_phone_or_email_with_their_original_only(
    large: Dataset,
) -> None:
    customers, truth = large.customers, large.truth
    ids = _np(customers.column("customer_id"))
    original = _np(truth.column("duplicate_of"))
    root = np.where(_np(pc.is_null(truth.column("duplicate_of"))), ids, original)
    assert 0.008 < np.mean(root != ids) < 0.012
    shared = np.zeros(ids.size, dtype=bool)
    for field in ("phone", "email"):
        values = _np(customers.column(field))
        known = _np(pc.is_valid(customers.column(field)))
        order = np.lexsort((root[known], values[known]))
        v, r = values[known][order], root[known][order]
        same_value = v[1:] == v[:-1]
        assert (r[1:][same_value] == r[:-1][same_value]).all(), field  # only true duplicates
        positions = np.flatnonzero(known)[order]
        shared[positions[1:][same_value]] = shared[positions[:-1][same_value]] = True
    assert shared[root != ids].all()


def test_events_use_the_allowed_types_and_browsing_runs_have_no_order(large: Dataset) -> None:
    events = large.events
    assert set(pc.unique(events.column("type")).to_pylist()) <= set(EVENT_TYPES)
    assert events.num_rows <= 3 * large.orders.num_rows
    browsing = large.truth.filter(large.truth.column("browsing_without_buying"))
    assert browsing.num_rows > 1_000
    quiet_since = _end(large) - dt.timedelta(days=21)
    recent = large.orders.filter(
        pc.and_(
            pc.is_in(large.orders.column("customer_id"), value_set=browsing.column("customer_id")),
            pc.greater_equal(large.orders.column("ordered_at"), pa.scalar(quiet_since)),
        )
    )
    assert recent.num_rows == 0


def test_every_character_of_the_tables_is_encodable_in_gbk(small: Dataset) -> None:
    for name in dir(tables):
        value = getattr(tables, name)
        if name.isupper():
            str(value).encode("gbk")
    for table in small.tables().values():
        for column in table.columns:
            if pa.types.is_string(column.type):
                "\n".join(column.drop_null().to_pylist()).encode("gbk")


def test_generate_rejects_bad_arguments_with_a_reason() -> None:
    with pytest.raises(InputError, match="at least 1 customer"):
        generate(0)
    with pytest.raises(InputError, match="start 2026-07-01 is not before as_of"):
        generate(10, start=dt.date(2026, 7, 1))
    with pytest.raises(InputError, match=r"TruthParams.a is -1.0"):
        TruthParams(a=-1.0)


def test_clean_csv_round_trips_exact_amounts_and_times(small: Dataset, tmp_path: Path) -> None:
    files = write_files(small, tmp_path, file_format="csv")
    types = {c.name: ARROW_TYPE[c.kind] for c in TABLES["orders"].columns}
    read = pa_csv.read_csv(
        files["orders"], convert_options=pa_csv.ConvertOptions(column_types=types)
    )
    assert read.column_names == list(TABLES["orders"].column_names)
    assert read.column("amount").equals(small.orders.column("amount"))
    assert read.column("ordered_at").equals(small.orders.column("ordered_at"))
    with files["orders"].open(encoding="utf-8", newline="") as f:
        ordered_at = list(csv.reader(f))[1][2]
    assert dt.datetime.strptime(ordered_at, "%Y-%m-%dT%H:%M:%SZ")  # ISO 8601, UTC


def test_parquet_keeps_the_canonical_types(small: Dataset, tmp_path: Path) -> None:
    files = write_files(small, tmp_path, file_format="parquet")
    for kind in TABLES:
        assert pq.read_table(files[kind]).equals(small.tables()[kind]), kind
    assert pq.read_table(files["truth"]).equals(small.truth)
    with pytest.raises(InputError, match="CSV only"):
        write_files(small, tmp_path, file_format="parquet", messy=True)


def test_messy_csv_is_gbk_with_chinese_headers(messy_files: dict[str, Path]) -> None:
    raw = messy_files["orders"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("gbk").split("\r\n", 1)[0].split(",")
    assert header[0] == "订单编号"
    assert {"订单状态", "优惠金额"} <= set(header)
    assert header[1] in CHINESE_HEADERS["customer_id"]
    assert header[2] in CHINESE_HEADERS["ordered_at"]
    text = raw.decode("gbk")
    for form in ("年", "/", "￥", "元", "已完成", "已取消"):
        assert form in text, form


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="gbk", newline="") as f:
        return list(csv.reader(f))


def test_broken_rows_are_where_truth_json_says(
    messy_files: dict[str, Path], small: Dataset
) -> None:
    truth = json.loads(messy_files["truth_json"].read_text(encoding="utf-8"))
    files = {kind: _rows(messy_files[kind]) for kind in TABLES}
    broken = truth["broken_rows"]
    assert {b["code"] for b in broken} == {
        "ingest.bad_date",
        "ingest.bad_amount",
        "ingest.missing_value",
        "ingest.bad_value",
        "ingest.future_date",
        "ingest.bad_phone",
        "ingest.conflicting_duplicate",
    }
    for b in broken:
        kind = b["file"].removesuffix(".csv")
        rows = files[kind]
        cells = dict(zip(rows[0], rows[b["row"] - 1], strict=True))  # header = row 1
        assert cells[b["header"]] == b["value"], b
        for column, value in b["key"].items():
            assert cells[truth["files"][kind]["headers"][column]] == value, b
    orders = small.orders.num_rows
    expected = round(0.01 * orders) + 2 * round(0.01 * orders / 5)
    assert sum(b["file"] == "orders.csv" for b in broken) == expected
    assert len(files["orders"]) - 1 == orders + 2 * round(0.01 * orders / 5)


def test_duplicate_and_conflicting_rows_are_where_truth_json_says(
    messy_files: dict[str, Path],
) -> None:
    truth = json.loads(messy_files["truth_json"].read_text(encoding="utf-8"))
    rows = _rows(messy_files["orders"])
    amount = rows[0].index(truth["files"]["orders"]["headers"]["amount"])
    assert truth["duplicate_rows"]
    for d in truth["duplicate_rows"]:
        first, second = d["rows"]
        assert first < second and rows[first - 1] == rows[second - 1]
        assert rows[first - 1][0] == d["key"]["order_id"]
    conflicts: dict[str, list[int]] = {}
    for b in truth["broken_rows"]:
        if b["code"] == "ingest.conflicting_duplicate":
            conflicts.setdefault(b["value"], []).append(b["row"])
    assert conflicts
    for order_id, (first, second) in conflicts.items():
        assert rows[first - 1][0] == rows[second - 1][0] == order_id
        assert rows[first - 1][amount] != rows[second - 1][amount]
    ids = [row[0] for row in rows[1:]]
    assert len(set(ids)) == len(ids) - len(truth["duplicate_rows"]) - len(conflicts)


def test_item_rows_of_quarantined_orders_are_listed_as_unknown_orders(
    messy_files: dict[str, Path],
) -> None:
    truth = json.loads(messy_files["truth_json"].read_text(encoding="utf-8"))
    quarantined = {b["key"]["order_id"] for b in truth["broken_rows"] if b["file"] == "orders.csv"}
    items = _rows(messy_files["order_items"])
    broken_items = {b["row"] for b in truth["broken_rows"] if b["file"] == "order_items.csv"}
    expected = {
        i + 1 for i, row in enumerate(items) if i > 0 and row[0] in quarantined
    } - broken_items
    assert {f["row"] for f in truth["follow_on_rows"]} == expected
    assert {f["code"] for f in truth["follow_on_rows"]} == {"ingest.unknown_order"}


def test_data_made_at_a_moment_end_at_that_moment_not_at_midnight() -> None:
    # 02:18 UTC is 10:18 in Shanghai: the day has 13 h 42 min still to come.
    made = dt.datetime(2026, 6, 30, 2, 18, tzinfo=dt.UTC)
    data = generate(20_000, seed=7, as_of=made)
    assert data.as_of == dt.date(2026, 6, 30) and data.ends_at == made
    times = [
        data.customers.column("signup_at"),
        data.orders.column("ordered_at"),
        data.events.column("occurred_at"),
        data.tickets.column("opened_at"),
        data.tickets.column("closed_at"),
    ]
    latest = max(pc.max(t).as_py() for t in times)
    assert latest <= made
    day_start = dt.datetime(2026, 6, 30, tzinfo=SHANGHAI)
    on_the_day = pc.sum(pc.greater_equal(data.orders.column("ordered_at"), day_start)).as_py()
    assert on_the_day > 0  # the morning is still there, squeezed into the hours that passed
    whole_day = generate(20_000, seed=7, as_of=dt.date(2026, 6, 30))
    assert pc.max(whole_day.orders.column("ordered_at")).as_py() > made  # what the moment cuts


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InputError) as info:
        generate(10, as_of=dt.datetime(2026, 6, 30, 10, 0))
    assert info.value.code == "demo.naive_moment"


def test_shopping_hours_stay_on_their_day_and_are_squeezed_only_on_the_cut_day() -> None:
    from segmint.demo.clock import DAY_US, Clock

    days = np.repeat(np.arange(10), 1_000)
    whole = Clock(dt.date(2026, 6, 21), dt.date(2026, 6, 30))
    made = dt.datetime(2026, 6, 30, 10, 18, tzinfo=SHANGHAI)
    cut = Clock(whole.start, whole.as_of, until_us=int(made.timestamp()) * 1_000_000)
    at = whole.at_shopping_hour(np.random.default_rng(1), days)
    squeezed = cut.at_shopping_hour(np.random.default_rng(1), days)
    offset = at - (whole.start_us + days * DAY_US)
    assert offset.min() >= 0 and offset.max() < DAY_US
    assert np.array_equal(at[days < 9], squeezed[days < 9])  # whole days as drawn
    assert squeezed.max() < cut.end_us == int(made.timestamp()) * 1_000_000
    assert np.all(np.diff(squeezed[days == 9][np.argsort(at[days == 9])]) >= 0)  # order kept
