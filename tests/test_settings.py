"""Settings: defaults < config file < environment < flags; bad values are one clear line."""

import pytest

from voicecoach.errors import ConfigError
from voicecoach.settings import Settings, db_path, load_settings


def write_config(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_config_file(tmp_path):
    assert load_settings(config_path=tmp_path / "missing.toml", environ={}) == Settings()


def test_precedence_file_then_environment_then_flags(tmp_path):
    config = write_config(tmp_path, "[voice]\nrate = 120\nvolume = 0.5\n[coach]\nverbosity = 'full'\ncount_in_s = 3\n")
    env = {"VOICECOACH_VOICE_RATE": "140", "VOICECOACH_COACH_VERBOSITY": "terse"}
    s = load_settings(config_path=config, environ=env, flags={"voice.rate": 180})
    assert s.voice.rate == 180  # flag beats environment and file
    assert s.coach.verbosity == "terse"  # environment beats file
    assert s.voice.volume == 0.5  # file beats default
    assert s.coach.count_in_s == 3.0 and isinstance(s.coach.count_in_s, float)
    assert s.listen == Settings().listen  # untouched section keeps defaults


def test_short_environment_aliases(tmp_path):
    s = load_settings(config_path=tmp_path / "none.toml", environ={"VOICECOACH_DB": str(tmp_path / "h.db"), "VOICECOACH_MODEL": "/m"})
    assert db_path(s) == tmp_path / "h.db"
    assert s.listen.model == "/m"


def test_config_file_from_environment(tmp_path):
    config = write_config(tmp_path, "[listen]\nbarge_in = 'full'\n")
    assert load_settings(environ={"VOICECOACH_CONFIG": str(config)}).listen.barge_in == "full"


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().voice.rate = 10  # type: ignore[misc]


BAD_CONFIGS = [
    ("[voice]\nspeed = 3\n", "unknown key voice.speed; allowed: engine, voice, rate"),
    ("[sound]\nrate = 3\n", "unknown section [sound]; allowed: coach, voice, listen, music, store"),
    ("[voice]\nrate = 'fast'\n", "voice.rate = 'fast' is not allowed; expected a whole number"),
    ("[coach]\nverbosity = 'loud'\n", "coach.verbosity = 'loud' is not allowed; expected one of 'full', 'normal', 'terse'"),
    ("[voice]\nvolume = -1\n", "voice.volume = -1 is not allowed; expected a number from 0 to 1"),
    ("[voice\nrate = 3\n", "not valid TOML"),
    ("rate = 3\n", "'rate' must be a [section]"),
]


@pytest.mark.parametrize("text,message", BAD_CONFIGS)
def test_bad_config_is_one_line_naming_file_key_and_allowed(tmp_path, text, message):
    config = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config_path=config, environ={})
    assert str(caught.value).startswith(str(config) + ": ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="environment VOICECOACH_LISTEN_BARGE_IN: listen.barge_in = 'maybe'"):
        load_settings(config_path=tmp_path / "x.toml", environ={"VOICECOACH_LISTEN_BARGE_IN": "maybe"})
