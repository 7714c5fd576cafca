"""The docs stay complete: generated pages are current, commands and codes documented."""

from pathlib import Path

from segmint.core import catalog, schema

DOCS = Path(__file__).parents[1] / "docs"


def test_schema_page_is_generated_from_the_schema():
    """Regenerate with `make docs` when this fails."""
    assert (DOCS / "schema.md").read_text(encoding="utf-8") == schema.markdown()


def test_features_page_is_generated_from_the_catalog():
    """Regenerate with `make docs` when this fails."""
    assert (DOCS / "features.md").read_text(encoding="utf-8") == catalog.markdown()


def test_feature_names_are_unique_identifiers_with_both_languages():
    names = [f.name for f in catalog.FEATURES]
    assert len(names) == len(set(names))
    for feature in catalog.FEATURES:
        assert feature.name.isidentifier() and feature.name == feature.name.lower()
        assert feature.meaning("en").endswith("."), feature.name
        assert feature.meaning("zh-CN").endswith("。"), feature.name


def test_every_import_error_code_is_documented():
    from segmint.core import i18n

    page = (DOCS / "import.md").read_text(encoding="utf-8")
    for code in [e.key for e in i18n.codes() if e.key.startswith("ingest.")]:
        assert f"`{code}`" in page, code


def test_cli_page_is_generated_from_the_commands():
    """Regenerate with `make docs` when this fails; every command has an example."""
    from segmint.cli import reference

    page = reference.markdown()
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == page
    for section in page.split("\n## ")[1:]:
        assert "segmint " in section.split("Example", 1)[-1], section.splitlines()[0]
        assert "Example" in section, section.splitlines()[0]


def test_errors_page_is_generated_from_the_catalogue():
    """Regenerate with `make docs` when this fails."""
    from segmint.core import errors

    assert (DOCS / "errors.md").read_text(encoding="utf-8") == errors.markdown()


def test_platforms_page_is_generated_from_the_presets():
    """Regenerate with `make docs` when this fails; every preset says where and from what."""
    from segmint.ingest.platforms import presets, reference

    assert (DOCS / "platforms.md").read_text(encoding="utf-8") == reference.markdown()
    for preset in presets().values():
        assert preset.sources and preset.menu.en and preset.menu.zh, preset.name


def test_rules_page_is_generated_from_the_language():
    """Regenerate with `make docs` when this fails; every example rule on it checks."""
    from segmint.core.config import Settings
    from segmint.segments.rules import read
    from segmint.segments.rules.reference import EXAMPLES, markdown
    from segmint.segments.rules.vocabulary import SegmentRef, vocabulary

    assert (DOCS / "rules.md").read_text(encoding="utf-8") == markdown()
    words = vocabulary(Settings(), segments={"vip": SegmentRef("vip", None)})
    for example in EXAMPLES:
        read(example, words)
