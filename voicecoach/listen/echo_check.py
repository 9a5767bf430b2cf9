"""Which echo canceller is in use, and how much of the coach's voice it removes (`voicecoach check`).

:func:`system_canceller` asks the sound server (``pactl list short modules`` / ``sources``)
whether PulseAudio's ``module-echo-cancel`` or PipeWire's ``libpipewire-module-echo-cancel`` is
loaded. :func:`measure_echo` speaks a line while recording the microphone through the front end
with the played samples as reference, and reports the echo return loss enhancement (ERLE, dB)
and whether half-duplex is the safer setting; the finding is spoken too.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import tomllib
from importlib import resources
import subprocess
import threading
from typing import Callable

from voicecoach.listen.frontend import AUDIBLE_DB, ERLE_FLOOR_DB, FrontEnd, FrontEndUnavailable
from voicecoach.settings import Settings

MODULES = ("module-echo-cancel", "libpipewire-module-echo-cancel")


def said() -> dict[str, str]:
    """The spoken lines of the echo check (``voicecoach/pi/lines.toml``, section ``[echo]``)."""
    return tomllib.loads(resources.files("voicecoach.pi").joinpath("lines.toml").read_text("utf-8"))["echo"]


def system_canceller(run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> str | None:
    """The sound server's echo-cancel module, if one is loaded (None: none, or no ``pactl``)."""
    if shutil.which("pactl") is None:
        return None
    for what in ("modules", "sources"):
        try:
            done = run(["pactl", "list", "short", what], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        for line in done.stdout.splitlines():
            for module in MODULES:
                if module in line:
                    return module
            if what == "sources" and "echo-cancel" in line.replace("_", "-"):
                return "echo-cancel source"
    return None


def _drain(capture, stop: threading.Event) -> threading.Thread:
    """Read the microphone (through its front end) in a thread until `stop` is set."""
    def run() -> None:
        for _ in capture:
            if stop.is_set():
                break

    thread = threading.Thread(target=run, name="echo-check", daemon=True)
    thread.start()
    return thread


def measure_echo(settings: Settings, speaker, say: Callable[[str], bool],
                 progress: Callable[[str], None] = print, find_system: Callable[[], str | None] = system_canceller) -> dict:
    """Speak the ``measure`` line and measure the echo; speak the finding; return it.

    ``{"canceller": "ours" | "system" | "none", "module": str | None, "erle_db": float | None,
    "echo_db": float | None (echo above the idle noise floor, before cancelling for ours),
    "half_duplex": bool (recommended)}``. Without a sound output (`speaker` has no player) or a
    microphone nothing is measured: ``erle_db`` and ``echo_db`` are None.
    """
    from voicecoach.errors import UserError
    from voicecoach.listen.capture import MicrophoneCapture
    from voicecoach.listen.reference import ReferenceTap

    module = find_system() if settings.listen.echo_cancel in ("auto", "system") else None
    kind = "system" if module else ("ours" if settings.listen.echo_cancel in ("auto", "webrtc") else "none")
    result = {"canceller": kind, "module": module, "erle_db": None, "echo_db": None, "half_duplex": False}
    lines = said()
    player = getattr(speaker, "player", None)
    if player is None:
        return result
    plain = dataclasses.replace(settings.listen, echo_cancel="off", noise_suppression="off")
    try:
        front_end = FrontEnd(dataclasses.replace(plain, echo_cancel="webrtc") if kind == "ours" else plain)
    except FrontEndUnavailable as error:
        progress(f"echo: {error}")
        front_end = FrontEnd(plain)
        result["canceller"] = kind = "none"
    tap = ReferenceTap()
    capture = MicrophoneCapture(settings.listen.input_device, front_end=front_end, reference=tap)
    try:
        capture.open()
    except UserError as error:
        progress(f"echo: {error}")
        return result
    stop = threading.Event()
    player.tap = tap.push
    try:
        thread = _drain(capture, stop)
        progress("measuring the echo...")
        say(lines["measure"])
    finally:
        player.tap = None
        stop.set()
        capture.close()
    thread.join(timeout=3)
    if not math.isnan(front_end.echo_dbfs):
        result["echo_db"] = round(front_end.echo_dbfs - front_end.idle_dbfs, 1)
    if kind == "ours" and not math.isnan(front_end.erle_db):
        result["erle_db"] = round(front_end.erle_db, 1)
    audible = result["echo_db"] is not None and result["echo_db"] >= AUDIBLE_DB
    if kind == "ours":
        result["half_duplex"] = audible and (result["erle_db"] is None or result["erle_db"] < ERLE_FLOOR_DB)
    else:
        result["half_duplex"] = audible
    for line in finding(result, lines):
        say(line)
    return result


def finding(result: dict, lines: dict[str, str]) -> list[str]:
    """What to say about a :func:`measure_echo` result (pure)."""
    out = []
    audible = result["echo_db"] is not None and result["echo_db"] >= AUDIBLE_DB
    if result["echo_db"] is not None and not audible:
        out.append(lines["inaudible"])
    elif result["canceller"] == "ours" and result["erle_db"] is not None:
        out.append(lines["ours"].format(db=round(result["erle_db"])))
    elif result["canceller"] == "system" and result["echo_db"] is not None:
        out.append(lines["system"].format(db=round(result["echo_db"])))
    elif result["canceller"] == "none":
        out.append(lines["none"])
    if result["half_duplex"]:
        out.append(lines["half"])
    return out
