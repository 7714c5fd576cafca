"""The models raise by catalogue code: one code per situation, every text in both languages."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from segmint.core import i18n
from segmint.core.errors import InputError, NotFittedError
from segmint.models.clv import BetaGeo, GammaGamma, ShiftedBetaGeo

MODELS = Path(__file__).parents[3] / "src" / "segmint" / "models"
SOURCES = [*sorted((MODELS / "clv").glob("*.py")), MODELS / "base.py"]
ERRORS = {"InputError", "SchemaError", "ConvergenceError", "NotFittedError"}


def _raised_codes(path: Path) -> list[tuple[int, object]]:
    """(line, first argument) of every `raise SomeError(...)` in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
            continue
        call = node.exc
        if isinstance(call.func, ast.Name) and call.func.id in ERRORS:
            first = call.args[0] if call.args else None
            found.append((node.lineno, first.value if isinstance(first, ast.Constant) else None))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_raise_names_a_catalogue_code_with_a_meaning(path):
    for line, code in _raised_codes(path):
        entry = i18n.catalogue().get(code) if isinstance(code, str) else None
        assert entry is not None and entry.is_code, f"{path.name}:{line} raises {code!r}"
        assert entry.about_zh and entry.zh, f"{code} has no Chinese"


def test_broken_rules_keep_the_first_code_and_list_every_rule_in_each_language():
    with pytest.raises(InputError) as caught:
        BetaGeo().fit([0, -1, 0], [0.0, 0.0, 2.0], [5.0, 5.0, 1.0])
    error = caught.value
    assert error.code == "models.negative"
    assert error.location.index == 1 and error.location.field == "frequency"
    english, hint = error.render("en")
    assert english == (
        "frequency is negative for 1 customer (first: index 1, frequency -1.0); "
        "recency is greater than T for 1 customer (first: index 2, recency 2.0 > T 1.0); "
        "recency is positive but frequency is 0 for 1 customer (first: index 2, "
        "recency 2.0, frequency 0.0)"
    )
    assert hint == "Counts, times and weights are 0 or more."
    chinese, _ = error.render("zh-CN")
    assert chinese.startswith("frequency 为负数：1 位客户（第一位：索引 1，frequency -1.0）；")
    assert "recency 大于 T：1 位客户" in chinese
    assert error.as_dict("zh-CN")["code"] == "models.negative"


def test_a_single_broken_rule_reads_as_its_own_code():
    with pytest.raises(InputError) as caught:
        GammaGamma().fit([1, 2], [5.0, -1.0])
    assert caught.value.code == "models.spend_not_positive"
    assert caught.value.message == (
        "monetary_value is not positive where frequency > 0 for 1 customer "
        "(first: index 1, monetary_value -1.0, frequency 2.0)"
    )


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: BetaGeo().fit([1], [2.0], [np.inf]), "models.not_finite"),
        (lambda: BetaGeo().fit([1, 2], [1.0, 2.0, 3.0], [5.0]), "models.lengths_differ"),
        (lambda: BetaGeo().fit([[1]], [1.0], [5.0]), "models.not_one_dimensional"),
        (lambda: BetaGeo().fit(["x"], [1.0], [5.0]), "models.not_numbers"),
        (lambda: ShiftedBetaGeo().fit([1, 2], [True, 0.5]), "models.churned_not_boolean"),
        (lambda: GammaGamma().fit([0, 0], [1.0, 1.0]), "models.no_repeat_customers"),
        (lambda: BetaGeo().set_params(penaliser=1.0), "models.unknown_parameter"),
        (lambda: BetaGeo(penalizer=-1.0).fit([1], [1.0], [2.0]), "models.invalid_parameter"),
    ],
)
def test_each_situation_has_its_own_code(call, code):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.code == code


def test_not_fitted_names_the_model_in_both_languages():
    with pytest.raises(NotFittedError) as caught:
        GammaGamma().expected_spend([1], [2.0])
    assert caught.value.code == "models.not_fitted"
    assert caught.value.render("zh-CN")[0].startswith("GammaGamma 尚未拟合")
    assert caught.value.hint == "GammaGamma().fit(...) returns the fitted model."
