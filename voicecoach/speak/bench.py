"""Voice benchmark: `measure_voice(...) -> dict`, called by the `make bench` runner.

Figures (all milliseconds unless named otherwise):

* ``first_audio_cached_ms`` / ``first_audio_uncached_ms``: p50/p95 from ``Speaker.say()`` to the
  output callback first handing non-silent samples to PortAudio, for a cached line and for a
  line that must be rendered first.
* ``direct_pyttsx3_ms``: the same lines through pyttsx3's own ``say()`` + ``runAndWait()`` in a
  child process (it must not share our engine: trap 3): time from ``say()`` until the driver hands
  its WAV to ``aplay``, the estimated first audio (when aplay is installed), and how long
  ``runAndWait()`` blocks the caller.
* ``ratio_direct_to_cached`` / ``ratio_direct_to_uncached``: direct first audio p50 / ours p50
  (hand-off p50 when aplay is missing).
* ``render_per_cue_ms``: p50/p95/max render time of one line.
* ``library``: lines, total render seconds, cache size in bytes, for the given lines.
* ``stop_ms``: p50/p95 from ``stop()`` to the callback cutting the line, plus the stream's latency
  (what the device still holds after the cut). ``stream_underflows``: late callbacks seen.

Importing this module has no side effects.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_LINES = (
    "Feet hip width apart, soft knees.",
    "Push your hips back.",
    "Keep a long spine.",
    "Drive the hips forward and stand tall.",
    "Rest for sixty seconds.",
    "Next set.",
    "One.", "Two.", "Three.", "Four.", "Five.",
)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank), rounded to 0.1."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    ordered = sorted(values)
    rank = lambda q: ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]  # noqa: E731
    return {"p50": round(rank(0.50), 1), "p95": round(rank(0.95), 1), "n": len(ordered)}


def _first_audio_ms(speaker, events: queue.Queue, text: str) -> tuple[float, float]:
    """(say -> first non-silent sample out, stop -> cut) in ms; stops the line once it is heard."""
    from voicecoach.events import SpeechDone, SpeechStarted

    while not events.empty():
        events.get_nowait()
    said = time.perf_counter()
    utterance = speaker.say(text)
    while True:
        event = events.get(timeout=30)
        if isinstance(event, SpeechStarted) and event.utterance_id == utterance:
            break
    first = speaker.player.stats.first_sound_at.get(utterance)
    while first is None:  # the started note can precede the first loud block by a block or two
        event = events.get(timeout=30)
        first = speaker.player.stats.first_sound_at.get(utterance)
        if isinstance(event, SpeechDone):
            break
    cuts_before = len(speaker.player.stats.cut_delays_s)
    speaker.stop()
    while True:
        event = events.get(timeout=30)
        if isinstance(event, SpeechDone) and event.utterance_id == utterance:
            break
    cuts = speaker.player.stats.cut_delays_s[cuts_before:]
    return ((first or time.perf_counter()) - said) * 1000.0, (cuts[0] * 1000.0 if cuts else float("nan"))


DIRECT_SCRIPT = r"""
import json, os, shutil, sys, time, wave
import pyttsx3
from pyttsx3.drivers import espeak as driver
real_system, play = os.system, shutil.which("aplay") is not None
marks = []
def timed_system(command):  # the driver plays its temp WAV with os.system("aplay FILE -q")
    handed = time.perf_counter()
    with wave.open(command.split()[1]) as w:
        duration = w.getnframes() / w.getframerate()
    code = real_system(command) if play else 0
    marks.append((handed, time.perf_counter(), duration))
    return code
driver.os.system = timed_system
driver.print = lambda *a, **k: None
engine = pyttsx3.init()
engine.setProperty("rate", int(sys.argv[1]))
engine.say("warm up"); engine.runAndWait()
handoff, first_audio, total = [], [], []
for line in json.loads(sys.argv[2]):
    marks.clear()
    start = time.perf_counter()
    engine.say(line); engine.runAndWait()
    end = time.perf_counter()
    handed, played, duration = marks[0] if marks else (end, end, 0.0)
    handoff.append((handed - start) * 1000.0)
    first_audio.append((played - duration - start) * 1000.0)  # aplay ends = its first sample + length
    total.append((end - start) * 1000.0)
print(json.dumps({"played": play, "handoff": handoff, "first_audio": first_audio, "total": total}))
"""


def measure_direct_pyttsx3(lines: list[str], rate: int = 160) -> dict:
    """pyttsx3 say()/runAndWait() timings in a child process (see the module docstring).

    With ``aplay`` installed the lines really play (through the default ALSA device), and
    ``first_audio_est`` = when aplay finished minus the line's length; without it only the
    hand-off to the player is timed.
    """
    done = subprocess.run([sys.executable, "-c", DIRECT_SCRIPT, str(rate), json.dumps(lines)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"direct pyttsx3 run failed: {done.stderr.strip()[-300:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    result = {"played": data["played"], "to_player_handoff": percentiles(data["handoff"]), "run_and_wait": percentiles(data["total"])}
    if data["played"]:
        result["first_audio_est"] = percentiles(data["first_audio"])
    return result


def measure_library(lines: list[str], voice) -> dict:
    """Render every line into a fresh cache: count, total seconds, bytes, per-line render times."""
    from voicecoach.speak.render import RenderWorker, VoiceSpec

    with tempfile.TemporaryDirectory(prefix="vc-bench-cache-") as tmp:
        worker = RenderWorker(VoiceSpec.from_settings(voice), Path(tmp))
        started = time.perf_counter()
        rendered = [worker.render(line) for line in dict.fromkeys(lines)]
        total_s = time.perf_counter() - started
        size = worker.cache.size_bytes()
    per_cue = [r.render_ms for r in rendered]
    return {
        "lines": len(rendered),
        "render_s": round(total_s, 2),
        "cache_bytes": size,
        "audio_s": round(sum(r.duration_s for r in rendered), 1),
        "per_cue_ms": {**percentiles(per_cue), "max": round(max(per_cue), 1) if per_cue else float("nan")},
    }


def measure_voice(lines: list[str] | None = None, repeats: int = 20, voice=None, cache_dir: Path | None = None) -> dict:
    """All voice figures (see the module docstring). Needs an output device (e.g. a virtual sink).

    `lines`: the whole library's fixed lines (default: a few cues); `voice`: VoiceSettings.
    """
    from voicecoach.settings import VoiceSettings
    from voicecoach.speak.speaker import AudioSpeaker

    voice = voice or VoiceSettings()
    lines = list(lines or DEFAULT_LINES)
    sample = [lines[i % len(lines)] for i in range(repeats)]
    with tempfile.TemporaryDirectory(prefix="vc-bench-speech-") as tmp:
        events: queue.Queue = queue.Queue()
        speaker = AudioSpeaker(events, voice, cache_dir=cache_dir or Path(tmp), clock=time.perf_counter)
        try:
            speaker.prerender(sample, progress=False)
            cached, stops = zip(*(_first_audio_ms(speaker, events, line) for line in sample))
            fresh = [f"{line} Set {i + 1}." for i, line in enumerate(sample)]  # never cached
            uncached, more_stops = zip(*(_first_audio_ms(speaker, events, line) for line in fresh))
            latency_ms = round(float(getattr(speaker.player._stream, "latency", 0.0)) * 1000.0, 1)
            samplerate = speaker.player.samplerate
            underflows = speaker.player.stats.underflows
        finally:
            speaker.close()
    direct = measure_direct_pyttsx3(sample, voice.rate)
    cached_p, uncached_p = percentiles(list(cached)), percentiles(list(uncached))
    direct_p50 = direct.get("first_audio_est", direct["to_player_handoff"])["p50"]
    return {
        "first_audio_cached_ms": cached_p,
        "first_audio_uncached_ms": uncached_p,
        "direct_pyttsx3_ms": direct,
        "ratio_direct_to_cached": round(direct_p50 / cached_p["p50"], 1) if cached_p["p50"] else None,
        "ratio_direct_to_uncached": round(direct_p50 / uncached_p["p50"], 1) if uncached_p["p50"] else None,
        "stop_ms": {**percentiles([s for s in stops + more_stops if s == s]), "stream_latency_ms": latency_ms},
        "stream_samplerate": samplerate,
        "stream_underflows": underflows,
        "library": measure_library(lines, voice),
    }


if __name__ == "__main__":  # python -m voicecoach.speak.bench  (needs an output device)
    print(json.dumps(measure_voice(), indent=2))
