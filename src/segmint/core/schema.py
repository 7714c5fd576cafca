"""The canonical tables every import lands in, declared once as data.

What each table and column means, in English and Chinese, is in the text catalogue
(`table.<name>`, `column.<table>.<column>` in segmint/core/text/columns.toml).

Migrations build the DDL from these declarations, the importer parses and checks each
column by its kind, and `docs/schema.md` is generated from them (a test keeps it current).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from segmint.core import i18n


class Kind(StrEnum):
    """How a column's values are parsed, checked and stored."""

    ID = "id"  # trimmed text identifier
    TEXT = "text"
    TIMESTAMP = "timestamp"  # stored UTC; local times take the workspace time zone
    DATE = "date"
    MONEY = "money"  # exact: DECIMAL(18, 2), never a binary float
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"  # one of Column.values (synonyms in ingest.mapping)
    PHONE = "phone"  # normalized: digits, +86 / 0086 removed for Chinese numbers
    EMAIL = "email"  # trimmed, lower-cased
    JSON = "json"  # JSON text: extra attributes / event properties


SQL_TYPES: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
    Kind.DATE: "DATE",
    Kind.MONEY: "DECIMAL(18, 2)",
    Kind.INT: "INTEGER",
    Kind.BOOL: "BOOLEAN",
    Kind.ENUM: "VARCHAR",
    Kind.PHONE: "VARCHAR",
    Kind.EMAIL: "VARCHAR",
    Kind.JSON: "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column."""

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values of an ENUM
    low: float | None = None  # inclusive range of an INT or MONEY
    high: float | None = None
    default: str | None = None  # used when the column is absent or the cell empty


@dataclass(frozen=True, slots=True)
class Table:
    """One canonical table: its columns and the key that identifies a row."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    extra: str | None = None  # JSON column that keeps unmapped input columns

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in table order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called `name` (KeyError when there is none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns every row must have."""
        return tuple(c.name for c in self.columns if c.required)


ORDER_STATUSES = ("paid", "pending", "shipped", "completed", "refunded", "cancelled")
# Orders in these states bring no revenue and are no purchase. A partial refund is the
# order's `refund` (revenue is the amount net of it) or a separate row with a negative amount.
UNPAID = ("pending", "cancelled")  # never paid for (or not yet): not a purchase
NOT_REVENUE = (*UNPAID, "refunded")
# What an order brings in, as SQL over the orders table: the amount less what was paid back.
NET_AMOUNT = "CAST(amount - coalesce(refund, 0) AS DECIMAL(18, 2))"
EVENT_TYPES = (
    "page_view",
    "product_view",
    "add_to_cart",
    "search",
    "email_open",
    "email_click",
    "sms_click",
    "call",
    "wechat_message",
    "social",
    "store_visit",
)
GENDERS = ("female", "male", "other")

_C = Column
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            key=("customer_id",),
            extra="attributes",
            columns=(
                _C("customer_id", Kind.ID, required=True),
                _C("name", Kind.TEXT),
                _C("phone", Kind.PHONE),
                _C("email", Kind.EMAIL),
                _C("gender", Kind.ENUM, values=GENDERS),
                _C("birthday", Kind.DATE),
                _C("city", Kind.TEXT),
                _C("province", Kind.TEXT),
                _C("channel", Kind.TEXT),
                _C("signup_at", Kind.TIMESTAMP),
                _C("consent_email", Kind.BOOL),
                _C("consent_sms", Kind.BOOL),
                _C("consent_wecom", Kind.BOOL),
                _C("attributes", Kind.JSON),
            ),
        ),
        Table(
            "orders",
            key=("order_id",),
            columns=(
                _C("order_id", Kind.ID, required=True),
                _C("customer_id", Kind.ID, required=True),
                _C("ordered_at", Kind.TIMESTAMP, required=True),
                _C("amount", Kind.MONEY, required=True),
                _C("discount", Kind.MONEY, low=0, default="0"),
                _C("currency", Kind.TEXT),
                _C("status", Kind.ENUM, values=ORDER_STATUSES, default="paid"),
                _C("channel", Kind.TEXT),
                _C("store", Kind.TEXT),
                _C("refund", Kind.MONEY, low=0),  # empty: nothing paid back
            ),
        ),
        Table(
            "order_items",
            key=("order_id", "product_id"),
            columns=(
                _C("order_id", Kind.ID, required=True),
                _C("product_id", Kind.ID, required=True),
                _C("product_name", Kind.TEXT),
                _C("category", Kind.TEXT),
                _C("quantity", Kind.INT, low=1, high=1_000_000, default="1"),
                _C("unit_price", Kind.MONEY, low=0),
            ),
        ),
        Table(
            "events",
            key=("event_id",),
            extra="properties",
            columns=(
                _C("event_id", Kind.ID),
                _C("customer_id", Kind.ID, required=True),
                _C("occurred_at", Kind.TIMESTAMP, required=True),
                _C("type", Kind.ENUM, required=True, values=EVENT_TYPES),
                _C("channel", Kind.TEXT),
                _C("product_id", Kind.ID),
                _C("properties", Kind.JSON),
            ),
        ),
        Table(
            "tickets",
            key=("ticket_id",),
            columns=(
                _C("ticket_id", Kind.ID, required=True),
                _C("customer_id", Kind.ID, required=True),
                _C("opened_at", Kind.TIMESTAMP, required=True),
                _C("closed_at", Kind.TIMESTAMP),
                _C("category", Kind.TEXT),
                _C("is_complaint", Kind.BOOL, default="false"),
                _C("satisfaction", Kind.INT, low=1, high=5),
            ),
        ),
    )
}

KINDS: tuple[str, ...] = tuple(TABLES)


def _says(key: str, between: str = " ") -> str:
    """Catalogue entry `key` in English, then in Chinese."""
    return i18n.message(key, "en") + between + i18n.message(key, "zh-CN")


def markdown() -> str:
    """`docs/schema.md`: every canonical table and column, in English and Chinese."""
    lines = [
        "# Canonical tables · 标准数据表",
        "",
        "Generated from `segmint.core.schema` (`make docs`); a test keeps it current.",
        "Money is `DECIMAL(18, 2)` (exact); times are stored in UTC, and local times in",
        "imported files take the workspace time zone (`timezone` in `segmint.toml`).",
        "金额为精确的 `DECIMAL(18, 2)`；时间以 UTC 存储，文件中的本地时间按工作区时区换算。",
    ]
    for table in TABLES.values():
        lines += [
            "",
            f"## `{table.name}`",
            "",
            f"{_says(f'table.{table.name}')} Key 主键: `{', '.join(table.key)}`.",
            "",
            "| column | type | required | meaning | 含义 |",
            "|---|---|---|---|---|",
        ]
        for c in table.columns:
            kind = SQL_TYPES[c.kind] + (f" ({', '.join(c.values)})" if c.values else "")
            required = "yes" if c.required else (f"default {c.default}" if c.default else "")
            meaning = _says(f"column.{table.name}.{c.name}", " | ")
            lines.append(f"| `{c.name}` | {kind} | {required} | {meaning} |")
    return "\n".join(lines) + "\n"
