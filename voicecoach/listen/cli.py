"""Subcommands of the listen area: `voicecoach listen` and `voicecoach model download|path|check`."""

from __future__ import annotations

import argparse
import json
import math
import sys

from voicecoach.errors import UserError, notice


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to the `voicecoach` parser."""
    p = subparsers.add_parser("listen", help="print the commands heard (from a WAV file or the microphone)",
                              description="Recognize commands and print each decision with the audio time it was "
                                          "decided at. With --wav the file is replayed in audio time, as fast as the "
                                          "CPU allows; without it, the microphone is used until Ctrl-C.")
    p.add_argument("--wav", metavar="FILE", help="WAV file to replay instead of the microphone (PCM or float, any rate and channels)")
    p.add_argument("--engine", dest="listen.engine", choices=["auto", "vosk", "pocketsphinx"],
                   help="recognizer (default: auto = Vosk if a model is found, else PocketSphinx)")
    p.add_argument("--model", dest="listen.model", metavar="PATH", help="Vosk model folder")
    p.add_argument("--language", dest="coach.language", choices=["en", "ko"], help="command vocabulary")
    p.add_argument("--device", dest="listen.input_device", metavar="DEVICE", help="input device index or name substring")
    p.add_argument("--json", action="store_true", help="one JSON object per line: t, command, text, confidence, source")
    p.set_defaults(func=run_listen)

    m = subparsers.add_parser("model", help="download, locate or check the speech model",
                              description="Manage the Vosk speech model.")
    actions = m.add_subparsers(dest="model_action", metavar="ACTION", required=True)
    d = actions.add_parser("download", help="fetch the small English Vosk model (41 MB) into the data dir",
                           description="Download vosk-model-small-en-us-0.15 over HTTPS, resuming a broken download, "
                                       "verify its size and SHA-256, and unpack it into the data dir.")
    d.add_argument("--url", help="download from a mirror instead (same file)")
    d.add_argument("--dest", metavar="DIR", help="install into DIR instead of the data dir")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=run_model_download)
    pa = actions.add_parser("path", help="print the model that would be used, and where it was looked for",
                            description="Lookup order: --model, VOICECOACH_MODEL, models/ in the checkout, the data dir.")
    pa.add_argument("--model", dest="listen.model", metavar="PATH", help="Vosk model folder")
    pa.add_argument("--language", dest="coach.language", choices=["en", "ko"], help="command vocabulary")
    pa.set_defaults(func=run_model_path)
    c = actions.add_parser("check", help="load a model and report coverage of the command words",
                           description="Load the model (PATH, or the one `model path` finds) and check every command "
                                       "word against its vocabulary; exits 1 if any is missing.")
    c.add_argument("path", nargs="?", metavar="PATH", help="model folder (default: the one found)")
    c.add_argument("--language", dest="coach.language", choices=["en", "ko"], help="command vocabulary")
    c.set_defaults(func=run_model_check)


def _format(decision, as_json: bool) -> str:
    confidence = None if math.isnan(decision.confidence) else decision.confidence
    source = getattr(decision, "source", "unsure")
    if as_json:
        record = {"t": round(decision.at, 3), "command": decision.command, "text": decision.text,
                  "confidence": confidence, "source": source if source in ("partial", "final") else "final"}
        if source not in ("partial", "final"):
            record["unsure"] = True
        return json.dumps(record, ensure_ascii=False)
    shown = "?" if confidence is None else f"{confidence:.2f}"
    mark = " (unsure: would ask first)" if source == "unsure" else ""
    return f"{decision.at:7.2f} s  {decision.command:<12} {decision.text!r} {source} conf {shown}{mark}"


def run_listen(args: argparse.Namespace, settings) -> int:
    """`voicecoach listen`."""
    from voicecoach.coach.commands import load_vocabulary
    from voicecoach.listen.listener import Listener, make_recognizer

    language = settings.coach.language
    vocabulary = load_vocabulary(language)
    if args.wav:
        from voicecoach.listen.wavsource import WavSource

        source = WavSource(args.wav)  # check the file before loading a model
    recognizer = make_recognizer(settings.listen, language, vocabulary.grammar(), notice)
    if recognizer is None:
        raise UserError("the listen engine is set to 'keyboard'; choose --engine auto, vosk or pocketsphinx")
    listener = Listener(recognizer, vocabulary, settings.listen,
                        emit=lambda d: print(_format(d, args.json), flush=True))
    if args.wav:
        listener.run(source)
        return 0
    from voicecoach.listen.capture import MicrophoneCapture

    capture = MicrophoneCapture(settings.listen.input_device,
                                on_device=lambda ok, detail: notice("microphone back" if ok else f"microphone lost: {detail}"))
    capture.open()
    notice(f"listening on {capture.device_name}; say a command, Ctrl-C to stop")
    try:
        listener.run(capture)
    finally:
        capture.close()
    return 0


def run_model_download(args: argparse.Namespace, settings) -> int:
    """`voicecoach model download`."""
    from pathlib import Path

    from voicecoach.listen import model

    path = model.download(url=args.url or model.MODEL_URL, dest=Path(args.dest) if args.dest else None,
                          progress=not args.quiet)
    print(path)
    return 0


def run_model_path(args: argparse.Namespace, settings) -> int:
    """`voicecoach model path`: the model found, then every place looked at (on stderr)."""
    from voicecoach.listen import model

    language = settings.coach.language
    for where, path in model.candidates(settings.listen.model, language):
        print(f"  {where}: {path or '-'}", file=sys.stderr)
    found = model.find_model(settings.listen.model, language)
    if found is None:
        notice(f"no Vosk model found; {model.missing_model_message(language)}")
        return 1
    print(found)
    return 0


def run_model_check(args: argparse.Namespace, settings) -> int:
    """`voicecoach model check [PATH]`."""
    from voicecoach.listen import model

    language = settings.coach.language
    path = model.find_model(args.path or settings.listen.model, language)
    if path is None:
        raise UserError(f"no Vosk model found; {model.missing_model_message(language)}")
    report = model.check_model(path, language)
    print(f"model: {report.path}")
    print(f"command words ({language}): {report.words - len(report.missing)} of {report.words} in the vocabulary "
          f"({report.coverage:.0%})")
    print(f"unknown word: {report.unknown_word or 'none (out-of-grammar speech cannot be rejected)'}")
    if report.missing:
        print("missing (cannot be heard): " + ", ".join(report.missing))
        return 1
    return 0
