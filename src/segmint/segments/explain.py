"""Why a customer has each label, from the very conditions the models evaluated.

Pure: a snapshot row and the run's recorded facts (settings, cut points, means, the
stand-in gap, tier spans, the value cut-off) in; per label family, the checks of the
model's own conditions for this customer (`explain_checks`) or those checks in words
(`explain`, English or Chinese). A changed threshold or rule changes the label and its
explanation together: there is no second copy of a rule here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segmint.core.facts import RfmFacts, RunFacts, RunSettings
from segmint.models import lifecycle, rfm, rfm_names, tiers, value_score
from segmint.models.conditions import AllOf, Case, Check, Condition, Params, Values, tried
from segmint.segments import schemes
from segmint.segments.wording import Wording


class Key(str):
    """A catalogue key in a clause's fill, worded in the reader's language."""

    __slots__ = ()


SCORED = ("recency_days", "frequency", "monetary")  # RFM dimensions, in r, f, m order
SCORE_FIELDS = {"recency_days": "r_score", "frequency": "f_score", "monetary": "m_score"}


@dataclass(frozen=True)
class Clause:
    """One part of a reason: a catalogue text `lead` around the checks of `condition`.

    ``lead`` is an ``explain.*`` key whose ``{checks}`` takes the checks in words and
    whose other placeholders come from ``fill`` (a `Key` is worded from the catalogue).
    ``decisive`` keeps only the checks that decide a count of cut points passed (the last
    passed and the first missed); ``parts`` fill ``{parts}`` as "name value, ...".
    """

    lead: str
    fill: Mapping[str, object] = field(default_factory=dict)
    condition: Condition | None = None
    values: Values = field(default_factory=dict)
    params: Params = field(default_factory=dict)
    decisive: bool = False
    parts: tuple[tuple[str, float], ...] = ()  # named numbers listed after the checks

    def checks(self) -> tuple[Check, ...]:
        """The checks the condition made for this customer (none without a condition)."""
        if self.condition is None:
            return ()
        return self.condition.checks(self.values, self.params)


def explain(row: dict[str, Any], facts: RunFacts, *, as_of: dt.date, lang: str) -> dict[str, str]:
    """One sentence per label family of `row`, worded from the run's own conditions."""
    say = Wording(lang)
    return {
        family: say.join(*(_worded(c, say) for c in clauses))
        for family, clauses in reasons(row, facts, as_of=as_of).items()
    }


def explain_checks(
    row: dict[str, Any], facts: RunFacts, *, as_of: dt.date
) -> dict[str, tuple[Check, ...]]:
    """Per label family, every check the family's conditions made for `row`, in order."""
    return {
        family: tuple(check for clause in clauses for check in clause.checks())
        for family, clauses in reasons(row, facts, as_of=as_of).items()
    }


def reasons(row: dict[str, Any], facts: RunFacts, *, as_of: dt.date) -> dict[str, list[Clause]]:
    """Per label family, the clauses of its reason: the conditions tried, with their inputs."""
    why = {"tier": tier_reason(row, facts), "stage": stage_reason(row, facts, as_of=as_of)}
    if (row.get("frequency") or 0) > 0 and facts.rfm is not None:
        why |= {
            "rfm": rfm_reason(row, facts.rfm, bins=facts.settings.rfm.bins),
            "rfm8": rfm8_reason(row, facts.rfm),
            "rfm11": rfm11_reason(row, facts.settings),
            "value_customer": value_reason(row, facts),
        }
    else:
        why["value_customer"] = [Clause("unscored")]
    return why


def stage_reason(row: dict[str, Any], facts: RunFacts, *, as_of: dt.date) -> list[Clause]:
    """The stage rules tried in order up to the one that held (active when none did)."""
    values = stage_values(row, facts)
    params = schemes.lifecycle_rules(facts.settings)._asdict()
    clauses = [
        _case_clause(case, held, _stage_label(case.key), values, params)
        for case, held in tried(lifecycle.STAGE_RULES, values, params)
    ]
    if not any(c.lead == "holds" for c in clauses):
        default = lifecycle.STAGES[lifecycle.ACTIVE]  # the table's verdict, not the row's
        clauses.append(Clause("otherwise", {"label": _stage_label(default)}))
    if row.get("stage") == "prospect":
        clauses.append(Clause("up_to", {"as_of": as_of}))
    return clauses


def stage_values(row: dict[str, Any], facts: RunFacts) -> dict[str, float]:
    """The lifecycle's quantities for one customer, as the run passed them to the model.

    Days are 0 for a prospect (as the run fills them); the usual gap is her own or the
    run's stand-in; the previous run's stage is not in the row: it is "churned" for a
    customer won back (the only stage that leads there) and unknown (NaN) otherwise.
    """
    gap = _float(row.get("avg_days_between_orders"))
    stand_in = facts.usual_gap_days
    if stand_in is None:
        stand_in = facts.settings.lifecycle.fallback_gap_days
    won_back = row.get("stage") == "won_back"
    return {
        "frequency": _float(row.get("frequency")),
        "recency_days": _float(row.get("recency_days"), empty=0.0),
        "tenure_days": _float(row.get("tenure_days"), empty=0.0),
        "usual_gap_days": gap if gap == gap else stand_in,
        "p_alive": _float(row.get("p_alive")),
        "previous_stage": float(lifecycle.CHURNED) if won_back else float("nan"),
    }


def rfm_reason(row: dict[str, Any], facts: RfmFacts, *, bins: int) -> list[Clause]:
    """Per dimension, the cut points passed (quantile or fixed scoring), or the rank."""
    cuts = {
        "recency_days": facts.recency_cuts,
        "frequency": facts.frequency_cuts,
        "monetary": facts.monetary_cuts,
    }
    clauses = []
    for name in SCORED:
        score_field = SCORE_FIELDS[name]
        score = {"score": Key(f"label.field.{score_field}"), "value": row.get(score_field)}
        if not cuts[name]:  # rank scoring: equal groups, no cut points
            clauses.append(Clause("ranked_score", score | {"bins": bins}))
            continue
        condition = AllOf(rfm.cut_conditions(name, bins=bins))
        values = {name: _float(row.get(name))}
        params = {f"{name}_cuts": cuts[name]}
        clauses.append(Clause("scored", score, condition, values, params, decisive=True))
    return clauses


def rfm8_reason(row: dict[str, Any], facts: RfmFacts) -> list[Clause]:
    """Each dimension against the scored customers' mean (the run's recorded means)."""
    params = facts.model_dump()
    values = {name: _float(row.get(name)) for name in SCORED}
    return [
        Clause("checks", {}, condition, values, params)
        for condition in rfm_names.RFM8_HIGH.values()
    ]


def rfm11_reason(row: dict[str, Any], settings: RunSettings) -> list[Clause]:
    """The naming table's range that holds the customer's cell (r, fm)."""
    f, m = int(row["f_score"]), int(row["m_score"])
    fm = int(rfm_names.fm_score(f, m))
    rule = next((r for r in schemes.rfm11_rules(settings) if r.key == row.get("rfm11")), None)
    fill = {"f": f, "m": m, "fm": fm}
    if rule is None:
        return [Clause("cell", fill | {"checks": "-"})]
    values = {"r_score": float(row["r_score"]), "fm_score": float(fm)}
    return [Clause("cell", fill, rule.condition, values)]


def tier_reason(row: dict[str, Any], facts: RunFacts) -> list[Clause]:
    """Thresholds: the cut-offs tried in order; ranked tiers: her spend within the tier's span."""
    config = facts.settings.tiers
    spend = {"spend": _float(row.get("revenue_365d"))}
    if config.method == "thresholds":
        params = {"thresholds": tuple(config.thresholds)}
        cases = tiers.threshold_cases(len(config.thresholds))
        clauses = [
            _case_clause(case, held, config.labels[int(case.key)], spend, params)
            for case, held in tried(cases, spend, params)
        ]
        if not any(c.lead == "holds" for c in clauses):
            clauses.append(Clause("otherwise", {"label": config.labels[-1]}))
        return clauses
    shares = config.percent if config.method == "rank" else config.pareto_percent
    span = facts.span(str(row.get("tier")))
    fill = {
        "label": row.get("tier"),
        "method": Key(f"explain.method.{config.method}"),
        "shares": " / ".join(str(s) for s in shares),
        "n": f"{span.customers:,}" if span else "-",
    }
    if span is None or span.min_spend is None:
        return [Clause("tier_ranked", fill | {"checks": "-"})]
    edges = {"tier_min_spend": span.min_spend, "tier_max_spend": span.max_spend}
    return [Clause("tier_ranked", fill, tiers.WITHIN_SPAN, spend, edges)]


def value_reason(row: dict[str, Any], facts: RunFacts) -> list[Clause]:
    """The score against the run's cut-off, and the strongest parts of the score."""
    parts = json.loads(row.get("value_parts") or "{}")
    strongest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
    fill = {"top": Wording.number("", facts.settings.value.top_percent)}
    if facts.value_cutoff is None:
        return [Clause("value", fill | {"checks": "-"}, parts=tuple(strongest))]
    values = {"value_score": _float(row.get("value_score"))}
    params = {"value_cutoff": facts.value_cutoff}
    return [Clause("value", fill, value_score.AT_CUTOFF, values, params, parts=tuple(strongest))]


def _case_clause(case: Case, held: bool, label: object, values: Values, params: Params) -> Clause:
    return Clause("holds" if held else "fails", {"label": label}, case.when, values, params)


def _worded(clause: Clause, say: Wording) -> str:
    fill = {k: say.key(v) if isinstance(v, Key) else v for k, v in clause.fill.items()}
    if clause.parts:
        fill["parts"] = say.listed([f"{say.name(k)} {say.number('', v)}" for k, v in clause.parts])
    if clause.condition is None:
        return say(clause.lead, **fill)
    if clause.decisive:
        fill["checks"] = say.checks(_decisive(clause.checks()))
    elif "checks" not in fill:
        fill["checks"] = say.condition(clause.condition, clause.values, clause.params)
    return say(clause.lead, **fill)


def _decisive(checks: Sequence[Check]) -> list[Check]:
    """Of checks against sorted cut points, the last that held and the first that did not."""
    held = [c for c in checks if c.held]
    missed = [c for c in checks if not c.held]
    return held[-1:] + missed[:1]


def _stage_label(key: str) -> Key:
    return Key(f"stage.{key}")


def _float(value: Any, *, empty: float = float("nan")) -> float:
    """A row's value as a float; None (an empty cell) as `empty`."""
    return empty if value is None else float(value)
