"""Ranges of list settings and orders between settings, which field types cannot state.

Each check returns the problems it finds (never raises), so `config.parse` can report
every problem of a file at once. Values are shown as the file holds them: the user's
own units (yuan, percent, days), not the cents and fractions the models compute in.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from segmint.core.errors import ConfigError, Location
from segmint.core.toml_text import show

if TYPE_CHECKING:
    from segmint.core.config import Settings

RFM_DIMENSIONS = ("recency_days", "frequency", "monetary")


def problems(settings: Settings, raw: dict[str, Any]) -> list[ConfigError]:
    """Every problem of `settings` that a single field's type does not catch."""

    def got(key: str, value: object) -> str:
        return show(_at(raw, key, value))

    return [
        *_memory_problems(settings, got),
        *_tier_problems(settings, got),
        *_lifecycle_problems(settings, got),
        *_rfm_problems(settings, got),
        *_value_problems(settings, got),
        *_needs_problems(settings, got),
    ]


def problem(code: str, key: str, **params: Any) -> ConfigError:
    """A problem of setting `key` (not raised: `config.parse` collects them)."""
    return ConfigError(code, location=Location(field=key), key=key, **params)


def _at(raw: dict[str, Any], key: str, default: object) -> object:
    """The value of dotted `key` as the file wrote it (`default` when it is not there)."""
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


MIN_MEMORY = "64MB"  # below this DuckDB runs out of memory on a small workspace's run
_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS |= {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def memory_bytes(text: str) -> float:
    """A size such as "1GB" or "512 MiB" in bytes (the form config has checked)."""
    number = text.rstrip("KMGTBi ")
    return float(number) * _UNITS[text[len(number) :].strip()]


def _memory_problems(settings: Settings, got: Any) -> list[ConfigError]:
    if memory_bytes(settings.memory_limit) >= memory_bytes(MIN_MEMORY):
        return []
    key = "memory_limit"
    return [
        problem(
            "config.out_of_range",
            key,
            got=got(key, settings.memory_limit),
            range=f">= {MIN_MEMORY}",
        )
    ]


def _tier_problems(settings: Settings, got: Any) -> list[ConfigError]:
    tiers = settings.tiers
    found = []
    cuts = tiers.thresholds
    key = "tiers.thresholds"
    if not cuts or any(c <= 0 for c in cuts):
        found.append(problem("config.tier_cutoffs", key, got=got(key, cuts)))
    elif any(b >= a for a, b in pairwise(cuts)):
        found.append(problem("config.tier_cutoffs_order", key, got=got(key, cuts)))
    for key, shares in (
        ("tiers.percent", tiers.percent),
        ("tiers.pareto_percent", tiers.pareto_percent),
    ):
        if not shares or any(p <= 0 for p in shares) or sum(shares) >= 100:
            found.append(
                problem("config.tier_shares", key, got=got(key, shares), total=sum(shares))
            )
    found += _label_problems(settings, got)
    return found


def _label_problems(settings: Settings, got: Any) -> list[ConfigError]:
    tiers, key = settings.tiers, "tiers.labels"
    upper: dict[str, Sequence[float]] = {
        "thresholds": tiers.thresholds,
        "rank": tiers.percent,
        "pareto": tiers.pareto_percent,
    }
    needed = len(upper[tiers.method]) + 1
    if len(tiers.labels) != needed:
        return [
            problem(
                "config.tier_labels",
                key,
                method=tiers.method,
                needed=needed,
                count=len(tiers.labels),
                got=got(key, tiers.labels),
            )
        ]
    if len(set(tiers.labels)) != len(tiers.labels) or not all(s.strip() for s in tiers.labels):
        return [problem("config.tier_labels_repeated", key, got=got(key, tiers.labels))]
    return []


# (later stage, earlier stage, relation): a churned customer must be at risk first
_LIFECYCLE_ORDER = (
    ("churned_gaps", "at_risk_gaps", ">="),
    ("churned_min_days", "at_risk_min_days", ">="),
    ("churned_p_alive", "at_risk_p_alive", "<="),
)


def _lifecycle_problems(settings: Settings, got: Any) -> list[ConfigError]:
    rules = settings.lifecycle
    found = []
    for name, other, relation in _LIFECYCLE_ORDER:
        value, limit = getattr(rules, name), getattr(rules, other)
        if (value < limit) if relation == ">=" else (value > limit):
            key, other_key = f"lifecycle.{name}", f"lifecycle.{other}"
            found.append(
                problem(
                    "config.out_of_order",
                    key,
                    got=got(key, value),
                    relation=relation,
                    other=other_key,
                    other_got=got(other_key, limit),
                )
            )
    return found


def _rfm_problems(settings: Settings, got: Any) -> list[ConfigError]:
    rfm = settings.rfm
    found = []
    if not rfm.names and rfm.bins != 5:
        found.append(problem("config.rfm_names_bins", "rfm.bins", got=got("rfm.bins", rfm.bins)))
    missing = [d for d in RFM_DIMENSIONS if d not in rfm.cuts]
    if rfm.scoring == "fixed" and missing:
        example = ", ".join(str(2**j) for j in range(rfm.bins - 1))
        found.append(
            problem(
                "config.rfm_cuts_missing", "rfm.cuts", missing=", ".join(missing), example=example
            )
        )
    for dimension, cuts in rfm.cuts.items():
        found += _cut_problems(f"rfm.cuts.{dimension}", cuts, bins=rfm.bins, got=got)
    keys = [name.key for name in rfm.names]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        found.append(problem("config.rfm_names_repeated", "rfm.names", names=", ".join(repeated)))
    return found


def _cut_problems(key: str, cuts: Sequence[float], *, bins: int, got: Any) -> list[ConfigError]:
    if len(cuts) != bins - 1:
        return [
            problem("config.rfm_cuts_count", key, got=got(key, cuts), bins=bins, needed=bins - 1)
        ]
    if any(c < 0 for c in cuts) or any(b <= a for a, b in pairwise(cuts)):
        return [problem("config.rfm_cuts_order", key, got=got(key, cuts))]
    return []


def _value_problems(settings: Settings, got: Any) -> list[ConfigError]:
    weights, key = settings.value.weights, "value.weights"
    negative = [name for name, w in weights.items() if w < 0]
    found = [
        problem("config.negative_weight", f"{key}.{name}", got=got(f"{key}.{name}", weights[name]))
        for name in negative
    ]
    if not negative and not any(w > 0 for w in weights.values()):
        found.append(problem("config.no_weight", key, got=got(key, weights)))
    return found


def _needs_problems(settings: Settings, got: Any) -> list[ConfigError]:
    """The cluster range, and the loyalty programme's levels and multipliers."""
    found = []
    clusters = settings.clusters
    if clusters.min > clusters.max:
        key = "clusters.max"
        found.append(problem("config.cluster_range", key, got=got(key, clusters.max)))
    levels, key = settings.loyalty.levels, "loyalty.levels"
    mins = [level.min for level in levels]
    keys = [level.key for level in levels]
    if not levels or mins[0] != 0 or any(b <= a for a, b in pairwise(mins)):
        found.append(problem("config.loyalty_levels", key, got=show(mins)))
    elif len(set(keys)) < len(keys):
        found.append(problem("config.loyalty_level_keys", key, got=show(keys)))
    labels = settings.tiers.labels
    for tier, factor in settings.loyalty.multipliers.items():
        name = f"loyalty.multipliers.{tier}"
        if tier not in labels or factor <= 0:
            found.append(
                problem(
                    "config.loyalty_multiplier", name, got=got(name, factor), tiers=show(labels)
                )
            )
    return found
