"""The settings of a run turned into the models' own parameters, and checked as a whole.

`problems` runs whenever a workspace opens its settings (with the checks of
`core.config`), so a naming table with a gap fails before any run, with a message
that names the cell or the name and its line in segmint.toml.
"""

from __future__ import annotations

from segmint.core.config import Settings
from segmint.core.errors import ConfigError
from segmint.core.facts import RunSettings
from segmint.models import lifecycle, rfm_names
from segmint.models.rfm_names import RFM11, Rule
from segmint.models.value_score import Component


def rfm11_rules(settings: Settings | RunSettings) -> tuple[Rule, ...]:
    """The rfm11 naming table: the configured one, else the built-in one (5 bins).

    A run's recorded settings give the table it named its customers by.
    """
    if not settings.rfm.names:
        return RFM11
    return tuple(Rule(n.key, n.r, n.fm) for n in settings.rfm.names)


def lifecycle_rules(settings: Settings | RunSettings) -> lifecycle.Rules:
    """The lifecycle thresholds (of the workspace, or as a run recorded them)."""
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


def problems(settings: Settings) -> list[ConfigError]:
    """What the models find wrong with `settings` (the RFM naming table), not raised.

    `config.load` calls this with its own checks, so every problem of the file is
    reported at once, each with its line in segmint.toml.
    """
    if not settings.rfm.names:
        return []  # the built-in table is proven by the tests; its bins are checked in config
    return rfm_names.scheme_problems(rfm11_rules(settings), bins=settings.rfm.bins)
