"""WooCommerce order exports import as they are downloaded, with no flag.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import SchemaError
from segmint.ingest.platforms import detect
from tests.conftest import TODAY
from tests.ingest.platforms.exports import header, write_csv

# Customer / Order / Coupon Export, "Default" CSV format (extension 5.5.0): one row per order.
DEFAULT_HEADER = header(
    "order_id,order_number,order_number_formatted,date,status,shipping_total,"
    "shipping_tax_total,fee_total,fee_tax_total,tax_total,discount_total,order_total,"
    "refunded_total,order_currency,payment_method,shipping_method,customer_id,"
    "billing_first_name,billing_last_name,billing_company,billing_email,billing_phone,"
    "billing_address_1,billing_address_2,billing_postcode,billing_city,billing_state,"
    "billing_country,shipping_first_name,shipping_last_name,shipping_address_1,"
    "shipping_address_2,shipping_postcode,shipping_city,shipping_state,shipping_country,"
    "shipping_company,customer_note,line_items,shipping_items,fee_items,tax_items,"
    "coupon_items,refunds,order_notes,download_permissions_granted"
)
# "Default - One Row per Item": Default without order_number_formatted, line_items and
# refunds, with the item columns after customer_note (as the research describes it).
ITEMS_HEADER = header(
    "order_id,order_number,date,status,shipping_total,shipping_tax_total,fee_total,"
    "fee_tax_total,tax_total,discount_total,order_total,refunded_total,order_currency,"
    "payment_method,shipping_method,customer_id,billing_first_name,billing_last_name,"
    "billing_company,billing_email,billing_phone,billing_address_1,billing_address_2,"
    "billing_postcode,billing_city,billing_state,billing_country,shipping_first_name,"
    "shipping_last_name,shipping_address_1,shipping_address_2,shipping_postcode,"
    "shipping_city,shipping_state,shipping_country,shipping_company,customer_note,"
    "item_id,item_product_id,item_name,item_sku,item_price,item_quantity,item_subtotal,"
    "item_subtotal_tax,item_total,item_total_tax,item_refunded,item_refunded_qty,item_meta,"
    "shipping_items,fee_items,tax_items,coupon_items,order_notes,"
    "download_permissions_granted"
)
# Core WooCommerce, Analytics → Orders → Download (server-side export, current columns).
ANALYTICS_HEADER = header(
    "Date,Order #,N. Revenue (formatted),Status,Customer,Customer type,Product(s),"
    "Items sold,Coupon(s),Net Sales,Attribution"
)


def _line(item: int, name: str, product: int, sku: str, qty: int, subtotal: str) -> str:
    """One item of the packed line_items cell: fields by |, key and value by :."""
    return (
        f"id:{item}|name:{name}|product_id:{product}|sku:{sku}|quantity:{qty}|"
        f"subtotal:{subtotal}|subtotal_tax:0.00|total:{subtotal}|total_tax:0.00|"
        "refunded:0.00|refunded_qty:0|meta:"
    )


def _order(
    number: str,
    status: str,
    date: str,
    *,
    email: str,
    first: str,
    last: str,
    total: str,
    items: list[str],
    discount: str = "0.00",
    refunded: str = "0.00",
    phone: str = "",
    city: str = "Austin",
    state: str = "TX",
    user: str = "0",
) -> dict[str, str]:
    return {
        "order_id": number,
        "order_number": number,
        "date": date,
        "status": status,
        "shipping_total": "0.00",
        "shipping_tax_total": "0.00",
        "fee_total": "0.00",
        "fee_tax_total": "0.00",
        "tax_total": "0.00",
        "discount_total": discount,
        "order_total": total,
        "refunded_total": refunded,
        "order_currency": "USD",
        "payment_method": "bacs" if status == "on-hold" else "stripe",
        "shipping_method": "Flat rate",
        "customer_id": user,
        "billing_first_name": first,
        "billing_last_name": last,
        "billing_email": email,
        "billing_phone": phone,
        "billing_address_1": "500 Congress Ave",
        "billing_postcode": "78701",
        "billing_city": city,
        "billing_state": state,
        "billing_country": "US",
        "shipping_first_name": first,
        "shipping_last_name": last,
        "shipping_city": city,
        "shipping_state": state,
        "shipping_country": "US",
        "line_items": ";".join(items),
        "coupon_items": "code:SPRING5|amount:5.00" if discount != "0.00" else "",
        "refunds": f"id:9{number}|date:2024-03-09 10:00:00|amount:{refunded}|reason:"
        if refunded != "0.00"
        else "",
        "order_notes": "Order status changed from Pending payment to Processing.",
        "download_permissions_granted": "1",
    }


TEE = _line(1, "Tee - Blue", 34, "TEE-B", 2, "40.00")
MUG = _line(2, "Mug \\| Crème", 35, "MUG-C", 1, "19.90")  # a | escaped in a name
ORDERS = [
    # paid, not shipped yet: 40.00 + 19.90 - 5.00 = 54.90 plus 5.00 shipping = 59.90
    {**_order("1001", "processing", "2024-03-05 14:03:11", email="amy@example.com",
              first="Amy", last="Lopez", total="59.90", discount="5.00", items=[TEE, MUG],
              phone="+1 512-555-0123", user="7"),
     "shipping_total": "5.00"},
    # completed, 20.00 of 120.00 refunded
    _order("1002", "completed", "2024-03-06 09:30:00", email="ben@example.com",
           first="Ben", last="Ng", total="120.00", refunded="20.00",
           items=[_line(3, "Jacket", 36, "JKT", 1, "120.00")], city="Dallas"),
    _order("1003", "refunded", "2024-03-07 16:45:10", email="cleo@example.com",
           first="Cléo", last="Dubois", total="35.00", refunded="35.00",
           items=[_line(4, "Cap", 37, "CAP", 1, "35.00")]),
    _order("1004", "cancelled", "2024-03-08 11:11:11", email="dan@example.com",
           first="Dan", last="Ho", total="42.00", items=[_line(5, "Scarf", 38, "SCF", 1, "42.00")]),
    _order("1005", "failed", "2024-03-08 12:00:00", email="eve@example.com",
           first="Eve", last="Park", total="18.00", items=[_line(6, "Socks", 39, "", 2, "18.00")]),
    # bank transfer awaited
    _order("1006", "on-hold", "2024-03-09 08:00:00", email="fay@example.com",
           first="Fay", last="Ito", total="75.00", items=[_line(7, "Bag", 40, "BAG", 1, "75.00")]),
    _order("1007", "pending", "2024-03-09 21:15:00", email="gil@example.com",
           first="Gil", last="Roy", total="12.50", items=[_line(8, "Pin", 41, "PIN", 1, "12.50")]),
    # Amy again, from Houston now
    _order("1008", "completed", "2024-03-10 10:20:30", email="amy@example.com",
           first="Amy", last="Lopez", total="24.00", phone="+1 512-555-0123", city="Houston",
           items=[_line(9, "Tee - Blue", 34, "TEE-B", 1, "20.00")], user="7"),
]  # fmt: skip
STATUSES = {
    "1001": "paid",
    "1002": "completed",
    "1003": "refunded",
    "1004": "cancelled",
    "1005": "cancelled",
    "1006": "pending",
    "1007": "pending",
    "1008": "completed",
}
# 1001 59.90, 1002 120.00 - 20.00, 1008 24.00; the others refunded, cancelled or unpaid.
NET_REVENUE = Decimal("59.90") + (Decimal("120.00") - Decimal("20.00")) + Decimal("24.00")


@pytest.fixture
def export(tmp_path):
    return write_csv(tmp_path / "orders-export-2024-03-11.csv", DEFAULT_HEADER, ORDERS)


def test_every_fixture_is_taken_for_its_own_platform():
    assert detect(DEFAULT_HEADER).name == "woocommerce"
    assert detect(ITEMS_HEADER).name == "woocommerce_items"
    assert detect(ANALYTICS_HEADER).name == "woocommerce_analytics"
    # an orders file of one's own with the report's common headers is not the report
    assert detect(["Order ID", "Customer", "Date", "Status", "Amount"]) is None


def test_an_order_export_fills_orders_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "woocommerce", "orders", 8, 0,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    assert counts == {"customers": (7, 0, 0), "orders": (8, 0, 0)}  # Amy twice; no items
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("183.90")
    assert ws.engine.scalar("SELECT count(*) FROM order_items") == 0


def test_amounts_refunds_discounts_and_times_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, refund, ordered_at, currency "
            "FROM orders"
        )
    }
    # no offset in the file: 14:03:11 in the workspace's zone (Asia/Shanghai) is 06:03:11 UTC
    assert rows["1001"] == (
        "amy@example.com", Decimal("59.90"), Decimal("5.00"), Decimal("0.00"),
        dt.datetime(2024, 3, 5, 6, 3, 11, tzinfo=dt.UTC), "USD",
    )  # fmt: skip
    assert rows["1002"][1:4] == (Decimal("120.00"), Decimal("0.00"), Decimal("20.00"))
    assert rows["1003"][3] == Decimal("35.00")


def test_buyers_become_customers_with_their_latest_contact_data(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT customer_id, name, phone, email, city, province FROM customers"
        )
    }
    # the later order's city; no name (billing_first_name and billing_last_name are apart)
    assert customers["amy@example.com"] == (
        None, "+15125550123", "amy@example.com", "Houston", "TX",
    )  # fmt: skip
    assert customers["ben@example.com"] == (None, None, "ben@example.com", "Dallas", "TX")


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    later = [
        {**ORDERS[0], "status": "completed"},  # shipped and done
        {**ORDERS[5], "status": "processing"},  # the transfer arrived
        ORDERS[7],  # unchanged
        _order("1009", "processing", "2024-03-11 09:00:00", email="hal@example.com",
               first="Hal", last="Berg", total="30.00",
               items=[_line(10, "Cap", 37, "CAP", 1, "30.00")]),
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders-export-2024-03-12.csv", DEFAULT_HEADER, later)
    result = ws.import_file(None, path, today=TODAY)
    orders = next(t for t in result.tables if t.kind == "orders")
    assert (orders.accepted, orders.updated, orders.already_present) == (1, 2, 1)
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {("paid", "completed"): 1, ("pending", "paid"): 1}
    # plus 1006's 75.00 and 1009's 30.00
    revenue = NET_REVENUE + Decimal("75.00") + Decimal("30.00")
    assert Decimal(ws.status().net_revenue) == revenue == Decimal("288.90")


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in DEFAULT_HEADER if h != "order_total"]
    records = [{k: v for k, v in r.items() if k != "order_total"} for r in ORDERS]
    path = write_csv(tmp_path / "orders-export.csv", header, records)
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "WooCommerce order export" in error.message
    assert "'order_total'" in error.message and "orders.amount" in error.message
    assert "WooCommerce 订单导出" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


def _item_rows(order: dict[str, str], *items: tuple[str, str, str, str, int, str]) -> list:
    """An order's rows in "One Row per Item": its fields repeated, one item on each row."""
    base = {k: v for k, v in order.items() if k in ITEMS_HEADER and k != "line_items"}
    return [
        {**base, "item_id": i, "item_product_id": product, "item_name": name, "item_sku": sku,
         "item_quantity": str(qty), "item_price": price}
        for i, product, name, sku, qty, price in items
    ]  # fmt: skip


def test_the_one_row_per_item_format_fills_items_too(ws, tmp_path):
    records = [
        *_item_rows(ORDERS[0], ("1", "34", "Tee - Blue", "TEE-B", 2, "20.00"),
                    ("2", "35", "Mug | Crème", "MUG-C", 1, "19.90")),
        *_item_rows(ORDERS[1], ("3", "36", "Jacket", "JKT", 1, "120.00")),
        *_item_rows(ORDERS[4], ("6", "39", "Socks", "", 2, "9.00")),  # no SKU: the product id
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders-export-items.csv", ITEMS_HEADER, records)
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.rows_read, result.quarantined) == ("woocommerce_items", 4, 0)
    counts = {t.kind: t.accepted for t in result.tables}
    assert counts == {"customers": 3, "orders": 3, "order_items": 4}
    assert ws.engine.rows(
        "SELECT order_id, product_id, product_name, quantity, unit_price FROM order_items "
        "ORDER BY order_id, product_id"
    ) == [
        ("1001", "MUG-C", "Mug | Crème", 1, Decimal("19.90")),
        ("1001", "TEE-B", "Tee - Blue", 2, Decimal("20.00")),
        ("1002", "JKT", "Jacket", 1, Decimal("120.00")),
        ("1005", "39", "Socks", 2, Decimal("9.00")),
    ]
    # 1001 59.90 and 1002 120.00 - 20.00; 1005 failed
    assert Decimal(ws.status().net_revenue) == Decimal("159.90")


ANALYTICS = [
    {"Date": "2024-03-05 14:03:11", "Order #": "1001", "N. Revenue (formatted)": "$59.90",
     "Status": "processing", "Customer": "Amy Lopez", "Customer type": "new",
     "Product(s)": "2× Tee - Blue, 1× Mug | Crème", "Items sold": "3", "Coupon(s)": "spring5",
     "Net Sales": "59.90", "Attribution": "Organic: Google"},
    {"Date": "2024-03-06 09:30:00", "Order #": "1002", "N. Revenue (formatted)": "$1,120.00",
     "Status": "completed", "Customer": "Ben Ng", "Customer type": "new",
     "Product(s)": "1× Jacket", "Items sold": "1", "Net Sales": "1120.00",
     "Attribution": "Direct"},
    {"Date": "2024-03-09 08:00:00", "Order #": "1006", "N. Revenue (formatted)": "$75.00",
     "Status": "on-hold", "Customer": "Fay Ito", "Customer type": "new",
     "Product(s)": "1× Bag", "Items sold": "1", "Net Sales": "75.00", "Attribution": "Direct"},
    {"Date": "2024-03-10 10:20:30", "Order #": "1008", "N. Revenue (formatted)": "$24.00",
     "Status": "completed", "Customer": "Amy Lopez", "Customer type": "returning",
     "Product(s)": "1× Tee - Blue", "Items sold": "1", "Net Sales": "24.00",
     "Attribution": "Direct"},
]  # fmt: skip


def test_the_analytics_report_fills_orders_and_customers_by_name(ws, tmp_path):
    path = tmp_path / "wc-orders-report-export-17100000.csv"
    write_csv(path, ANALYTICS_HEADER, ANALYTICS)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # the server-side export's BOM
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "woocommerce_analytics", "orders", 4, 0,
    )  # fmt: skip
    assert {t.kind: t.accepted for t in result.tables} == {"customers": 3, "orders": 4}
    assert ws.engine.rows("SELECT order_id, customer_id, status FROM orders ORDER BY 1") == [
        ("1001", "Amy Lopez", "paid"),
        ("1002", "Ben Ng", "completed"),
        ("1006", "Fay Ito", "pending"),
        ("1008", "Amy Lopez", "completed"),
    ]
    # Net Sales: 59.90 + 1120.00 + 24.00; 1006 on hold
    assert Decimal(ws.status().net_revenue) == Decimal("1203.90")
    assert ws.engine.rows("SELECT name FROM customers WHERE customer_id = 'Ben Ng'") == [
        ("Ben Ng",)
    ]
