"""Douyin shop (抖店) order exports import as they are downloaded, with no flag.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import SchemaError
from segmint.ingest.platforms import detect
from segmint.store import audit
from tests.conftest import TODAY
from tests.ingest.platforms.exports import header, write_csv
from tests.ingest.platforms.test_taobao import HEADER_2017
from tests.ingest.platforms.test_youzan import CUSTOMER_HEADER
from tests.ingest.platforms.test_youzan import HEADER as YOUZAN_HEADER

# The export's header row as public code hard-codes it (about 2025), in its order.
HEADER = header(
    "主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商家编码,商品单价,订单应付金额,运费,"
    "优惠总金额,平台优惠,商家优惠,达人优惠,商家改价,支付优惠,红包抵扣,支付方式,手续费,收件人,"
    "收件人手机号,省,市,区,街道,详细地址,是否修改过地址,地址修改时段,买家留言,订单提交时间,旗帜颜色,"
    "商家备注,订单完成时间,支付完成时间,APP渠道,流量来源,订单状态,承诺发货时间,订单类型,"
    "鲁班落地页ID,达人ID,达人昵称,所属门店ID,售后状态,取消原因,预约发货时间,仓库ID,仓库名称,序列号,"
    "是否安心购,广告渠道,流量类型,流量体裁,流量渠道,发货主体,发货主体明细,发货时间,降价类优惠,"
    "平台实际承担优惠金额,商家实际承担优惠金额,达人实际承担优惠金额,预计送达时间,是否平台仓自流转,车型,"
    "商品69码,发货SN码,发货IMEI码1,发货IMEI码2,预约送达时间,建议发货时间（起）,建议发货时间（止）,"
    "物流SN码,物流IMEI码1,物流IMEI码2"
)
# An older layout (an importer of about 2023): no serial, barcode, SN or IMEI columns.
HEADER_OLDER = [
    h for h in HEADER if h not in {"序列号", "商品69码"} and "SN" not in h and "IMEI" not in h
]


def _row(
    main: str,
    sub: str,
    phone: str,
    *,
    status: str,
    after_sale: str = "-",
    submitted: str,
    paid_at: str,
    payable: str,
    discount: str = "0.00",
    product: str = "藤次郎三德刀",
    product_id: str = "3588000000000000001",
    quantity: str = "1",
    price: str = "",
    receiver: str = "",
    province: str = "",
    city: str = "",
) -> dict[str, str]:
    return {
        "主订单编号": "\t" + main,
        "子订单编号": "\t" + sub,
        "选购商品": "\t" + product,
        "商品规格": "默认",
        "商品数量": quantity,
        "商品ID": "\t" + product_id,
        "商家编码": "\tTJ-" + product_id[-3:],
        "商品单价": price or payable,
        "订单应付金额": payable,
        "运费": "0.00",
        "优惠总金额": discount,
        "平台优惠": "0.00",
        "商家优惠": discount,
        "支付方式": "抖音支付" if paid_at else "-",
        "收件人": receiver,
        "收件人手机号": phone,
        "省": province,
        "市": city,
        "区": "-",
        "街道": "-",
        "详细地址": "科技园路1号",
        "是否修改过地址": "否",
        "买家留言": "-",
        "订单提交时间": submitted,
        "商家备注": "-",
        "支付完成时间": paid_at,
        "APP渠道": "抖音",
        "流量来源": "直播",
        "订单状态": status,
        "订单类型": "普通订单",
        "达人ID": "\t1234567890",
        "达人昵称": "刀匠老王",
        "售后状态": after_sale,
        "取消原因": "超时未支付" if status == "已关闭" and not paid_at else "-",
    }


FIRST = [
    # one main order of two sub-orders; the second is refunded after sale
    _row("6920000000000000001", "6920000000000000011", "13800000001", status="已完成",
         submitted="2026-04-01 20:15:00", paid_at="2026-04-01 20:15:30", payable="1,234.00",
         receiver="张三", province="广东省", city="深圳市"),
    _row("6920000000000000001", "6920000000000000012", "13800000001", status="已完成",
         after_sale="退款成功", submitted="2026-04-01 20:15:00", paid_at="2026-04-01 20:15:30",
         payable="56.00", product="磨刀石", product_id="3588000000000000002", quantity="2",
         price="28.00", receiver="张三", province="广东省", city="深圳市"),
    _row("6920000000000000002", "6920000000000000021", "13900000002", status="已发货",
         submitted="2026-04-02 21:00:00", paid_at="2026-04-02 21:01:10", payable="89.90",
         discount="10.00", price="99.90", receiver="李四", province="浙江省", city="杭州市"),
    # the first buyer again, sending to another city
    _row("6920000000000000003", "6920000000000000031", "13800000001", status="待发货",
         submitted="2026-04-05 10:00:00", paid_at="2026-04-05 10:00:20", payable="45.50",
         receiver="张三", province="广东省", city="广州市"),
    # closed before payment
    _row("6920000000000000004", "6920000000000000041", "13700000003", status="已关闭",
         submitted="2026-04-06 11:00:00", paid_at="", payable="99.00", receiver="王五",
         province="江苏省", city="南京市"),
    # paid, then refunded in full and closed
    _row("6920000000000000005", "6920000000000000051", "13600000004", status="已关闭",
         after_sale="已全额退款", submitted="2026-04-07 12:00:00",
         paid_at="2026-04-07 12:00:30", payable="188.00", receiver="赵六", province="湖北省",
         city="武汉市"),
    # an after-sale request closed with no refund: the order stays completed
    _row("6920000000000000006", "6920000000000000061", "13500000005", status="已完成",
         after_sale="售后关闭", submitted="2026-04-08 12:00:00",
         paid_at="2026-04-08 12:00:30", payable="20.00", receiver="孙七", province="四川省",
         city="成都市"),
    _row("6920000000000000007", "6920000000000000071", "13400000006", status="待支付",
         submitted="2026-04-09 12:00:00", paid_at="", payable="35.00", receiver="周八",
         province="北京市", city="北京市"),
    # a refund in progress: still shipped until it succeeds
    _row("6920000000000000008", "6920000000000000081", "13300000007", status="已发货",
         after_sale="退款中", submitted="2026-04-10 12:00:00", paid_at="2026-04-10 12:00:30",
         payable="66.60", receiver="吴九", province="上海市", city="上海市"),
    # the receiver masked: no customer to key the order on, set aside
    _row("6920000000000000009", "6920000000000000091", "138****0009", status="已完成",
         submitted="2026-04-11 12:00:00", paid_at="2026-04-11 12:00:30", payable="50.00",
         receiver="郑**", province="福建省", city="厦门市"),
]  # fmt: skip
STATUSES = {
    "6920000000000000011": "completed",
    "6920000000000000012": "refunded",  # 售后状态 退款成功
    "6920000000000000021": "shipped",
    "6920000000000000031": "paid",
    "6920000000000000041": "cancelled",
    "6920000000000000051": "refunded",  # 售后状态 已全额退款
    "6920000000000000061": "completed",  # 售后关闭 leaves 已完成
    "6920000000000000071": "pending",
    "6920000000000000081": "shipped",  # 退款中 leaves 已发货
}
# 1234.00 + 89.90 + 45.50 + 20.00 + 66.60 = 1456.00: 012 and 051 refunded, 041 cancelled,
# 071 pending, 091 set aside.
NET_REVENUE = (
    Decimal("1234.00") + Decimal("89.90") + Decimal("45.50") + Decimal("20.00") + Decimal("66.60")
)


@pytest.fixture(params=["utf-8-sig", "gbk"])
def export(request, tmp_path):
    return write_csv(
        tmp_path / "订单导出_20260412.csv", HEADER, FIRST, encoding=request.param, quote_all=True
    )


def test_the_export_is_taken_for_douyin_and_no_other_platform():
    assert detect(HEADER).name == detect(HEADER_OLDER).name == "douyin"
    assert detect(YOUZAN_HEADER).name == "youzan"
    assert detect(CUSTOMER_HEADER).name == "youzan_customers"
    assert detect(HEADER_2017).name == "taobao"


def test_an_order_export_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "douyin", "orders", 10, 1,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    # each sub-order is an order; 7 receivers with a real number (13800000001 three times)
    assert counts == {"customers": (7, 0, 0), "orders": (9, 0, 0), "order_items": (9, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("1456.00")


def test_amounts_discounts_times_and_items_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, ordered_at, channel FROM orders"
        )
    }
    utc = dt.UTC
    # written "\t6920000000000000011" and "1,234.00"; paid at 20:15:30 in Shanghai
    assert rows["6920000000000000011"] == (
        "13800000001", Decimal("1234.00"), Decimal("0.00"),
        dt.datetime(2026, 4, 1, 12, 15, 30, tzinfo=utc), "抖音",
    )  # fmt: skip
    assert rows["6920000000000000021"][2] == Decimal("10.00")
    # never paid: its submission time
    assert rows["6920000000000000041"][3] == dt.datetime(2026, 4, 6, 3, 0, tzinfo=utc)
    items = ws.engine.rows(
        "SELECT product_id, product_name, quantity, unit_price FROM order_items "
        "WHERE order_id = '6920000000000000012'"
    )
    assert items == [("3588000000000000002", "磨刀石", 2, Decimal("28.00"))]


def test_receivers_become_customers_with_their_latest_contact_data(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows("SELECT customer_id, name, phone, province, city FROM customers")
    }
    assert customers["13800000001"] == ("张三", "13800000001", "广东省", "广州市")  # latest
    assert customers["13900000002"] == ("李四", "13900000002", "浙江省", "杭州市")
    assert not any("*" in c for c in customers)  # 138****0009 keys nobody
    rows = ws.engine.rows('SELECT DISTINCT "row", code, field FROM quarantine')
    assert rows == [(11, "ingest.missing_value", "customer_id")]  # the masked receiver


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        FIRST[2] | {"订单状态": "已完成"},  # shipped -> completed
        FIRST[3] | {"订单状态": "已发货"},  # paid -> shipped
        FIRST[6],  # unchanged
        FIRST[7] | {"订单状态": "待发货", "支付完成时间": "2026-04-12 08:00:00"},  # paid
        FIRST[8] | {"售后状态": "退款成功"},  # shipped -> refunded
        _row("6920000000000000010", "6920000000000000101", "13200000008", status="已完成",
             submitted="2026-04-12 09:00:00", paid_at="2026-04-12 09:00:30", payable="23.45",
             receiver="钱十", province="天津市", city="天津市"),
    ]  # fmt: skip
    path = write_csv(
        tmp_path / "订单导出_20260413.csv", HEADER, later, encoding="utf-8-sig", quote_all=True
    )
    result = ws.import_file(None, path, today=TODAY)
    tables = {t.kind: t for t in result.tables}
    orders = tables["orders"]
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 4, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {
        ("shipped", "completed"): 1,
        ("paid", "shipped"): 1,
        ("pending", "paid"): 1,
        ("shipped", "refunded"): 1,
    }
    others = {c.column: c.rows for c in orders.changes if c.column != "status"}
    assert others == {"ordered_at": 1}  # the order paid at last
    assert tables["order_items"].accepted == 1
    assert tables["customers"].accepted == 1  # 13200000008
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 10
    # 1456.00 - 66.60 (081 refunded) + 35.00 (071 paid) + 23.45 (101 new) = 1447.85
    revenue = NET_REVENUE - Decimal("66.60") + Decimal("35.00") + Decimal("23.45")
    assert Decimal(ws.status().net_revenue) == revenue == Decimal("1447.85")
    entry = audit.entries(ws.engine, limit=1)[0]
    assert entry.details["preset"] == "douyin"


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in HEADER if h != "订单应付金额"]
    records = [{k: v for k, v in r.items() if k != "订单应付金额"} for r in FIRST]
    path = write_csv(tmp_path / "订单导出.csv", header, records, encoding="utf-8-sig")
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "Douyin shop order export" in error.message
    assert "'订单应付金额'" in error.message and "orders.amount" in error.message
    assert "抖店订单导出" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0
