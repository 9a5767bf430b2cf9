"""`voicecoach say` and `voicecoach devices`: thin commands over :mod:`voicecoach.speak`."""

from __future__ import annotations

import argparse
import json
import queue
import shutil
import sys
from pathlib import Path

from voicecoach.errors import UserError

MAX_TEXT_CHARS = 1000  # one `say` line; a longer text is split by the caller
PLAY_MARGIN_S = 10.0  # how long past a line's length `say` waits for it to finish playing


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `say` and `devices`."""
    p = subparsers.add_parser("say", help="speak one line (or render it to a WAV file)",
                              description="Speak one line through the output device, or render it to a WAV file with --out. "
                                          "Lines are cached; a second call with the same voice settings costs nothing.")
    p.add_argument("text", metavar="TEXT", help="what to say")
    p.add_argument("--out", type=Path, metavar="FILE.wav", help="write the speech to this WAV file instead of playing it")
    p.add_argument("--json", action="store_true", help='print {"path", "cached", "render_ms", "duration_s"} as one JSON object')
    p.add_argument("--rate", dest="voice.rate", type=int, metavar="WPM", help="speaking rate in words per minute")
    p.add_argument("--voice", dest="voice.voice", metavar="VOICE", help="voice id or name substring")
    p.add_argument("--volume", dest="voice.volume", type=float, metavar="0..1", help="speech volume")
    p.add_argument("--device", dest="voice.output_device", metavar="DEVICE", help="output device index or name substring")
    p.set_defaults(func=run_say)

    d = subparsers.add_parser("devices", help="list audio input and output devices",
                              description="List audio devices with index, name, channels, default sample rate and which are the defaults.")
    d.add_argument("--json", action="store_true", help="print a JSON list, one object per device")
    d.set_defaults(func=run_devices)


def run_say(args: argparse.Namespace, settings) -> int:
    """Render a line; play it unless --out is given; optionally report as JSON."""
    from voicecoach.speak.render import RenderWorker, VoiceSpec
    from voicecoach.speak.speaker import default_cache_dir, make_speaker

    from voicecoach.outfile import check_not_protected, database_files, write_output
    from voicecoach.settings import db_path

    text = checked_text(args.text)
    if args.out is not None:
        check_not_protected(args.out, database_files(db_path(settings)))
    voice = settings.voice
    if args.out is None and voice.output_device:
        from voicecoach.speak.devices import NoDeviceError, choose_device

        try:
            choose_device(voice.output_device, "output")
        except NoDeviceError as error:
            if error.exit_code == 2:  # devices there, but not the one named: exit 2, not text only
                raise
    rendered = RenderWorker(VoiceSpec.from_settings(voice), default_cache_dir()).render(text)
    path = rendered.path
    if args.out is not None:
        write_output(args.out, lambda temp: shutil.copyfile(rendered.path, temp), database_files(db_path(settings)))
        path = args.out
    else:
        events: queue.Queue = queue.Queue()
        speaker = make_speaker(events, voice, text_out=sys.stderr if args.json else None)
        try:
            _speak_and_wait(speaker, events, text, rendered.duration_s + PLAY_MARGIN_S)
        finally:
            speaker.close()
    if args.json:
        report = {"path": str(path), "cached": rendered.cached, "render_ms": round(rendered.render_ms, 1), "duration_s": round(rendered.duration_s, 3)}
        print(json.dumps(report))
    return 0


def checked_text(raw: str) -> str:
    """The line to say, stripped; a UserError (exit 2) when it is empty, too long, or not UTF-8."""
    text = raw.strip()
    if not text:
        raise UserError("nothing to say: TEXT is empty", exit_code=2)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as surrogates (PEP 383)
        raise UserError("TEXT is not UTF-8 text; check your terminal's encoding (locale)", exit_code=2) from None
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(f"TEXT is {len(text)} characters; say at most {MAX_TEXT_CHARS} at a time", exit_code=2)
    return text


def _speak_and_wait(speaker, events: queue.Queue, text: str, timeout_s: float) -> None:
    """Say a line and wait for its SpeechDone (bounded)."""
    from voicecoach.events import SpeechDone

    utterance = speaker.say(text)
    while True:
        try:
            event = events.get(timeout=timeout_s)
        except queue.Empty:
            speaker.stop()
            raise UserError("the audio device did not finish playing") from None
        if isinstance(event, SpeechDone) and event.utterance_id == utterance:
            return


def run_devices(args: argparse.Namespace, settings) -> int:
    """Print the device list."""
    from voicecoach.speak.devices import list_devices

    try:
        devices = list_devices()
    except OSError as error:
        raise UserError(f"cannot list audio devices ({error})") from None
    if args.json:
        print(json.dumps([d.as_dict() for d in devices], indent=2))
        return 0
    if not devices:
        print("no audio devices found")
        return 0
    print(f"{'':2}{'index':>5}  {'in':>3} {'out':>3}  {'rate':>6}  name")
    for d in devices:
        mark = ("<" if d.default_input else " ") + (">" if d.default_output else " ")
        print(f"{mark}{d.index:>5}  {d.max_input_channels:>3} {d.max_output_channels:>3}  {d.default_samplerate:>6.0f}  {d.name} ({d.hostapi})")
    print("< default input, > default output")
    return 0
