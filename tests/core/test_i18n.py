"""The catalogue: both languages for every entry, the same placeholders, codes explained."""

import string

import pytest

from segmint.core import i18n
from segmint.core.errors import InputError, Location


def _placeholders(text: str | None) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text or "") if name}


@pytest.mark.parametrize("entry", i18n.catalogue().values(), ids=lambda e: e.key)
def test_every_entry_has_both_languages_with_the_same_placeholders(entry):
    assert entry.en.strip() and entry.zh.strip()
    assert _placeholders(entry.en) == _placeholders(entry.zh)
    assert (entry.hint_en is None) == (entry.hint_zh is None)
    assert _placeholders(entry.hint_en) == _placeholders(entry.hint_zh)
    assert (entry.about_en is None) == (entry.about_zh is None)
    assert entry.exit in (1, 2)


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


def test_an_error_renders_its_message_and_location_in_chinese():
    error = InputError(
        "ingest.missing_value", location=Location(file="a.csv", row=3), field="order_id"
    )
    assert str(error) == "a.csv, row 3: order_id is empty; every row needs one"
    assert error.render("zh-CN") == ("order_id 为空；每一行都必须填写", None)
    assert error.location is not None
    assert error.location.render("zh-CN") == "a.csv，第 3 行"


def test_an_english_plural_follows_the_count_and_chinese_shares_the_placeholder():
    one = i18n.message("models.negative", "en", field="frequency", count=1, index=0, values="")
    many = i18n.message("models.negative", "en", field="frequency", count=3, index=0, values="")
    assert "for 1 customer (" in one and "for 3 customers (" in many
    assert "3 位客户" in i18n.message(
        "models.negative", "zh-CN", field="frequency", count=3, index=0, values=""
    )


def test_a_strict_import_error_lists_its_problems_in_the_readers_language():
    from segmint.core.errors import ImportRejectedError, Problem, ProblemList

    problems = tuple(
        Problem(
            "ingest.missing_value",
            "",
            Location(file="o.csv", row=row, field="order_id"),
            {"field": "order_id"},
        )
        for row in range(2, 14)
    )
    error = ImportRejectedError(
        "ingest.rejected", rows=12, file="o.csv", problems=ProblemList(problems)
    )
    text, _ = error.render("zh-CN")
    assert "o.csv，第 2 行，字段“order_id”：order_id 为空" in text
    assert text.endswith("……另有 2 项")
    assert "o.csv, row 2, field 'order_id': order_id is empty" in error.message
