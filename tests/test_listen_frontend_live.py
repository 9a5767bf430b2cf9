"""The echo canceller on PulseAudio virtual devices, wired as a live session wires it.

The coach's player plays into a virtual speaker. A relay records the speaker's monitor, passes
it through 60 ms of delay and a room's impulse response (RT60 0.3 s) and plays it into the
virtual microphone, so the microphone hears the coach's echo. The real session wiring
(``start_listening`` with the player, the default settings) must converge (full barge-in
switched on) and act on nothing the coach says. (How much it cancels here swings from 4 to
60 dB between runs of the same audio: issue 12.) Hearing a person's word
said over the coach is measured in the synthetic room (test_listen_frontend.py) and in the
session bench; on these devices it held only about half the time (issue 12 is open for it).
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading

import numpy as np
import pytest
import soxr

from speech_audio import espeak, impulse_response
from voicecoach.coach.commands import Command
from voicecoach.events import CommandHeard, CommandUnsure, NotUnderstood
from voicecoach.listen.listener import start_listening
from voicecoach.settings import ListenSettings
from voicecoach.speak.player import Player

RATE = 16000
SETTINGS = ListenSettings(engine="pocketsphinx")  # the defaults: echo_cancel, barge_in and vad "auto"


class RoomRelay:
    """Speaker monitor -> delay + impulse response -> microphone, in 10 ms blocks (parec | pacat)."""

    def __init__(self, server, monitor: str, feed_sink: str, ir: np.ndarray, gain: float):
        env = dict(os.environ, PULSE_SERVER=server.address)
        fmt = ["--format=s16le", f"--rate={RATE}", "--channels=1", "--raw", "--latency-msec=10"]
        self.recorder = subprocess.Popen(["parec", f"--device={monitor}", *fmt], stdout=subprocess.PIPE, env=env)
        self.player = subprocess.Popen(["pacat", "--playback", f"--device={feed_sink}", *fmt], stdin=subprocess.PIPE, env=env)
        self.ir, self.gain = ir, gain
        self.thread = threading.Thread(target=self._run, name="room-relay", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tail = np.zeros(self.ir.size - 1)  # overlap-add
        while True:
            raw = self.recorder.stdout.read(320)
            if not raw:
                return
            block = np.frombuffer(raw[: len(raw) // 2 * 2], np.int16).astype(np.float64)
            wet = np.convolve(block, self.ir)
            wet[: tail.size] += tail
            out, tail = wet[: block.size], wet[block.size:]
            try:
                self.player.stdin.write(np.clip(out * self.gain, -32768, 32767).astype(np.int16).tobytes())
                self.player.stdin.flush()
            except (BrokenPipeError, ValueError):
                return

    def close(self) -> None:
        self.recorder.terminate()
        self.recorder.wait(timeout=5)
        try:
            self.player.stdin.close()
        except BrokenPipeError:
            pass
        self.player.terminate()
        self.player.wait(timeout=5)
        self.thread.join(timeout=5)


def test_the_canceller_converges_on_real_devices_and_the_coachs_echo_acts_on_nothing(pulse_server, virtual_speaker, virtual_microphone):
    relay = RoomRelay(pulse_server, virtual_speaker.monitor, virtual_microphone.feed_sink,
                      impulse_response(0.3, 0.4, 0.06, seed=1), gain=1.0)
    events: queue.Queue = queue.Queue()
    notices: list[str] = []
    started = threading.Event()
    player = Player(lambda kind, tag, at, interrupted: started.set() if kind == "started" else None)
    listener = None
    try:
        listener = start_listening(SETTINGS, "en", events, commands=frozenset({Command.REPEAT}),
                                   notice=notices.append, player=player)
        assert listener is not None, notices
        listener.keep_results = True
        assert listener.audio_started.wait(timeout=10), "the virtual microphone sent no audio"
        capture = listener._source
        full, pause = threading.Event(), threading.Event()
        gate_update = capture.on_cleaned
        seen = {"active": 0, "quiet": 0}

        def watch() -> None:  # runs after each cleaned chunk, in the listening thread
            gate_update()
            front_end = capture.front_end
            if listener.decider.settings.barge_in == "full" and not full.is_set():
                seen["converged_at"] = events.qsize()  # events are put in this thread too
                full.set()
            quiet = front_end.active_frames == seen["active"]
            seen["quiet"] = seen["quiet"] + 1 if quiet else 0
            if full.is_set() and seen["quiet"] >= 6:
                pause.set()  # 0.3 s without the coach's voice: the pause in its line, not a comma
            seen["active"] = front_end.active_frames

        capture.on_cleaned = watch
        first = espeak("Stand tall with your feet under your hips, push your hips back, and keep a long spine.", "en-gb")
        second = espeak("Soft knees, weight in your heels, and stand up tall. One. Two. Three. Four.", "en-gb")
        line = np.concatenate([first, np.zeros(int(2.0 * RATE), np.int16), second]).astype(np.float32) / 32768 * 0.7
        line = soxr.resample(line, RATE, player.samplerate).astype(np.float32)
        listener.set_speaking(True)  # the coach's line: half-duplex would hear only stop/pause/pain now
        player.enqueue(line, 1)
        assert started.wait(timeout=10)
        assert full.wait(timeout=first.size / RATE + 5), f"the canceller did not converge: {notices}"
        assert pause.wait(timeout=first.size / RATE + 5), "the coach's pause never reached the microphone"
        before = list(events.queue)
        # The coach's own voice acts on nothing: no command, no "Stop the workout?" question and no
        # "say that again" once the canceller has converged. (Before that the listener is
        # half-duplex, where PocketSphinx, which has no confidences, can still turn the coach's echo
        # into a "stop?" question: that old path is not what is tested here; a command never.)
        assert not [e for e in before if isinstance(e, CommandHeard)], before
        converged = before[seen["converged_at"]:]
        assert not [e for e in converged if isinstance(e, (CommandHeard, CommandUnsure, NotUnderstood))], converged
        # (A "repeat" said in the
        # line's pause was heard only about half the time here: ERLE 50-60 dB, PocketSphinx
        # "[unk]"; issue 12 is open for that, and the synthetic-room test in
        # test_listen_frontend.py measures it. It is not asserted on real devices.)
        assert capture.front_end.active_frames > 0 and notices == []
    finally:
        if listener is not None:
            listener.stop()
        player.close()
        relay.close()
