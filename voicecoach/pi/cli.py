"""`voicecoach serve` (the Raspberry Pi service) and `voicecoach check` (set-up by ear)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys


def _device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input-device", dest="listen.input_device", metavar="DEVICE",
                   help="microphone: index or name substring (see `voicecoach devices`)")
    p.add_argument("--output-device", dest="voice.output_device", metavar="DEVICE",
                   help="speaker: index or name substring")
    p.add_argument("--language", dest="coach.language", choices=["en", "ko"], help="command vocabulary")
    p.add_argument("--engine", dest="listen.engine", choices=["auto", "vosk", "pocketsphinx"],
                   help="recognizer (default: auto = Vosk if a model is found, else PocketSphinx)")
    p.add_argument("--model", dest="listen.model", metavar="PATH", help="Vosk model folder")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `serve` and `check` to the `voicecoach` parser."""
    s = subparsers.add_parser(
        "serve", help="wait for \"start workout\", coach a session, wait again (what the Pi service runs)",
        description="Say one ready line, then listen for the start phrase only (\"start workout\", \"coach start\"). "
                    "When it is heard, coach a whole session by voice, then go back to waiting. Runs until stopped "
                    "(or --sessions N). Logs one line per event on stderr (the journal, under systemd).")
    _device_options(s)
    s.add_argument("--sessions", type=int, metavar="N", help="stop after N sessions (default: run until stopped)")
    s.add_argument("--music", dest="music.folder", metavar="DIR",
                   help="play the music in this folder during each session, ducked under the coach")
    s.set_defaults(func=run_serve)

    c = subparsers.add_parser(
        "check", help="set-up by ear: test the speaker and the microphone, say what to fix",
        description="Speak a test line, measure the microphone's noise floor for two seconds, ask you to say "
                    "\"next\" and report whether it was heard and how confidently, then say what to fix (volume, "
                    "device, distance). Everything is spoken, so no screen is needed. Exits 0 when all is well.")
    _device_options(c)
    c.add_argument("--json", action="store_true",
                   help='print {"output_ok", "input_device", "noise_floor_dbfs", "speech_level_dbfs", "heard", '
                        '"confidence"} as one JSON object')
    c.set_defaults(func=run_check)


def run_check(args: argparse.Namespace, settings) -> int:
    """`voicecoach check`."""
    from voicecoach.pi.check import run_check as check

    report = check(settings)
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        def show(value, unit=""):
            return "-" if value is None else f"{value}{unit}"

        print(f"speaker:      {'played' if report.output_ok else 'NOT played'}")
        print(f"microphone:   {show(report.input_device)}")
        print(f"noise floor:  {show(report.noise_floor_dbfs, ' dBFS')}")
        print(f"speech level: {show(report.speech_level_dbfs, ' dBFS')}")
        print(f"heard next:   {'yes' if report.heard else 'no'} (confidence {show(report.confidence)})")
        for line in report.advice:
            print(f"-> {line}")
    return 0 if report.ok else 1


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run_serve(args: argparse.Namespace, settings) -> int:
    """`voicecoach serve`."""
    from voicecoach.errors import UserError
    from voicecoach.pi.serve import serve

    if args.sessions is not None and args.sessions < 1:
        raise UserError(f"--sessions {args.sessions}: must be 1 or more", exit_code=2)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)  # one line per state change is too chatty
    # systemd stops a service with SIGTERM: end like Ctrl-C (devices closed, exit 130).
    signal.signal(signal.SIGTERM, _interrupt)
    sessions = serve(settings, sessions=args.sessions)
    logging.getLogger("voicecoach.pi.serve").info("served %d session(s); exiting", sessions)
    return 0
