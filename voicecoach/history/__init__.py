"""History, resume and progression: what the person has done, and what to do today.

Public API (the session and the CLI use these):

- :func:`open_recorder` (``recorder.record(kind, data)`` for every ``Record``; falls back to memory)
- :func:`find_interrupted` -> :class:`ResumePoint` with ``.prompt`` and ``.plan``
- :func:`plan_today` -> today's :class:`~voicecoach.program.plan.Plan` with announcements
- :func:`progress_summary` -> two spoken sentences for "how am I doing"
"""

from voicecoach.history.progression import plan_today, standing
from voicecoach.history.progression import summary_line
from voicecoach.history.recorder import SAVE_FAILED_LINE, HistoryRecorder, open_recorder
from voicecoach.history.resume import ResumePoint, find_interrupted
from voicecoach.history.store import HistoryStore, StoreError, open_store


def progress_summary(library, store) -> str:
    """Two spoken sentences: where the person stands, and what is needed to move on."""
    return summary_line(library, store.sessions())


__all__ = [
    "HistoryRecorder", "HistoryStore", "ResumePoint", "SAVE_FAILED_LINE", "StoreError", "find_interrupted",
    "open_recorder", "open_store", "plan_today", "progress_summary", "standing",
]
