"""Measure the listening front end (echo cancellation, noise suppression, voice activity) in a simulated room.

Not part of the test suite: the figures in docs/listening.md ("The front end") come from here.
Needs pyroomacoustics (``.venv/bin/pip install pyroomacoustics``) for the room's impulse responses.

    .venv/bin/python scripts/measure_frontend.py [--quick]

The coach's lines (espeak-ng) play through a loudspeaker in a 4 x 5 x 2.7 m room (RT60 0.3 s);
the microphone hears their echo as loud as a person (piper "joe") saying commands, some over
the coach and some between its lines. The front end gets the microphone and the exact played
samples. Reported: ERLE per second, CPU per second of audio, how much quieter a word said over the
coach gets, the voice detectors' recall on those words, and whether PocketSphinx hears them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from speech_audio import espeak, piper_joe  # noqa: E402

from voicecoach.listen import vad as vads  # noqa: E402
from voicecoach.listen.frontend import FrontEnd  # noqa: E402
from voicecoach.settings import ListenSettings  # noqa: E402

RATE = 16000
COACH_LINES = [
    "Stand tall, feet under your hips.", "Push your hips back, long spine.", "One.", "Two.",
    "Soft knees, weight in your heels.", "Three.", "Squeeze your glutes and stand up.", "Four.",
    "Keep the bar close to your legs.", "Five.", "Breathe out at the top.", "Six.",
    "Hinge from the hips, not the back.", "Seven.", "Eight.", "Chest proud, neck long.",
]
VAD_KINDS = ["webrtc", "silero", "silero@0.3", "silero@0.2"]
WORDS = ["repeat", "next", "slower", "done", "pause", "repeat", "faster", "next"]


def room_irs(rt60: float = 0.3):
    """(loudspeaker -> mic, person -> mic) impulse responses of a shoebox room."""
    import pyroomacoustics as pra

    dims = [4.0, 5.0, 2.7]
    absorption, max_order = pra.inverse_sabine(rt60, dims)
    room = pra.ShoeBox(dims, fs=RATE, materials=pra.Material(absorption), max_order=max_order)
    room.add_source([1.0, 1.0, 1.2])  # the coach's speaker
    room.add_source([3.0, 3.8, 1.6])  # the person
    room.add_microphone([2.0, 2.5, 1.0])
    room.compute_rir()
    return np.asarray(room.rir[0][0]), np.asarray(room.rir[0][1])


def scene(delay_s: float, rng: np.random.Generator, echo_to_person_db: float = 0.0, noise_db: float | None = None,
          drift_ppm: float = 0.0):
    """The reference, the microphone, the clean person at the mic, and the word spans (over_coach?)."""
    coach_ir, person_ir = room_irs()
    parts, t = [], 0
    gap = np.zeros(int(0.5 * RATE))
    for line in COACH_LINES:
        parts += [espeak(line).astype(np.float64), gap]
    reference = np.concatenate(parts)
    n = reference.size + 4 * RATE
    reference = np.concatenate([reference, np.zeros(n - reference.size)])
    echo = np.convolve(reference, coach_ir)[:n]
    shift = int(delay_s * RATE)
    echo = np.concatenate([np.zeros(shift), echo])[:n]
    if drift_ppm:
        positions = np.arange(n) * (1 + drift_ppm * 1e-6)
        echo = np.interp(positions, np.arange(n), echo, right=0.0)
    person = np.zeros(n)
    spans = []
    step = n // (len(WORDS) + 1)
    for i, word in enumerate(WORDS):
        dry = piper_joe(word).astype(np.float64)
        speech = np.convolve(dry, person_ir)
        start = step * (i + 1) + int(rng.integers(-RATE // 4, RATE // 4))
        person[start:start + speech.size] += speech[: n - start]
        over = bool(np.mean(np.abs(reference[start:start + dry.size])) > 300)
        spans.append((word, start, start + dry.size, over))
    words = np.concatenate([person[a:b] for _, a, b, _ in spans])
    echo_rms = np.sqrt(np.mean(echo[np.abs(reference) > 0] ** 2))
    echo *= np.sqrt(np.mean(words ** 2)) / echo_rms * 10 ** (echo_to_person_db / 20)
    mic = echo + person
    if noise_db is not None:
        noise = rng.standard_normal(n)
        noise *= np.sqrt(np.mean(words ** 2)) / np.sqrt(np.mean(noise ** 2)) * 10 ** (-noise_db / 20)
        mic = mic + noise
    scale = 0.3 * 32767 / np.max(np.abs(mic))
    as16 = lambda x: np.clip(np.round(x * scale), -32768, 32767).astype(np.int16)  # noqa: E731
    return reference.astype(np.int16), as16(mic), as16(person), as16(echo), spans


def run(front_end: FrontEnd, mic: np.ndarray, reference: np.ndarray, block: int = 800):
    """Cleaned audio, CPU seconds, (time, erle_db, converged) per block."""
    out, trace = [], []
    cpu = time.process_time()
    for i in range(0, mic.size, block):
        ref = reference[i:i + block]
        out.append(np.frombuffer(front_end.process(mic[i:i + block].tobytes(),
                                                   ref.tobytes() if np.any(ref) else None), np.int16))
        trace.append(((i + block) / RATE, front_end.erle_db, front_end.converged, front_end.failed))
    cpu = time.process_time() - cpu
    cleaned = np.concatenate(out)
    lag = front_end.latency_samples
    return np.concatenate([cleaned[lag:], np.zeros(lag, np.int16)]), cpu, trace


def energy(x: np.ndarray) -> float:
    return float(np.mean(x.astype(np.float64) ** 2)) + 1e-9


def erle_per_second(mic_echo: np.ndarray, out: np.ndarray, reference: np.ndarray, spans) -> list[float]:
    """True ERLE (echo-only microphone vs output) per second, over coach frames without a word."""
    mask = np.abs(reference) > 0
    for _, a, b, _ in spans:
        mask[a:b + RATE // 2] = False  # the word and its reverberation
    result = []
    for s in range(0, out.size // RATE):
        sl = slice(s * RATE, (s + 1) * RATE)
        m = mask[sl]
        if m.sum() < RATE // 4:
            continue
        result.append(10 * np.log10(energy(mic_echo[sl][m]) / energy(out[sl][m])))
    return result


def speech_frames(kind: str, audio: np.ndarray):
    """Per-frame flags; "silero@0.3" = Silero with another threshold (release 0.15 below it)."""
    if "@" in kind:
        threshold = float(kind.split("@")[1])
        vad = vads.SileroSilence(RATE, threshold, max(0.05, threshold - 0.15))
        step = vad.frame_samples
        flags = [vad.feed(audio[i:i + step].tobytes()) == 0.0 for i in range(0, audio.size - step + 1, step)]
        return np.asarray(flags, bool), step
    return vads.speech_frames(kind, audio)


def vad_recall(kind: str, audio: np.ndarray, spans) -> float:
    """Share of the voice detector's frames inside the words that it calls speech."""
    flags, frame = speech_frames(kind, audio)
    hits = total = 0
    for _, a, b, _ in spans:
        sel = flags[a // frame: b // frame]
        hits += int(sel.sum())
        total += sel.size
    return hits / max(total, 1)


def vad_false(kind: str, audio: np.ndarray, reference: np.ndarray, spans) -> float:
    """Share of the frames where only the coach plays (no word, 0.5 s margin) called speech."""
    flags, frame = speech_frames(kind, audio)
    mask = np.abs(reference) > 0
    for _, a, b, _ in spans:
        mask[max(0, a - RATE // 2): b + RATE // 2] = False
    coach_only = np.array([mask[i * frame:(i + 1) * frame].mean() > 0.5 for i in range(flags.size)])
    return float(flags[coach_only].mean())


def heard(audio: np.ndarray, spans) -> list[bool]:
    """Does PocketSphinx (grammar: every command) hear each word, cut out with 0.3 s around it?"""
    from voicecoach.coach.commands import load_vocabulary
    from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer

    recognizer = PocketSphinxRecognizer(load_vocabulary("en").grammar())
    result = []
    for word, a, b, _ in spans:
        recognizer.reset()
        piece = np.concatenate([audio[max(0, a - 4800): b + 4800], np.zeros(8000, np.int16)])
        finals = [h.text for h in recognizer.accept(piece.tobytes()) + recognizer.finish() if h.final]
        result.append(word in " ".join(finals).split())
    return result


def report(name: str, settings: ListenSettings, delay_s: float, rng_seed: int = 7, **scene_args) -> None:
    rng = np.random.default_rng(rng_seed)
    reference, mic, person, echo, spans = scene(delay_s, rng, **scene_args)
    front_end = FrontEnd(settings)
    out, cpu, trace = run(front_end, mic, reference)
    seconds = mic.size / RATE
    per_s = erle_per_second(echo, out, reference, spans)
    over = [s for s in spans if s[3]]
    between = [s for s in spans if not s[3]]

    def quieter(group):
        return np.mean([10 * np.log10(energy(person[a:b]) / energy(out[a:b])) for _, a, b, _ in group]) if group else float("nan")

    first_conv = next((t for t, _, c, _ in trace if c), None)
    print(f"\n== {name}: delay {delay_s * 1000:.0f} ms, {scene_args or ''}")
    print(f"true ERLE per s: {' '.join(f'{e:.0f}' for e in per_s)}")
    print(f"front end erle_db at end {front_end.erle_db:.1f}, converged first at {first_conv}, failed {front_end.failed}")
    print(f"CPU {cpu / seconds * 1000:.1f} ms per s of audio")
    print(f"word over the coach: {quieter(over):+.1f} dB quieter (n={len(over)}); between lines: {quieter(between):+.1f} dB")
    for kind in VAD_KINDS:
        print(f"VAD {kind} recall on words over the coach: raw person {vad_recall(kind, person, over):.2f}, "
              f"mic {vad_recall(kind, mic, over):.2f}, cleaned {vad_recall(kind, out, over):.2f}; "
              f"speech flagged where only the coach plays: mic {vad_false(kind, mic, reference, spans):.2f}, "
              f"cleaned {vad_false(kind, out, reference, spans):.2f}")
    raw_heard, clean_heard = heard(mic, spans), heard(out, spans)
    print(f"PocketSphinx hears the person alone (no echo): {sum(heard(person, spans))}/{len(spans)}")
    print(f"PocketSphinx hears (over coach / between): mic {sum(h for h, s in zip(raw_heard, spans) if s[3])}/{len(over)}"
          f" {sum(h for h, s in zip(raw_heard, spans) if not s[3])}/{len(between)};"
          f" cleaned {sum(h for h, s in zip(clean_heard, spans) if s[3])}/{len(over)}"
          f" {sum(h for h, s in zip(clean_heard, spans) if not s[3])}/{len(between)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one configuration only")
    parser.add_argument("--only", default="", help="run only configurations whose name contains this")
    args = parser.parse_args()
    base = ListenSettings(echo_cancel="webrtc", noise_suppression="off")
    runs = [("AEC3", base, 0.05, {})]
    if not args.quick:
        runs += [
            ("AEC3", base, 0.15, {}),
            ("AEC3", base, 0.3, {}),
            ("AEC3", base, 0.5, {}),
            ("AEC3 echo +6 dB", base, 0.05, {"echo_to_person_db": 6.0}),
            ("AEC3 10 dB noise", base, 0.05, {"noise_db": 10.0}),
        ]
        for level in ("low", "moderate", "high", "very_high"):
            ns = dataclasses.replace(base, noise_suppression=level)
            runs += [(f"AEC3 + NS {level}", ns, 0.05, {}), (f"AEC3 + NS {level} 10 dB noise", ns, 0.05, {"noise_db": 10.0})]
        runs += [("AEC3 drift 200 ppm", base, 0.05, {"drift_ppm": 200.0}),
                 ("off (raw mic)", dataclasses.replace(base, echo_cancel="off"), 0.05, {})]
    for name, settings, delay, extra in runs:
        if args.only and args.only not in name:
            continue
        report(name, settings, delay, **extra)


if __name__ == "__main__":
    main()
