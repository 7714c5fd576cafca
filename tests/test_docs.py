"""The docs stay complete: generated pages are current, commands and codes documented."""

from pathlib import Path

from segmint.core import schema

DOCS = Path(__file__).parents[1] / "docs"


def test_schema_page_is_generated_from_the_schema():
    """Regenerate with `make docs` when this fails."""
    assert (DOCS / "schema.md").read_text(encoding="utf-8") == schema.markdown()


def test_every_import_error_code_is_documented():
    from segmint.core import i18n

    page = (DOCS / "import.md").read_text(encoding="utf-8")
    for code in i18n.keys("en")["messages"]:
        assert f"`{code}`" in page, code
