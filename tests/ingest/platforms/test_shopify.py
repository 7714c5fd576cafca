"""Shopify order and customer exports import as they are downloaded, with no flag.

Witness: every count, amount and status below is worked out by hand from the rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from segmint.core.errors import SchemaError
from segmint.ingest.platforms import detect
from tests.conftest import TODAY
from tests.ingest.platforms.exports import header, write_csv

# Orders → Export, the current 79-column layout (identical in real exports of 2023-2026).
ORDERS_HEADER = header(
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,"
    "Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,"
    "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,"
    "Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,"
    "Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,"
    "Next Payment Due At,Payment References"
)
# Customers → Export, the current layout.
CUSTOMERS_HEADER = header(
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
    "Tax Exempt,Tags"
)
# The older customer export.
LEGACY_CUSTOMERS_HEADER = header(
    "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,"
    "Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,"
    "Tax Exempt"
)
PROVINCES = {"NY": "New York", "NJ": "New Jersey", "MA": "Massachusetts"}


def _item(name: str, created: str, *, sku: str, qty: int, price: str, email: str = "") -> dict:
    """A line item's row: what Shopify fills on every row of an order."""
    return {
        "Name": name,
        "Email": email,
        "Created at": created,
        "Lineitem quantity": str(qty),
        "Lineitem name": sku.split("|")[1] if "|" in sku else sku,
        "Lineitem price": price,
        "Lineitem compare at price": "",
        "Lineitem sku": sku.split("|")[0] if "|" in sku else "",
        "Lineitem requires shipping": "true",
        "Lineitem taxable": "true",
        "Lineitem fulfillment status": "pending",
        "Vendor": "Hudson Goods",
        "Lineitem discount": "0.00",
    }


def _order(
    name: str,
    email: str,
    items: list[tuple[str, int, str]],  # ("SKU|Lineitem name", quantity, unit price)
    *,
    financial: str,
    created: str,
    paid_at: str = "",
    subtotal: str,
    shipping: str = "0.00",
    taxes: str = "0.00",
    total: str,
    discount: str = "0.00",
    refunded: str = "0.00",
    cancelled_at: str = "",
    billing: tuple[str, str, str, str] = ("", "", "", ""),  # name, city, province code, phone
    marketing: str = "no",
    phone: str = "",
    source: str = "web",
    order_id: str = "",
) -> list[dict[str, str]]:
    """An order's rows: the first carries the order's fields, the others its items only."""
    rows = [_item(name, created, sku=s, qty=q, price=p, email=email) for s, q, p in items]
    person, city, province, billing_phone = billing
    rows[0].update(
        {
            "Financial Status": financial,
            "Paid at": paid_at,
            "Fulfillment Status": "fulfilled" if financial == "paid" else "unfulfilled",
            "Accepts Marketing": marketing,
            "Currency": "USD",
            "Subtotal": subtotal,
            "Shipping": shipping,
            "Taxes": taxes,
            "Total": total,
            "Discount Code": "WELCOME10" if discount != "0.00" else "",
            "Discount Amount": discount,
            "Shipping Method": "Standard",
            "Billing Name": person,
            "Billing Street": "12 Hudson St",
            "Billing Address1": "12 Hudson St",
            "Billing City": city,
            "Billing Zip": "'07302",
            "Billing Province": province,
            "Billing Country": "US",
            "Billing Phone": billing_phone,
            "Shipping Name": person,
            "Shipping City": city,
            "Shipping Province": province,
            "Shipping Country": "US",
            "Cancelled at": cancelled_at,
            "Payment Method": "Shopify Payments",
            "Refunded Amount": refunded,
            "Outstanding Balance": "0.00",
            "Id": order_id or "5" + name.strip("#") + "0000001",
            "Risk Level": "Low",
            "Source": source,
            "Tax 1 Name": "NY State Tax 4%" if taxes != "0.00" else "",
            "Tax 1 Value": taxes if taxes != "0.00" else "",
            "Phone": phone,
            "Billing Province Name": PROVINCES.get(province, ""),
            "Shipping Province Name": PROVINCES.get(province, ""),
            "Payment ID": "c" + name.strip("#") + ".1",
        }
    )
    return rows


ALICE = ("Zoë Martin", "Brooklyn", "NY", "'+1 718-555-0101")
FIRST = [
    # three items (the tote has no SKU), a 10.00 discount: 139.00 - 10.00 + 5.00 + 10.32
    *_order("#1001", "zoe@example.com",
            [("LS-BLU-M|Linen Shirt - Blue / M", 2, "45.00"), ("|Canvas Tote", 1, "25.00"),
             ("WS-GRY|Wool Socks - Grey", 3, "8.00")],
            financial="paid", created="2025-10-07 09:50:26 -0400",
            paid_at="2025-10-07 09:50:27 -0400", subtotal="129.00", shipping="5.00",
            taxes="10.32", total="144.32", discount="10.00", billing=ALICE, marketing="yes",
            phone="'+1 718-555-0101"),
    # partially refunded: 30.00 of 80.00 paid back
    *_order("#1002", "bob@example.com", [("CM-01|Café Mug – Crème", 2, "40.00")],
            financial="partially_refunded", created="2025-10-12 18:03:11 -0400",
            paid_at="2025-10-12 18:03:12 -0400", subtotal="80.00", total="80.00",
            refunded="30.00", billing=("Bob Stone", "Newark", "NJ", "")),
    # refunded in full
    *_order("#1003", "carol@example.com", [("LS-WHT-S|Linen Shirt - White / S", 1, "60.00")],
            financial="refunded", created="2025-10-15 11:00:00 -0400",
            paid_at="2025-10-15 11:00:02 -0400", subtotal="60.00", total="60.00",
            refunded="60.00", billing=("Carol Diaz", "Boston", "MA", "")),
    # payment voided: never taken
    *_order("#1004", "dave@example.com", [("WS-GRY|Wool Socks - Grey", 5, "8.00")],
            financial="voided", created="2025-10-20 08:15:00 -0400", subtotal="40.00",
            total="40.00", billing=("Dave Kim", "Queens", "NY", "")),
    # cancelled while the payment was only authorized
    *_order("#1005", "frank@example.com", [("CM-01|Café Mug – Crème", 1, "40.00")],
            financial="authorized", created="2025-10-28 14:30:00 -0400", subtotal="40.00",
            shipping="15.00", total="55.00", cancelled_at="2025-10-28 16:00:00 -0400",
            billing=("Frank Lee", "Albany", "NY", ""), source="shopify_draft_order"),
    # manual payment not received yet; a phone-only buyer known by the billing phone
    *_order("#1006", "", [("LS-BLU-M|Linen Shirt - Blue / M", 1, "45.00")],
            financial="pending", created="2025-11-03 10:00:00 -0500", subtotal="45.00",
            total="45.00", billing=("Gus Ruiz", "Hoboken", "NJ", "'+1 201-555-0188"),
            source="pos"),
    # Zoë's second order, after the clocks went back (-0500), from a new address
    *_order("#1007", "zoe@example.com", [("WS-GRY|Wool Socks - Grey", 2, "15.00")],
            financial="paid", created="2025-11-05 20:12:45 -0500",
            paid_at="2025-11-05 20:12:46 -0500", subtotal="30.00", total="30.00",
            billing=("Zoë Martin", "Manhattan", "NY", "'+1 718-555-0101"), marketing="yes",
            phone="'+1 718-555-0101"),
]  # fmt: skip
STATUSES = {
    "#1001": "paid",
    "#1002": "paid",
    "#1003": "refunded",
    "#1004": "cancelled",
    "#1005": "cancelled",
    "#1006": "pending",
    "#1007": "paid",
}
# #1001 144.32, #1002 80.00 - 30.00, #1007 30.00; #1003 refunded, #1004/#1005 cancelled,
# #1006 pending: no revenue.
NET_REVENUE = Decimal("144.32") + (Decimal("80.00") - Decimal("30.00")) + Decimal("30.00")


@pytest.fixture
def export(tmp_path):
    return write_csv(tmp_path / "orders_export_1.csv", ORDERS_HEADER, FIRST)


def test_every_fixture_is_taken_for_its_own_platform():
    assert detect(ORDERS_HEADER).name == "shopify"
    assert detect(CUSTOMERS_HEADER).name == "shopify_customers"
    # the older customer export shares too little with the current one to be recognised
    assert detect(LEGACY_CUSTOMERS_HEADER) is None


def test_an_order_export_fills_orders_items_and_customers_with_no_flag(ws, export):
    result = ws.import_file(None, export, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "shopify", "orders", 9, 0,
    )  # fmt: skip
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in result.tables}
    # 7 orders on 9 rows (#1001 has three); Zoë twice, so 6 buyers
    assert counts == {"customers": (6, 0, 0), "orders": (7, 0, 0), "order_items": (9, 0, 0)}
    assert dict(ws.engine.rows("SELECT order_id, status FROM orders")) == STATUSES
    assert Decimal(ws.status().net_revenue) == NET_REVENUE == Decimal("224.32")


def test_amounts_refunds_discounts_times_and_channels_are_the_platforms(ws, export):
    ws.import_file(None, export, today=TODAY)
    rows = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT order_id, customer_id, amount, discount, refund, ordered_at, currency, "
            "channel FROM orders"
        )
    }
    utc = dt.UTC
    # paid at 09:50:27 -0400 is 13:50:27 UTC
    assert rows["#1001"] == (
        "zoe@example.com", Decimal("144.32"), Decimal("10.00"), Decimal("0.00"),
        dt.datetime(2025, 10, 7, 13, 50, 27, tzinfo=utc), "USD", "web",
    )  # fmt: skip
    assert rows["#1002"][1:4] == (Decimal("80.00"), Decimal("0.00"), Decimal("30.00"))
    assert rows["#1003"][3] == Decimal("60.00")
    # never paid: its creation, 08:15 -0400 = 12:15 UTC
    assert rows["#1004"][4] == dt.datetime(2025, 10, 20, 12, 15, tzinfo=utc)
    assert rows["#1005"][6] == "shopify_draft_order"
    # no e-mail, no Phone: the billing phone is the buyer; 10:00 -0500 = 15:00 UTC
    assert rows["#1006"][0] == "+1 201-555-0188"
    assert rows["#1006"][4] == dt.datetime(2025, 11, 3, 15, 0, tzinfo=utc)
    # after the change to winter time: 20:12:46 -0500 = 01:12:46 UTC the next day
    assert rows["#1007"][4] == dt.datetime(2025, 11, 6, 1, 12, 46, tzinfo=utc)
    items = ws.engine.rows(
        "SELECT product_id, product_name, quantity, unit_price FROM order_items "
        "WHERE order_id = '#1001' ORDER BY product_id"
    )
    # the tote has no SKU: its name stands in; 2 x 45.00 + 25.00 + 3 x 8.00 = 139.00
    assert items == [
        ("Canvas Tote", "Canvas Tote", 1, Decimal("25.00")),
        ("LS-BLU-M", "Linen Shirt - Blue / M", 2, Decimal("45.00")),
        ("WS-GRY", "Wool Socks - Grey", 3, Decimal("8.00")),
    ]
    assert sum(q * p for *_, q, p in items) == Decimal("139.00")


def test_buyers_become_customers_with_their_latest_contact_data(ws, export):
    ws.import_file(None, export, today=TODAY)
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT customer_id, name, phone, email, city, province, consent_email FROM customers"
        )
    }
    assert customers["zoe@example.com"] == (
        "Zoë Martin", "+17185550101", "zoe@example.com", "Manhattan", "New York", True,
    )  # the later order's city  # fmt: skip
    assert customers["bob@example.com"] == (
        "Bob Stone", None, "bob@example.com", "Newark", "New Jersey", False,
    )  # fmt: skip
    assert customers["+1 201-555-0188"] == (
        "Gus Ruiz", "+12015550188", None, "Hoboken", "New Jersey", False,
    )  # fmt: skip


def test_a_later_overlapping_export_adds_new_orders_and_moves_changed_ones(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    first_rows = {r["Name"]: r for r in FIRST if "Financial Status" in r}
    later = [
        # #1002 refunded in full since: 80.00 of 80.00
        {**first_rows["#1002"], "Financial Status": "refunded", "Refunded Amount": "80.00"},
        first_rows["#1004"],  # unchanged
        # #1006 paid at last
        {**first_rows["#1006"], "Financial Status": "paid",
         "Paid at": "2025-11-04 09:30:00 -0500"},
        *[r for r in FIRST if r["Name"] == "#1007"],  # unchanged
        # a new order of two items from a new buyer: 2 x 45.00 + 1 x 25.00 + 7.50 shipping
        *_order("#1008", "hana@example.com",
                [("LS-BLU-M|Linen Shirt - Blue / M", 2, "45.00"), ("|Canvas Tote", 1, "25.00")],
                financial="paid", created="2025-11-10 12:00:00 -0500",
                paid_at="2025-11-10 12:00:01 -0500", subtotal="115.00", shipping="7.50",
                total="122.50", billing=("Hana Sato", "Jersey City", "NJ", ""),
                marketing="yes"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders_export_2.csv", ORDERS_HEADER, later)
    result = ws.import_file(None, path, today=TODAY)
    assert result.preset == "shopify"
    tables = {t.kind: t for t in result.tables}
    counts = {k: (t.accepted, t.updated, t.already_present) for k, t in tables.items()}
    # orders: #1008 new; #1002 and #1006 changed; #1004 and #1007 as they were.
    # items: #1008's two new, the other four rows known. Buyers: Hana new; Bob, Dave,
    # Gus and Zoë known, their contact data the same.
    assert counts == {"customers": (1, 0, 4), "orders": (1, 2, 2), "order_items": (2, 0, 4)}
    orders = tables["orders"]
    moves = {(c.before, c.after): c.rows for c in orders.changes if c.column == "status"}
    assert moves == {("paid", "refunded"): 1, ("pending", "paid"): 1}
    others = {c.column: c.rows for c in orders.changes if c.column != "status"}
    assert others == {"refund": 1, "ordered_at": 1}  # #1002's refund, #1006's payment time
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 8
    assert ws.engine.scalar("SELECT count(*) FROM order_items") == 11
    # less #1002's 50.00 (now refunded), plus #1006's 45.00 and #1008's 122.50
    revenue = NET_REVENUE - Decimal("50.00") + Decimal("45.00") + Decimal("122.50")
    assert Decimal(ws.status().net_revenue) == revenue == Decimal("341.82")


def test_the_same_export_twice_changes_nothing(ws, export):
    ws.import_file(None, export, today=TODAY)
    again = ws.import_file(None, export, today=TODAY)
    counts = {t.kind: (t.accepted, t.updated, t.already_present) for t in again.tables}
    assert counts == {"customers": (0, 0, 6), "orders": (0, 0, 7), "order_items": (0, 0, 9)}


def test_a_missing_column_names_the_platform_the_column_and_its_use(ws, tmp_path):
    header = [h for h in ORDERS_HEADER if h != "Total"]
    records = [{k: v for k, v in r.items() if k != "Total"} for r in FIRST]
    path = write_csv(tmp_path / "orders_export_1.csv", header, records)
    with pytest.raises(SchemaError) as caught:
        ws.import_file(None, path, today=TODAY)
    error = caught.value
    assert error.code == "ingest.platform_missing_column"
    assert "Shopify order export" in error.message
    assert "'Total'" in error.message and "orders.amount" in error.message
    assert "Shopify 订单导出" in error.render("zh-CN")[0]
    assert ws.engine.scalar("SELECT count(*) FROM orders") == 0


CUSTOMERS = [
    {"Customer ID": "'7024519331920", "First Name": "Zoë", "Last Name": "Martin",
     "Email": "zoe@example.com", "Accepts Email Marketing": "yes",
     "Default Address Address1": "200 W 60th St", "Default Address City": "Manhattan",
     "Default Address Province Code": "NY", "Default Address Country Code": "US",
     "Default Address Zip": "'10023", "Default Address Phone": "'+1 718-555-0101",
     "Phone": "'+1 718-555-0101", "Accepts SMS Marketing": "no", "Total Spent": "174.32",
     "Total Orders": "2", "Tax Exempt": "no"},
    {"Customer ID": "'7024519331921", "First Name": "Ivy", "Last Name": "Chen",
     "Email": "ivy@example.com", "Accepts Email Marketing": "no",
     "Default Address City": "Princeton", "Default Address Province Code": "NJ",
     "Default Address Country Code": "US", "Phone": "'+1 609-555-0144",
     "Accepts SMS Marketing": "yes", "Total Spent": "0.00", "Total Orders": "0",
     "Tax Exempt": "no", "Tags": "newsletter, vip"},
    # no e-mail, no phone: known by Shopify's id only
    {"Customer ID": "'7024519331922", "First Name": "Walk-in", "Last Name": "Customer",
     "Accepts Email Marketing": "no", "Accepts SMS Marketing": "no", "Total Spent": "12.00",
     "Total Orders": "1", "Tax Exempt": "no"},
]  # fmt: skip


def test_a_customer_export_imports_as_customers_with_their_consents(ws, tmp_path):
    path = write_csv(tmp_path / "customers_export.csv", CUSTOMERS_HEADER, CUSTOMERS)
    result = ws.import_file(None, path, today=TODAY)
    assert (result.preset, result.kind, result.rows_read, result.quarantined) == (
        "shopify_customers", "customers", 3, 0,
    )  # fmt: skip
    assert {t.kind: t.accepted for t in result.tables} == {"customers": 3}
    customers = {
        r[0]: r[1:]
        for r in ws.engine.rows(
            "SELECT customer_id, name, phone, email, city, province, consent_email, "
            "consent_sms FROM customers"
        )
    }
    assert customers == {
        "zoe@example.com": (None, "+17185550101", "zoe@example.com", "Manhattan", "NY",
                            True, False),
        "ivy@example.com": (None, "+16095550144", "ivy@example.com", "Princeton", "NJ",
                            False, True),
        "7024519331922": (None, None, None, None, None, False, False),
    }  # fmt: skip


def test_customers_of_both_exports_meet_by_e_mail(ws, export, tmp_path):
    ws.import_file(None, export, today=TODAY)
    path = write_csv(tmp_path / "customers_export.csv", CUSTOMERS_HEADER, CUSTOMERS)
    result = ws.import_file(None, path, today=TODAY)
    customers = next(t for t in result.tables if t.kind == "customers")
    assert customers.accepted == 2  # Ivy and the walk-in; Zoë is known
    zoe = ws.engine.rows(
        "SELECT name, province, consent_sms FROM customers WHERE customer_id = 'zoe@example.com'"
    )
    # the name stays the order's Billing Name; the province becomes the export's code
    assert zoe == [("Zoë Martin", "NY", False)]
    assert ws.engine.scalar("SELECT count(*) FROM customers") == 8


def test_an_older_customer_export_is_read_when_named(ws, tmp_path):
    rows = [
        {"First Name": "Ivy", "Last Name": "Chen", "Email": "ivy@example.com",
         "City": "Princeton", "Province": "New Jersey", "Province Code": "NJ",
         "Country": "United States", "Country Code": "US", "Phone": "'+1 609-555-0144",
         "Accepts Marketing": "yes", "Total Spent": "0.00", "Total Orders": "0",
         "Tax Exempt": "no"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "customers_export.csv", LEGACY_CUSTOMERS_HEADER, rows)
    result = ws.import_file(None, path, preset="shopify_customers", today=TODAY)
    assert (result.preset, result.quarantined) == ("shopify_customers", 0)
    assert ws.engine.rows(
        "SELECT customer_id, phone, city, province, consent_email, consent_sms FROM customers"
    ) == [("ivy@example.com", "+16095550144", "Princeton", "New Jersey", True, None)]
