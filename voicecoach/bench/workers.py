"""Bench jobs in fresh worker processes, a few at a time, each with a time budget.

A job's target runs in its own spawned process (so peak RSS is per job) and reports through a
queue with ``out.put((kind, key, payload))``; a ``"done"`` or ``"error"`` message ends the job. A
job still running `grace_s` past its budget, or whose process died, is stopped and reported as
finished with the reason, keeping every message it sent before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Hashable


@dataclass(frozen=True)
class Job:
    """One worker process: ``target(*args, out)``, keyed by `key` in its messages."""

    key: Hashable
    target: Callable[..., None]
    args: tuple
    budget_s: float


def run_jobs(jobs: list[Job], workers: int, handle: Callable[[str, Hashable, Any], None],
             finished: Callable[[Hashable, str], None], grace_s: float = 20.0) -> None:
    """Run `jobs` (`workers` at a time); `handle(kind, key, payload)` gets every message,
    `finished(key, reason)` is called once per job ("" when it ended by itself)."""
    import multiprocessing
    import queue as queues

    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    pending = list(jobs)
    running: dict[Hashable, tuple[Any, float]] = {}
    while pending or running:
        while pending and len(running) < workers:
            job = pending.pop(0)
            proc = context.Process(target=job.target, args=(*job.args, out), daemon=True)
            proc.start()
            running[job.key] = (proc, time.perf_counter() + job.budget_s + grace_s)
        try:
            kind, key, payload = out.get(timeout=1.0)
        except queues.Empty:
            kind = key = None
        if kind is not None:
            handle(kind, key, payload)
        if kind in ("done", "error") and key in running:
            proc, _ = running.pop(key)
            proc.join(timeout=10)
            finished(key, "")
        for key, (proc, hard_stop) in list(running.items()):
            crashed = not proc.is_alive() and proc.exitcode not in (0, None)
            if time.perf_counter() > hard_stop or crashed:
                proc.terminate()
                proc.join(timeout=10)
                running.pop(key)
                finished(key, f"worker died (exit {proc.exitcode})" if crashed else "stopped: past the time budget")
