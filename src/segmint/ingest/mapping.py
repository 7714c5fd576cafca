"""Header names as shop systems, ERPs and CRMs export them, mapped to canonical columns.

Headers match ignoring case, spaces, full-width characters and brackets, so
`金额（元）`, `金额(元)` and `金额 元` are one header. The synonym tables are data:
a header this table does not know goes into `[mapping]` of `segmint.toml` or `--map`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from segmint.core.errors import Location, SchemaError
from segmint.core.schema import TABLES, Kind

# canonical column -> synonyms (canonical English names match by themselves).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "客户编号",
        "客户ID",
        "客户id",
        "会员编号",
        "会员号",
        "会员ID",
        "用户ID",
        "客户代码",
        "customer",
        "customer no",
        "customer number",
        "member id",
    ),
    "order_id": ("订单编号", "订单号", "订单ID", "单号", "order", "order no", "order number"),
    "ordered_at": (
        "下单时间",
        "订单时间",
        "订单日期",
        "支付时间",
        "购买日期",
        "购买时间",
        "创建时间",
        "order date",
        "order time",
        "date",
        "purchase date",
    ),
    "amount": (
        "实付金额",
        "订单金额",
        "支付金额",
        "金额",
        "金额(元)",
        "实收金额",
        "成交金额",
        "total",
        "order amount",
        "paid amount",
        "revenue",
    ),
    "discount": ("优惠金额", "折扣", "折扣金额", "优惠", "discount amount"),
    "refund": ("退款金额", "已退款金额", "refund amount", "refunded amount"),
    "currency": ("币种", "货币"),
    "status": ("订单状态", "状态", "order status"),
    "channel": ("渠道", "来源", "来源渠道", "销售渠道", "source"),
    "store": ("店铺", "门店", "店铺名称", "shop"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "mobile", "telephone", "tel"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "e-mail", "mail"),
    "name": ("姓名", "客户名称", "客户姓名", "会员名称", "full name", "customer name"),
    "gender": ("性别", "sex"),
    "birthday": ("生日", "出生日期", "date of birth", "birth date"),
    "city": ("城市", "所在城市"),
    "province": ("省份", "省", "所在省份", "state"),
    "signup_at": ("注册时间", "注册日期", "开卡时间", "signup date", "registered at"),
    "consent_email": ("同意邮件营销", "邮件订阅"),
    "consent_sms": ("同意短信营销", "短信订阅"),
    "consent_wecom": ("同意企业微信营销", "企业微信订阅"),
    "product_id": ("商品编号", "商品ID", "商品编码", "货号", "SKU", "product", "item id"),
    "product_name": ("商品名称", "品名", "商品", "item name"),
    "category": ("类目", "商品类目", "品类", "分类", "类别"),
    "quantity": ("数量", "购买数量", "件数", "qty"),
    "unit_price": ("单价", "商品单价", "price"),
    "event_id": ("事件编号", "事件ID"),
    "occurred_at": ("发生时间", "时间", "事件时间", "timestamp", "time"),
    "type": ("类型", "事件类型", "互动类型", "event type", "event"),
    "ticket_id": ("工单编号", "工单号", "工单ID", "ticket"),
    "opened_at": ("创建时间", "提交时间", "开始时间", "opened"),
    "closed_at": ("关闭时间", "完成时间", "解决时间", "closed"),
    "is_complaint": ("是否投诉", "投诉", "complaint"),
    "satisfaction": ("满意度", "评分", "rating", "csat"),
}

# canonical column -> value synonyms (matched after the same folding as headers).
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "已支付": "paid",
        "已付款": "paid",
        "付款成功": "paid",
        "支付成功": "paid",
        "待付款": "pending",
        "未支付": "pending",
        "待支付": "pending",
        "已发货": "shipped",
        "待收货": "shipped",
        "已完成": "completed",
        "交易成功": "completed",
        "已签收": "completed",
        "已收货": "completed",
        "complete": "completed",
        "done": "completed",
        "已退款": "refunded",
        "退款成功": "refunded",
        "refund": "refunded",
        "已取消": "cancelled",
        "交易关闭": "cancelled",
        "已关闭": "cancelled",
        "canceled": "cancelled",
        "cancel": "cancelled",
    },
    "gender": {"女": "female", "男": "male", "f": "female", "m": "male", "其他": "other"},
    "type": {
        "浏览": "page_view",
        "页面浏览": "page_view",
        "商品浏览": "product_view",
        "加购": "add_to_cart",
        "加入购物车": "add_to_cart",
        "搜索": "search",
        "邮件打开": "email_open",
        "邮件点击": "email_click",
        "短信点击": "sms_click",
        "电话": "call",
        "来电": "call",
        "微信消息": "wechat_message",
        "微信": "wechat_message",
        "社交": "social",
        "到店": "store_visit",
    },
}

_BRACKETS = re.compile(r"[\s()\[\]{}<>（）【】《》「」_\-]+")


def fold(text: str) -> str:
    """Fold a header or value for matching: NFKC, case, spaces, brackets, dashes."""
    return _BRACKETS.sub("", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which file header feeds which canonical column, and what was left over."""

    columns: dict[str, str]  # canonical column -> header in the file
    unmapped: tuple[str, ...]  # headers no column took (kept as JSON where the table allows)
    # Headers set aside because they are the fields of the kind the file looks like (an
    # import with --force): neither mapped nor kept as JSON.
    foreign: tuple[str, ...] = ()


def map_headers(
    headers: Sequence[str],
    kind: str,
    *,
    extra: Mapping[str, str] | None = None,
    file: str | None = None,
) -> HeaderMap:
    """Map a file's headers to the columns of the canonical table `kind`.

    `extra` (from `[mapping]` or `--map`) is consulted first. A required column that no
    header matches raises `SchemaError` naming the column, the headers found and the
    closest one, before any row is read. Two headers for one column raise `SchemaError`
    naming both, unless `extra` names one of them: the user's word decides.
    """
    columns, unmapped = _assign(headers, kind, extra=extra or {}, file=file)
    missing = [c for c in TABLES[kind].required if c not in columns]
    if missing:
        raise _missing(missing, headers, kind=kind, file=file)
    return HeaderMap(columns=columns, unmapped=tuple(unmapped))


def mapped_columns(
    headers: Sequence[str], kind: str, *, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The canonical columns of `kind` that `headers` hold, each with its first header."""
    lookup = _lookup(TABLES[kind].column_names, extra or {})
    found: dict[str, str] = {}
    for header in headers:
        if (column := lookup.get(fold(header))) is not None:
            found.setdefault(column, header)
    return found


def holds_required(
    headers: Sequence[str], kind: str, *, extra: Mapping[str, str] | None = None
) -> bool:
    """Whether `headers` name every required column of `kind` (a header row of that kind)."""
    return set(TABLES[kind].required) <= set(mapped_columns(headers, kind, extra=extra))


def likely_kind(
    headers: Sequence[str], kind: str, *, extra: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]] | None:
    """The kind the headers fit better than `kind`, with the evidence; None when `kind` fits.

    Another kind fits better when the headers hold all its required columns, among them
    one `kind` does not ask for that identifies it (an id such as order_id or ticket_id,
    or its key), and either `kind` lacks a required column or the other kind asks for
    everything `kind` asks for and more: an orders file holds customer_id too, but a
    customers file has no order_id. When both fit and neither asks for more, the file
    is taken as `kind`.
    """
    mapped = {k: mapped_columns(headers, k, extra=extra) for k in TABLES}
    asked = set(TABLES[kind].required)
    fits_asked = asked <= set(mapped[kind])
    found = []
    for other, table in TABLES.items():
        more = set(table.required) - asked
        if other == kind or not set(table.required) <= set(mapped[other]):
            continue
        telling = any(table.column(c).kind == Kind.ID for c in more) or any(
            c in mapped[other] and c not in asked for c in table.key
        )
        if telling and (not fits_asked or asked < set(table.required)):
            found.append((len(mapped[other]), other))
    if not found:
        return None
    other = max(found)[1]
    own = [c for c in TABLES[other].column_names if c in mapped[other] and c not in asked]
    return other, {c: mapped[other][c] for c in own}


def _assign(
    headers: Sequence[str], kind: str, *, extra: Mapping[str, str], file: str | None
) -> tuple[dict[str, str], list[str]]:
    lookup = _lookup(TABLES[kind].column_names, extra)
    chosen = {fold(source) for source in extra}
    columns: dict[str, str] = {}
    unmapped: list[str] = []
    for header in headers:
        target = lookup.get(fold(header))
        if target is None:
            unmapped.append(header)
        elif target not in columns:
            columns[target] = header
        elif fold(columns[target]) in chosen and fold(header) not in chosen:
            unmapped.append(header)
        elif fold(header) in chosen and fold(columns[target]) not in chosen:
            unmapped.append(columns[target])
            columns[target] = header
        else:
            raise _twice(target, columns[target], header, file=file)
    return columns, unmapped


def _twice(column: str, first: str, second: str, *, file: str | None) -> SchemaError:
    return SchemaError(
        "ingest.duplicate_column",
        location=Location(file=file, field=column),
        file=file,
        column=column,
        first=first,
        second=second,
    )


def _lookup(columns: Sequence[str], extra: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in columns:
        for name in (column, *HEADER_SYNONYMS.get(column, ())):
            found.setdefault(fold(name), column)
    for source, column in extra.items():
        if column in columns:
            found[fold(source)] = column  # the user's word wins over a built-in synonym
    return found


def _missing(
    missing: Sequence[str], headers: Sequence[str], *, kind: str, file: str | None
) -> SchemaError:
    column = missing[0]
    candidates = {fold(h): h for h in headers}
    names = [fold(n) for n in (column, *HEADER_SYNONYMS.get(column, ()))]
    close = [candidates[c] for n in names for c in difflib.get_close_matches(n, candidates, n=1)]
    return SchemaError(
        "ingest.missing_column",
        location=Location(file=file, field=column),
        kind=kind,
        file=file,
        column=column,
        missing=", ".join(f"'{c}'" for c in missing),
        headers=", ".join(headers) or "(none)",
        header=close[0] if close else "HEADER",
    )
