"""Issue 21, part 2: downloads, native noise and exit codes. URLs with spaces or control characters,
broken servers and redirect loops, a junk Vosk model, `say --out` on the longest line, names too
long and devices that are not there: one line each, the documented exit code.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from cli_helpers import isolated_env
from fault_helpers import isolated  # noqa: F401 - a fixture
from input_helpers import DEADLINE_S, PROPERTIES, run_captured, silent_wav


# ---- model download --url (items 12 and 16) -------------------------------------------------------------------

class RawServer:
    """A loopback server that answers every request with the same raw bytes (a broken web server)."""

    def __init__(self, answer: bytes):
        import socket
        import threading

        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/model.zip"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(self.answer.replace(b"{url}", self.url.encode()))

    def close(self) -> None:
        self.sock.close()


ANSWERS = {
    "bad status line": b"HTTP/1.1 abc nonsense\r\n\r\n",
    "not http at all": b"SSH-2.0-OpenSSH_9.6\r\n",
    "a redirect loop": b"HTTP/1.1 302 Found\r\nLocation: {url}\r\nContent-Length: 0\r\n\r\n",
    "a broken header": b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nabc",
}


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_a_broken_server_is_one_line(isolated, capsys, answer):
    server = RawServer(ANSWERS[answer])
    try:
        code, out, err = run_captured(capsys, "model", "download", "--quiet", "--url", server.url, "--dest", str(isolated / "m"))
    finally:
        server.close()
    errors = [line for line in err.splitlines() if "plain http" not in line]
    assert code == 1 and len(errors) == 1 and errors[0].startswith("voicecoach: download "), err
    assert not list((isolated / "m").glob("*/")), "no model folder from a refused download"


BAD_URLS = ["http://[::1", "http://[::1]:port/x.zip", "https://exa mple.com/m.zip", "https://example.com/m.zip\r\nX: y",
            "https://example.com/\nm.zip", "https://example.com/\tm.zip", "https:///m.zip", "ftp://example.com/m.zip",
            "https://example.com/\x00.zip", "https://example.com/\x7f.zip"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_that_is_not_a_web_address_is_one_line_exit_2(isolated, capsys, url):
    dest = isolated / "m"
    code, out, err = run_captured(capsys, "model", "download", "--quiet", "--url", url, "--dest", str(dest))
    assert code == 2 and err.count("\n") == 1 and err.startswith("voicecoach: --url "), err
    assert not dest.exists()


@PROPERTIES
@given(url=st.builds(lambda head, junk, tail: head + junk + tail, st.sampled_from(["http://", "https://", "https://h/", ""]),
                     st.text(st.characters(max_codepoint=0x10ffff), max_size=6),
                     st.sampled_from(["", "/m.zip", "]", "[", ":x", "\r\n"])))
def test_any_url_passes_the_check_only_without_spaces_or_control_characters(isolated, capsys, url):
    from voicecoach.errors import UserError
    from voicecoach.listen import model

    try:
        model.check_url(url)
    except UserError as error:
        assert error.exit_code == 2 and "\n" not in str(error) and "\r" not in str(error)
        return
    assert not any(ch.isspace() or not ch.isprintable() for ch in url)

# ---- one line, not Vosk's own (item 16) -----------------------------------------------------------------------




@pytest.mark.parametrize("command", [("model", "check"), ("listen", "--engine", "vosk", "--wav", "{wav}", "--model")])
def test_a_junk_vosk_model_is_our_one_line_without_vosks_native_error(isolated, capfd, command):
    from voicecoach.cli import main

    wav = silent_wav(isolated / "quiet.wav")
    command = tuple(str(wav) if part == "{wav}" else part for part in command)
    junk = isolated / "junk"
    (junk / "am").mkdir(parents=True)
    (junk / "am" / "final.mdl").write_bytes(b"junk")
    code = main([*command, str(junk)])
    err = capfd.readouterr().err
    assert code in (1, 2) and err.count("\n") == 1 and err.startswith("voicecoach: "), err
    assert "ERROR (VoskAPI" not in err

# ---- exit codes (item 18) -------------------------------------------------------------------------------

LONG = "n" * 300  # longer than any file system's NAME_MAX


@pytest.mark.parametrize("argv", [
    ("simulate", "--drill", "wall_hinge", "--db", LONG), ("history", "--db", LONG), ("progress", "--db", LONG),
    ("export", "--csv", "-", "--db", LONG), ("export", "--csv", f"{LONG}.csv"), ("say", "hi", "--out", f"{LONG}.wav"),
    ("diagram", "--out", f"{LONG}.svg"), ("history", "--plot", f"{LONG}.png"),
], ids=lambda argv: " ".join(a if a != LONG else "LONG" for a in argv)[:40])
def test_a_file_name_that_is_too_long_is_exit_2_in_one_line(isolated, capsys, monkeypatch, argv):
    monkeypatch.chdir(isolated)
    monkeypatch.setenv("VOICECOACH_VOICE_ENGINE", "none")
    code, _, err = run_captured(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "File name too long; give a shorter name" in err, err


def test_serve_sessions_0_is_exit_2(isolated, capsys):
    code, _, err = run_captured(capsys, "serve", "--sessions", "0")
    assert code == 2 and err == "voicecoach: --sessions 0: must be 1 or more\n"


@pytest.mark.parametrize("model", ["folder", "missing"])
def test_a_model_path_that_is_not_a_model_is_exit_2_like_a_file(isolated, capsys, model):
    path = isolated if model == "folder" else isolated / "nope"
    wav = silent_wav(isolated / "quiet.wav")
    code, _, err = run_captured(capsys, "listen", "--engine", "vosk", "--wav", str(wav), "--model", str(path))
    assert code == 2 and err.count("\n") == 1 and str(path) in err, err


def test_say_on_a_device_that_is_not_there_is_exit_2(pulse_server, tmp_path):
    from audio_devices import pulse_env

    env = pulse_env()
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "hi", "--device", "99"], env=env,
                          capture_output=True, text=True, timeout=DEADLINE_S)
    assert done.returncode == 2 and done.stderr == "voicecoach: no output device with index 99; see: voicecoach devices\n"

# ---- say --out plays nothing, whatever the line (item 16) -------------------------------------------------------

def test_say_out_with_the_longest_line_writes_it_and_plays_nothing(tmp_path):
    """A 1000-character "word": pyttsx3 used to hand back an empty file and then play the line
    through aplay itself (8 ALSA lines, exit 1); now the file is written and nothing is played."""
    from voicecoach.speak.wav import wav_duration

    out = tmp_path / "long.wav"
    env = isolated_env(tmp_path, PULSE_SERVER="unix:/nonexistent/native")  # no sound server: any playback would say so
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "x" * 1000, "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=DEADLINE_S * 2)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert wav_duration(out) > 5.0
