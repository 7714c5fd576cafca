"""segmint.toml: defaults, validation, did-you-mean for unknown keys, ranges and orders."""

import tomllib

import pytest

from segmint.core import config
from segmint.core.errors import ConfigError, Location
from segmint.core.toml_text import key_lines, line_of


def test_default_file_parses_to_the_declared_defaults():
    settings = config.parse(tomllib.loads(config.render_default()))
    assert settings == config.Settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.import_.batch_rows == 100_000


def test_unknown_key_suggests_the_closest_known_one():
    with pytest.raises(ConfigError, match=r"unknown setting 'timezon'") as info:
        config.parse({"timezon": "UTC"})
    assert info.value.hint == "Did you mean 'timezone'?"
    assert info.value.code == "config.unknown_key"


def test_unknown_key_in_a_section_names_the_section():
    with pytest.raises(ConfigError, match=r"'import.batch_row'") as info:
        config.parse({"import": {"batch_row": 5000}})
    assert info.value.hint == "Did you mean 'batch_rows'?"


def test_unknown_time_zone_is_rejected_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"'Asia/Shanghi' is not a time zone") as info:
        config.parse({"timezone": "Asia/Shanghi"})
    assert info.value.code == "config.unknown_timezone"
    assert info.value.hint == "Did you mean 'Asia/Shanghai'?"


def test_mapping_to_an_unknown_column_names_it():
    with pytest.raises(ConfigError, match=r"'会员卡号' maps to 'customer', which is not") as info:
        config.parse({"mapping": {"会员卡号": "customer"}})
    assert info.value.code == "config.unknown_column"


def test_settings_are_frozen():
    settings = config.Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.timezone = "UTC"


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "segmint.toml").write_text("timezone = ", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"segmint\.toml is not valid TOML"):
        config.load(tmp_path)


def test_every_setting_is_documented():
    """Witness: docs/config.md names every setting of the SETTINGS table."""
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "config.md").read_text(encoding="utf-8")
    for name, _default, _help in config.SETTINGS:
        assert f"`{name}`" in docs, name


def _load(tmp_path, text: str, *, encoding: str = "utf-8") -> config.Settings:
    (tmp_path / "segmint.toml").write_bytes(text.encode(encoding))
    return config.load(tmp_path)


def test_a_file_that_is_not_utf8_is_named_with_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"segmint\.toml is not UTF-8") as info:
        _load(tmp_path, 'lang = "zh-CN"\n# 中文说明\n', encoding="gbk")
    assert info.value.code == "config.not_utf8"
    assert "save it again with the encoding UTF-8" in (info.value.hint or "")
    assert info.value.location == Location(file="segmint.toml", line=2)


def test_a_utf8_file_with_a_bom_is_read(tmp_path):
    assert _load(tmp_path, 'lang = "zh-CN"\n', encoding="utf-8-sig").lang == "zh-CN"


def test_every_problem_of_the_file_is_reported_with_its_line_in_the_users_units(tmp_path):
    text = config.render_default()
    text = text.replace("thresholds = [100000.0, 50000.0]", "thresholds = [100000, -5]")
    text = text.replace("churned_min_days = 180", "churned_min_days = 30")
    text = text.replace("bins = 5", "bins = 9")
    lines = text.splitlines()
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    found = {
        p.location.field: (p.code, p.location.line, p.message)
        for p in (info.value, *info.value.also)
    }
    code, line, message = found["tiers.thresholds"]
    assert code == "config.tier_cutoffs" and "[100000, -5]" in message
    assert lines[line - 1] == "thresholds = [100000, -5]"
    code, line, message = found["lifecycle.churned_min_days"]
    assert code == "config.out_of_order" and lines[line - 1] == "churned_min_days = 30"
    assert "lifecycle.at_risk_min_days = 60" in message and "Rules(" not in message
    code, line, message = found["rfm.bins"]
    assert code == "config.out_of_range" and "[3, 5]" in message and lines[line - 1] == "bins = 9"
    assert len(str(info.value).splitlines()) == 3  # one line for each problem


LEVEL = {"key": "gold", "en": "Gold", "zh": "金卡"}


@pytest.mark.parametrize(
    ("settings", "code", "field"),
    [
        ({"tiers": {"thresholds": [100_000, -5]}}, "config.tier_cutoffs", "tiers.thresholds"),
        ({"tiers": {"thresholds": [50_000, 100_000]}}, "config.tier_cutoffs_order", None),
        ({"tiers": {"thresholds": [50_000, 50_000]}}, "config.tier_cutoffs_order", None),
        ({"tiers": {"thresholds": []}}, "config.tier_cutoffs", None),
        ({"tiers": {"percent": [60, 40]}}, "config.tier_shares", "tiers.percent"),
        ({"tiers": {"pareto_percent": [80, 0]}}, "config.tier_shares", "tiers.pareto_percent"),
        ({"tiers": {"labels": ["A", "A", "C"]}}, "config.tier_labels_repeated", None),
        ({"tiers": {"labels": ["A", "B"]}}, "config.tier_labels", None),
        ({"lifecycle": {"churned_gaps": 1.5}}, "config.out_of_order", "lifecycle.churned_gaps"),
        ({"lifecycle": {"churned_p_alive": 0.6}}, "config.out_of_order", None),
        ({"lifecycle": {"at_risk_p_alive": 1.5}}, "config.out_of_range", None),
        ({"lifecycle": {"new_days": -1}}, "config.out_of_range", "lifecycle.new_days"),
        ({"lifecycle": {"at_risk_gaps": 0}}, "config.out_of_range", None),
        ({"lifecycle": {"fallback_gap_days": float("inf")}}, "config.not_finite", None),
        ({"rfm": {"bins": 4}}, "config.rfm_names_bins", "rfm.bins"),
        ({"rfm": {"scoring": "fixed"}}, "config.rfm_cuts_missing", "rfm.cuts"),
        ({"rfm": {"scoring": "quantil"}}, "config.not_a_choice", "rfm.scoring"),
        ({"rfm": {"cuts": {"frequency": [1, 2, 4]}}}, "config.rfm_cuts_count", None),
        ({"rfm": {"cuts": {"frequency": [1, 4, 2, 8]}}}, "config.rfm_cuts_order", None),
        ({"rfm": {"cuts": {"monetary": [-1, 4, 6, 8]}}}, "config.rfm_cuts_order", None),
        ({"value": {"weights": {"frequency": -1}}}, "config.negative_weight", None),
        ({"value": {"weights": {"frequency": 0}}}, "config.no_weight", "value.weights"),
        ({"value": {"top_percent": 0}}, "config.out_of_range", None),
        ({"clv": {"discount_rate": 1}}, "config.out_of_range", None),
        ({"import": {"batch_rows": 10}}, "config.out_of_range", "import.batch_rows"),
        ({"memory_limit": "lots"}, "config.bad_format", None),
        ({"memory_limit": "16MB"}, "config.out_of_range", "memory_limit"),
        ({"currency": "yuan"}, "config.bad_format", None),
        ({"tiers": {"thresholds": "high"}}, "config.wrong_type", None),
        ({"clusters": {"min": 6, "max": 4}}, "config.cluster_range", "clusters.max"),
        ({"clusters": {"max": 40}}, "config.out_of_range", "clusters.max"),
        ({"loyalty": {"multipliers": {"Z": 2.0}}}, "config.loyalty_multiplier", None),
        ({"loyalty": {"multipliers": {"A": 0}}}, "config.loyalty_multiplier", None),
        ({"loyalty": {"level_by": "orders"}}, "config.not_a_choice", "loyalty.level_by"),
        (
            {"loyalty": {"levels": [{"key": "a", "en": "A", "zh": "甲", "min": 5}]}},
            "config.loyalty_levels",
            "loyalty.levels",
        ),
        (
            {"loyalty": {"levels": [LEVEL | {"min": 0}, LEVEL | {"min": 100}]}},
            "config.loyalty_level_keys",
            "loyalty.levels",
        ),
        ({"service": {"satisfaction": 6}}, "config.out_of_range", "service.satisfaction"),
        (
            {"rfm": {"names": [{"key": "vip", "en": "VIP", "zh": "贵宾"}]}},
            "config.missing_key",
            None,
        ),
    ],
)
def test_settings_that_make_no_sense_are_refused(settings, code, field):
    with pytest.raises(ConfigError) as info:
        config.parse(settings)
    assert info.value.code == code, info.value
    if field:
        assert info.value.location.field == field
    assert info.value.render("zh-CN")[0] != info.value.message  # it speaks Chinese too


def test_the_range_of_a_setting_is_written_as_an_interval():
    with pytest.raises(
        ConfigError, match=r"top_percent = 150 is out of range; it must be \(0, 100\]"
    ):
        config.parse({"value": {"top_percent": 150}})


def test_key_lines_find_tables_dotted_keys_and_array_tables():
    text = 'a = 1\n[tiers]\nmethod = "rank"\n[[rfm.names]]\nkey = "x"\n[[rfm.names]]\nr = [1, 2]\n'
    lines = key_lines(text + 'value.weights = { frequency = 1 }\n"x y" = 2\n')
    assert lines["a"] == 1 and lines["tiers.method"] == 3
    assert lines["rfm.names"] == 4 and lines["rfm.names.1.r"] == 7
    assert line_of(lines, "rfm.names.1.r.0") == 7 and line_of(lines, "rfm.names.0") == 4
    # a dotted key and an inline table are still inside the last [[rfm.names]]
    assert line_of(lines, "rfm.names.1.value.weights.frequency") == 8
    assert lines["rfm.names.1.x y"] == 9
