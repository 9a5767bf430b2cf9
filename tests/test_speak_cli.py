"""`voicecoach say` and `voicecoach devices`, run as the user runs them (a subprocess)."""

import json
import subprocess
import sys

import pytest

from audio_devices import pulse_env, without_sound_cards
from voicecoach.speak.wav import read_wav


def voicecoach(*args, env, timeout=60):
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], env=env, capture_output=True, text=True, timeout=timeout)


def voicecoach_without_audio(*args, env, runtime_dir, timeout=60):
    """`voicecoach ARGS` on a machine with no audio device at all (see without_sound_cards)."""
    argv, env = without_sound_cards([sys.executable, "-m", "voicecoach", *args], env, runtime_dir)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def isolated_env(tmp_path):
    """No config, a private cache dir, and no reachable sound server."""
    env = pulse_env()
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"), PULSE_SERVER="unix:/nonexistent/native")
    return env


def test_say_out_json_renders_then_hits_the_cache(isolated_env, tmp_path):
    out = tmp_path / "line.wav"
    first = voicecoach("say", "Hinge at the hips.", "--out", str(out), "--json", env=isolated_env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)  # stdout is exactly one JSON object: no "Audio saved to"
    assert set(report) == {"path", "cached", "render_ms", "duration_s"}
    assert report["path"] == str(out) and report["cached"] is False and report["render_ms"] > 0
    samples, rate = read_wav(out)
    assert samples.size / rate == pytest.approx(report["duration_s"], abs=0.01) and abs(samples).max() > 0.1
    second = json.loads(voicecoach("say", "Hinge at the hips.", "--out", str(out), "--json", env=isolated_env).stdout)
    assert second["cached"] is True and second["render_ms"] == 0
    faster = json.loads(voicecoach("say", "Hinge at the hips.", "--json", "--out", str(out), "--rate", "260", env=isolated_env).stdout)
    assert faster["cached"] is False and faster["duration_s"] < report["duration_s"]


def test_say_without_a_device_warns_and_prints_the_line(isolated_env, tmp_path):
    done = voicecoach_without_audio("say", "Stand tall.", env=isolated_env, runtime_dir=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "COACH: Stand tall.\n"
    assert done.stderr.strip() == "voicecoach: no audio output device found; text only"


def test_say_json_without_a_device_keeps_stdout_pure_json(isolated_env, tmp_path):
    done = voicecoach_without_audio("say", "Stand tall.", "--json", env=isolated_env, runtime_dir=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["cached"] is False
    assert "Stand tall." in done.stderr


def test_say_plays_through_the_virtual_speaker(virtual_speaker, tmp_path):
    env = pulse_env(sink=virtual_speaker.sink)
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    recording = virtual_speaker.record()
    done = voicecoach("say", "Drive the hips forward.", "--device", "pulse", "--json", env=env)
    recorded = recording.stop()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["duration_s"] > 0.5 and done.stderr == ""
    assert abs(recorded).max() > 0.1  # it was heard on the speaker


def test_empty_text_is_a_user_error(isolated_env):
    done = voicecoach("say", "   ", env=isolated_env)
    assert done.returncode == 2 and done.stderr == "voicecoach: nothing to say: TEXT is empty\n"


def test_devices_json_lists_pulse_with_defaults(pulse_server, tmp_path):
    done = voicecoach("devices", "--json", env=pulse_env())
    assert done.returncode == 0, done.stderr
    devices = json.loads(done.stdout)
    pulse = next(d for d in devices if d["name"] == "pulse")
    assert pulse["max_output_channels"] > 0 and pulse["max_input_channels"] > 0 and pulse["default_samplerate"] > 0
    assert sum(d["default_output"] for d in devices) == 1 and sum(d["default_input"] for d in devices) == 1
    table = voicecoach("devices", env=pulse_env()).stdout
    assert "pulse" in table and "default output" in table


def test_devices_without_any_device(isolated_env, tmp_path):
    done = voicecoach_without_audio("devices", env=isolated_env, runtime_dir=tmp_path)
    assert done.returncode == 0 and done.stdout == "no audio devices found\n"
    assert json.loads(voicecoach_without_audio("devices", "--json", env=isolated_env, runtime_dir=tmp_path).stdout) == []


def test_every_speak_command_has_help(isolated_env):
    for command in ("say", "devices"):
        done = voicecoach(command, "--help", env=isolated_env)
        assert done.returncode == 0 and "usage: voicecoach " + command in done.stdout
