"""The settings of a run turned into the models' own parameters, and checked as a whole.

`check` runs whenever a workspace opens its settings, so a naming table with a gap or a
tier table with too few labels fails before any run, with a message that names it.
"""

from __future__ import annotations

from segmint.core.config import Settings
from segmint.core.errors import ConfigError, Location
from segmint.models import lifecycle
from segmint.models.rfm_names import RFM11, Rule, check_scheme
from segmint.models.value_score import Component


def rfm11_rules(settings: Settings) -> tuple[Rule, ...]:
    """The rfm11 naming table: the configured one, else the built-in one (5 bins)."""
    if not settings.rfm.names:
        return RFM11
    return tuple(Rule(n.key, n.r, n.fm) for n in settings.rfm.names)


def lifecycle_rules(settings: Settings) -> lifecycle.Rules:
    """The lifecycle thresholds."""
    return lifecycle.Rules(**settings.lifecycle.model_dump())


def value_components(settings: Settings) -> dict[str, Component]:
    """The value score's components: feature name -> weight and direction."""
    lower = set(settings.value.lower_is_better)
    return {
        name: Component(weight, higher_is_better=name not in lower)
        for name, weight in settings.value.weights.items()
    }


def tier_labels(settings: Settings) -> tuple[str, ...]:
    """Tier names, top first, as many as the chosen method makes."""
    return tuple(settings.tiers.labels)


def check(settings: Settings) -> None:
    """Raise a `ConfigError` naming the first inconsistent scheme in `settings`."""
    rules = rfm11_rules(settings)
    if not settings.rfm.names and settings.rfm.bins != 5:
        raise ConfigError(
            f"The built-in rfm11 names are for 5 bins; rfm.bins is {settings.rfm.bins}.",
            hint="Add an [[rfm.names]] table for your bins, or set rfm.bins = 5.",
            location=Location(file="segmint.toml", field="rfm.names"),
            code="config.bad_value",
        )
    check_scheme(rules, bins=settings.rfm.bins)
    _check_cuts(settings)
    _check_tiers(settings)
    lifecycle.check_rules(lifecycle_rules(settings))


def _check_cuts(settings: Settings) -> None:
    if settings.rfm.scoring != "fixed":
        return
    missing = [d for d in ("recency_days", "frequency", "monetary") if d not in settings.rfm.cuts]
    if missing:
        raise ConfigError(
            f"rfm.scoring = 'fixed' needs rfm.cuts for {', '.join(missing)}.",
            hint=f"Give {settings.rfm.bins - 1} cut points each, e.g. frequency = [1, 2, 4, 8].",
            location=Location(file="segmint.toml", field="rfm.cuts"),
            code="config.bad_value",
        )


def _check_tiers(settings: Settings) -> None:
    tiers = settings.tiers
    upper: dict[str, list[float] | list[int]] = {
        "thresholds": tiers.thresholds,
        "rank": tiers.percent,
        "pareto": tiers.pareto_percent,
    }
    needed = len(upper[tiers.method]) + 1
    if len(tiers.labels) != needed:
        raise ConfigError(
            f"tiers.method = '{tiers.method}' makes {needed} tiers but tiers.labels has "
            f"{len(tiers.labels)}: {tiers.labels}.",
            hint=f"Give {needed} labels, the top tier first.",
            location=Location(file="segmint.toml", field="tiers.labels"),
            code="config.bad_value",
        )
