"""Messages in English and Chinese: complete, filled, never hiding a problem."""

import pytest

from segmint.core import i18n


def test_both_catalogs_have_the_same_keys():
    assert i18n.keys("en") == i18n.keys("zh-CN")


def test_message_fills_parameters_in_each_language():
    assert i18n.message("ingest.missing_value", "en", field="order_id") == (
        "order_id is empty; every row needs one"
    )
    assert i18n.message("ingest.missing_value", "zh-CN", field="order_id") == (
        "order_id 为空；每一行都必须填写"
    )


def test_unknown_code_falls_back_to_the_code_itself():
    assert i18n.message("no.such_code", "zh-CN") == "no.such_code"


def test_missing_parameter_stays_visible():
    assert "{value}" in i18n.message("ingest.bad_date", "en", field="ordered_at")


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.message("ingest.bad_date", "fr")
