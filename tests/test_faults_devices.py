"""Issue 15, devices: the speaker and microphone coming back, and the test PulseAudio daemon never outliving pytest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from coach_helpers import coach_in, says
from voicecoach.coach.lines import line
from voicecoach.events import DeviceChanged
from voicecoach.listen.capture import MicrophoneCapture

TESTS = Path(__file__).resolve().parent


# ---- the speaker comes back: said, and the pause prompt carries on ----------------------------------


def test_the_coach_says_the_speaker_is_back_at_the_pause_prompt():
    coach = coach_in("set")
    coach.handle(DeviceChanged("output", False, "stream ended"))
    assert coach.state == "paused"
    back = says(coach.handle(DeviceChanged("output", True)))
    assert [s.text for s in back] == [line("pause.output_back")]  # the old coach stayed silently paused
    assert "Say resume" in back[0].text and coach.state == "paused"
    assert says(coach_in("welcome").handle(DeviceChanged("output", True))) == []  # not paused: nothing to say


# ---- the microphone comes back: "back" only after audio has flowed ----------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FlakyStream:
    active = True


def test_a_microphone_that_comes_and_goes_is_announced_lost_once_and_back_once():
    """A suspended microphone reopens and then sends nothing, again and again: the old capture said
    "I can hear you again" at every reopen (five times in 30 s)."""
    clock, said = Clock(), []
    capture = MicrophoneCapture(on_device=lambda ok, detail: said.append(ok), retry_s=1.0, silence_timeout_s=4.0,
                                back_after_s=5.0, clock=clock)
    capture._stream = FlakyStream()
    capture._reopen = lambda: True  # the device opens at once (a suspended source does)
    chunks = iter(capture)
    block = b"\1\0" * 800

    def feed(at: float, blocks: int = 0) -> None:
        clock.now = at
        for _ in range(blocks):
            capture._queue.put((block, 0.0))  # (block, its ADC time), as the callback queues them
        for _ in range(max(blocks, 1)):
            next(chunks)

    feed(0.0, 1)
    for cycle in range(5):  # lost, reopened, a moment of audio, silent again
        start = 5.0 + cycle * 10
        feed(start)  # nothing for > 4 s: lost
        feed(start + 1.5)  # reopened
        feed(start + 2.0, 2)  # half a second of audio, then nothing
    assert said == [False]
    feed(60.0)
    feed(61.5)  # reopened
    for t in range(62, 69):  # audio flows for good
        feed(float(t), 1)
    assert said == [False, True]
    capture.close()


# ---- the PulseAudio fixture stops its daemon however the test process ends -------------------------

OWNER = """
import sys
sys.path.insert(0, sys.argv[1])
from audio_devices import start_private_server
server = start_private_server()
print(server.runtime_dir, server.daemon_pid, server.watchdog.pid, flush=True)
sys.stdin.read()
"""


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True
        time.sleep(0.05)  # waiting for another process to exit: no event to wait on
    return False


def test_the_test_pulseaudio_daemon_dies_with_a_killed_pytest():
    for how in (signal.SIGKILL, signal.SIGINT):
        owner = subprocess.Popen([sys.executable, "-c", OWNER, str(TESTS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True, env={k: v for k, v in os.environ.items() if k != "PULSE_SERVER"})
        runtime, daemon, watchdog = owner.stdout.readline().split()
        assert not _gone(int(daemon), 0.0)
        owner.send_signal(how)
        owner.wait(timeout=10)
        assert _gone(int(daemon), 15.0), f"daemon {daemon} outlived its owner ({how.name})"
        assert _gone(int(watchdog), 15.0)
        subprocess.run(["rm", "-rf", runtime], check=True)
