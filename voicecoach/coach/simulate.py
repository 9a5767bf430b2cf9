"""Run a whole session on a fake clock: the coach, a simulated speaker, and a script of commands.

The speaker plays one line at a time for as long as :func:`~voicecoach.coach.lines.speech_seconds`
says the line takes at the configured rate; lines queue behind each other, and an interrupting line
cuts whatever is playing or queued (those are never heard, so they are not in the transcript).
Each transcript entry is stamped with the time it starts to be heard.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from voicecoach.coach.clock import FakeClock
from voicecoach.coach.coach import Coach
from voicecoach.coach.lines import speech_seconds
from voicecoach.coach.script import ScriptLine
from voicecoach.events import CommandHeard, NotUnderstood, Record, Recorder, Say, SpeechDone, SpeechStarted, Tick
from voicecoach.program.model import Library
from voicecoach.program.plan import Plan
from voicecoach.settings import Settings

MAX_SESSION_S = 6 * 3600.0  # a simulation stops here whatever happens


@dataclass(frozen=True)
class Entry:
    """One line of the transcript."""

    t: float
    who: str  # "coach" | "user"
    text: str
    command: str | None
    state: str

    def as_text(self) -> str:
        """``[MM:SS.s] COACH: text`` or ``[MM:SS.s] USER: phrase -> command``."""
        if self.who == "coach":
            return f"[{clock_label(self.t)}] COACH: {self.text}"
        return f"[{clock_label(self.t)}] USER: {self.text} -> {self.command or '(not understood)'}"

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` object: t, who, text, command, state."""
        return {"t": round(self.t, 3), "who": self.who, "text": self.text, "command": self.command, "state": self.state}


def clock_label(t: float) -> str:
    """Seconds as ``MM:SS.s``."""
    tenths = round(t * 10)
    return f"{tenths // 600:02d}:{(tenths % 600) / 10:04.1f}"


class _SimSpeaker:
    """Plays lines one after another for their estimated length."""

    def __init__(self, rate: float):
        self.rate = rate
        self.queue: deque[tuple[str, str]] = deque()
        self.playing_until: float | None = None
        self.next_id = 0

    def say(self, say: Say, state: str, now: float) -> tuple[list[Entry], list[Any]]:
        events: list[Any] = []
        if say.interrupt:
            self.queue.clear()
            if self.playing_until is not None:
                self.playing_until = None
                events.append(SpeechDone(self.next_id - 1, now, interrupted=True))
        self.queue.append((say.text, state))
        return self.start_next(now), events

    def start_next(self, now: float) -> list[Entry]:
        if self.playing_until is not None or not self.queue:
            return []
        text, state = self.queue.popleft()
        self.playing_until = now + speech_seconds(text, self.rate)
        self.next_id += 1
        return [Entry(now, "coach", text, None, state)]

    def finish(self, now: float) -> SpeechDone:
        self.playing_until = None
        return SpeechDone(self.next_id - 1, now)


def answering(form: str | None = "yes", extra: Callable[[Entry], str | None] | None = None) -> Callable[[Entry], str | None]:
    """A `person` for :func:`simulate` who answers what the coach asks, when it asks: ready, no
    low-back pain, `form` to the form check (None: leaves it unanswered), strength, eight kilos.
    `extra(entry)` answers first."""
    from voicecoach.coach.lines import line

    answers = {line("check.back"): "no", line("goal.ask"): "strength", line("weight.ask"): "eight kilos"}

    def reply(entry: Entry) -> str | None:
        said = extra(entry) if extra else None
        if said or entry.who != "coach":
            return said
        if "Say ready" in entry.text:
            return "ready"
        if entry.state == "form_check" and entry.text.endswith("?"):
            return form
        return answers.get(entry.text)
    return reply


def simulate(library: Library, plan: Plan, settings: Settings, script: list[ScriptLine] = (),
             max_seconds: float = MAX_SESSION_S, recorder: Recorder | None = None,
             progress_line: Callable[[], str] | None = None,
             person: Callable[[Entry], str | None] | None = None, reply_after_s: float = 0.5) -> list[Entry]:
    """Play a session with `script`'s commands; return the transcript, in time order.

    With a `recorder`, every history `Record` the coach emits is handed to it, as in a live session.
    With a `person`, each coach line heard is shown to it; a phrase it returns is said
    `reply_after_s` seconds after that line ends (a person who answers what is asked, when asked).
    """
    clock = FakeClock()
    coach = Coach(library, plan, settings.coach, speech_rate=settings.voice.rate, progress_line=progress_line)
    speaker = _SimSpeaker(settings.voice.rate)
    pending = deque(script)
    transcript: list[Entry] = []

    def heard(entries: list[Entry]) -> None:
        transcript.extend(entries)
        for entry in entries if person else ():
            phrase = person(entry)
            if phrase:  # said once the line has been heard; kept in time order with the script
                at = entry.t + speech_seconds(entry.text, settings.voice.rate) + reply_after_s
                later = next((i for i, s in enumerate(pending) if s.t > at), len(pending))
                pending.insert(later, ScriptLine(at, phrase))

    def carry_out(actions: list[Any]) -> None:
        for action in actions:
            if isinstance(action, Say):
                entries, events = speaker.say(action, coach.state, clock.now())
                heard(entries)
                for event in events:
                    carry_out(coach.handle(event))
            elif isinstance(action, Record) and recorder is not None:
                recorder.record(action.kind, action.data)

    carry_out(coach.begin_session(clock.now()))
    while True:
        if coach.state == "ended" and speaker.playing_until is None:
            break
        times = [t for t in (speaker.playing_until, coach.next_due(), pending[0].t if pending else None) if t is not None]
        if not times or min(times) > max_seconds:
            break
        t = max(min(times), clock.now())
        clock.set(t)
        if speaker.playing_until is not None and speaker.playing_until <= t:
            done = speaker.finish(t)
            carry_out(coach.handle(done))
            started = speaker.start_next(t)
            heard(started)
            for entry in started:
                carry_out(coach.handle(SpeechStarted(speaker.next_id - 1, t)))
        elif coach.next_due() is not None and coach.next_due() <= t:
            carry_out(coach.handle(Tick(t)))
        else:
            said = pending.popleft()
            state = coach.state
            command = coach.vocabulary.understand(said.phrase)
            transcript.append(Entry(t, "user", said.phrase, command.value if command else None, state))
            event = (CommandHeard(command.value, said.phrase, source="script", at=t) if command
                     else NotUnderstood(said.phrase, at=t))
            carry_out(coach.handle(event))
    return transcript
