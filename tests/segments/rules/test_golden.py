"""Rules against golden files: canonical text and sentences, and the errors users see."""

from __future__ import annotations

import pytest

from segmint.core.errors import RuleError
from segmint.segments.rules import describe, read, render
from segmint.segments.rules.render import without_spans
from segmint.segments.rules.where import line_column
from tests.segments.rules import golden
from tests.segments.rules.vocab import words

VOCABULARY = words()


def valid_expectation(text: str) -> list[str]:
    rule = read(text, VOCABULARY)
    return [render(rule.tree), describe(rule, "en"), describe(rule, "zh-CN")]


def invalid_expectation(text: str) -> list[str]:
    with pytest.raises(RuleError) as caught:
        read(text, VOCABULARY)
    error = caught.value
    assert error.location is not None and error.location.position is not None
    line, column = line_column(text, error.location.position)
    return [f"{error.code} at {line}:{column} — {error.message}"]


if golden.REGENERATE:  # pragma: no cover - run by hand, then read the diff
    golden.regenerate("valid.txt", valid_expectation)
    golden.regenerate("invalid.txt", invalid_expectation)


@pytest.mark.parametrize("case", golden.cases("valid.txt"), ids=lambda c: c[0])
def test_a_valid_rule_renders_and_reads_as_its_golden_lines(case):
    text, *expected = case
    assert valid_expectation(text) == expected


@pytest.mark.parametrize("case", golden.cases("valid.txt"), ids=lambda c: c[0])
def test_the_canonical_text_checks_to_the_same_tree_as_the_rule_as_written(case):
    text, canonical, *_ = case
    checked = read(canonical, VOCABULARY)
    assert render(checked.tree) == canonical
    assert without_spans(checked.tree) == without_spans(read(text, VOCABULARY).tree)


@pytest.mark.parametrize("case", golden.cases("invalid.txt"), ids=lambda c: c[0])
def test_an_invalid_rule_raises_its_golden_error(case):
    text, expected = case
    assert invalid_expectation(text) == [expected]


def test_the_golden_errors_cover_every_rule_code_raised_from_text():
    from segmint.core import i18n

    seen = {case[1].split(" ")[0] for case in golden.cases("invalid.txt")}
    codes = {e.key for e in i18n.codes() if e.key.startswith("rules.")}
    # these need text a golden file cannot hold: empty, NUL, invisible marks, sheer size
    elsewhere = {
        "rules.empty",
        "rules.control_character",
        "rules.invisible_character",
        "rules.too_long",
        "rules.too_complex",
        "rules.too_deep",
        # raised by the compiler on trees text cannot make (tests/segments/rules/test_compile.py)
        "rules.cannot_compile",
        "rules.no_member_list",
    }
    assert codes - elsewhere <= seen, sorted(codes - elsewhere - seen)
    assert len(golden.cases("invalid.txt")) >= 30
