"""CPU and memory of a running process over a fixed period, from /proc (no psutil).

    python -m voicecoach.pi.budget PID [SECONDS]

prints one JSON object: ``cpu_percent`` (of one core, averaged over the period), ``rss_mb`` (resident
memory at the end), ``peak_rss_mb`` (the kernel's high-water mark, VmHWM) and ``threads``. The
figures in docs/raspberry-pi.md were taken with it.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (MB) and Threads from /proc/PID/status."""
    values: dict[str, float] = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
        elif key == "Threads":
            values[key] = int(rest)
    return values


def measure(pid: int, seconds: float) -> dict[str, float]:
    """Average CPU over `seconds` of wall time, and memory at the end."""
    import time

    start_cpu, start = cpu_seconds(pid), time.monotonic()
    threading.Event().wait(seconds)  # the period being measured (not a timing hack)
    used, elapsed = cpu_seconds(pid) - start_cpu, time.monotonic() - start
    mem = memory(pid)
    return {"seconds": round(elapsed, 1), "cpu_percent": round(100 * used / elapsed, 1),
            "rss_mb": round(mem["VmRSS"], 1), "peak_rss_mb": round(mem["VmHWM"], 1), "threads": int(mem["Threads"])}


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit():
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    print(json.dumps(measure(int(argv[0]), float(argv[1]) if len(argv) > 1 else 30.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
