"""Hostile text is refused with a RuleError at the right place, quickly, and nothing else."""

from __future__ import annotations

import string
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.core import i18n
from segmint.core.errors import RuleError
from segmint.segments.rules import parse, read
from segmint.segments.rules.tokens import MAX_DEPTH, MAX_RULE_LENGTH, MAX_TOKENS
from tests.segments.rules.vocab import words

VOCABULARY = words()
BOUND = 1.0  # seconds: a guard against runaway work, not a benchmark (each takes ~1 ms)

HOSTILE = [
    # (text, code, position)
    ("1; DROP TABLE orders", "rules.unexpected_character", 1),
    ("orders_30d > 3 -- x", "rules.comment", 15),
    ("orders_30d > 3 /* */", "rules.comment", 15),
    ("__import__('os')", "rules.unknown_function", 0),
    (").__class__", "rules.unexpected_character", 1),
    ("'; select 1; '", "rules.not_a_condition", 0),
    ("orders_30d > 3; select 1", "rules.unexpected_character", 14),
    ("orders_30d > 3 # x", "rules.unexpected_character", 15),
    ("read_csv('x') > 0", "rules.unknown_function", 0),
    ("pg_sleep(10)", "rules.unknown_function", 0),
    ("attach('x')", "rules.unknown_function", 0),
    ("copy", "rules.unknown_field", 0),
    ("install", "rules.unknown_field", 0),
    ("getvariable('x') = 1", "rules.unknown_function", 0),
    ("tier = 'A'' or 1=1 --'", "rules.unknown_value", 7),  # one string: A' or 1=1 --,
    ('tier = "A"', "rules.unexpected_character", 7),
    ("tier = `A`", "rules.unexpected_character", 7),
    ("tier = 'A\\' or 1=1", "rules.unknown_value", 7),  # no backslash escapes: A\,
    ("оrders_30d > 3", "rules.unexpected_character", 0),  # Cyrillic о
    ("orders_30d > 3 and tier = 'A\u202e'", "rules.invisible_character", 28),
    ("orders_30d\u200e > 3", "rules.invisible_character", 10),
    ("orders_30d > 3\u2066", "rules.invisible_character", 14),
    ("orders\u200b_30d > 3", "rules.invisible_character", 6),
    ("\ufefforders_30d > 3", "rules.invisible_character", 0),
    ("orders_30d > 3\x00", "rules.control_character", 14),
    ("tier = 'A\x00'", "rules.control_character", 9),
    ("orders_30d\x1b > 3", "rules.control_character", 10),
    ("(" * 10_000 + "orders_30d > 3" + ")" * 10_000, "rules.too_long", MAX_RULE_LENGTH),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "rules.too_deep", MAX_DEPTH),
    ("not " * 600 + "value_customer", "rules.too_complex", 4 * MAX_TOKENS),
    ("- " * 600 + "1 > 0", "rules.too_complex", 2 * MAX_TOKENS),
    ("x > 1 and " * 400, "rules.too_complex", 1250),
    ("orders_30d > 3 or " * 130 + "x", "rules.too_complex", 125 * 18),
    ("a" * 1_000_000, "rules.too_long", MAX_RULE_LENGTH),
    ("orders_30d > 1" + "0" * 400, "rules.number_out_of_range", 13),
    ("orders_30d > 1" + "0" * 3_900, "rules.number_out_of_range", 13),
    ("orders_30d > 0." + "1" * 3_900, "rules.number_out_of_range", 13),
    ("orders_30d > 1e400", "rules.bad_number", 13),
    ("orders_30d > 9223372036854775808", "rules.number_out_of_range", 13),
    ("", "rules.empty", 0),
    ("  \n\t ", "rules.empty", 0),
    ("in_segment('a')", "rules.segment_cycle", 0),
]


@pytest.mark.parametrize(("text", "code", "position"), HOSTILE, ids=lambda v: repr(v)[:40])
def test_hostile_text_is_refused_with_its_code_and_position_quickly(text, code, position):
    started = time.perf_counter()
    with pytest.raises(RuleError) as caught:
        read(text, VOCABULARY)
    assert time.perf_counter() - started < BOUND
    assert (caught.value.code, caught.value.location.position) == (code, position)
    assert caught.value.params["line"] >= 1 and caught.value.params["column"] >= 1


def test_a_rule_over_lines_reports_line_and_column():
    with pytest.raises(RuleError) as caught:
        read("orders_30d > 3\n  and tier = 3", VOCABULARY)
    assert (caught.value.params["line"], caught.value.params["column"]) == (2, 7)
    assert "at 2:7" in caught.value.message


def test_an_error_reads_in_chinese_with_its_suggestion():
    with pytest.raises(RuleError) as caught:
        read("近30天订单 > 3", VOCABULARY)
    message, hint = caught.value.render("zh-CN")
    assert message == "1:1 处的字段“近30天订单”不存在——您是不是要写“近30天订单数”？"
    assert hint is not None and "docs/rules.md" in hint


def test_no_field_alias_holds_a_chinese_keyword():
    """且 或 非 split names wherever they stand, so no alias may contain them."""
    names = [n for n in VOCABULARY.names() if set(n) & set("且或非")]
    assert not names


NAMES = ["orders_30d", "tier", "city", "近30天订单数", "count", "orders", "in_segment", "as_of"]
KEYWORDS = ["and", "or", "not", "in", "between", "is", "null", "true", "false", "date", "且", "或"]
SYMBOLS = ["(", ")", ",", "=", "!=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "（", "）"]
ODD = ["＞", "，", "'", "‘", "’", '"', ";", "--", ".", "\x00", "\u202e", "非"]
VALUES = ["'A'", "'上海'", "3", "0.5", "30", "date '2024-03-01'"]
PIECES = NAMES + KEYWORDS + SYMBOLS + ODD + VALUES


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_raises_nothing_but_a_rule_error(text):
    _read_or_refuse(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from([" ", ""]))
def test_token_soup_raises_nothing_but_a_rule_error(pieces, glue):
    _read_or_refuse(glue.join(pieces))


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _read_or_refuse(text: str) -> None:
    started = time.perf_counter()
    try:
        read(text, VOCABULARY)
    except RuleError as error:
        assert error.location is not None
        assert 0 <= error.location.position <= len(text)
        names = _placeholders(i18n.catalogue()[error.code].en)
        for message in (error.message, error.render("zh-CN")[0]):
            assert not [n for n in names if "{" + n + "}" in message], message
    assert time.perf_counter() - started < BOUND


def test_parse_alone_refuses_the_same_limits():
    with pytest.raises(RuleError, match="more than the 4,000 a rule may have"):
        parse("x" * (MAX_RULE_LENGTH + 1))


def test_an_always_true_text_comparison_is_only_a_comparison_of_two_bound_values():
    rule = read("tier = 'A' or '1' = '1'", VOCABULARY)
    assert rule.fields == ("tier",)


def test_every_field_has_a_chinese_alias_that_reads_as_itself():
    """The issue's promise: every field and label has a Chinese name a rule may use."""
    from segmint.core.config import Settings
    from segmint.segments.rules import read
    from segmint.segments.rules.vocabulary import vocabulary

    words = vocabulary(Settings())
    for field in words.fields:
        assert field.aliases, f"{field.name} has no Chinese alias"
        (alias,) = field.aliases
        condition = f"{alias} is null"
        assert read(condition, words).fields == (field.name,), alias
