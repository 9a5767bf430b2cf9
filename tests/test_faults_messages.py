"""Issue 15's "unclear or wrong behaviour" list: each message says what is wrong and what to do."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from fault_helpers import fill, history_rows, isolated, make_history, read_only, run, small_disk, wav_header  # noqa: F401
from voicecoach.errors import ConfigError
from voicecoach.settings import RANGES, Settings, _sections, load_settings

# ---- ranges: one place, every source -----------------------------------------------------------


def test_every_numeric_setting_has_a_range_and_its_default_is_in_it():
    for section, cls in _sections().items():
        for name, value in vars(cls()).items():
            if type(value) in (int, float):
                allowed = RANGES[f"{section}.{name}"]  # a new number needs its range in settings.RANGES
                assert allowed.low <= value <= allowed.high, f"{section}.{name}"
    assert set(RANGES) <= {f"{s}.{n}" for s, c in _sections().items() for n in vars(c())}


OUT_OF_RANGE = [("voice", "volume", "7", "from 0 to 1"), ("listen", "min_confidence", "5", "from 0 to 1"),
                ("voice", "rate", "0", "from 80 to 450 words per minute"), ("coach", "count_in_s", "inf", "from 0 to 120 seconds"),
                ("coach", "tempo_scale", "0", "from 0.5 to 3 times"), ("coach", "tempo_scale", "0.3", "from 0.5 to 3 times")]


@pytest.mark.parametrize("section,key,value,expected", OUT_OF_RANGE)
def test_out_of_range_values_are_refused_in_file_environment_and_flags(tmp_path, section, key, value, expected):
    config = tmp_path / "c.toml"
    config.write_text(f"[{section}]\n{key} = {value if value != 'inf' else 'inf'}\n")
    sources = [dict(config_path=config, environ={}),
               dict(config_path=tmp_path / "none.toml", environ={f"VOICECOACH_{section.upper()}_{key.upper()}": value}),
               dict(config_path=tmp_path / "none.toml", environ={}, flags={f"{section}.{key}": value})]
    for source in sources:
        with pytest.raises(ConfigError) as caught:
            load_settings(**source)
        assert f"{section}.{key} = " in str(caught.value) and expected in str(caught.value)


def test_defaults_load(isolated):
    assert load_settings(config_path=None, environ={}) == Settings()


def test_a_config_named_by_the_environment_that_does_not_exist_is_an_error(isolated, capsys, monkeypatch):
    """Issue 21, item 18: it used to be ignored silently."""
    monkeypatch.setenv("VOICECOACH_CONFIG", "/nonexistent/c.toml")
    code, _, err = run(capsys, "drills")
    assert code == 2 and err == "voicecoach: /nonexistent/c.toml: no such config file; check the VOICECOACH_CONFIG variable\n"


def test_an_explicit_config_that_does_not_exist_is_an_error(isolated, capsys):
    code, _, err = run(capsys, "--config", "/nope.toml", "drills")
    assert code == 2 and err == "voicecoach: /nope.toml: no such config file; check the --config path\n"


# ---- messages ---------------------------------------------------------------------------------


def test_a_warning_has_one_prefix(isolated, capsys):
    db = isolated / "bad.db"
    db.write_bytes(b"not a database" * 300)
    from voicecoach.history import open_recorder

    open_recorder(db).close()
    err = capsys.readouterr().err
    assert err.startswith("voicecoach: warning: history database") and "voicecoach: voicecoach:" not in err


def test_a_bad_flag_value_names_the_real_option(isolated, capsys):
    code, _, err = run(capsys, "simulate", "--count-in=-1")
    assert code == 2 and err.startswith("voicecoach: option --count-in: coach.count_in_s = -1.0 is not allowed")
    assert "--count-in-s" not in err


def test_db_on_a_folder_says_it_is_a_folder(isolated, capsys):
    code, _, err = run(capsys, "simulate", "--db", str(isolated), "--drill", "glute_bridge")
    assert code == 2 and err == (f"voicecoach: history database {isolated} is a folder; give a file in it, "
                                 f"e.g. --db {isolated / 'history.sqlite3'}\n")


def test_model_check_on_a_file_says_it_is_a_file(isolated, capsys):
    (isolated / "model.zip").write_bytes(b"PK")
    code, _, err = run(capsys, "model", "check", str(isolated / "model.zip"))
    assert code == 2 and "is a file, not a model folder" in err and "does not exist" not in err


@pytest.mark.parametrize("data,detail", [(b"", "empty file"), (wav_header(16000, frames=10)[:30], "the file ends too early")])
def test_empty_or_truncated_wav_says_so(isolated, capsys, data, detail):
    wav = isolated / "x.wav"
    wav.write_bytes(data)
    code, _, err = run(capsys, "listen", "--wav", str(wav))
    assert code == 2 and "not a WAV file (" in err and "()" not in err
    assert f"({detail})" in err or "(file does not start with RIFF id)" in err


def test_a_long_say_is_refused_in_one_short_line(isolated, capsys):
    code, _, err = run(capsys, "say", "word " * 1000, "--out", str(isolated / "x.wav"))
    assert code == 2 and err == "voicecoach: TEXT is 4999 characters; say at most 1000 at a time\n"


def test_render_messages_quote_a_long_line_shortly():
    from voicecoach.speak.render import short

    assert short("a" * 5000) == repr("a" * 60 + "...") and short("Hinge.") == "'Hinge.'"


def test_a_script_with_a_utf8_bom_is_read(isolated, capsys):
    script = isolated / "s.txt"
    script.write_bytes("\ufeff3 next\n".encode("utf-8"))
    code, out, err = run(capsys, "simulate", "--drill", "glute_bridge", "--script", str(script))
    assert code == 0, err
    assert "USER: next -> next" in out


def test_read_only_history_can_be_viewed(isolated, capsys, small_disk):
    db = make_history(small_disk / "h.db")
    with read_only(small_disk):
        for argv in (["history"], ["progress"], ["export", "--csv", "-"]):
            code, out, err = run(capsys, *argv, "--db", str(db))
            assert code == 0 and out and err == "", (argv, err)
        assert out.count("\n") == 10  # a header and nine sets


def test_a_full_disk_is_called_a_full_disk(small_disk):
    from voicecoach.history.store import explain

    filler = fill(small_disk)
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"
    assert str(explain(error, small_disk / "h.db")).endswith("cannot grow: the disk is full")
    filler.unlink()
    assert "disk I/O error" in str(explain(error, small_disk / "h.db"))


def test_a_db_on_a_full_disk_keeps_its_records_until_there_is_room(small_disk, capsys):
    """A full disk mid-session: the records wait and are written once space is freed (D4's queue)."""
    from history_driver import CRASH_PLAN, FakeClock, session_records
    from voicecoach.history import open_recorder

    db = small_disk / "h.db"
    recorder = open_recorder(db, now=FakeClock())
    records = list(session_records(CRASH_PLAN))
    for kind, data in records[:9]:
        recorder.record(kind, data)
    filler = fill(small_disk)
    for kind, data in records[9:]:
        recorder.record(kind, data)
    assert recorder.pending and "the disk is full" in recorder.message
    filler.unlink()
    recorder.close()
    assert history_rows(db) == (1, 9, ["ok"])
    assert "the disk is full" in capsys.readouterr().err


# ---- security ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/m.zip", "/tmp/m.zip"])
def test_model_download_only_over_http_or_https(isolated, capsys, url):
    code, _, err = run(capsys, "model", "download", "--url", url, "--dest", str(isolated / "m"), "--quiet")
    assert code == 2 and "give an https:// address" in err
    assert not (isolated / "m").exists()


def test_the_speech_cache_is_private_even_with_umask_000(tmp_path):
    from voicecoach.speak.render import RenderWorker, VoiceSpec

    old = os.umask(0)
    try:
        rendered = RenderWorker(VoiceSpec(rate=170), tmp_path / "speech").render("Stand tall.")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "speech").stat().st_mode) == 0o700
    assert stat.S_IMODE(rendered.path.stat().st_mode) == 0o600
