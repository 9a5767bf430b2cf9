"""Whole simulated sessions, attempt by attempt: what the person said, what the recognizer's finals
were, what was decided, and every action nobody asked for. For finding *why* a session-bench
figure is what it is (``make bench`` gives the figures; this gives the cases behind them).

    .venv/bin/python scripts/diagnose_sessions.py --room quiet --sessions 16
    VOICECOACH_LISTEN_ECHO_CANCEL=webrtc VOICECOACH_LISTEN_BARGE_IN=full \\
        .venv/bin/python scripts/diagnose_sessions.py --room quiet --sessions 16

Our pipeline (the settings as the environment gives them, like ``make bench``'s "ours"), PocketSphinx
English, seeds 0..N-1 (the same seeds as the bench's session cells), two sessions at a time. The last
line is the figures as JSON. Needs the test extras (pyroomacoustics) and ../shared/realspeech.
"""

from __future__ import annotations

import argparse
import json
import os
from multiprocessing import Pool
from pathlib import Path

REALSPEECH = Path(__file__).resolve().parents[1].parent / "shared" / "realspeech"
FIGURES = ("commands", "obeyed_first_time", "obeyed_first_time_between_lines", "obeyed_first_time_over_coach",
           "missed_per_100", "wrong_per_100", "unwanted_per_hour", "unwanted", "latency_p50_s", "latency_p95_s",
           "rt60_measured_s", "first_time_by_rt60", "first_time_by_distance")


def one_session(job: tuple[str, int]):
    """Run one seeded session; return its log and a readable account of it."""
    from voicecoach.bench.hearing import LineAudio, SessionSetup, run_session
    from voicecoach.bench.hearing_run import DRILLS, make_front_end_stage, make_listener
    from voicecoach.bench.persona import VoiceBank
    from voicecoach.bench.recognition import Engine
    from voicecoach.bench.room import make_room
    from voicecoach.bench.sessionscore import _attribute, _cause
    from voicecoach.settings import load_settings

    room_kind, seed = job
    settings = load_settings()
    real = REALSPEECH if REALSPEECH.exists() else None
    room = make_room(room_kind, seed, real)
    listener = make_listener(Engine("pocketsphinx-en", "en", "pocketsphinx"), "ours", room_kind, None, settings.listen)
    listener.keep_results = True
    setup = SessionSetup(seed, room, DRILLS[seed % len(DRILLS)], listener, VoiceBank("en", real),
                         LineAudio.from_settings(settings.voice), length_s=75.0, pain=seed % 5 == 4,
                         settings=settings, frontend=make_front_end_stage(listener, listener.decider.settings))
    log = run_session(setup)
    owned, stray = _attribute(log)
    finals = [(h.at, h.text) for h in listener.heard if h.final and h.text.strip()]
    lines = [f"== seed {seed} {log.drill}: {room.describe()}"]
    for intention in log.intentions:
        for attempt in intention.attempts:
            decisions = owned.get((intention.id, attempt.number), [])
            decided = [f"{d.command} ({d.source or 'asked'})" for d in decisions]
            mark = "--" if not decisions else ("OK" if decisions[0].command == intention.command else "XX")
            heard = [f"{t:.1f}:{text}" for t, text in finals if attempt.start - 0.2 <= t <= attempt.word_end + 2.0]
            lines.append(f"  {mark} {intention.command:10s} #{attempt.number} {attempt.start:6.1f}-{attempt.word_end:6.1f} "
                         f"over={int(attempt.over_coach)} -> {decided}  finals {heard}")
    lines += [f"  STRAY {d.command} at {d.at:.1f} ({_cause(log, d)}, {d.source or 'asked'}) text={d.text!r} state={d.state}"
              for d in stray]
    return log, "\n".join(lines)


def main() -> None:
    """Run the sessions, print each account, then the figures."""
    from voicecoach.bench.sessionscore import score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--room", default="quiet", help="a room kind of voicecoach.bench.room.ROOM_KINDS (earbuds, living, quiet, noise10, music6, ...)")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    with Pool(args.processes) as pool:
        results = pool.map(one_session, [(args.room, seed) for seed in range(args.sessions)])
    for _, account in results:
        print(account)
    figures = score([log for log, _ in results])
    print(json.dumps({key: figures[key] for key in FIGURES}))


if __name__ == "__main__":
    main()
