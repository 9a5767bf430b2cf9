"""The soak: simulated sessions back to back through the real listening path, faster than real time.

Each session's commands are spoken by espeak-ng (two voices, in turn), put between stretches of
quiet noise, and fed chunk by chunk to the real recognizer (Vosk when a model is found, else
PocketSphinx) and decider, exactly as ``voicecoach listen --wav`` does. The commands heard drive
the real coach on a virtual clock (:func:`voicecoach.coach.simulate.simulate`) with the real
history recorder on one database, planned from that history as ``practice`` plans it. This goes
on until ``minutes`` of audio have been heard.

:func:`run_soak` reports the process's resident memory, open file descriptors and threads after
the first session and at the end (they should stay flat), and every warning or error line that
was logged or printed. ``python -m voicecoach.bench --soak MINUTES`` runs it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

RATE = 16000
CHUNK = 800  # samples: 50 ms, a microphone block
GAP_S = 1.6  # quiet between two commands
VOICES = ("en-us", "en-us+f3")
# What a person who answers every prompt at once says in one session (cf. tests/practice_driver.py).
SESSION = ["next"] * 13 + ["ready", "done", "yes", "next"] * 3 + ["next", "next"]


def process_figures() -> dict:
    """Resident memory (MB), open file descriptors and threads of this process, now."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
            "fds": len(list(Path("/proc/self/fd").iterdir())), "threads": int(status["Threads"])}


def _clips() -> dict[tuple[str, str], np.ndarray]:
    from voicecoach.bench.synth import espeak

    return {(phrase, voice): np.clip(espeak(phrase, voice) * 32767, -32768, 32767).astype(np.int16)
            for phrase in dict.fromkeys(SESSION) for voice in VOICES}


def _session_audio(clips, voice: str, rng: np.random.Generator) -> Iterator[bytes]:
    """One session's audio: quiet noise, a command, quiet noise, the next command..."""
    for phrase in SESSION:
        gap = rng.normal(0, 4, int(GAP_S * RATE)).astype(np.int16)  # a quiet room, about -78 dBFS
        audio = np.concatenate([gap, clips[(phrase, voice)]])
        for start in range(0, len(audio), CHUNK):
            yield audio[start:start + CHUNK].tobytes()
    tail = np.zeros(RATE, np.int16)
    yield from (tail[i:i + CHUNK].tobytes() for i in range(0, len(tail), CHUNK))


class _Lines(logging.Handler):
    """Collects every WARNING-or-worse log line."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname.lower()}: {record.getMessage()}")


def run_soak(minutes: float, say: Callable[[str], None] = print) -> dict:
    """Soak for `minutes` of audio; returns the figures (see the module docstring). `say` gets progress lines."""
    from voicecoach.coach.commands import Command, load_vocabulary
    from voicecoach.coach.script import ScriptLine
    from voicecoach.coach.simulate import simulate
    from voicecoach.history import open_recorder, plan_today
    from voicecoach.listen.listener import Listener, make_recognizer
    from voicecoach.program.load import load_library
    from voicecoach.settings import load_settings

    settings = load_settings(config_path=Path("/nonexistent/voicecoach-soak.toml"), environ={})
    vocabulary = load_vocabulary("en")
    library = load_library(include_user=False)
    errors = _Lines()
    logging.getLogger().addHandler(errors)
    printed = io.StringIO()
    rng = np.random.default_rng(15)
    say(f"soak: {minutes:g} minutes of audio, sessions back to back")
    clips = _clips()
    folder = Path(tempfile.mkdtemp(prefix="voicecoach-soak-"))
    recognizer = None
    figures: dict = {"minutes": minutes, "sessions": 0, "commands_said": 0, "commands_heard": 0, "samples": []}
    started = time.perf_counter()
    audio_s = 0.0
    try:
        with contextlib.redirect_stderr(printed):
            recognizer = make_recognizer(settings.listen, "en", vocabulary.grammar(), notice=lambda line: printed.write(line + "\n"))
            figures["engine"] = getattr(recognizer, "engine", type(recognizer).__name__)
            while audio_s < minutes * 60:
                session = figures["sessions"]
                heard: list[ScriptLine] = []
                listener = Listener(recognizer, vocabulary, settings.listen,
                                    emit=lambda d: heard.append(ScriptLine(d.at, d.text or d.command, len(heard) + 1)))
                listener.decider.set_commands(frozenset(Command))  # a person may say any command at any time
                listener.run(_session_audio(clips, VOICES[session % len(VOICES)], rng))
                audio_s += listener.audio_time
                recorder = open_recorder(folder / "history.sqlite3")
                try:
                    plan = plan_today(library, recorder.store)
                    simulate(library, plan, settings, heard, recorder=recorder)
                finally:
                    recorder.close()
                figures["sessions"] += 1
                figures["commands_said"] += len(SESSION)
                figures["commands_heard"] += len(heard)
                now = process_figures()
                if session == 0:
                    figures["start"] = now  # after the first session: models loaded, caches warm
                if session % 10 == 0:
                    figures["samples"].append({"session": session + 1, "audio_min": round(audio_s / 60, 1), **now})
                    say(f"soak: session {session + 1}, {audio_s / 60:.1f} min of audio, {now['rss_mb']} MB, "
                        f"{now['fds']} fds, {now['threads']} threads")
    finally:
        logging.getLogger().removeHandler(errors)
        close = getattr(recognizer, "close", None)
        if close:
            close()
    wall = time.perf_counter() - started
    figures["end"] = process_figures()
    figures["audio_s"] = round(audio_s, 1)
    figures["wall_s"] = round(wall, 1)
    figures["faster_than_real_time"] = round(audio_s / wall, 1) if wall else None
    figures["threads_alive"] = sorted(t.name for t in threading.enumerate())
    figures["errors"] = errors.lines + [line for line in printed.getvalue().splitlines() if line.strip()]
    return figures


def summary(figures: dict) -> str:
    """The soak in a few lines, for the console and the closing note."""
    start, end = figures.get("start", {}), figures.get("end", {})
    lines = [f"soak: {figures['sessions']} sessions, {figures['audio_s'] / 60:.1f} min of audio in {figures['wall_s']:.0f} s "
             f"({figures['faster_than_real_time']}x real time, {figures.get('engine', '?')})",
             f"  commands heard {figures['commands_heard']} of {figures['commands_said']} said",
             f"  RSS {start.get('rss_mb')} -> {end.get('rss_mb')} MB; fds {start.get('fds')} -> {end.get('fds')}; "
             f"threads {start.get('threads')} -> {end.get('threads')}",
             f"  error or warning lines: {len(figures['errors'])}"]
    lines += [f"    {line}" for line in figures["errors"][:10]]
    return "\n".join(lines)
