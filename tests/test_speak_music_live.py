"""The coach's own music on PulseAudio virtual devices, through the real `practice` path.

`practise()` plays the coach's voice and the music of a folder (tests/data/groove.ogg, looped) into
a virtual speaker; PulseAudio's module-loopback plays the speaker's monitor into the virtual
microphone (60 ms), so the microphone hears the coach and its music (the music about 20 dB below
the person's voice; 14 dB below, on a loaded test machine, it was heard in 3 runs of 5:
docs/listening.md, "The coach's music"). In a quiet moment between the coach's lines, with the music playing, the
person says "music off" into the microphone (again, up to five times, as a person does when
not heard): the listener must hear it (the music is cancelled because the player hands it to the
canceller as reference) and the coach must obey (the music stops; the command is in the history).
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from speech_audio import utterance_wav
from voicecoach.events import CommandHeard, SpeechDone, SpeechStarted
from voicecoach.history.store import open_readonly
from voicecoach.practice import practise
from voicecoach.settings import (
    CoachSettings, ListenSettings, MusicSettings, Settings, StoreSettings, VoiceSettings,
)

DATA = __import__("pathlib").Path(__file__).parent / "data"
QUIET_S = 3.0  # no coach line for this long after one ended: the coach waits (a 30 s step pause)
TRIES = 5  # a person says it again when the coach does not react


class WatchedQueue(queue.Queue):
    """The session's queue, with every event also handed to the test (in the putting thread)."""

    def __init__(self):
        super().__init__()
        self.seen: list = []
        self.changed = threading.Condition()

    def put(self, item, block=True, timeout=None):
        super().put(item, block, timeout)
        with self.changed:
            self.seen.append(item)
            self.changed.notify_all()

    def wait_for(self, test, start: int, timeout: float):
        """The first event from index `start` on that passes `test`, or None after `timeout`."""
        found = []

        def look() -> bool:
            found[:] = [e for e in self.seen[start:] if test(e)]
            return bool(found)

        with self.changed:
            self.changed.wait_for(look, timeout)
        return found[0] if found else None


def quiet_moment(events: WatchedQueue, start: int) -> int:
    """Wait for the coach to finish a line and stay quiet for QUIET_S; the event index then."""
    for _ in range(20):
        done = events.wait_for(lambda e: isinstance(e, SpeechDone), start, timeout=60)
        assert done is not None, f"the coach said nothing: {events.seen[start:]}"
        start = events.seen.index(done) + 1
        if events.wait_for(lambda e: isinstance(e, SpeechStarted), start, timeout=QUIET_S) is None:
            return len(events.seen)
    raise AssertionError("the coach never paused between its lines")


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def test_a_command_said_over_the_coachs_own_music_is_heard_and_obeyed(
        pulse_server, virtual_speaker, virtual_microphone, tmp_path, monkeypatch):
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    music = tmp_path / "music"
    music.mkdir()
    (music / "groove.ogg").write_bytes((DATA / "groove.ogg").read_bytes())
    db = tmp_path / "history.sqlite3"
    settings = Settings(
        coach=CoachSettings(count_in_s=0, step_pause_s=30),  # long quiet moments between the set-up steps
        voice=VoiceSettings(output_device="pulse", rate=220),
        listen=ListenSettings(engine="pocketsphinx", input_device="pulse"),
        music=MusicSettings(folder=str(music), volume=0.5),  # about 20 dB below the person at the microphone
        store=StoreSettings(db=str(db)))
    said, _ = utterance_wav(tmp_path, "music off", "joe")
    loopback = pulse_server.pactl("load-module", "module-loopback", f"source={virtual_speaker.monitor}",
                                  f"sink={virtual_microphone.feed_sink}", "latency_msec=60")
    events = WatchedQueue()
    keyboard_read, keyboard = __import__("os").pipe()
    result: list[str] = []
    recording = virtual_speaker.record(rate=16000)
    session = threading.Thread(target=lambda: result.append(practise(
        settings, drill_id="dowel_hinge", resume=False, stdin=open(keyboard_read), events=events)), daemon=True)
    session.start()
    try:
        # the welcome and the first set-up steps, then a long step pause: the coach is quiet, the music plays
        start, heard = 0, None
        for _ in range(TRIES):
            before = quiet_moment(events, start)
            virtual_microphone.play(said)
            heard = events.wait_for(lambda e: isinstance(e, CommandHeard) and e.command == "music_off", before, timeout=5)
            if heard is not None:
                break
            start = len(events.seen)
        assert heard is not None, f"nothing heard over the music in {TRIES} tries: {events.seen}"
        assert heard.command == "music_off" and heard.source in ("partial", "final"), heard
        # obeyed: once the coach is quiet again ("Music off." said), the speaker is silent: no music
        quiet_moment(events, events.seen.index(heard))
        played = recording.stop()
    finally:
        __import__("os").write(keyboard, b"stop\n")
        session.join(timeout=60)
        pulse_server.pactl("unload-module", loopback)
    assert result, "the session did not end"
    tail = played[-int(1.5 * 16000):]  # the end of a quiet moment after "Music off.", before "stop"
    music_level = rms(played[int(0.1 * played.size): int(0.2 * played.size)])
    assert music_level > 0.01, "the music never played"
    assert rms(tail) < music_level * 10 ** (-30 / 20), (rms(tail), music_level)
    commands = [(c["command"], c["source"]) for c in open_readonly(db).commands()]
    assert ("music_off", heard.source) in commands, commands
