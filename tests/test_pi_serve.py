"""`voicecoach serve`: says its ready line, idles on the start phrases only, starts a session when
"start workout" is played into the (virtual) microphone, and returns to idle for the next one.
Real parts: PulseAudio virtual devices, espeak-ng through the audio speaker, PocketSphinx on the
piper "joe" voice. The session itself is a stand-in that records it was started."""

from __future__ import annotations

import math
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import isolated_env
from speech_audio import utterance_wav
from voicecoach.coach.commands import Command, load_vocabulary
from voicecoach.pi.hardware import microphone_opener, recognizer_maker
from voicecoach.pi.serve import Server
from voicecoach.settings import load_settings
from voicecoach.speak.speaker import AudioSpeaker, make_speaker

WAIT_S = 60.0


@pytest.fixture(scope="session")
def start_workout_wav(tmp_path_factory) -> Path:
    path, _ = utterance_wav(tmp_path_factory.mktemp("pi-serve-audio"), "start workout", voice="joe", lead_s=0.3, tail_s=1.0)
    return path


@pytest.fixture(scope="session")
def chatter_wav(tmp_path_factory) -> Path:
    path, _ = utterance_wav(tmp_path_factory.mktemp("pi-serve-audio"), "what a lovely day for a walk", voice="joe")
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def next_state(states: queue.Queue, wanted: str) -> None:
    got = states.get(timeout=WAIT_S)
    assert got == wanted, f"expected state {wanted!r}, got {got!r}"


def test_serve_wakes_on_start_workout_and_returns_to_idle(virtual_speaker, virtual_microphone, start_workout_wav,
                                                          chatter_wav, tmp_path):
    settings = load_settings(config_path=tmp_path / "none.toml", environ={},
                             flags={"listen.engine": "pocketsphinx", "coach.language": "en"})
    events: queue.Queue = queue.Queue()
    speaker = make_speaker(events, settings.voice, cache_dir=tmp_path / "speech")
    assert isinstance(speaker, AudioSpeaker)
    states: queue.Queue[str] = queue.Queue()
    sessions_started: queue.Queue[int] = queue.Queue()

    def session() -> str:
        sessions_started.put(1)
        return "completed"

    server = Server(settings, speaker, events, microphone_opener(settings), recognizer_maker(settings),
                    session, on_state=states.put)
    assert server.start_phrases == load_vocabulary("en").phrases_for(Command.START)
    recording = virtual_speaker.record()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(server.serve(sessions=2)), daemon=True)
    thread.start()
    try:
        next_state(states, "idle")
        ready = recording.stop()
        assert math.sqrt(float(np.mean(ready**2))) > 0.005, "the ready line was not heard on the speaker"
        assert speaker.player.paused, "idle: the output stream rests until the next line"

        virtual_microphone.play(chatter_wav)  # other speech does not start a session
        assert sessions_started.empty() and server.state == "idle"

        virtual_microphone.play(start_workout_wav)
        sessions_started.get(timeout=WAIT_S)
        next_state(states, "session")
        next_state(states, "idle")  # back to idle after the session, listening again

        virtual_microphone.play(start_workout_wav)
        sessions_started.get(timeout=WAIT_S)
        next_state(states, "session")
        next_state(states, "stopped")
        thread.join(timeout=WAIT_S)
        assert result == [2]
        # The first wake came after the chatter, not from it (audio time since idle began).
        assert [w.text for w in server.wakes] == ["start workout"] * 2
        assert server.wakes[0].at > wav_seconds(chatter_wav)
    finally:
        server.stop()
        thread.join(timeout=WAIT_S)
        speaker.close()


@pytest.fixture(scope="session")
def that_hurts_wav(tmp_path_factory) -> Path:
    path, _ = utterance_wav(tmp_path_factory.mktemp("pi-serve-audio"), "that hurts", voice="joe", lead_s=0.3, tail_s=1.0)
    return path


def test_serve_cli_runs_a_real_session_and_goes_back_to_idle(virtual_speaker, virtual_microphone, start_workout_wav,
                                                             that_hurts_wav, tmp_path):
    """The command the service runs: wake, a real coached session (ended by a pain report, the one
    command never gated), the history written, back to idle; SIGTERM ends it cleanly (status 130)."""
    env = isolated_env(tmp_path, PULSE_SINK=virtual_speaker.sink, PULSE_SOURCE=virtual_microphone.source,
                       VOICECOACH_COACH_SAFETY_TIMEOUT_S="1")
    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "serve", "--language", "en", "--engine", "pocketsphinx"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log_lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [log_lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    seen: list[str] = []

    def wait_for(text: str, timeout: float = WAIT_S) -> bool:
        while True:
            try:
                line = log_lines.get(timeout=timeout)
            except queue.Empty:
                if timeout < WAIT_S:
                    return False
                raise AssertionError(f"no log line with {text!r}; log so far: {''.join(seen)}") from None
            seen.append(line)
            if text in line:
                return True

    try:
        wait_for("idle: listening for 'start workout' / 'coach start'")
        virtual_microphone.play(start_workout_wav)
        wait_for("start heard")
        wait_for("listening on")  # the session's own microphone stream is open
        virtual_microphone.play(that_hurts_wav)  # once: a word that is missed is a failure
        wait_for("session ended: pain")
        wait_for("idle: listening for")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, "".join(seen)
    history = tmp_path / "data" / "voicecoach" / "history.sqlite3"
    db = sqlite3.connect(history)
    try:
        sessions = db.execute("select id, end_reason from sessions").fetchall()
        pains = db.execute("select session_id, phrase from pains").fetchall()
    finally:
        db.close()
    assert [reason for _, reason in sessions] == ["pain"], sessions
    assert [(session, "hurt" in phrase) for session, phrase in pains] == [(sessions[0][0], True)], pains  # heard as "that hurts" or "i hurt"


# ---- the loop's logic, with a scripted microphone and recognizer (pure) --------------------------


class ScriptedMicrophone:
    """Yields silent chunks; the recognizer below decides what was "said"."""

    device_name = "scripted"

    def __init__(self, chunks: int = 40):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        for _ in range(self.chunks):
            if self.closed:
                return
            yield b"\x00\x00" * 800

    def close(self) -> None:
        self.closed = True


class ScriptedRecognizer:
    """Hears `text` (final, confident) on the 5th chunk after each reset."""

    def __init__(self, text: str):
        self.text, self.fed = text, 0

    def accept(self, chunk: bytes):
        from voicecoach.events import Heard

        self.fed += 1
        return [Heard(self.text, 0.95, True, self.fed * 0.05)] if self.fed == 5 else []

    def reset(self) -> None:
        self.fed = 0

    def set_commands(self, phrases) -> None:
        """Fixed script."""


def scripted_server(tmp_path, run_session, microphones=None, text="start workout"):
    from voicecoach.speak.speaker import TextSpeaker

    settings = load_settings(config_path=tmp_path / "none.toml", environ={})
    events: queue.Queue = queue.Queue()
    spoken: list[str] = []

    class Recording(TextSpeaker):
        def say(self, line: str, kind: str = "info") -> int:
            spoken.append(line)
            return super().say(line, kind)

    speaker = Recording(events, out=open(os.devnull, "w"))
    opens = iter(microphones) if microphones is not None else None

    def open_microphone():
        if opens is None:
            return ScriptedMicrophone()
        item = next(opens)
        if isinstance(item, Exception):
            raise item
        return item

    server = Server(settings, speaker, events, open_microphone, lambda phrases: ScriptedRecognizer(text),
                    run_session, retry_s=0)
    return server, spoken


def test_a_session_that_fails_returns_to_idle_and_the_next_one_runs(tmp_path):
    from voicecoach.errors import UserError

    results = iter([UserError("no drills"), "completed"])

    def session():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    server, spoken = scripted_server(tmp_path, session)
    assert server.serve(sessions=2) == 2
    assert spoken[0].startswith("Coach ready. Say start workout")
    assert spoken[1].startswith("Say start workout when you want to train again")


def test_ctrl_c_or_sigterm_during_a_session_ends_serving(tmp_path):
    server, _ = scripted_server(tmp_path, lambda: "interrupted")
    with pytest.raises(KeyboardInterrupt):
        server.serve()
    assert len(server.wakes) == 1 and server.sessions == 0  # woke, and the loop did not go on


def test_other_commands_do_not_wake_it(tmp_path):
    started = []
    server, _ = scripted_server(tmp_path, lambda: started.append(1), microphones=[ScriptedMicrophone(), ScriptedMicrophone()],
                                text="next")
    with pytest.raises(StopIteration):  # both microphone streams ran out without a wake
        server.serve(sessions=1)
    assert started == []


def test_a_missing_microphone_is_said_once_and_waited_for(tmp_path):
    from voicecoach.listen.capture import NoMicrophone

    server, spoken = scripted_server(tmp_path, lambda: "completed",
                                     microphones=[NoMicrophone("no microphone found")] * 3 + [ScriptedMicrophone()])
    assert server.serve(sessions=1) == 1
    assert spoken.count("I can't find a microphone. Plug one in, or set the input device.") == 1


def test_a_served_session_gives_the_echo_canceller_the_coachs_own_samples(monkeypatch, tmp_path):
    """Wiring (issue 12): serve's live session hands the speaker's player to the listener, so the
    echo canceller has its reference on the Pi as in `practice`, and lets it go afterwards."""
    import voicecoach.listen.listener as listener_module
    import voicecoach.practice as practice_module
    from voicecoach.coach.clock import FakeClock
    from voicecoach.pi.serve import live_session

    class Player:
        tap = None

    class Speaker:
        player = Player()

    class Listening:
        stopped = False

        def stop(self):
            self.stopped = True

    given: dict = {}
    listening = Listening()

    def start_listening(*args, **kwargs):
        given.update(kwargs)
        Speaker.player.tap = lambda *block: None  # what start_listening does with a canceller
        return listening

    monkeypatch.setattr(listener_module, "start_listening", start_listening)
    monkeypatch.setattr(practice_module, "coached_session", lambda *args, **kwargs: "completed")
    settings = load_settings(config_path=tmp_path / "none.toml", environ={}, flags={"listen.echo_cancel": "webrtc"})
    assert live_session(settings, Speaker(), queue.Queue(), FakeClock()) == "completed"
    assert given["player"] is Speaker.player
    assert listening.stopped and Speaker.player.tap is None
