"""Start to the first spoken line of ``voicecoach practice --text``, as the bench measures it.

Runs the bench's own child-process measurement (:func:`voicecoach.bench.session.run_child`) N
times, each with a fresh home (empty speech cache, no history), and prints each figure and the
median. Needs an output device: run it inside ``scripts/with-virtual-audio.sh``::

    scripts/with-virtual-audio.sh .venv/bin/python scripts/measure_startup.py 5
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from voicecoach.bench.session import run_child


def main(argv: list[str]) -> int:
    """Measure `argv[0]` runs (default 5); exit 1 if any run failed."""
    runs = int(argv[0]) if argv else 5
    figures = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-startup-") as home:
        for n in range(runs):
            run = run_child(["practice", "--text"], Path(home) / f"run{n}", stdin_after_first_line=True, timeout=60)
            if run.first_line_s is None or not run.ok:
                print(f"run {n}: failed ({run.detail})")
                return 1
            figures.append(run.first_line_s)
            print(f"run {n}: {run.first_line_s:.3f} s to {run.detail[:50]!r}; peak RSS {run.peak_rss_mb:.0f} MB")
    print(f"median {statistics.median(figures):.3f} s, min {min(figures):.3f} s, max {max(figures):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
