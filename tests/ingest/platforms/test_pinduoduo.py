"""Pinduoduo order exports import as they are downloaded, with no flag.

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
from tests.ingest.platforms.test_jd import HEADER_2015 as JD_2015
from tests.ingest.platforms.test_taobao import HEADER_2017 as TAOBAO_2017

# The recent export (about 2024-2025), in its order.
HEADER_RECENT = header(
    "商品,订单号,订单状态,商品总价(元),邮费(元),店铺优惠折扣(元),平台优惠折扣(元),"
    "多多支付立减金额(元),用户实付金额(元),商家实收金额(元),商品数量(件),发货时间,"
    "确认收货时间,商品id,商品规格,样式ID,商家编码-规格维度,商家编码-商品维度,商家备注,"
    "售后状态,快递单号,快递公司,订单成交时间,是否分期,分期期数,手续费承担方,分期方式"
)
# The same with the buyer's phone and the region ticked in the export's field list (their
# place in the row is not known; segmint reads headers by name).
HEADER_PICKED = HEADER_RECENT + header("用户购买手机号,省,市")
# The 2020 export: payment time, receiver and phone, province and city.
HEADER_2020 = header(
    "商品,订单号,订单状态,商品数量(件),是否审核中,支付时间,拼单成功时间,订单确认时间,"
    "承诺发货时间,发货时间,确认收货时间,商品id,商品规格,样式ID,商家编码-SKU维度,"
    "商家编码-商品维度,商家备注,买家留言,售后状态,商品总价(元),店铺优惠折扣(元),"
    "平台优惠折扣(元),邮费(元),用户实付金额(元),商家实收金额(元),快递单号,快递公司,"
    "收货人,手机,省,市,区,详细地址,是否抽奖或0元试用"
)


def _order(
    number: str,
    phone: str,
    *,
    status: str,
    total: str,
    paid: str,
    at: str,
    title: str = "藤次郎三德刀 家用厨师刀",
    goods: str = "582710394",
    pieces: str = "1",
    postage: str = "0.00",
    shop_off: str = "0.00",
    platform_off: str = "0.00",
    pay_off: str = "0.00",
    province: str = "广东省",
    city: str = "广州市",
) -> dict[str, str]:
    """One order of the recent layout; long numbers and dates end in a tab, as PDD writes them."""
    refunded = "退款成功" in status
    return {
        "商品": title,
        "订单号": number,
        "订单状态": status,
        "商品总价(元)": total,
        "邮费(元)": postage,
        "店铺优惠折扣(元)": shop_off,
        "平台优惠折扣(元)": platform_off,
        "多多支付立减金额(元)": pay_off,
        "用户实付金额(元)": paid,
        "商家实收金额(元)": paid,
        "商品数量(件)": f"{pieces}\t",
        "商品id": goods,
        "商品规格": "默认",
        "样式ID": f"{goods}01",
        "商家编码-规格维度": f"TJ-{goods}\t",
        "售后状态": "退款成功" if refunded else "无售后或售后取消",
        "订单成交时间": f"{at}\t",
        "是否分期": "否",
        "用户购买手机号": f"{phone}\t",
        "省": province,
        "市": city,
    }


B1, B2, B3, B4, B5 = "13925130165", "13882206320", "13500001234", "13600005678", "13700001111"
FIRST = [
    # P1: 199.00 less 10.00 (shop), 5.00 (platform), 1.00 (payment) = 183.00 paid
    _order("240301-582710394856121", B1, status="已签收", total="199.00", paid="183.00",
           shop_off="10.00", platform_off="5.00", pay_off="1.00", at="2024-03-01 10:00:00"),
    _order("240302-582710394856122", B2, status="待发货", total="59.80", paid="59.80",
           pieces="2", title="磨刀石", goods="582710395", at="2024-03-02 11:00:00",
           province="四川省", city="成都市"),
    # P3: 120.00 + 6.00 postage - 20.00 (shop) = 106.00; B1's later order, in 深圳市
    _order("240303-582710394856123", B1, status="已发货，待签收", total="120.00",
           paid="106.00", postage="6.00", shop_off="20.00", title="砧板", goods="582710396",
           at="2024-03-03 12:00:00", city="深圳市"),
    _order("240304-582710394856124", B3, status="待支付", total="49.00", paid="49.00",
           title="刀架", goods="582710397", at="2024-03-04 09:00:00", province="浙江省",
           city="杭州市"),
    _order("240304-582710394856125", B2, status="已取消", total="35.00", paid="0.00",
           title="围裙", goods="582710398", at="2024-03-04 10:00:00", province="四川省",
           city="成都市"),
    _order("240305-582710394856126", B4, status="未发货，退款成功", total="88.00", paid="88.00",
           title="锅铲", goods="582710399", at="2024-03-05 10:00:00", province="湖北省",
           city="武汉市"),
    _order("240305-582710394856127", B1, status="已签收，退款成功", total="66.60", paid="66.60",
           title="汤勺", goods="582710400", at="2024-03-05 11:00:00", city="深圳市"),
    # P8: the newer wording 已收货
    _order("240306-582710394856128", B5, status="已收货", total="25.50", paid="25.50",
           title="刀油", goods="582710401", at="2024-03-06 10:00:00", province="江苏省",
           city="南京市"),
    # P9: a masked phone identifies no one: set aside
    _order("240306-582710394856129", "138****8000", status="已签收", total="30.00",
           paid="30.00", title="刀鞘", goods="582710402", at="2024-03-06 11:00:00"),
]  # fmt: skip
# P4 pending, P5 cancelled, P6 and P7 refunded, P9 set aside: no revenue
NET_REVENUE = Decimal("183.00") + Decimal("59.80") + Decimal("106.00") + Decimal("25.50")
STATUSES = {
    "240301-582710394856121": "completed",
    "240302-582710394856122": "paid",
    "240303-582710394856123": "shipped",
    "240304-582710394856124": "pending",
    "240304-582710394856125": "cancelled",
    "240305-582710394856126": "refunded",
    "240305-582710394856127": "refunded",
    "240306-582710394856128": "completed",
}


@pytest.fixture(params=["csv utf-8", "xlsx"])
def export(request, tmp_path):
    if request.param == "csv utf-8":
        return write_csv(tmp_path / "orders_export20240307.csv", HEADER_PICKED, FIRST)
    return write_xlsx(tmp_path / "orders_export20240307.xlsx", HEADER_PICKED, FIRST, sheet="订单")


def test_an_order_export_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "pinduoduo", "orders", 9, 1,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    # 8 orders with a phone; 5 phones (B1: P1, P3, P7; B2: P2, P5; B3; B4; B5)
    assert counts == {"customers": (5, 0, 0), "orders": (8, 0, 0), "order_items": (8, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    # 183.00 + 59.80 + 106.00 + 25.50
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("374.30")


def test_amounts_discounts_times_and_items_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, refund, ordered_at FROM orders"
        )
    }
    utc = dt.UTC
    # 199.00 - 183.00 = 16.00; placed at 10:00 in Shanghai (no payment time in this layout)
    assert rows["240301-582710394856121"] == (
        B1, Decimal("183.00"), Decimal("16.00"), None,  # no refund column: nothing paid back
        dt.datetime(2024, 3, 1, 2, 0, 0, tzinfo=utc),
    )  # fmt: skip
    # 120.00 - 106.00 = 14.00: the 20.00 off less the 6.00 postage
    assert rows["240303-582710394856123"][2] == Decimal("14.00")
    # nothing paid: no discount
    assert rows["240304-582710394856125"][1:3] == (Decimal("0.00"), Decimal("0.00"))
    items = ws.engine.rows(
        "SELECT product_id, product_name, quantity FROM order_items "
        "WHERE order_id = '240302-582710394856122'"
    )
    assert items == [("582710395", "磨刀石", 2)]  # written 2 and a tab


def test_phones_become_customers_with_their_latest_region(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows("SELECT customer_id, name, phone, province, city FROM customers")
    }
    assert customers == {
        B1: (None, B1, "广东省", "深圳市"),  # P7, the latest order
        B2: (None, B2, "四川省", "成都市"),
        B3: (None, B3, "浙江省", "杭州市"),
        B4: (None, B4, "湖北省", "武汉市"),
        B5: (None, B5, "江苏省", "南京市"),
    }
    assert identity.duplicate_groups(ws.engine) == []


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        FIRST[0],  # unchanged
        {**FIRST[1], "订单状态": "已发货，待签收"},  # P2 paid -> shipped
        {**FIRST[2], "订单状态": "已签收"},  # P3 shipped -> completed
        {**FIRST[3], "订单状态": "待发货"},  # P4 paid at last
        {**FIRST[7], "订单状态": "已签收，退款成功", "售后状态": "退款成功"},  # P8 refunded
        _order("240307-582710394856130", B4, status="已签收", total="40.00", paid="40.00",
               title="刀油", goods="582710401", at="2024-03-07 09:00:00", province="湖北省",
               city="武汉市"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders_export20240308.csv", HEADER_PICKED, later)
    result = ws.import_file(None, path, today=TODAY)
    assert result.preset == "pinduoduo"
    orders = next(t for t in result.tables if t.kind == "orders")
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 4, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {
        ("paid", "shipped"): 1,
        ("shipped", "completed"): 1,
        ("pending", "paid"): 1,
        ("completed", "refunded"): 1,
    }
    assert [c for c in orders.changes if c.column != "status"] == []
    customers = next(t for t in result.tables if t.kind == "customers")
    assert (customers.accepted, customers.updated) == (0, 0)  # B4 was known
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 9
    # 374.30 + 49.00 (P4 paid) - 25.50 (P8 refunded) + 40.00 (P10)
    assert Decimal(ws.status().net_revenue) == Decimal("437.80")


def test_the_same_export_twice_changes_nothing(ws, export):
    ws.import_file(None, export, today=TODAY)
    again = ws.import_file(None, export, today=TODAY)
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in again.tables}
    assert counts == {"customers": (0, 0, 5), "orders": (0, 0, 8), "order_items": (0, 0, 8)}


def test_the_2020_layout_reads_the_receiver_payment_time_and_region(ws, tmp_path):
    records = [
        {"商品": "藤次郎牛刀", "订单号": "200701-334455667788991", "订单状态": "已签收",
         "商品数量(件)": "1\t", "支付时间": "2020-07-01 12:00:05\t", "商品id": "1122334",
         "商家编码-SKU维度": "TJ-1\t", "售后状态": "无售后或售后取消", "商品总价(元)": "99.00",
         "店铺优惠折扣(元)": "9.00", "用户实付金额(元)": "90.00", "收货人": "薛先生",
         "手机": "13925130165", "省": "广东省", "市": "广州市", "区": "越秀区"},
        {"商品": "藤次郎牛刀", "订单号": "200702-334455667788992", "订单状态": "待发货",
         "商品数量(件)": "2\t", "支付时间": "2020-07-02 08:30:00\t", "商品id": "1122334",
         "商品总价(元)": "198.00", "用户实付金额(元)": "198.00", "收货人": "鲁华英",
         "手机": "13882206320", "省": "四川省", "市": "绵阳市"},
        # never paid: its payment time a lone tab, and this layout has no other time
        {"商品": "砧板", "订单号": "200703-334455667788993", "订单状态": "待支付",
         "商品数量(件)": "1\t", "支付时间": "\t", "商品id": "1122335", "商品总价(元)": "50.00",
         "用户实付金额(元)": "50.00", "收货人": "吴尚栢", "手机": "15277188038",
         "省": "广西壮族自治区", "市": "南宁市"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders_export20200703.csv", HEADER_2020, records)
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.rows_read, result.quarantined) == ("pinduoduo", 3, 1)
    rows = ws.engine.rows(
        "SELECT order_id, customer_id, amount, discount, status, ordered_at FROM orders "
        "ORDER BY order_id"
    )
    assert rows == [
        ("200701-334455667788991", "13925130165", Decimal("90.00"), Decimal("9.00"),
         "completed", dt.datetime(2020, 7, 1, 4, 0, 5, tzinfo=dt.UTC)),
        ("200702-334455667788992", "13882206320", Decimal("198.00"), Decimal("0.00"), "paid",
         dt.datetime(2020, 7, 2, 0, 30, 0, tzinfo=dt.UTC)),
    ]  # fmt: skip
    customers = ws.engine.rows(
        "SELECT customer_id, name, phone, province, city FROM customers ORDER BY customer_id"
    )
    assert customers == [
        ("13882206320", "鲁华英", "13882206320", "四川省", "绵阳市"),
        ("13925130165", "薛先生", "13925130165", "广东省", "广州市"),
    ]
    # 90.00 + 198.00
    assert Decimal(ws.status().net_revenue) == Decimal("288.00")


def test_the_default_recent_layout_has_no_customer_so_every_row_is_set_aside(ws, tmp_path):
    records = [{k: v for k, v in r.items() if k in HEADER_RECENT} for r in FIRST[:3]]
    path = write_csv(tmp_path / "orders_export20240307.csv", HEADER_RECENT, records)
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.rows_read, result.quarantined) == ("pinduoduo", 3, 3)
    assert {(p.code, p.location.field) for p in result.problems} == {
        ("ingest.missing_value", "customer_id")
    }
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in HEADER_PICKED if h != "用户实付金额(元)"]
    records = [{k: v for k, v in r.items() if k != "用户实付金额(元)"} for r in FIRST]
    path = write_csv(tmp_path / "orders_export.csv", header, records)
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "Pinduoduo order export" in error.message
    assert "'用户实付金额(元)'" in error.message and "orders.amount" in error.message
    assert "拼多多订单导出" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


def test_pinduoduo_jd_and_taobao_exports_are_told_apart():
    for layout in (HEADER_RECENT, HEADER_PICKED, HEADER_2020):
        assert detect(layout).name == "pinduoduo"
    assert detect(JD_2015).name == "jd"
    assert detect(TAOBAO_2017).name == "taobao"
