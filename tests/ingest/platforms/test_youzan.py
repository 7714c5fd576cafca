"""Youzan order exports (订单维度) and customer exports import as they are downloaded.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import InputError, SchemaError
from segmint.ingest.platforms import detect
from segmint.store import audit
from tests.conftest import TODAY
from tests.conftest import write_csv as write_plain_csv
from tests.ingest.platforms.exports import header, write_csv
from tests.ingest.platforms.test_taobao import HEADER_2017, HEADER_2022

# The order-dimension export as a real one writes it (60 columns, c. 2026). 分销员 is both
# column 40 and column 51.
HEADER_FULL = header(
    "订单号,销售渠道,归属店铺,订单类型,订单状态,推广方式,订单来源,订单创建时间,买家付款时间,"
    "交易成功时间,付款方式,支付流水号,商品金额合计,运费,店铺优惠合计,应收订单金额,订单实付金额,"
    "支付优惠合计,订单实收金额,订单抵用积分数,店铺优惠方式,支付优惠方式,全部商品名称,商品种类数,"
    "订单配送方式,同城送达时间/提货时间,收货人省份,收货人城市,收货人地区,详细收货地址/提货地址,"
    "收货人/提货人,收货人手机号/提货人手机号,买家备注,订单星级,买家昵称,买家是否会员,买家手机号,"
    "下单网点,收银员,分销员,销售导购,专属导购,订单退款状态,订单已退款金额,商家订单备注,桌号,"
    "挂账主体,挂账手机号,团长订单,订单风险标签,分销员,分销员手机号,分销员所属店铺,分销员所属团队,"
    "分销员所属分组,分销员等级,订单佣金类型,订单佣金金额,订单下级卖货提成类型,订单下级卖货提成金额"
)
# The same export with the distributor fields (columns 51 to 60) not chosen: the merchant
# picks the fields of the report. This is the layout segmint can read (see the last test).
HEADER = HEADER_FULL[:50]
# The customer export (客户 → 客户管理 → 导出): its header row ends with a comma.
CUSTOMER_HEADER = header(
    "客户姓名,客户昵称,客户手机号,客户生日,客户性别,标签,是否会员,成长值,免费等级,付费等级,"
    "权益卡,客户积分,客户储值余额,消费次数,消费金额,累计退款金额,累计退款订单数,笔单价,上次消费时间,"
    "分销员,导购员,企微好友,来源渠道,来源方式,成为客户时间,成为会员时间,成为会员店铺,公众号,"
    "公众号关注时间,最近浏览时间,微信地域,所属区域,指定时间消费次数,指定时间消费金额,"
)
SHOP = "有刀微商城"


def _order(
    number: str,
    buyer_phone: str,
    *,
    status: str,
    created: str,
    paid_at: str,
    goods: str,
    paid: str,
    shop_off: str = "0",
    postage: str = "0.00",
    refund: str = "0.00",
    refund_state: str = " ",
    products: str = "",
    receiver: str = "",
    receiver_phone: str = "",
    province: str = "",
    city: str = "",
) -> dict[str, str]:
    return {
        "订单号": number,
        "销售渠道": "微信小程序",
        "归属店铺": SHOP,
        "订单类型": "普通订单",
        "订单状态": status,
        "订单来源": "微信",
        "订单创建时间": created,
        "买家付款时间": paid_at,
        "付款方式": "微信支付" if paid_at else "",
        "商品金额合计": goods,
        "运费": postage,
        "店铺优惠合计": shop_off,
        "订单实付金额": paid,
        "订单实收金额": paid,
        "支付优惠合计": "0",
        "全部商品名称": products,
        "商品种类数": str(products.count(";") + 1),
        "订单配送方式": "快递发货",
        "收货人省份": province,
        "收货人城市": city,
        "收货人地区": "",
        "详细收货地址/提货地址": "文三路100号",
        "收货人/提货人": receiver,
        "收货人手机号/提货人手机号": receiver_phone,
        "订单星级": " ",
        "买家昵称": "微信用户",
        "买家是否会员": "否",
        "买家手机号": buyer_phone,
        "订单退款状态": refund_state,
        "订单已退款金额": refund,
        "订单风险标签": "——",
    }


FIRST = [
    _order("E20260301100000000001", "13812345678", status="交易成功",
           created="2026-03-01 10:00:00", paid_at="2026-03-01 10:00:39", goods="120.00",
           postage="8.00", paid="128.00", products="藤次郎三德刀(默认 1)", receiver="薛先生",
           receiver_phone="13812345678", province="广东省", city="广州市"),
    _order("E20260302100000000002", "13900001111", status="已发货",
           created="2026-03-02 22:29:59", paid_at="2026-03-02 22:32:46", goods="276.50",
           shop_off="20.00", paid="256.50", products="藤次郎牛刀(210mm 1);磨刀石(1000目 1)",
           receiver="鲁华英", receiver_phone="13900001111", province="四川省", city="成都市"),
    # waiting for payment: no payment time, nothing paid yet
    _order("E20260303100000000003", "13700002222", status="待付款",
           created="2026-03-03 20:42:50", paid_at="", goods="88.00", paid="0.00",
           products="砧板(大号 1)", receiver="吴尚栢", receiver_phone="13700002222",
           province="广西壮族自治区", city="南宁市"),
    # closed before payment
    _order("E20260304100000000004", "13600003333", status="交易关闭",
           created="2026-03-04 09:00:00", paid_at="", goods="45.00", paid="0.00",
           products="刀油(50ml 1)", receiver="周先生", receiver_phone="13600003333",
           province="北京市", city="北京市"),
    # paid, then refunded in full and closed
    _order("E20260304100000000005", "13812345678", status="交易关闭",
           created="2026-03-04 19:46:26", paid_at="2026-03-04 19:48:31", goods="300.00",
           paid="300.00", refund="300.00", refund_state="退款成功（全额退款）",
           products="藤次郎主厨刀(240mm 1)", receiver="薛先生", receiver_phone="13812345678",
           province="广东省", city="广州市"),
    # a partial refund
    _order("E20260305100000000006", "13500004444", status="交易成功",
           created="2026-03-05 18:59:20", paid_at="2026-03-05 19:00:46", goods="500.00",
           paid="500.00", refund="120.50", refund_state="退款成功（部分退款）",
           products="藤次郎F-312牛刀(默认 1)", receiver="刘丽华", receiver_phone="18086400812",
           province="湖北省", city="武汉市"),
    # the first buyer again, sending to another city
    _order("E20260307100000000007", "13812345678", status="待发货",
           created="2026-03-07 08:00:00", paid_at="2026-03-07 08:01:02", goods="99.00",
           paid="99.00", products="磨刀石(3000目 1)", receiver="薛先生",
           receiver_phone="13812345678", province="广东省", city="深圳市"),
    # the receiver masked by the platform: kept as given
    _order("E20260308100000000008", "13400005555", status="交易完成",
           created="2026-03-08 12:00:00", paid_at="2026-03-08 12:00:10", goods="60.00",
           paid="60.00", products="刀架(默认 1)", receiver="王**", receiver_phone="134****5555",
           province="江苏省", city="南京市"),
    # the buyer's own number masked: no customer to key the order on, set aside
    _order("E20260309100000000009", "186****0005", status="交易成功",
           created="2026-03-09 12:00:00", paid_at="2026-03-09 12:00:10", goods="70.00",
           paid="70.00", products="刀鞘(默认 1)", receiver="李**", receiver_phone="186****0005",
           province="浙江省", city="杭州市"),
]  # fmt: skip
STATUSES = {
    "E20260301100000000001": "completed",
    "E20260302100000000002": "shipped",
    "E20260303100000000003": "pending",
    "E20260304100000000004": "cancelled",
    "E20260304100000000005": "refunded",  # 交易关闭, refund 300.00 = paid 300.00
    "E20260305100000000006": "completed",
    "E20260307100000000007": "paid",
    "E20260308100000000008": "completed",
}
# 128.00 + 256.50 + (500.00 - 120.50) + 99.00 + 60.00 = 923.00: 03 pending, 04 cancelled,
# 05 refunded, 09 set aside.
NET_REVENUE = (
    Decimal("128.00")
    + Decimal("256.50")
    + (Decimal("500.00") - Decimal("120.50"))
    + Decimal("99.00")
    + Decimal("60.00")
)


@pytest.fixture
def export(tmp_path):
    return write_csv(tmp_path / "订单信息列表.csv", HEADER, FIRST, encoding="utf-8-sig")


def test_the_export_is_taken_for_youzan_and_no_other_platform():
    assert detect(HEADER).name == "youzan"
    assert detect(HEADER_FULL).name == "youzan"
    assert detect(CUSTOMER_HEADER).name == "youzan_customers"
    assert detect(HEADER_2017).name == detect(HEADER_2022).name == "taobao"


def test_an_order_export_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "youzan", "orders", 9, 1,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    # 6 buyers with a real number: 13812345678 (three orders), 139…, 137…, 136…, 135…, 134…
    assert counts == {"customers": (6, 0, 0), "orders": (8, 0, 0), "order_items": (8, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("923.00")


def test_amounts_refunds_discounts_and_times_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, refund, ordered_at, store FROM orders"
        )
    }
    utc = dt.UTC
    # paid at 22:32:46 in Shanghai; the shop took 20.00 off
    assert rows["E20260302100000000002"] == (
        "13900001111", Decimal("256.50"), Decimal("20.00"), Decimal("0.00"),
        dt.datetime(2026, 3, 2, 14, 32, 46, tzinfo=utc), SHOP,
    )  # fmt: skip
    # never paid: its creation time
    assert rows["E20260303100000000003"][1:5] == (
        Decimal("0.00"), Decimal("0.00"), Decimal("0.00"),
        dt.datetime(2026, 3, 3, 12, 42, 50, tzinfo=utc),
    )  # fmt: skip
    assert rows["E20260305100000000006"][3] == Decimal("120.50")
    assert rows["E20260304100000000005"][3] == Decimal("300.00")
    items = dict(
        ws.engine.rows(
            "SELECT order_id, product_id FROM order_items WHERE order_id IN"
            " ('E20260301100000000001', 'E20260302100000000002')"
        )
    )
    # one item per order: the first product of the cell as written
    assert items == {
        "E20260301100000000001": "藤次郎三德刀(默认 1)",
        "E20260302100000000002": "藤次郎牛刀(210mm 1)",
    }


def test_buyers_become_customers_keyed_by_their_mobile_number(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows("SELECT customer_id, name, phone, province, city FROM customers")
    }
    assert customers["13812345678"] == ("薛先生", "13812345678", "广东省", "深圳市")  # latest
    assert customers["13400005555"] == ("王**", "13400005555", "江苏省", "南京市")
    assert not any("*" in c for c in customers)  # the masked 186****0005 keys nobody
    # the order of 186****0005 is set aside as having no customer, its row kept as written
    rows = ws.engine.rows('SELECT DISTINCT "row", code, field FROM quarantine')
    assert rows == [(10, "ingest.missing_value", "customer_id")]  # row 10: the header is 1


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        FIRST[0],  # unchanged
        {**FIRST[1], "订单状态": "交易成功"},  # shipped -> completed
        {**FIRST[2], "订单状态": "待发货", "订单实付金额": "88.00",
         "买家付款时间": "2026-03-10 09:30:00"},  # paid at last
        {**FIRST[5], "订单状态": "交易关闭", "订单已退款金额": "500.00",
         "订单退款状态": "退款成功（全额退款）"},  # refunded in full
        _order("E20260310100000000010", "13300006666", status="交易成功",
               created="2026-03-10 10:00:00", paid_at="2026-03-10 10:00:05", goods="45.00",
               paid="45.00", products="刀油(50ml 1)", receiver="孙女士",
               receiver_phone="13300006666", province="上海市", city="上海市"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "订单信息列表(1).csv", HEADER, later, encoding="utf-8-sig")
    result = ws.import_file(None, path, today=TODAY)
    tables = {t.kind: t for t in result.tables}
    orders = tables["orders"]
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 3, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {
        ("shipped", "completed"): 1,
        ("pending", "paid"): 1,
        ("completed", "refunded"): 1,
    }
    others = {c.column: c.rows for c in orders.changes if c.column != "status"}
    assert others == {"refund": 1, "amount": 1, "ordered_at": 1}
    assert tables["customers"].accepted == 1  # 13300006666
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 9
    # 923.00 - 379.50 (06 refunded) + 88.00 (03 paid) + 45.00 (10 new) = 676.50
    revenue = NET_REVENUE - Decimal("379.50") + Decimal("88.00") + Decimal("45.00")
    assert Decimal(ws.status().net_revenue) == revenue == Decimal("676.50")
    entry = audit.entries(ws.engine, limit=1)[0]
    assert entry.details["preset"] == "youzan"


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in HEADER if h != "订单实付金额"]
    records = [{k: v for k, v in r.items() if k != "订单实付金额"} for r in FIRST]
    path = write_csv(tmp_path / "订单信息列表.csv", header, records, encoding="utf-8-sig")
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "Youzan order export (order dimension)" in error.message
    assert "'订单实付金额'" in error.message and "orders.amount" in error.message
    assert "有赞订单导出（订单维度）" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


def test_the_full_layout_repeats_a_header_the_preset_does_not_read(ws, tmp_path):
    # The real 60-column export has 分销员 twice (columns 40 and 51); the preset reads
    # neither, so the file imports as the shorter one does.
    path = write_csv(tmp_path / "订单信息列表.csv", HEADER_FULL, FIRST, encoding="utf-8-sig")
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.quarantined) == ("youzan", 1)  # the masked buyer, as above
    assert Decimal(ws.status().net_revenue) == NET_REVENUE
    assert "分销员" in result.ignored_columns and "分销员 #51" in result.ignored_columns


def test_a_plain_file_repeating_a_header_is_refused(ws, tmp_path):
    path = write_plain_csv(
        tmp_path / "o.csv", ["订单号", "客户ID", "金额", "金额"], [["O1", "C1", "1", "2"]]
    )
    with pytest.raises(InputError) as caught:
        ws.import_file("orders", path, today=TODAY)
    assert caught.value.code == "ingest.duplicate_header"
    assert "'金额'" in caught.value.message and "3" in caught.value.message


CUSTOMERS = [
    {"客户姓名": "薛雪", "客户昵称": "小雪", "客户手机号": "13812345678", "客户生日": "1990-05-01",
     "客户性别": "女", "权益卡": " ", "消费次数": "3", "消费金额": "527.00",
     "来源渠道": "微信小程序", "成为客户时间": "2025-12-01 09:00:00"},
    {"客户姓名": " ", "客户昵称": "鲁鲁", "客户手机号": "13900001111", "客户生日": " ",
     "客户性别": "男", "来源渠道": "微信公众号", "成为客户时间": "2026-01-15 20:00:00"},
    {"客户姓名": "赵敏", "客户昵称": "Min", "客户手机号": "13200007777", "客户生日": "1988-11-30",
     "客户性别": "其他", "来源渠道": "线下门店", "成为客户时间": "2026-02-01 10:00:00"},
    # masked by the platform: set aside, never merged with another 186******05
    {"客户姓名": "钱多多", "客户昵称": "多多", "客户手机号": "186******05", "客户生日": "",
     "客户性别": "女", "来源渠道": "微信小程序", "成为客户时间": "2026-02-02 10:00:00"},
]  # fmt: skip


def test_the_customer_export_fills_customers_keyed_as_the_orders_are(ws, export, tmp_path):
    path = write_csv(tmp_path / "客户列表.csv", CUSTOMER_HEADER, CUSTOMERS, encoding="utf-8-sig")
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "youzan_customers", "customers", 4, 1,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    assert counts == {"customers": (3, 0, 0)}
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT customer_id, name, phone, gender, birthday, channel, signup_at FROM customers"
        )
    }
    assert customers["13812345678"] == (
        "薛雪", "13812345678", "female", dt.date(1990, 5, 1), "微信小程序",
        dt.datetime(2025, 12, 1, 1, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    assert customers["13900001111"][:4] == ("鲁鲁", "13900001111", "male", None)  # no name
    assert customers["13200007777"][2] == "other"
    # the order export then meets the same customers: 13812345678 and 13900001111 known
    orders = ws.import_file(None, export, today=TODAY)
    tables = {t.kind: t for t in orders.tables}
    assert tables["customers"].accepted == 4  # 137…, 136…, 135…, 134…
    assert ws.engine.scalar("SELECT count(*) FROM customers") == 7
    assert ws.engine.scalar(
        "SELECT name FROM customers WHERE customer_id = '13812345678'"
    ) == "薛雪"  # fmt: skip
