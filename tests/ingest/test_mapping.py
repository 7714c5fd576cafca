"""Header mapping: Chinese and English synonyms, folding, user mappings, missing columns."""

import pytest

from segmint.core.errors import SchemaError
from segmint.ingest.mapping import map_headers

REQUIRED_SYNONYMS = {
    # the synonyms the foundation issue lists, each must map
    "customer_id": ["客户编号", "客户ID", "会员编号", "会员号"],
    "order_id": ["订单编号", "订单号"],
    "ordered_at": ["下单时间", "订单时间", "订单日期", "支付时间", "购买日期"],
    "amount": ["实付金额", "订单金额", "支付金额", "金额", "金额(元)"],
    "discount": ["优惠金额", "折扣"],
    "status": ["订单状态"],
    "channel": ["渠道", "来源"],
}


@pytest.mark.parametrize(
    ("column", "header"), [(c, h) for c, hs in REQUIRED_SYNONYMS.items() for h in hs]
)
def test_listed_chinese_headers_map_to_their_column(column, header):
    headers = {
        "customer_id": "客户编号",
        "order_id": "订单号",
        "ordered_at": "下单时间",
        "amount": "金额",
    }
    headers[column] = header
    found = map_headers(list(headers.values()), "orders")
    assert found.columns[column] == header


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("phone", "手机"),
        ("phone", "手机号"),
        ("phone", "电话"),
        ("phone", "联系电话"),
        ("email", "邮箱"),
        ("email", "电子邮件"),
        ("name", "姓名"),
        ("name", "客户名称"),
        ("name", "客户姓名"),
        ("city", "城市"),
        ("province", "省份"),
        ("signup_at", "注册时间"),
    ],
)
def test_customer_headers_map(column, header):
    found = map_headers(["会员号", header], "customers")
    assert found.columns == {"customer_id": "会员号", column: header}


@pytest.mark.parametrize(
    "header", ["金额（元）", "金额 (元)", "ＡＭＯＵＮＴ", " Amount ", "amount"]
)
def test_headers_match_ignoring_case_spaces_full_width_and_brackets(header):
    found = map_headers(["order_id", "customer_id", "ordered_at", header], "orders")
    assert found.columns["amount"] == header


def test_user_mapping_wins_and_unmapped_headers_are_reported():
    found = map_headers(["会员卡号", "备注"], "customers", extra={"会员卡号": "customer_id"})
    assert found.columns == {"customer_id": "会员卡号"}
    assert found.unmapped == ("备注",)


def test_missing_required_column_names_it_the_headers_and_the_closest_match():
    with pytest.raises(SchemaError) as info:
        map_headers(["order_id", "customer_id", "ordered_at", "amont"], "orders", file="o.csv")
    err = info.value
    assert "no column for required 'amount'" in err.message
    assert "headers found: order_id, customer_id, ordered_at, amont" in err.message
    assert "--map 'amont=amount'" in (err.hint or "")
    assert err.location.file == "o.csv" and err.location.field == "amount"


def test_two_headers_for_the_same_column_are_an_error_naming_both():
    headers = ["订单号", "order_id", "customer_id", "ordered_at", "amount"]
    with pytest.raises(SchemaError) as info:
        map_headers(headers, "orders", file="o.csv")
    err = info.value
    assert err.code == "ingest.duplicate_column"
    assert "two columns for order_id: '订单号' and 'order_id'" in err.message
    assert "订单号" in err.render("zh-CN")[0] and "order_id" in err.render("zh-CN")[0]
    assert err.location.file == "o.csv" and err.location.field == "order_id"


def test_a_header_the_user_maps_wins_over_a_second_synonym():
    headers = ["订单号", "order_id", "customer_id", "ordered_at", "amount"]
    found = map_headers(headers, "orders", extra={"order_id": "order_id"})
    assert found.columns["order_id"] == "order_id"
    assert "订单号" in found.unmapped
