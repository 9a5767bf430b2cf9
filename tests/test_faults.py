"""Issue 15's fault list as regression tests: no history lost (D1-D4), no traceback or hang (T1-T9, H1).

Each test names the point it keeps fixed. D4 (a database locked mid-session) is in
tests/test_history_store.py; process-level faults are in tests/test_faults_process.py; the
"unclear or wrong behaviour" list in tests/test_faults_messages.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli_helpers import isolated_env
from fault_helpers import fill, files_in, history_rows, isolated, make_history, run, small_disk, wav_header  # noqa: F401
from voicecoach.history import open_recorder
from voicecoach.history.lease import SessionBusy

# ---- D1, D2: an output path is never the history ------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_d1_export_csv_onto_the_database_is_refused(isolated, capsys, suffix):
    db = make_history(isolated / "h.db")
    before = history_rows(db)
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", f"{db}{suffix}")
    assert code == 2 and err.count("\n") == 1
    assert "is the history database" in err and "choose another output file" in err
    assert history_rows(db) == before == (1, 9, ["ok"])  # the old code replaced the database with a CSV


def test_d2_history_plot_onto_the_database_is_refused(isolated, capsys):
    db = make_history(isolated / "h.db")
    code, _, err = run(capsys, "history", "--db", str(db), "--plot", str(db))
    assert code == 2 and "is the history database" in err
    assert history_rows(db) == (1, 9, ["ok"])


def test_d1_the_same_file_through_another_name_is_refused_too(isolated, capsys):
    db = make_history(isolated / "h.db")
    (isolated / "link.csv").symlink_to(db)
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(isolated / "sub" / ".." / "link.csv"))
    assert code == 2 and "is the history database" in err
    assert history_rows(db) == (1, 9, ["ok"])


def test_say_out_onto_the_database_is_refused(isolated, capsys, monkeypatch):
    db = make_history(isolated / "h.db")
    monkeypatch.setenv("VOICECOACH_DB", str(db))
    code, _, err = run(capsys, "say", "Hello.", "--out", str(db))
    assert code == 2 and "is the history database" in err
    assert history_rows(db) == (1, 9, ["ok"])


def test_d1_outputs_on_a_full_disk_leave_no_empty_or_stray_file(isolated, capsys, small_disk):
    db = make_history(isolated / "h.db")
    old = small_disk / "x.csv"
    old.write_text("the export from last week\n")
    fill(small_disk)
    before = files_in(small_disk)
    for argv in (["export", "--db", str(db), "--csv", str(old)],
                 ["export", "--db", str(db), "--csv", str(small_disk / "new.csv")],
                 ["history", "--db", str(db), "--plot", str(small_disk / "p.png")],
                 ["diagram", "--out", str(small_disk / "coach.svg")]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "the disk is full" in err and err.count("\n") == 1, (argv, err)
    assert files_in(small_disk) == before  # no 0-byte x.csv / p.png, no stray file from `diagram`
    assert old.read_text() == "the export from last week\n"


# ---- D3: one live session per database ------------------------------------------------------------


def test_d3_a_second_recorder_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "h.db"
    first = open_recorder(db)
    with pytest.raises(SessionBusy, match=rf"another voicecoach session \(process {os.getpid()}\) is using the history database"):
        open_recorder(db)
    first.close()
    open_recorder(db).close()  # free again once the first is done


def test_d3_a_killed_session_does_not_keep_the_lease(tmp_path):
    db = tmp_path / "h.db"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from voicecoach.history import open_recorder; "
                               "r = open_recorder(sys.argv[1]); print('held', flush=True); sys.stdin.read()", str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(SessionBusy):
        open_recorder(db)
    holder.kill()
    holder.wait(timeout=10)
    open_recorder(db).close()  # the kernel dropped the lock with the process


# ---- T1-T7, H1: one line, exit 2 ------------------------------------------------------------------


def test_t1_config_that_is_not_utf8(isolated, capsys):
    config = isolated / "config.toml"
    config.write_bytes("[voice]\nvoice = 'Jos\u00e9'\n".encode("latin-1"))
    code, _, err = run(capsys, "--config", str(config), "drills")
    assert code == 2 and err == f"voicecoach: {config}: not UTF-8 text (byte 20); save it as UTF-8\n"


T2_CASES = [("file", "tempo_scale", "nan"), ("env", "tempo_scale", "NaN"), ("flag", "tempo_scale", "nan"),
            ("file", "rest_scale", "nan"), ("env", "rest_scale", "nan"), ("env", "rest_scale", "inf"),
            ("file", "count_in_s", "inf"), ("flag", "count_in_s", "-inf")]
FLAGS = {"tempo_scale": "--tempo-scale", "count_in_s": "--count-in"}


@pytest.mark.parametrize("where,key,value", T2_CASES)
def test_t2_nan_and_inf_are_refused_wherever_they_come_from(isolated, capsys, monkeypatch, where, key, value):
    argv = ["simulate", "--drill", "glute_bridge"]
    if where == "file":
        (isolated / "c.toml").write_text(f"[coach]\n{key} = {value}\n")
        argv = ["--config", str(isolated / "c.toml"), *argv]
    elif where == "env":
        monkeypatch.setenv(f"VOICECOACH_COACH_{key.upper()}", value)
    else:
        argv += [f"{FLAGS[key]}={value}"]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1  # the old code: IndexError in simulate
    assert f"coach.{key} = " in err and "is not allowed; expected a number from" in err


def test_h1_practice_with_nan_tempo_ends_at_once(tmp_path):
    done = subprocess.run([sys.executable, "-m", "voicecoach", "practice", "--text", "--tempo-scale", "nan",
                           "--db", str(tmp_path / "h.db")], input="", capture_output=True, text=True, timeout=30,
                          env=isolated_env(tmp_path, VOICECOACH_VOICE_ENGINE="none"))
    assert done.returncode == 2 and "Traceback" not in done.stderr  # the old code spun at "One." for ever
    assert "option --tempo-scale: coach.tempo_scale = nan is not allowed" in done.stderr
    assert not (tmp_path / "h.db").exists()


def test_t3_listen_wav_on_a_folder(isolated, capsys):
    code, _, err = run(capsys, "listen", "--wav", str(isolated))
    assert code == 2 and err == f"voicecoach: {isolated}: is a folder; give a WAV file\n"


def test_t4_a_wav_that_cannot_be_read(isolated, capsys):
    loop = isolated / "loop.wav"
    loop.symlink_to(loop)  # root reads any file; a symlink loop cannot be opened by anyone
    code, _, err = run(capsys, "listen", "--wav", str(loop))
    assert code == 2 and err.startswith(f"voicecoach: {loop}: cannot be read (") and err.count("\n") == 1


def test_t5_a_wav_header_with_sample_rate_zero(isolated, capsys):
    wav = isolated / "zero.wav"
    wav.write_bytes(wav_header(0, frames=100))
    code, _, err = run(capsys, "listen", "--wav", str(wav))
    assert code == 2 and "broken WAV header (1 channels, sample rate 0 Hz)" in err and err.count("\n") == 1


def test_t6_say_text_that_is_not_utf8(isolated, capsys):
    text = b"caf\xe9".decode("utf-8", "surrogateescape")  # what Python makes of a Latin-1 argv
    code, _, err = run(capsys, "say", text, "--out", str(isolated / "x.wav"))
    assert code == 2 and "TEXT is not UTF-8 text" in err
    assert not (isolated / "x.wav").exists()


@pytest.mark.parametrize("argv", [["practice", "--text", "--rate", "0"], ["say", "Hi.", "--rate", "30"],
                                  ["say", "Hi.", "--rate", "5000"]])
def test_t7_a_voice_rate_out_of_range(isolated, capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "voice.rate" in err and "from 80 to 450 words per minute" in err


@pytest.mark.parametrize("rate", [80, 450])
def test_t7_the_ends_of_the_rate_range_render(tmp_path, rate):
    from voicecoach.speak.render import RenderWorker, VoiceSpec

    rendered = RenderWorker(VoiceSpec(rate=rate), tmp_path).render("Hinge at the hips and keep a long spine.")
    assert rendered.duration_s > 0.5  # verify_render accepted it: the old range let 30 and 5000 through to a RenderError


# ---- T8, T9: a speech cache on a full disk --------------------------------------------------------


def test_t8_a_full_speech_cache_renders_without_it_and_says_so_once(small_disk, capsys):
    from voicecoach.speak.render import RenderWorker, VoiceSpec

    cache = small_disk / "speech"
    cache.mkdir()
    filler = fill(small_disk)
    worker = RenderWorker(VoiceSpec(rate=170), cache)
    first = worker.render("Hinge at the hips.")
    second = worker.render("Keep a long spine.")
    assert not worker.cache_ok and first.duration_s > 0.3 and second.duration_s > 0.3
    assert cache not in first.path.parents and first.path.exists()
    err = capsys.readouterr().err
    assert err.count("voicecoach: the speech cache") == 1 and "is full; speaking without it" in err
    assert list(cache.iterdir()) == []  # nothing half-written left in the cache
    filler.unlink()
