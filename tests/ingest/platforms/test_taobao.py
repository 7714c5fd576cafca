"""Taobao / Tmall order reports import as they are downloaded, with no flag.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import SchemaError
from segmint.demo.platforms import TAOBAO_HEADER
from segmint.store import audit, identity
from tests.conftest import TODAY
from tests.ingest.platforms.exports import header, write_csv, write_xlsx

HEADER_2017 = TAOBAO_HEADER  # the 2017 order report, verbatim (six headers end in a space)
# The seller centre's layout of about 2022 (a few columns more, buyer nickname, main order id).
HEADER_2022 = header(
    "订单编号,买家会员名,买家会员昵称,支付单号,支付详情,买家应付货款,"
    "买家应付邮费,买家支付积分,总金额,返点积分,买家实际支付金额,"
    "买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,"
    "联系手机,虚拟号过期时间,订单创建时间,订单付款时间,宝贝标题,宝贝种类,"
    "物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,"
    "卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,"
    "特权订金订单id,是否上传合同照片,是否上传小票,是否代付,定金排名,"
    "修改后的sku,修改后的收货地址,异常信息,天猫卡券抵扣,集分宝抵扣,"
    "是否是O2O交易,新零售交易类型,新零售导购门店名称,新零售导购门店id,"
    "新零售发货门店名称,新零售发货门店id,退款金额,预约门店,确认收货时间,"
    "打款商家金额,含应开票给个人的个人红包,是否信用购,体验期结束时间,前N有礼,"
    "配送类型,直播返现状态,返现金额,延迟发货自动赔付金额,新零售成交门店昵称,"
    "新零售成交门店id,新零售成交经销商id,预售订单,发货时间,商家备忘,"
    "主订单编号"
)
SHOP = "勤驿达海外生活"


def _order(
    number: str,
    buyer: str,
    *,
    total: str,
    paid: str,
    status: str,
    created: str,
    paid_at: str,
    refund: str = "0.00",
    receiver: str = "",
    phone: str = "",
    address: str = "",
    title: str = "",
    pieces: str = "1",
) -> dict[str, str]:
    return {
        "订单编号": f'="{number}"',
        "买家会员名": buyer,
        "买家应付货款": total,
        "买家应付邮费": "0.00",
        "总金额": total,
        "买家实际支付金额": paid,
        "订单状态": status,
        "收货人姓名": receiver,
        "收货地址": address,
        "运送方式": "快递",
        "联系手机": phone,
        "订单创建时间": created,
        "订单付款时间": paid_at,
        "宝贝标题": title,
        "宝贝种类": "1",
        "宝贝总数量": pieces,
        "店铺Id": "0",
        "店铺名称": SHOP,
        "订单关闭原因": "订单未关闭" if status != "交易关闭" else "买家取消",
        "买家服务费": "0元",
        "是否手机订单": "手机订单",
        "特权订金订单id": '=""',
        "是否代付": "否",
        "退款金额": refund,
    }


FIRST = [
    _order("35153131473293579", "tb6125470", total="201.12", paid="201.12", status="交易成功",
           created="2024-03-01 10:00:00", paid_at="2024-03-01 10:00:39", receiver="薛先生",
           phone="'13925130165", address="广东省 广州市 越秀区 环市东路云鹤南街50号(510180)",
           title="【顺丰包邮】吉川雪平锅"),
    _order("35082869905648884", "琳郗薷", total="200.00", paid="186.15",
           status="卖家已发货，等待买家确认", created="2024-03-02 22:29:59",
           paid_at="2024-03-02 22:32:46", receiver="鲁华英", phone="'13882206320",
           address="四川省 成都市 武侯区 盛邦街333号(610041)", title="藤次郎三德刀", pieces="2"),
    # closed before payment: no payment time, nothing paid
    _order("13293638796527443", "asxz2", total="331.55", paid="0.00", status="交易关闭",
           created="2024-03-03 20:42:50", paid_at="", receiver="吴尚栢", phone="'15277188038",
           address="广西壮族自治区 南宁市 青秀区 民族大道170号(530000)", title="藤次郎牛刀"),
    # paid, then refunded in full and closed
    _order("13230536893603030", "tb6125470", total="300.00", paid="300.00", status="交易关闭",
           created="2024-03-04 19:46:26", paid_at="2024-03-04 19:48:31", refund="300.00",
           receiver="薛先生", phone="'13925130165", address="广东省 广州市 越秀区 环市东路(510180)",
           title="藤次郎主厨刀"),
    # a partial refund
    _order("29911142123210814", "tb27452426", total="500.00", paid="500.00", status="交易成功",
           created="2024-03-05 18:59:20", paid_at="2024-03-05 19:00:46", refund="120.50",
           receiver="刘丽华", phone="'18086400812", address="湖北省 武汉市 洪山区 杨园南路(430070)",
           title="藤次郎F-312牛刀"),
    # waiting for payment; the buyer's data masked by the platform
    _order("29911142123210815", "tb_erin", total="88.00", paid="0.00", status="等待买家付款",
           created="2024-03-06 09:00:00", paid_at="", refund="", receiver="王**",
           phone="138****8000", address="浙江省 杭州市 西湖区 ***(310000)", title="砧板"),
    _order("29911142123210816", "琳郗薷", total="99.00", paid="99.00元",
           status="买家已付款，等待卖家发货", created="2024-03-07 08:00:00",
           paid_at="2024-03-07 08:01:02", receiver="鲁华英", phone="'13882206320",
           address="四川省 绵阳市 涪城区 临园路(621000)", title="磨刀石"),
    _order("29911142123210817", "tb_fay", total="80.00", paid="80.00", status="交易成功",
           created="2024-03-08 12:00:00", paid_at="2024-03-08 12:00:10", receiver="张**",
           phone="138****8000", address="江苏省 南京市 鼓楼区 ***(210000)", title="刀架"),
    # another buyer name, the same (unmasked) phone as tb6125470: a duplicate to review
    _order("29911142123210818", "tb_gus", total="60.00", paid="60.00", status="交易成功",
           created="2024-03-09 12:00:00", paid_at="2024-03-09 12:00:10", receiver="李**",
           phone="'13925130165", address="广东省 广州市 越秀区 环市东路(510180)", title="刀鞘"),
]  # fmt: skip
NET_REVENUE = (
    Decimal("201.12")
    + Decimal("186.15")
    + Decimal("379.50")
    + Decimal("99.00")
    + (Decimal("80.00") + Decimal("60.00"))
)  # T3 cancelled, T4 refunded, T5 net of its refund, T6 not paid
STATUSES = {
    "35153131473293579": "completed",
    "35082869905648884": "shipped",
    "13293638796527443": "cancelled",
    "13230536893603030": "refunded",
    "29911142123210814": "completed",
    "29911142123210815": "pending",
    "29911142123210816": "paid",
    "29911142123210817": "completed",
    "29911142123210818": "completed",
}


@pytest.fixture(params=["2017 csv gbk", "2022 xlsx"])
def export(request, tmp_path):
    if request.param == "2017 csv gbk":
        return write_csv(
            tmp_path / "ExportOrderList202403101200.csv",
            HEADER_2017,
            FIRST,
            encoding="gbk",
            quote_all=True,
        )
    return write_xlsx(
        tmp_path / "ExportOrderList202403101200.xlsx", HEADER_2022, FIRST, sheet="订单"
    )


def test_an_order_report_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "taobao", "orders", 9, 0,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    assert counts == {"customers": (7, 0, 0), "orders": (9, 0, 0), "order_items": (9, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("1005.77")


def test_amounts_refunds_discounts_and_times_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, amount, discount, refund, ordered_at, store FROM orders"
        )
    }
    utc = dt.UTC
    # paid at 22:32:46 in Shanghai; 13.85 of the 200.00 not paid
    assert rows["35082869905648884"] == (
        Decimal("186.15"), Decimal("13.85"), Decimal("0.00"),
        dt.datetime(2024, 3, 2, 14, 32, 46, tzinfo=utc), SHOP,
    )  # fmt: skip
    # closed before payment: its creation time, no discount for what was never paid
    assert rows["13293638796527443"][:4] == (
        Decimal("0.00"), Decimal("0.00"), Decimal("0.00"),
        dt.datetime(2024, 3, 3, 12, 42, 50, tzinfo=utc),
    )  # fmt: skip
    assert rows["29911142123210814"][2] == Decimal("120.50")
    assert rows["29911142123210816"][0] == Decimal("99.00")  # written 99.00元
    items = ws.engine.rows(
        "SELECT product_id, product_name, quantity FROM order_items "
        "WHERE order_id = '35082869905648884'"
    )
    assert items == [("藤次郎三德刀", "藤次郎三德刀", 2)]


def test_buyers_become_customers_with_their_latest_contact_data(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows("SELECT customer_id, name, phone, province, city FROM customers")
    }
    assert customers["tb6125470"] == ("薛先生", "13925130165", "广东省", "广州市")
    assert customers["琳郗薷"] == ("鲁华英", "13882206320", "四川省", "绵阳市")  # the later order
    assert customers["tb_erin"] == ("王**", "138****8000", "浙江省", "杭州市")  # kept as given
    groups = identity.duplicate_groups(ws.engine)
    # the real shared phone is a candidate; the three masked 138****8000 are not
    assert [(g.field, g.value, g.customer_ids) for g in groups] == [
        ("phone", "13925130165", ("tb6125470", "tb_gus"))
    ]


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        FIRST[0],  # unchanged
        {**FIRST[1], "订单状态": "交易成功"},  # shipped -> completed
        {**FIRST[4], "订单状态": "交易关闭", "退款金额": "500.00"},  # refunded in full
        {**FIRST[5], "订单状态": "买家已付款，等待卖家发货", "买家实际支付金额": "88.00",
         "订单付款时间": "2024-03-10 09:30:00"},  # paid at last
        _order("29911142123210899", "tb_new", total="45.00", paid="45.00", status="交易成功",
               created="2024-03-10 10:00:00", paid_at="2024-03-10 10:00:05", receiver="周先生",
               phone="'13700001111", address="北京 北京市 朝阳区 建国路(100000)", title="刀油"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "ExportOrderList202403111200.csv", HEADER_2017, later,
                     encoding="gbk", quote_all=True)  # fmt: skip
    result = ws.import_file(None, path, today=TODAY)
    orders = next(t for t in result.tables if t.kind == "orders")
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 3, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {
        ("shipped", "completed"): 1,
        ("completed", "refunded"): 1,
        ("pending", "paid"): 1,
    }
    others = {c.column: c.rows for c in orders.changes if c.column != "status"}
    # the refunded order's refund; the paid one's amount and time
    assert others == {"refund": 1, "amount": 1, "ordered_at": 1}
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 10
    revenue = NET_REVENUE - Decimal("379.50") + Decimal("88.00") + Decimal("45.00")
    assert Decimal(ws.status().net_revenue) == revenue
    entry = audit.entries(ws.engine, limit=1)[0]
    assert entry.details["preset"] == "taobao"
    logged = {t["kind"]: t for t in entry.details["tables"]}
    assert {"column": "status", "rows": 1, "before": "shipped", "after": "completed"} in (
        logged["orders"]["changes"]
    )


def test_the_same_export_twice_changes_nothing(ws, export):
    ws.import_file(None, export, today=TODAY)
    again = ws.import_file(None, export, today=TODAY)
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in again.tables}
    assert counts == {"customers": (0, 0, 7), "orders": (0, 0, 9), "order_items": (0, 0, 9)}


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in HEADER_2017 if h != "买家实际支付金额"]
    records = [{k: v for k, v in r.items() if k != "买家实际支付金额"} for r in FIRST]
    path = write_csv(tmp_path / "订单报表.csv", header, records, encoding="gbk")
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "Taobao / Tmall order report" in error.message
    assert "'买家实际支付金额'" in error.message and "orders.amount" in error.message
    assert "淘宝/天猫订单报表" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0
