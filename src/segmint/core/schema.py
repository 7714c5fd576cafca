"""The canonical tables every import lands in, declared once as data.

Migrations build the DDL from these declarations, the importer parses and checks each
column by its kind, and `docs/schema.md` is generated from them (a test keeps it current).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    meaning: str
    meaning_zh: str
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values of an ENUM
    low: float | None = None  # inclusive range of an INT or MONEY
    high: float | None = None
    default: str | None = None  # used when the column is absent or the cell empty


@dataclass(frozen=True, slots=True)
class Table:
    """One canonical table: its columns and the key that identifies a row."""

    name: str
    meaning: str
    meaning_zh: str
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
# Orders in these states bring no revenue; a partial refund is a separate negative amount.
NOT_REVENUE = ("cancelled", "refunded")
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
            "One row per customer.",
            "每位客户一行。",
            key=("customer_id",),
            extra="attributes",
            columns=(
                _C("customer_id", Kind.ID, "Customer identifier", "客户编号", required=True),
                _C("name", Kind.TEXT, "Full name (personal data)", "姓名（个人信息）"),
                _C("phone", Kind.PHONE, "Mobile or phone, normalized", "手机号（规范化）"),
                _C("email", Kind.EMAIL, "E-mail, lower-cased", "电子邮箱（小写）"),
                _C("gender", Kind.ENUM, "female, male or other", "性别", values=GENDERS),
                _C("birthday", Kind.DATE, "Date of birth", "生日"),
                _C("city", Kind.TEXT, "City", "城市"),
                _C("province", Kind.TEXT, "Province", "省份"),
                _C("channel", Kind.TEXT, "Acquisition channel", "来源渠道"),
                _C("signup_at", Kind.TIMESTAMP, "Registration time (UTC)", "注册时间（UTC）"),
                _C("consent_email", Kind.BOOL, "May receive e-mail marketing", "同意邮件营销"),
                _C("consent_sms", Kind.BOOL, "May receive SMS marketing", "同意短信营销"),
                _C("consent_wecom", Kind.BOOL, "May receive WeCom marketing", "同意企业微信营销"),
                _C("attributes", Kind.JSON, "Other input columns, as JSON", "其他字段（JSON）"),
            ),
        ),
        Table(
            "orders",
            "One row per order.",
            "每笔订单一行。",
            key=("order_id",),
            columns=(
                _C("order_id", Kind.ID, "Order identifier", "订单编号", required=True),
                _C("customer_id", Kind.ID, "Who ordered", "客户编号", required=True),
                _C(
                    "ordered_at",
                    Kind.TIMESTAMP,
                    "Order time (UTC)",
                    "下单时间（UTC）",
                    required=True,
                ),
                _C(
                    "amount",
                    Kind.MONEY,
                    "Amount paid; negative for a refund",
                    "实付金额；退款为负",
                    required=True,
                ),
                _C("discount", Kind.MONEY, "Discount given", "优惠金额", low=0, default="0"),
                _C("currency", Kind.TEXT, "ISO currency code", "币种"),
                _C(
                    "status",
                    Kind.ENUM,
                    "Order status",
                    "订单状态",
                    values=ORDER_STATUSES,
                    default="paid",
                ),
                _C("channel", Kind.TEXT, "Sales channel", "销售渠道"),
                _C("store", Kind.TEXT, "Shop or store", "店铺"),
            ),
        ),
        Table(
            "order_items",
            "One row per product in an order.",
            "订单中的每个商品一行。",
            key=("order_id", "product_id"),
            columns=(
                _C("order_id", Kind.ID, "Order identifier", "订单编号", required=True),
                _C("product_id", Kind.ID, "Product identifier (SKU)", "商品编号", required=True),
                _C("product_name", Kind.TEXT, "Product name", "商品名称"),
                _C("category", Kind.TEXT, "Product category", "商品类目"),
                _C("quantity", Kind.INT, "Units", "数量", low=1, high=1_000_000, default="1"),
                _C("unit_price", Kind.MONEY, "Price per unit", "单价", low=0),
            ),
        ),
        Table(
            "events",
            "One row per interaction: views, e-mail, calls, messages.",
            "每次互动一行：浏览、邮件、电话、消息。",
            key=("event_id",),
            extra="properties",
            columns=(
                _C("event_id", Kind.ID, "Event identifier (derived when absent)", "事件编号"),
                _C("customer_id", Kind.ID, "Who", "客户编号", required=True),
                _C("occurred_at", Kind.TIMESTAMP, "When (UTC)", "发生时间（UTC）", required=True),
                _C(
                    "type",
                    Kind.ENUM,
                    "Kind of interaction",
                    "互动类型",
                    required=True,
                    values=EVENT_TYPES,
                ),
                _C("channel", Kind.TEXT, "Channel", "渠道"),
                _C("product_id", Kind.ID, "Product involved", "商品编号"),
                _C("properties", Kind.JSON, "Other input columns, as JSON", "其他字段（JSON）"),
            ),
        ),
        Table(
            "tickets",
            "One row per service ticket.",
            "每张服务工单一行。",
            key=("ticket_id",),
            columns=(
                _C("ticket_id", Kind.ID, "Ticket identifier", "工单编号", required=True),
                _C("customer_id", Kind.ID, "Who asked", "客户编号", required=True),
                _C("opened_at", Kind.TIMESTAMP, "Opened (UTC)", "创建时间（UTC）", required=True),
                _C(
                    "closed_at", Kind.TIMESTAMP, "Closed (UTC); empty while open", "关闭时间（UTC）"
                ),
                _C("category", Kind.TEXT, "Topic", "类别"),
                _C("is_complaint", Kind.BOOL, "A complaint", "是否投诉", default="false"),
                _C("satisfaction", Kind.INT, "Rating 1-5", "满意度 1-5", low=1, high=5),
            ),
        ),
    )
}

KINDS: tuple[str, ...] = tuple(TABLES)


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
            f"{table.meaning} {table.meaning_zh} Key 主键: `{', '.join(table.key)}`.",
            "",
            "| column | type | required | meaning | 含义 |",
            "|---|---|---|---|---|",
        ]
        for c in table.columns:
            kind = SQL_TYPES[c.kind] + (f" ({', '.join(c.values)})" if c.values else "")
            required = "yes" if c.required else (f"default {c.default}" if c.default else "")
            lines.append(f"| `{c.name}` | {kind} | {required} | {c.meaning} | {c.meaning_zh} |")
    return "\n".join(lines) + "\n"
