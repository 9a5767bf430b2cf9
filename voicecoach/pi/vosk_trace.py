"""Step-by-step trace of what Vosk computes on one WAV, to compare two machines (x86-64 and arm64).

``python -m voicecoach.pi.vosk_trace WAV [--language ko] [--model PATH] [--log-level 1]`` prints
one JSON object: a SHA-256 of the exact 16 kHz PCM fed in (the two machines must agree on it, or
the comparison says nothing), Vosk's partial result after every 50 ms chunk, the final results
with word confidences, the best alternatives with their scores, free dictation without a grammar
(which tells a broken acoustic computation from a grammar problem) and, from the model folder,
what the model says it is. ``scripts/test-arm64.sh`` runs it on both sides on the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path


def _decode(model, pcm: bytes, grammar: list[str] | None, chunk: int = 1600) -> dict:
    """Feed `pcm` in chunks; every partial that changed, finals (with words) and the last alternatives."""
    import vosk

    rec = vosk.KaldiRecognizer(model, 16000, json.dumps(grammar, ensure_ascii=False)) if grammar else vosk.KaldiRecognizer(model, 16000)
    rec.SetWords(True)
    partials, finals = [], []
    last = None
    for start in range(0, len(pcm), chunk * 2):
        block = pcm[start:start + chunk * 2]
        if rec.AcceptWaveform(block):
            finals.append(json.loads(rec.Result()))
        else:
            text = json.loads(rec.PartialResult()).get("partial", "")
            if text != last:
                partials.append({"at_s": round(start / 32000, 2), "partial": text})
                last = text
    finals.append(json.loads(rec.FinalResult()))
    finals = [f for f in finals if f.get("text")]
    for f in finals:
        for word in f.get("result", []):
            word["conf"] = round(word["conf"], 4)
    return {"partials": partials, "finals": finals}


def _alternatives(model, pcm: bytes, grammar: list[str] | None, n: int = 3) -> list:
    import vosk

    rec = vosk.KaldiRecognizer(model, 16000, json.dumps(grammar, ensure_ascii=False)) if grammar else vosk.KaldiRecognizer(model, 16000)
    rec.SetMaxAlternatives(n)
    rec.AcceptWaveform(pcm)
    result = json.loads(rec.FinalResult())
    return [{"text": a.get("text", ""), "confidence": round(a.get("confidence", 0.0), 3)} for a in result.get("alternatives", [])]


def trace(wav: Path, language: str, model_path: Path | None, log_level: int) -> dict:
    """Everything :mod:`voicecoach.pi.vosk_trace` prints, as a dict."""
    import numpy as np
    import vosk

    from voicecoach.coach.commands import Command, load_vocabulary
    from voicecoach.listen.model import find_model
    from voicecoach.listen.vosk_engine import unknown_word
    from voicecoach.listen.wavsource import read_wav

    vosk.SetLogLevel(log_level)
    path = model_path or find_model("", language)
    if path is None:
        raise SystemExit(f"vosk_trace: no Vosk model for {language!r}")
    model = vosk.Model(str(path))
    samples = read_wav(wav)
    pcm = np.asarray(samples, dtype=np.int16).tobytes()
    vocabulary = load_vocabulary(language)
    phrases = list(vocabulary.phrases_for(Command.START))
    grammar = phrases + [w for w in [unknown_word(model)] if w]
    conf = Path(path) / "conf" / "mfcc.conf"
    return {
        "machine": platform.machine(),
        "vosk": getattr(vosk, "__version__", "?"),
        "model": str(path),
        "mfcc_conf": conf.read_text().split() if conf.exists() else None,
        "pcm_sha256": hashlib.sha256(pcm).hexdigest(),
        "pcm_seconds": round(len(pcm) / 32000, 3),
        "pcm_peak": int(np.max(np.abs(np.frombuffer(pcm, np.int16)))) if pcm else 0,
        "grammar": grammar,
        "with_grammar": _decode(model, pcm, grammar),
        "alternatives_with_grammar": _alternatives(model, pcm, grammar),
        "free_dictation": _decode(model, pcm, None)["finals"],
    }


def differences(a: dict, b: dict) -> list[str]:
    """Where two traces (of the same WAV on two machines) disagree, step by step; [] = same result.

    Word confidences and alternative scores may differ in the last digits (floating-point order
    differs between x86-64 and arm64); a difference of more than 0.01 in a confidence or 1 % in a
    score counts."""
    out = []
    if a["pcm_sha256"] != b["pcm_sha256"]:
        out.append(f"input PCM differs ({a['machine']} {a['pcm_sha256'][:12]}, {b['machine']} {b['pcm_sha256'][:12]}): "
                   "resampling rounds differently; the recognizer input is not bit-identical")
    pa = [(p["at_s"], p["partial"]) for p in a["with_grammar"]["partials"]]
    pb = [(p["at_s"], p["partial"]) for p in b["with_grammar"]["partials"]]
    if pa != pb:
        out.append(f"partials differ: {pa} vs {pb}")
    fa, fb = a["with_grammar"]["finals"], b["with_grammar"]["finals"]
    if [f["text"] for f in fa] != [f["text"] for f in fb]:
        out.append(f"finals differ: {[f['text'] for f in fa]} vs {[f['text'] for f in fb]}")
    else:
        for x, y in zip(fa, fb):
            for wx, wy in zip(x.get("result", []), y.get("result", [])):
                if abs(wx["conf"] - wy["conf"]) > 0.01:
                    out.append(f"confidence of {wx['word']!r} differs: {wx['conf']} vs {wy['conf']}")
    for x, y in zip(a["alternatives_with_grammar"], b["alternatives_with_grammar"]):
        if x["text"] != y["text"] or abs(x["confidence"] - y["confidence"]) > 0.01 * max(1.0, abs(x["confidence"])):
            out.append(f"alternative differs: {x} vs {y}")
    if [f["text"] for f in a["free_dictation"]] != [f["text"] for f in b["free_dictation"]]:
        out.append(f"free dictation differs: {[f['text'] for f in a['free_dictation']]} vs {[f['text'] for f in b['free_dictation']]}")
    return out


def compare(paths: list[Path]) -> int:
    """Print how the traces in `paths` differ from the first; 0 if the results agree."""
    traces = [json.loads(p.read_text()) for p in paths]
    status = 0
    for path, other in zip(paths[1:], traces[1:]):
        found = differences(traces[0], other)
        serious = [d for d in found if not d.startswith("input PCM")]
        print(f"{paths[0].name} vs {path.name}: " + ("; ".join(found) if found else "identical"))
        status |= bool(serious)
    return status


def main(argv: list[str] | None = None) -> int:
    """Print the trace of one WAV file as JSON (or, with --compare, how traces differ)."""
    parser = argparse.ArgumentParser(prog="python -m voicecoach.pi.vosk_trace", description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs="+", type=Path, metavar="TRACE", help="compare trace files (JSON) instead")
    parser.add_argument("wav", type=Path, nargs="?")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--log-level", type=int, default=-1, help="vosk.SetLogLevel (1 = Kaldi's verbose log on stderr)")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args.compare)
    if args.wav is None:
        parser.error("give a WAV file (or --compare TRACE...)")
    json.dump(trace(args.wav, args.language, args.model, args.log_level), sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
