"""segmint.toml: defaults, validation, did-you-mean for unknown keys."""

import tomllib

import pytest

from segmint.core import config
from segmint.core.errors import ConfigError


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
    with pytest.raises(ConfigError, match=r"unknown time zone 'Asia/Shanghi'.*Asia/Shanghai"):
        config.parse({"timezone": "Asia/Shanghi"})


def test_mapping_to_an_unknown_column_names_it():
    with pytest.raises(ConfigError, match=r"'会员卡号' maps to unknown column 'customer'"):
        config.parse({"mapping": {"会员卡号": "customer"}})


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
