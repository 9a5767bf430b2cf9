#!/usr/bin/env python3
"""Build (or find) the benchmark's test-audio corpus and print its folder.

    .venv/bin/python scripts/make_test_audio.py [--profile full|quick|tiny] [--seed N] [--out DIR]

Seeded and deterministic; cached under ~/.cache/voicecoach/bench-corpus/ unless --out is given.
See docs/benchmark.md.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicecoach.bench.corpus import PROFILES, build_corpus, default_realspeech_dir, load_manifest  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="Generate the voicecoach benchmark corpus.")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full", help="corpus size (default: full)")
    parser.add_argument("--seed", type=int, default=1234, help="random seed (default: 1234)")
    parser.add_argument("--out", type=Path, default=None, help="folder to write (default: the user cache)")
    parser.add_argument("--realspeech", type=Path, default=None, help="human recordings (default: ../shared/realspeech)")
    args = parser.parse_args()
    real = args.realspeech or default_realspeech_dir()
    if not (real / "manifest.csv").exists():
        print(f"note: real-speech folder {real} not found; its items are skipped", file=sys.stderr)
        real = None
    folder = build_corpus(args.profile, args.seed, args.out, real, progress=lambda m: print(m, file=sys.stderr))
    _, items = load_manifest(folder)
    minutes = sum(i.duration for i in items) / 60
    print(f"{len(items)} items, {minutes:.1f} min", file=sys.stderr)
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
