"""config.toml -> typed settings: the shipped file, defaults, and clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from studio_console.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads_and_matches_builtin_defaults():
    loaded = load_settings(ROOT / "config.toml")
    defaults = Settings()
    for section in ("studio", "modem", "database", "ingest"):
        assert getattr(loaded, section) == getattr(defaults, section), section
    assert loaded.source == ROOT / "config.toml"
    assert loaded.export.sms_keyword == "BJN"
    assert loaded.shows[0].name == "SAPA BUPATI"


def test_every_setting_field_is_documented_in_the_shipped_config():
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for section in ("studio", "modem", "database", "ingest", "roles", "ui", "export"):
        cls = type(getattr(Settings(), section))
        for f in dataclasses.fields(cls):
            assert f"\n{f.name} =" in text or f"[{section}.{f.name}]" in text, f"{section}.{f.name}"


def test_unknown_key_names_key_file_line_and_suggests(tmp_path):
    path = write(tmp_path, "[modem]\nport = \"/dev/ttyUSB1\"\nbaudrat = 9600\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert "modem.baudrat" in message and str(path) in message and "line 3" in message
    assert "modem.baudrate" in message
    assert err.value.line == 3 and err.value.key == "modem.baudrat"


def test_unknown_section_is_an_error(tmp_path):
    path = write(tmp_path, "[studio]\nlanguage = \"en\"\n\n[modme]\nport = \"x\"\n")
    with pytest.raises(ConfigError, match=r"line 4: unknown key 'modme' \(did you mean 'modem'\?\)"):
        load_settings(path)


def test_wrong_type_names_expected_type_and_line(tmp_path):
    path = write(tmp_path, "[modem]\n\nbaudrate = \"fast\"\n")
    with pytest.raises(ConfigError, match=r"line 3: 'modem.baudrate' must be an integer, not a string"):
        load_settings(path)


def test_boolean_is_not_accepted_as_a_number(tmp_path):
    path = write(tmp_path, "[modem]\ncommand_timeout = true\n")
    with pytest.raises(ConfigError, match=r"modem\.command_timeout"):
        load_settings(path)


def test_integer_is_accepted_for_a_float_setting(tmp_path):
    settings = load_settings(write(tmp_path, "[modem]\ncommand_timeout = 5\n"))
    assert settings.modem.command_timeout == 5.0 and isinstance(settings.modem.command_timeout, float)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, "[modem]\nport = /dev/ttyUSB0\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert "not valid TOML" in str(err.value) and err.value.line == 2


def test_list_items_are_type_checked_with_their_index(tmp_path):
    path = write(tmp_path, "[export]\ncategories = [\"Jalan\", 3]\n")
    with pytest.raises(ConfigError, match=r"line 2: 'export.categories\[1\]' must be a string"):
        load_settings(path)


def test_show_schedule_values_are_checked(tmp_path):
    path = write(tmp_path, "[[shows]]\nname = \"A\"\n\n[[shows]]\nname = \"B\"\nstart = \"25:00\"\n")
    with pytest.raises(ConfigError, match=r"line 6: 'shows\[1\].start' must be a time"):
        load_settings(path)


def test_show_needs_a_name(tmp_path):
    path = write(tmp_path, "[[shows]]\ndays = [\"fri\"]\n")
    with pytest.raises(ConfigError, match="needs the key 'name'"):
        load_settings(path)


@pytest.mark.parametrize(("text", "key"), [
    ("[studio]\nlanguage = \"fr\"\n", "studio.language"),
    ("[studio]\ntimezone = \"Mars/Olympus\"\n", "studio.timezone"),
    ("[modem]\npin = \"12ab\"\n", "modem.pin"),
    ("[modem]\nreconnect_min = 5.0\nreconnect_max = 1.0\n", "modem.reconnect_max"),
    ("[roles]\ndefault = \"bupati\"\n", "roles.default"),
    ("[export]\nsms_keyword = \"BJN 2\"\n", "export.sms_keyword"),
])
def test_invalid_values_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert err.value.key == key and err.value.line is not None


def test_keymap_is_a_table_of_strings(tmp_path):
    settings = load_settings(write(tmp_path, "[ui.keymap]\n\"monitor.answer\" = \"y\"\n"))
    assert settings.ui.keymap == {"monitor.answer": "y"}


def test_overrides_and_relative_paths(tmp_path):
    settings = load_settings(write(tmp_path, "[database]\npath = \"data/studio.sqlite3\"\n"))
    assert settings.resolve(settings.database.path) == tmp_path / "data/studio.sqlite3"
    over = settings.with_overrides(port="/dev/ttyACM0", db="/tmp/x.sqlite3")
    assert over.modem.port == "/dev/ttyACM0" and over.database.path == "/tmp/x.sqlite3"
    assert settings.modem.port == "/dev/ttyUSB0"
