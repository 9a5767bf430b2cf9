"""One whole `voicecoach serve` session driven by speech played into a virtual microphone.

Needs a running PulseAudio-compatible server (PipeWire's pipewire-pulse or PulseAudio; e.g. inside
``scripts/with-pipewire-audio.sh``), `pactl`, `paplay` and `espeak-ng`. It makes a virtual speaker
and a virtual microphone the server's defaults, starts ``voicecoach serve --sessions 1``, waits for
it to idle, plays "start workout" into the microphone, waits for the session to start listening,
then plays "stop" (and "yes", should the coach ask to confirm) until the session ends and serve
exits. Exit 0 only when serve woke on the start phrase, ran a session that the stop ended, and
exited 0. ``scripts/test-arm64.sh`` runs it inside the arm64 root.

    python scripts/drive-serve.py [--engine pocketsphinx] [--language en] [--timeout 600]
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PHRASES = {"en": ("start workout", "stop", "yes", "en-us"), "ko": ("운동 시작", "그만", "네", "ko")}


def pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], check=True, capture_output=True, text=True, timeout=30).stdout.strip()


def virtual_devices() -> tuple[str, list[str]]:
    """A speaker sink and a microphone source (a null sink's monitor, remapped), made the defaults;
    returns the sink that feeds the microphone and the module ids to unload."""
    modules = [pactl("load-module", "module-null-sink", "sink_name=vc_speaker", "sink_properties=device.description=vc_speaker"),
               pactl("load-module", "module-null-sink", "sink_name=vc_mic_feed", "rate=16000", "channels=1",
                     "sink_properties=device.description=vc_mic_feed"),
               pactl("load-module", "module-remap-source", "master=vc_mic_feed.monitor", "source_name=vc_mic", "channels=1",
                     "source_properties=device.description=vc_mic")]
    pactl("set-default-sink", "vc_speaker")
    pactl("set-default-source", "vc_mic")
    return "vc_mic_feed", modules


def render(text: str, voice: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True, timeout=60)
    return path


def main(argv: list[str] | None = None) -> int:
    """Drive one session; print what happened, with times; exit code as in the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--language", default="en", choices=sorted(PHRASES))
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole run")
    parser.add_argument("--voicecoach", default="voicecoach", help="the voicecoach command")
    args = parser.parse_args(argv)
    start_phrase, stop_phrase, yes_phrase, voice = PHRASES[args.language]
    started = time.monotonic()
    deadline = started + args.timeout

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    feed, modules = virtual_devices()
    work = Path(tempfile.mkdtemp(prefix="drive-serve-"))
    wavs = {name: render(text, voice, work / f"{name}.wav")
            for name, text in (("start", start_phrase), ("stop", stop_phrase), ("yes", yes_phrase))}
    env = dict(os.environ, XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"),
               XDG_CACHE_HOME=str(work / "cache"))
    serve = subprocess.Popen([args.voicecoach, "serve", "--sessions", "1", "--engine", args.engine, "--language", args.language],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []

    def read() -> None:
        for line in serve.stdout:
            lines.put(line.rstrip())
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()

    def wait_for(*needles: str, until: float) -> str | None:
        while time.monotonic() < until:
            try:
                line = lines.get(timeout=max(0.1, min(1.0, until - time.monotonic())))
            except queue.Empty:
                continue
            if line is None:
                return None
            log.append(line)
            say(f"serve: {line}")
            if any(n in line for n in needles):
                return line
        return None

    def play(name: str) -> None:
        say(f"playing {name!r} into the microphone")
        subprocess.run(["paplay", f"--device={feed}", str(wavs[name])], check=True, timeout=60, env=os.environ)

    ok = False
    try:
        if wait_for("idle: listening", until=deadline) is None:
            say("FAILED: serve never reached idle")
            return 1
        woke = None
        for _ in range(3):  # the first words may land before the recognizer is warm under emulation
            play("start")
            woke = wait_for("starting a session", until=min(deadline, time.monotonic() + 30))
            if woke:
                break
        if not woke:
            say("FAILED: serve did not wake on the start phrase")
            return 1
        if wait_for("listening on", until=deadline) is None:
            say("FAILED: the session never opened the microphone")
            return 1
        ended = None
        while ended is None and time.monotonic() < deadline:
            play("stop")
            got = wait_for("session ended", "unsure", until=min(deadline, time.monotonic() + 8))
            if got is not None and "unsure" in got:  # heard with borderline confidence: the coach asks
                wait_for("session ended", until=min(deadline, time.monotonic() + 4))  # while it asks
                play("yes")
                got = wait_for("session ended", until=min(deadline, time.monotonic() + 8))
            ended = got if got is not None and "session ended" in got else None
        if ended is None:
            say("FAILED: the session did not end on the stop phrase")
            return 1
        try:
            rc = serve.wait(timeout=max(5.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say("FAILED: serve did not exit after its one session")
            return 1
        while wait_for("\0", until=time.monotonic() + 0.5) is not None:
            pass
        ok = rc == 0
        say(f"serve exited {rc}: {'PASSED' if ok else 'FAILED'} ({ended.split(': ', 1)[-1]})")
        return 0 if ok else 1
    finally:
        if serve.poll() is None:
            serve.terminate()
            try:
                serve.wait(timeout=15)
            except subprocess.TimeoutExpired:
                serve.kill()
        for module in reversed(modules):
            subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=30)


if __name__ == "__main__":
    sys.exit(main())
