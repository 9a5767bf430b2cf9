"""Idle cost of `voicecoach serve`: CPU (percent of one core) and memory, per engine, per thread.

Starts ``voicecoach serve`` with the given engine and language on the sound server in
PULSE_SERVER (run it inside ``scripts/with-virtual-audio.sh`` or ``with-pipewire-audio.sh``), waits
until it idles, then measures SECONDS of idle with :mod:`voicecoach.pi.budget`, and prints the
CPU of each thread (by name) too, so the audio plumbing's share shows.

    python scripts/measure_idle.py pocketsphinx en [SECONDS]
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import tempfile
import time

from voicecoach.pi.budget import measure


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far per thread name."""
    out: dict[str, float] = collections.Counter()
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        out[name] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def main(argv: list[str]) -> int:
    engine, language = argv[0], argv[1]
    seconds = float(argv[2]) if len(argv) > 2 else 40.0
    home = tempfile.mkdtemp(prefix="measure-idle-")
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/c", XDG_DATA_HOME=f"{home}/d", XDG_CACHE_HOME=f"{home}/k")
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "serve", "--engine", engine, "--language", language],
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stderr:
            if "idle: listening" in line:
                break
        else:
            print("serve never idled", file=sys.stderr)
            return 1
        time.sleep(2.0)  # the ready line has ended; only idle listening from here
        before = thread_cpu(proc.pid)
        figures = measure(proc.pid, seconds)
        after = thread_cpu(proc.pid)
        per_thread = {name: round(100 * (after[name] - before.get(name, 0.0)) / seconds, 2) for name in after}
        figures["per_thread_cpu_percent"] = dict(sorted(per_thread.items(), key=lambda kv: -kv[1]))
        print(json.dumps({"engine": engine, "language": language, "seconds": seconds, **figures}))
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
