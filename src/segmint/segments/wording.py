"""How a condition's checks read: names from the catalogue, numbers rounded, ✓ and ✗.

The models' conditions say what they compared as neutral records (`Check`); this module
words them in English or Chinese. A quantity is named by the catalogue's
``explain.name.<name>`` or else its feature label ``label.field.<name>``; a run's number
(a setting, a mean, a cut point) is named only when the catalogue has a name for it, so
a setting reads as its value (``2 × usual gap 45 = 90``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segmint.core import i18n
from segmint.models.conditions import AllOf, AnyOf, Check, Condition, Params, Term, Values
from segmint.models.lifecycle import STAGES

# How numbers of each name are shown: money with cents, probabilities and scores with
# three places; anything else as a whole number when it is one, else two places.
MONEY = frozenset(
    {
        "monetary",
        "spend",
        "mean_monetary",
        "monetary_cuts",
        "thresholds",
        "tier_min_spend",
        "tier_max_spend",
    }
)
FRACTIONS = frozenset({"p_alive", "value_score", "value_cutoff"})
DAYS = frozenset({"recency_days", "tenure_days"})  # compared numbers read "130 days"
STAGE_CODED = frozenset({"previous_stage"})  # an index into lifecycle.STAGES
OPERATORS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq"}


class Wording:
    """The `explain.*` texts in one language, and the checks of conditions in words."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, /, **params: object) -> str:
        """The catalogue's ``explain.<key>`` filled with `params`."""
        return i18n.message(f"explain.{key}", self.lang, **params)

    def key(self, key: str) -> str:
        """Any catalogue entry in this language (a stage's name, a method)."""
        return i18n.message(key, self.lang)

    def join(self, *parts: str) -> str:
        """Parts of one reason, with the language's own separator ("; " or "；")."""
        return i18n.message("reason.separator", self.lang).join(parts)

    def listed(self, parts: Sequence[str]) -> str:
        """Items of a list, with the language's comma."""
        return self("list_separator").join(parts)

    def condition(self, condition: Condition, values: Values, params: Params) -> str:
        """A condition's checks for one customer, grouped as the rule groups them."""
        return self._part(condition, values, params, nested=False, last=[""])

    def checks(self, checks: Sequence[Check]) -> str:
        """Checks that must all hold, in order ("... and ...")."""
        last = [""]
        return self("and").join(self._check(c, last) for c in checks)

    def _part(
        self, condition: Condition, values: Values, params: Params, *, nested: bool, last: list[str]
    ) -> str:
        if not isinstance(condition, AllOf | AnyOf):
            return self("and").join(self._check(c, last) for c in condition.checks(values, params))
        word = self("and") if isinstance(condition, AllOf) else self("or")
        parts = [self._part(p, values, params, nested=True, last=last) for p in condition.parts]
        text = word.join(parts)
        return self("group", text=text) if nested and len(parts) > 1 else text

    def _check(self, check: Check, last: list[str]) -> str:
        """``name value op bound ✓``; the name is left out when it repeats the one before."""
        value = self._value(check.name, check.value)
        left = value if last[0] == check.name else f"{self.name(check.name)} {value}"
        last[0] = check.name
        mark = self("held") if check.held else self("failed")
        return f"{left} {self(f'op.{OPERATORS[check.op]}')} {self._bound(check)} {mark}"

    def _bound(self, check: Check) -> str:
        if len(check.terms) == 1:
            return self._value(check.name, check.bound, term=check.terms[0])
        factors = " × ".join(self._term(t) for t in check.terms)
        return f"{factors} = {self._value(check.name, check.bound)}"

    def _term(self, term: Term) -> str:
        shown = self.number(term.name or "", term.value)
        label = None if term.name is None else self.label(term.name)
        return shown if label is None else f"{label} {shown}"

    def _value(self, name: str, value: Any, *, term: Term | None = None) -> str:
        """The customer's value or a single-term bound, in the quantity's units."""
        if name in STAGE_CODED:
            return self._stage(value)
        label = None if term is None or term.name is None else self.label(term.name)
        shown = self.number(name, value)
        if label is not None and term is not None and term.name is not None:
            shown = f"{label} {self.number(term.name, value)}"
        return self("days", n=shown) if name in DAYS and value == value else shown

    def _stage(self, value: Any) -> str:
        if value != value or not 0 <= int(value) < len(STAGES):
            return "-"  # not known here: the previous run's stage is not in the row
        return i18n.message(f"stage.{STAGES[int(value)]}", self.lang)

    def name(self, name: str) -> str:
        """A quantity's name as the reader knows it (its own name when the catalogue has none)."""
        return self.label(name) or name

    def label(self, name: str) -> str | None:
        """The catalogue's name for `name`: ``explain.name.<name>``, else its feature label."""
        for key in (f"explain.name.{name}", f"label.field.{name}"):
            if key in i18n.catalogue():
                return i18n.message(key, self.lang)
        return None

    @staticmethod
    def number(name: str, value: Any) -> str:
        """A number for reading, rounded by what it is (money grouped); "-" when there is none."""
        if value is None or value != value:
            return "-"
        number = float(value)
        if name in MONEY:
            return f"{number:,.2f}"
        if name in FRACTIONS:
            return f"{number:.3f}"
        # days and counts as a spreadsheet shows them (no grouping): "1021 days"
        return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"
