"""Every preset is well formed and told apart from the others and from plain files."""

import pytest

from segmint.core.schema import TABLES
from segmint.ingest.mapping import HEADER_SYNONYMS
from segmint.ingest.platforms import detect, presets

PRESETS = presets()


def test_the_seven_platforms_have_presets():
    platforms = {"taobao", "jd", "pinduoduo", "youzan", "douyin", "shopify", "woocommerce"}
    assert platforms <= set(PRESETS)
    assert {p.kind for p in PRESETS.values()} <= set(TABLES)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_presets_signature_finds_that_preset_and_no_other(name):
    assert detect(PRESETS[name].signature) is PRESETS[name]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_half_a_signature_is_enough_and_fewer_is_not(name):
    signature = PRESETS[name].signature
    half = max(3, -(-len(signature) // 2))
    assert detect(signature[:half]) is PRESETS[name]
    assert detect(signature[: half - 1]) is not PRESETS[name]


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_plain_files_of_every_kind_match_no_preset(kind):
    canonical = TABLES[kind].column_names
    chinese = [HEADER_SYNONYMS[c][0] for c in canonical if HEADER_SYNONYMS.get(c)]
    assert detect(canonical) is None
    assert detect(chinese) is None
