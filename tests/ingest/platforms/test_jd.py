"""JD POP order exports import as they are downloaded, with no flag.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import SchemaError
from segmint.ingest.platforms import detect
from segmint.store import identity
from tests.conftest import TODAY
from tests.ingest.platforms.exports import header, write_csv, write_xlsx
from tests.ingest.platforms.test_taobao import HEADER_2017 as TAOBAO_2017
from tests.ingest.platforms.test_taobao import HEADER_2022 as TAOBAO_2022

# The 30-column export of 2015 (下单帐号 with 帐, full-width brackets in 商家备注等级).
HEADER_2015 = header(
    "订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付,"
    "应付金额,订单状态,订单类型,下单帐号,客户姓名,客户地址,联系电话,订单备注,发票类型,"
    "发票抬头,发票内容,商家备注,商家备注等级（等级1-5为由高到低）,运费金额,付款确认时间,"
    "增值税发票,货号,订单完成时间,订单来源,订单渠道"
)
# The 2017 sample: four columns after 订单渠道, then the invoice tax number.
HEADER_2017 = HEADER_2015 + header("送装服务,服务费,仓库id,仓库名称,普通发票纳税编号")


def _line(
    number: str,
    buyer: str,
    *,
    sku: str,
    title: str,
    pieces: str,
    price: str,
    total: str,
    payable: str,
    status: str,
    created: str,
    paid_at: str,
    receiver: str = "张三",
    phone: str = "1******6198",
    address: str = "江西南昌市青山湖区北京东路100号",
) -> dict[str, str]:
    """One line item; the order's fields repeat on each of its lines, as JD writes them."""
    return {
        "订单号": f"'{number}\t",  # a leading ' and a trailing tab, against Excel
        "商品ID": f"{sku}\t",
        "商品名称": title,
        "订购数量": pieces,
        "支付方式": "在线支付",
        "下单时间": created,
        "京东价": price,
        "订单金额": total,
        "结算金额": payable,
        "余额支付": "0.00",
        "应付金额": payable,
        "订单状态": status,
        "订单类型": "销售订单",
        "下单帐号": buyer,
        "客户姓名": receiver,
        "客户地址": address,
        "联系电话": phone,
        "运费金额": "0.00",
        "付款确认时间": paid_at,
        "订单完成时间": "2024-03-06 09:00:00" if status == "完成" else "",
        "订单来源": "移动端订单",
        "订单渠道": "暂无来源",
    }


A1 = "rds3199358"
FIRST = [
    # O1: two lines, 599.00 listed (399.00 + 2 × 100.00), 559.00 paid
    _line("86473920151", A1, sku="1953814331", title="藤次郎三德刀", pieces="1", price="399.00",
          total="599.00", payable="559.00", status="完成", created="2024-03-01 10:00:00",
          paid_at="2024-03-01 10:01:30", phone="'13912345678"),
    _line("86473920151", A1, sku="1953814332", title="磨刀石", pieces="2", price="100.00",
          total="599.00", payable="559.00", status="完成", created="2024-03-01 10:00:00",
          paid_at="2024-03-01 10:01:30", phone="'13912345678"),
    _line("86473920152", "jd_7c1e2a", sku="1953814333", title="砧板", pieces="1", price="89.90",
          total="89.90", payable="89.90", status="等待出库", created="2024-03-02 11:00:00",
          paid_at="2024-03-02 11:00:20", receiver="李四", phone="'13800138000",
          address="广东广州市天河区体育西路1号"),
    # O3: not paid yet; the buyer's later order, so its contact data is the customer's
    _line("86473920153", A1, sku="1953814334", title="刀架", pieces="1", price="120.00",
          total="120.00", payable="120.00", status="等待付款", created="2024-03-03 12:00:00",
          paid_at="", receiver="张先生", phone="'13912345678",
          address="江西九江市浔阳区庐山路8号"),
    # O4: two lines, 250.00 listed, 230.50 paid; shipped
    _line("86473920154", "jd_mei", sku="1953814335", title="刀鞘", pieces="1", price="150.00",
          total="250.00", payable="230.50", status="等待确认收货", created="2024-03-04 09:00:00",
          paid_at="2024-03-04 09:05:00", receiver="王梅"),
    _line("86473920154", "jd_mei", sku="1953814336", title="刀油", pieces="1", price="100.00",
          total="250.00", payable="230.50", status="等待确认收货", created="2024-03-04 09:00:00",
          paid_at="2024-03-04 09:05:00", receiver="王梅"),
    # O5: deleted before payment
    _line("86473920155", "jd_7c1e2a", sku="1953814337", title="围裙", pieces="1", price="59.00",
          total="59.00", payable="59.00", status="(删除)等待付款", created="2024-03-05 08:00:00",
          paid_at="", receiver="李四", phone="'13800138000", address="广东广州市天河区体育西路1号"),
    # O6: paid, then deleted before leaving the warehouse: paid back
    _line("86473920156", "jd_lin", sku="1953814338", title="锅铲", pieces="1", price="66.00",
          total="66.00", payable="66.00", status="(删除)等待出库", created="2024-03-05 10:00:00",
          paid_at="2024-03-05 10:00:09", receiver="林一", phone="'13700001111"),
    # O7: a return asked for after shipping; still shipped
    _line("86473920157", "jd_mei", sku="1953814339", title="汤勺", pieces="1", price="45.00",
          total="45.00", payable="45.00", status="(锁定)等待确认收货",
          created="2024-03-06 10:00:00", paid_at="2024-03-06 10:00:30", receiver="王梅"),
    # O8: paused (paid), the same masked phone as jd_mei
    _line("86473920158", "jd_ou", sku="1953814331", title="藤次郎三德刀", pieces="1",
          price="30.00", total="30.00", payable="30.00", status="暂停",
          created="2024-03-07 10:00:00", paid_at="2024-03-07 10:00:30", receiver="欧阳"),
]  # fmt: skip
# O3 pending, O5 cancelled, O6 refunded: no revenue
NET_REVENUE = (
    Decimal("559.00") + Decimal("89.90") + Decimal("230.50") + Decimal("45.00") + Decimal("30.00")
)
STATUSES = {
    "86473920151": "completed",
    "86473920152": "paid",
    "86473920153": "pending",
    "86473920154": "shipped",
    "86473920155": "cancelled",
    "86473920156": "refunded",
    "86473920157": "shipped",
    "86473920158": "paid",
}


@pytest.fixture(params=["2015 csv gbk", "2017 xlsx"])
def export(request, tmp_path):
    if request.param == "2015 csv gbk":
        return write_csv(
            tmp_path / "订单导出_20240308.csv", HEADER_2015, FIRST, encoding="gbk", quote_all=True
        )
    return write_xlsx(tmp_path / "订单导出_20240308.xlsx", HEADER_2017, FIRST, sheet="Sheet1")


def test_an_order_export_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "jd", "orders", 10, 0,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    # 8 orders on 10 lines; 5 buyers (rds3199358, jd_7c1e2a, jd_mei, jd_lin, jd_ou)
    assert counts == {"customers": (5, 0, 0), "orders": (8, 0, 0), "order_items": (10, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    # 559.00 + 89.90 + 230.50 + 45.00 + 30.00
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("954.40")


def test_amounts_discounts_times_and_items_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, refund, ordered_at, channel "
            "FROM orders"
        )
    }
    utc = dt.UTC
    # paid at 10:01:30 in Shanghai; 599.00 - 559.00 = 40.00 not paid
    assert rows["86473920151"] == (
        A1, Decimal("559.00"), Decimal("40.00"), None,  # no refund column: nothing paid back
        dt.datetime(2024, 3, 1, 2, 1, 30, tzinfo=utc), "移动端订单",
    )  # fmt: skip
    # not paid: its creation time
    assert rows["86473920153"][4] == dt.datetime(2024, 3, 3, 4, 0, 0, tzinfo=utc)
    assert rows["86473920154"][1:3] == (Decimal("230.50"), Decimal("19.50"))  # 250.00 - 230.50
    items = ws.engine.rows(
        "SELECT product_id, product_name, quantity, unit_price FROM order_items "
        "WHERE order_id = '86473920151' ORDER BY product_id"
    )
    assert items == [
        ("1953814331", "藤次郎三德刀", 1, Decimal("399.00")),
        ("1953814332", "磨刀石", 2, Decimal("100.00")),
    ]


def test_buyers_become_customers_with_their_latest_contact_data(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:] for r in ws.engine.rows("SELECT customer_id, name, phone FROM customers")
    }
    assert customers == {
        A1: ("张先生", "13912345678"),  # from O3, the later order
        "jd_7c1e2a": ("李四", "13800138000"),
        "jd_mei": ("王梅", "1******6198"),  # masked: kept as given
        "jd_lin": ("林一", "13700001111"),
        "jd_ou": ("欧阳", "1******6198"),
    }
    # the masked 1******6198 shared by jd_mei and jd_ou makes no duplicate
    assert identity.duplicate_groups(ws.engine) == []


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        FIRST[0], FIRST[1],  # O1 unchanged
        {**FIRST[2], "订单状态": "等待确认收货"},  # O2 paid -> shipped
        {**FIRST[3], "订单状态": "等待出库", "付款确认时间": "2024-03-08 08:00:00"},  # O3 paid
        {**FIRST[4], "订单状态": "完成"}, {**FIRST[5], "订单状态": "完成"},  # O4 completed
        {**FIRST[8], "订单状态": "(删除)等待确认收货"},  # O7 returned: refunded
        _line("86473920160", "jd_new", sku="1953814340", title="刀油", pieces="3", price="25.00",
              total="75.00", payable="75.00", status="完成", created="2024-03-08 10:00:00",
              paid_at="2024-03-08 10:00:05", receiver="周先生", phone="'13600002222"),
    ]  # fmt: skip
    path = write_csv(
        tmp_path / "订单导出_20240309.csv", HEADER_2015, later, encoding="gbk", quote_all=True
    )
    result = ws.import_file(None, path, today=TODAY)
    assert result.preset == "jd"
    orders = next(t for t in result.tables if t.kind == "orders")
    # O10 new; O2, O3, O4, O7 changed; O1 as it was
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 4, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {
        ("paid", "shipped"): 1,
        ("pending", "paid"): 1,
        ("shipped", "completed"): 1,
        ("shipped", "refunded"): 1,
    }
    assert {c.column: c.rows for c in orders.changes if c.column != "status"} == {
        "ordered_at": 1  # O3's payment time
    }
    items = next(t for t in result.tables if t.kind == "order_items")
    assert (items.accepted, items.updated, items.already_present) == (1, 0, 7)
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 9
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == {
        **STATUSES,
        "86473920152": "shipped",
        "86473920153": "paid",
        "86473920154": "completed",
        "86473920157": "refunded",
        "86473920160": "completed",
    }
    # 954.40 + 120.00 (O3 paid) - 45.00 (O7 refunded) + 75.00 (O10)
    assert Decimal(ws.status().net_revenue) == Decimal("1104.40")


def test_the_same_export_twice_changes_nothing(ws, export):
    ws.import_file(None, export, today=TODAY)
    again = ws.import_file(None, export, today=TODAY)
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in again.tables}
    assert counts == {"customers": (0, 0, 5), "orders": (0, 0, 8), "order_items": (0, 0, 10)}


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in HEADER_2015 if h != "应付金额"]
    records = [{k: v for k, v in r.items() if k != "应付金额"} for r in FIRST]
    path = write_csv(tmp_path / "订单导出.csv", header, records, encoding="gbk")
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "JD POP order export" in error.message
    assert "'应付金额'" in error.message and "orders.amount" in error.message
    assert "京东POP订单导出" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


def test_a_masked_buyer_account_is_set_aside_not_merged(ws, tmp_path):
    records = [
        {**FIRST[2], "下单帐号": "jd_***9a"},
        {**FIRST[6], "下单帐号": "jd_***9a"},
        FIRST[7],
    ]
    path = write_csv(tmp_path / "订单导出.csv", HEADER_2015, records, encoding="gbk")
    result = ws.import_file(None, path, today=TODAY)
    assert result.preset == "jd"
    assert ws.engine.rows("SELECT order_id FROM orders") == [("86473920156",)]
    assert ws.engine.rows("SELECT customer_id FROM customers") == [("jd_lin",)]


def test_jd_and_taobao_exports_are_told_apart():
    assert detect(HEADER_2015).name == detect(HEADER_2017).name == "jd"
    assert detect(TAOBAO_2017).name == detect(TAOBAO_2022).name == "taobao"
