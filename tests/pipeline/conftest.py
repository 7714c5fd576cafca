"""Fixtures of the pipeline oracle tests: the lifetimes wheel that carries the CDNOW log."""

from pathlib import Path

from tests.models.clv.conftest import lifetimes_wheel  # noqa: F401 -- the same download


def use_pareto_tiers(folder: Path) -> None:
    """Set tiers.method = "pareto": segmint.toml already has a [tiers] table, so edit its line.

    Appending a second ``[tiers]`` table would not be TOML ("Cannot declare ('tiers',) twice").
    """
    settings = folder / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    assert text.count('method = "thresholds"') == 1
    settings.write_text(text.replace('method = "thresholds"', 'method = "pareto"'), "utf-8")


def use_threshold_tiers(folder: Path) -> None:
    """Set tiers.method = "thresholds" (the default is "pareto"), editing its line."""
    settings = folder / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    assert text.count('method = "pareto"') == 1
    settings.write_text(text.replace('method = "pareto"', 'method = "thresholds"'), "utf-8")
