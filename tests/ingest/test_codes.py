"""Every code that ingest and the demo raise is a catalogue entry with both languages."""

import re
from pathlib import Path

import pytest

from segmint.core import i18n

SRC = Path(__file__).parents[2] / "src" / "segmint"
FILES = [*sorted((SRC / "ingest").glob("*.py")), *sorted((SRC / "demo").glob("*.py"))]
FILES.append(SRC / "cli" / "ingest.py")
CODE = re.compile(r"\"((?:ingest|demo)\.[a-z_]+)\"")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_codes_in_the_source_are_in_the_catalogue(path):
    for code in CODE.findall(path.read_text(encoding="utf-8")):
        entry = i18n.catalogue().get(code)
        assert entry is not None and entry.is_code, f"{path.name}: {code}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_error_is_raised_as_an_english_sentence(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"Error\(\s*f?\"[^\"]* ", text), path.name
    assert "input.invalid" not in text, path.name
