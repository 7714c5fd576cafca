"""The synthetic data as files: clean CSV or Parquet, or the messy GBK export a shop system makes.

The messy export has Chinese headers, mixed date, money and phone forms, Chinese statuses,
and a known share of broken and duplicated rows, each recorded in `truth.json` with the
row a spreadsheet shows and the error code the importer must report. `export_files` is
pure; `write_files` writes what it yields.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from segmint.core.errors import InputError
from segmint.core.files import refuse_overwrite, writing
from segmint.core.schema import TABLES, Column, Kind
from segmint.demo import columns, formats
from segmint.demo.clock import pick
from segmint.demo.generate import Dataset

Ints = npt.NDArray[np.int64]
Record = dict[str, Any]
FileFormat = Literal["csv", "parquet"]

ENCODING = "gbk"

# canonical column -> its Chinese headers; a messy file uses one, drawn per file.
CHINESE_HEADERS: dict[str, tuple[str, ...]] = {
    "customer_id": ("客户编号", "会员编号"),
    "order_id": ("订单编号",),
    "ordered_at": ("下单时间", "支付时间"),
    "amount": ("实付金额", "金额(元)"),
    "discount": ("优惠金额",),
    "refund": ("退款金额",),
    "status": ("订单状态",),
    "channel": ("渠道",),
    "name": ("姓名",),
    "phone": ("手机号",),
    "email": ("邮箱",),
    "city": ("城市",),
    "province": ("省份",),
    "signup_at": ("注册时间",),
}
CHINESE_VALUES: dict[str, dict[str, str]] = {
    "status": {
        "paid": "已支付",
        "completed": "已完成",
        "refunded": "已退款",
        "cancelled": "已取消",
    },
    "gender": {"female": "女", "male": "男", "other": "其他"},
}
# Share of cells written in each form of formats.TIME_FORMS, DATE_FORMS, MONEY_FORMS, PHONE_FORMS.
FORM_WEIGHTS: dict[Kind, tuple[float, ...]] = {
    Kind.TIMESTAMP: (0.4, 0.25, 0.2, 0.15),
    Kind.DATE: (0.4, 0.25, 0.2, 0.15),
    Kind.MONEY: (0.4, 0.2, 0.2, 0.2),
    Kind.PHONE: (0.3, 0.3, 0.4),
}
# file -> (error code the importer must report, column broken), spread evenly over the share.
BREAKS: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("ingest.bad_phone", "phone"), ("ingest.bad_date", "signup_at")),
    "orders": (
        ("ingest.bad_date", "ordered_at"),
        ("ingest.bad_amount", "amount"),
        ("ingest.missing_value", "customer_id"),
        ("ingest.bad_value", "status"),
        ("ingest.future_date", "ordered_at"),
    ),
    "order_items": (("ingest.bad_amount", "unit_price"),),
    "events": (("ingest.bad_date", "occurred_at"), ("ingest.bad_value", "type")),
    "tickets": (("ingest.bad_date", "opened_at"),),
}
BAD_CELLS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ingest.bad_date", ""): (
        "2024-13-45",
        "2024/13/45 14:03",
        "2024年13月45日",
        "2024-00-12 25:61",
    ),
    ("ingest.bad_amount", ""): ("12.3.4", "￥12.3.4", "1.2.3元", "12,34.5.6"),
    ("ingest.missing_value", ""): ("",),
    ("ingest.bad_value", "status"): ("未知状态", "审核中"),
    ("ingest.bad_value", "type"): ("点赞", "未知类型"),
}
CONFLICT = "ingest.conflicting_duplicate"


@dataclass(frozen=True)
class ExportFile:
    """One file as `write_files` writes it, and what was broken in it on purpose.

    Attributes
    ----------
    kind : str
        The canonical table: customers, orders, order_items, events or tickets.
    table : pyarrow.Table
        The file's columns under its headers: typed for Parquet, strings (times as
        ISO 8601 UTC) for clean CSV, all strings for messy CSV.
    headers : dict of str to str
        Canonical column -> header in the file.
    broken_rows : list of dict
        One per broken cell: file, row (header = row 1), code, field, header, value, key.
    duplicate_rows : list of dict
        Exact duplicates (the same order twice; it must count once): file, rows, key.
    follow_on_rows : list of dict
        Item rows of quarantined orders, which the importer then reports as
        "ingest.unknown_order": file, row, code, key.
    """

    kind: str
    table: pa.Table
    headers: dict[str, str]
    broken_rows: list[Record] = dataclasses.field(default_factory=list)
    duplicate_rows: list[Record] = dataclasses.field(default_factory=list)
    follow_on_rows: list[Record] = dataclasses.field(default_factory=list)


def export_files(
    dataset: Dataset,
    *,
    file_format: FileFormat = "csv",
    messy: bool = False,
    broken_share: float = 0.01,
    seed: int | None = None,
) -> Iterator[ExportFile]:
    """What `write_files` writes, one file at a time, without writing it.

    Parameters
    ----------
    dataset : Dataset
    file_format : {"csv", "parquet"}
    messy : bool
        The shop-system export (CSV only): Chinese headers and values, mixed forms,
        `broken_share` of each file's rows broken and, in orders, exact and
        conflicting duplicates of `broken_share` / 5 of the rows each.
    broken_share : float
        Share of rows broken in each messy file, from 0 to 0.5.
    seed : int, optional
        Seeds the messy choices; derived from the dataset's seed when omitted.

    Yields
    ------
    ExportFile
        One per canonical table, in `segmint.core.schema.KINDS` order.

    Raises
    ------
    InputError
        For a messy Parquet export, an unknown format or a share outside 0 to 0.5.
    """
    _check(file_format, messy=messy, broken_share=broken_share)
    tables = dataset.tables()
    if messy:
        rng = np.random.default_rng([dataset.seed if seed is None else seed, 0x6D657373])
        yield from _messy_files(tables, rng=rng, share=broken_share)
        return
    for kind, table in tables.items():
        clean = _iso_times(table) if file_format == "csv" else table
        yield ExportFile(kind, clean, {c: c for c in table.column_names})


def write_files(
    dataset: Dataset,
    out_dir: Path,
    *,
    file_format: FileFormat = "csv",
    messy: bool = False,
    broken_share: float = 0.01,
    force: bool = False,
) -> dict[str, Path]:
    """Write one file per canonical table, plus `truth.parquet` and `truth.json`.

    Parameters
    ----------
    dataset : Dataset
    out_dir : pathlib.Path
        Created when missing; files in it with the same names are replaced only with
        `force`.
    file_format : {"csv", "parquet"}
        Clean CSV is UTF-8 with the canonical headers, ISO 8601 UTC times and plain
        amounts; Parquet keeps the canonical types.
    messy : bool
        Write the shop-system export instead (CSV in GBK only), see `export_files`.
    broken_share : float
        Share of broken rows per messy file.
    force : bool
        Replace files that already exist (else `files.exists`, before anything is written).

    Returns
    -------
    dict of str to pathlib.Path
        The file of each kind (customers, orders, order_items, events, tickets), and
        "truth" (truth.parquet) and "truth_json" (parameters, headers, broken rows).

    Raises
    ------
    InputError
        As `export_files`.
    """
    _check(file_format, messy=messy, broken_share=broken_share)  # a wrong call before a file
    names = [f"{kind}.{file_format}" for kind in TABLES] + ["truth.parquet", "truth.json"]
    for name in names:
        refuse_overwrite(out_dir / name, force=force)
    with writing(out_dir):
        return _write_files(
            dataset, out_dir, file_format=file_format, messy=messy, broken_share=broken_share
        )


def _write_files(
    dataset: Dataset,
    out_dir: Path,
    *,
    file_format: FileFormat,
    messy: bool,
    broken_share: float,
) -> dict[str, Path]:
    files = export_files(dataset, file_format=file_format, messy=messy, broken_share=broken_share)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    summary = _summary(dataset, file_format=file_format, messy=messy)
    for file in files:  # one at a time: a messy file's text is dropped once it is written
        paths[file.kind] = path = out_dir / f"{file.kind}.{file_format}"
        if file_format == "parquet":
            pq.write_table(file.table, path)
        elif messy:
            money = [
                h for c, h in file.headers.items() if TABLES[file.kind].column(c).kind == Kind.MONEY
            ]
            formats.write_csv(file.table, path, encoding=ENCODING, quoted=money)
        else:
            pa_csv.write_csv(file.table, path)
        summary["files"][file.kind] = {
            "file": path.name,
            "rows": file.table.num_rows,
            "headers": file.headers,
        }
        for name in ("broken_rows", "duplicate_rows", "follow_on_rows"):
            summary[name] += getattr(file, name)
    paths["truth"] = out_dir / "truth.parquet"
    pq.write_table(dataset.truth, paths["truth"])
    paths["truth_json"] = out_dir / "truth.json"
    paths["truth_json"].write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return paths


def _check(file_format: str, *, messy: bool, broken_share: float) -> None:
    if file_format not in ("csv", "parquet"):
        raise InputError("demo.bad_file_format", got=file_format)
    if messy and file_format != "csv":
        raise InputError("demo.messy_not_csv")
    if not 0 <= broken_share <= 0.5:
        raise InputError("demo.bad_broken_share", got=broken_share)


def _summary(dataset: Dataset, *, file_format: str, messy: bool) -> Record:
    return {
        "seed": dataset.seed,
        "n_customers": dataset.customers.num_rows,
        "as_of": dataset.as_of.isoformat(),
        "start": dataset.start.isoformat(),
        "params": dataclasses.asdict(dataset.params),
        "format": file_format,
        "messy": messy,
        "encoding": ENCODING if messy else "utf-8",
        "files": {},
        "broken_rows": [],
        "duplicate_rows": [],
        "follow_on_rows": [],
    }


def _iso_times(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        values = table.column(i)
        if pa.types.is_timestamp(values.type):
            table = table.set_column(
                i, name, columns.keep_nulls(formats.iso_utc(columns.micros(values)), values)
            )
    return table


def _messy_files(
    tables: dict[str, pa.Table], *, rng: np.random.Generator, share: float
) -> Iterator[ExportFile]:
    quarantined: list[str] = []  # orders the importer must reject, so their items too
    for kind, table in tables.items():
        headers = {c: str(rng.choice(CHINESE_HEADERS.get(c, (c,)))) for c in table.column_names}
        file = _MessyFile(kind, table, headers, rng=rng, share=share)
        follow_on: list[Record] = []
        if kind == "orders":
            quarantined = [r["key"]["order_id"] for r in file.broken]
        if kind == "order_items":
            skip = {r["row"] for r in file.broken}
            follow_on = _unknown_orders(table, quarantined, skip=skip)
        yield ExportFile(kind, file.table, headers, file.broken, file.duplicates, follow_on)


def _unknown_orders(items: pa.Table, orders: list[str], *, skip: set[int]) -> list[Record]:
    """Item rows whose order is quarantined: the importer reports them as unknown orders."""
    hit = pc.is_in(items.column("order_id"), value_set=pa.array(orders, pa.string()))
    rows = np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool))
    keys = items.select(["order_id", "product_id"]).take(pa.array(rows)).to_pylist()
    return [
        {"file": "order_items.csv", "row": int(r) + 2, "code": "ingest.unknown_order", "key": key}
        for r, key in zip(rows, keys, strict=True)
        if int(r) + 2 not in skip
    ]


class _MessyFile:
    """One file of the messy export: every cell as text, broken rows, duplicates."""

    def __init__(
        self,
        kind: str,
        table: pa.Table,
        headers: dict[str, str],
        *,
        rng: np.random.Generator,
        share: float,
    ) -> None:
        self.kind, self.name, self.headers = kind, f"{kind}.csv", headers
        n = table.num_rows
        text = {
            c.name: _messy_column(c, table.column(c.name), rng)
            for c in TABLES[kind].columns
            if c.name in table.column_names
        }
        total, copies = round(share * n), round(share * n / 5) if kind == "orders" else 0
        chosen = rng.choice(n, min(total + 2 * copies, n), replace=False)
        plans = [
            (code, column, np.sort(rows))
            for (code, column), rows in zip(
                BREAKS[kind], np.array_split(chosen[:total], len(BREAKS[kind])), strict=True
            )
        ]
        bad = [_bad_cells(code, column, rows, table, rng) for code, column, rows in plans]
        for column in dict.fromkeys(column for _, column, _ in plans):
            text[column] = _replace(text[column], plans, bad, column=column)
        exact, conflict = chosen[total : total + copies], chosen[total + copies :]
        self.table, row_of = self._assemble(text, table, exact=exact, conflict=conflict, rng=rng)
        key = TABLES[kind].key
        self.broken = [
            self._record(row_of[r], code, column, value, k)
            for (code, column, rows), values in zip(plans, bad, strict=True)
            for r, value, k in zip(rows, values.to_pylist(), _keys(table, key, rows), strict=True)
        ]
        self.duplicates: list[Record] = []
        for copy, (r, k) in enumerate(zip(exact, _keys(table, key, exact), strict=True)):
            self.duplicates.append(
                {"file": self.name, "rows": [int(row_of[r]), int(row_of[n + copy])], "key": k}
            )
        for copy, (r, k) in enumerate(zip(conflict, _keys(table, key, conflict), strict=True)):
            for row in (row_of[r], row_of[n + exact.size + copy]):
                self.broken.append(self._record(row, CONFLICT, key[0], k[key[0]], k))

    def _record(self, row: int, code: str, column: str, value: str, key: Record) -> Record:
        return {
            "file": self.name,
            "row": int(row),
            "code": code,
            "field": column,
            "header": self.headers[column],
            "value": value,
            "key": key,
        }

    def _assemble(
        self,
        text: dict[str, pa.Array],
        table: pa.Table,
        *,
        exact: Ints,
        conflict: Ints,
        rng: np.random.Generator,
    ) -> tuple[pa.Table, Ints]:
        """Insert the duplicates after their originals; the spreadsheet row of every row."""
        base = pa.table({self.headers[c]: v for c, v in text.items()})
        n = table.num_rows
        if exact.size + conflict.size == 0:
            return base, np.arange(2, n + 2)  # the header is row 1
        parts = [base, base.take(pa.array(exact))]
        if conflict.size:
            cents = columns.cents(table.column("amount").take(pa.array(conflict)))
            changed = formats.plain_money(cents + rng.integers(1, 50, conflict.size) * 100)
            copy = base.take(pa.array(conflict))
            amount = copy.column_names.index(self.headers["amount"])
            parts.append(copy.set_column(amount, self.headers["amount"], changed))
        source = np.concatenate([exact, conflict]).astype(np.float64)
        after = source + 0.5 + rng.random(source.size) * (n - source - 0.5)
        order = np.argsort(np.concatenate([np.arange(n, dtype=np.float64), after]), kind="stable")
        row_of = np.empty(order.size, dtype=np.int64)
        row_of[order] = np.arange(order.size) + 2  # the header is row 1
        return pa.concat_tables(parts).take(pa.array(order)), row_of


def _keys(table: pa.Table, key: tuple[str, ...], rows: Ints) -> list[Record]:
    keys: list[Record] = table.select(list(key)).take(pa.array(rows, pa.int64())).to_pylist()
    return keys


def _messy_column(column: Column, values: pa.ChunkedArray, rng: np.random.Generator) -> pa.Array:
    """One column as a shop system writes it."""
    weights = FORM_WEIGHTS.get(column.kind)
    form = pick(rng, weights, len(values)) if weights else np.zeros(0, dtype=np.int64)
    if column.kind == Kind.TIMESTAMP:
        text = formats.local_times(columns.micros(values), form)
    elif column.kind == Kind.DATE:
        days = np.asarray(pc.fill_null(values.cast(pa.int32()), 0).to_numpy(), dtype=np.int64)
        text = formats.local_dates(days, form)
    elif column.kind == Kind.MONEY:
        text = formats.money(columns.cents(values), form)
    elif column.kind == Kind.PHONE:
        text = formats.phones(values.combine_chunks(), form)
    elif column.name in CHINESE_VALUES:
        mapping = CHINESE_VALUES[column.name]
        index = pc.index_in(values, value_set=pa.array(list(mapping)))
        text = pa.array(list(mapping.values())).take(index)
    else:
        text = values.cast(pa.string()).combine_chunks()
    return columns.keep_nulls(text, values)


def _bad_cells(
    code: str, column: str, rows: Ints, table: pa.Table, rng: np.random.Generator
) -> pa.Array:
    """The broken cell of each row: a value the importer must reject with `code`."""
    original = table.column(column).take(pa.array(rows, pa.int64())).combine_chunks()
    if code == "ingest.future_date":
        _, month, day, hour, minute, second = formats.local_parts(columns.micros(original))
        # The row's own month, day and time in 2099; day 28 at most, so the date exists.
        pieces: formats.Pieces = [(month, 2), "-", (np.minimum(day, 28), 2), " ", (hour, 2)]
        return columns.fixed_text(["2099-", *pieces, ":", (minute, 2), ":", (second, 2)], rows.size)
    if code == "ingest.bad_phone":
        # Five digits, or ten and the letter O typed for a zero: neither is a phone number.
        short = pc.utf8_slice_codeunits(original, 0, 5)
        typo = columns.concat(pc.utf8_slice_codeunits(original, 0, 10), "O")
        return pc.if_else(pa.array(rng.random(rows.size) < 0.5), short, typo)
    cells = BAD_CELLS.get((code, column)) or BAD_CELLS[(code, "")]
    return pa.array(cells, pa.string()).take(pa.array(rng.integers(0, len(cells), rows.size)))


def _replace(
    text: pa.Array,
    plans: list[tuple[str, str, Ints]],
    bad: list[pa.Array],
    *,
    column: str,
) -> pa.Array:
    """`text` with the bad cells of every plan for `column` put in their rows."""
    mine = [i for i, (_, c, _) in enumerate(plans) if c == column]
    rows = np.concatenate([plans[i][2] for i in mine])
    values = pa.concat_arrays([bad[i].cast(pa.string()) for i in mine])
    order = np.argsort(rows, kind="stable")
    mask = np.zeros(len(text), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(text, pa.array(mask), values.take(pa.array(order)))
