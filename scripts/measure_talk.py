"""Measure what a person hears in a simulated session of every drill (issue 19, point 12).

A scripted person answers what the coach asks when it asks ("ready", "no" to the low-back question,
"yes" to the form check, "strength", "eight kilos"), and says "help" once mid-set (after the fourth
count of set two). Printed per drill:

- ``down``: how many times "Down." is said in the session;
- ``back``: how many times "Any pain in your low back?" is asked;
- ``tight``: counts whose previous coach line (a cue) ends less than 0.5 s before them, of all counts;
- ``late``: counts that start later than their phase (a line ran over into the count), of all counts;
- ``help``: seconds from "help" mid-set to the end of the coach's answer, and how late the next count
  came against the rep's tempo;
- ``repeat``: the most times one cue line is said within any 4 consecutive reps.

Run: ``.venv/bin/python scripts/measure_talk.py``.
"""

from __future__ import annotations

import re
import sys

from voicecoach.coach.lines import line, number_word, speech_seconds
from voicecoach.coach.simulate import answering, simulate
from voicecoach.program.load import load_library
from voicecoach.program.plan import single_drill_plan
from voicecoach.settings import Settings

_NUMBERS = "|".join(number_word(n) for n in range(1, 100))
COUNT = re.compile(rf"^(That's ({_NUMBERS})|({_NUMBERS.title()}))\.$")


def person(state: dict):
    """A person who answers every question (`simulate.answering`) and says "help" once mid-set."""
    def help_in_set_two(entry):
        four = entry.text in _said(4)
        state["set"] += four
        if four and state["set"] == 2 and not state["helped"]:
            state["helped"] = True
            return "help"
        return None
    return answering(extra=help_in_set_two)


def measure(library, drill_id: str, settings: Settings) -> dict:
    drill = library[drill_id]
    state = {"set": 0, "helped": False}
    transcript = simulate(library, single_drill_plan(library, drill_id), settings, person=person(state))
    rate = settings.voice.rate
    coach = [e for e in transcript if e.who == "coach"]
    counts = [i for i, e in enumerate(coach) if e.state == "set" and COUNT.match(e.text)]
    tight = sum(1 for i in counts if i and coach[i - 1].state == "set" and not COUNT.match(coach[i - 1].text)
                and coach[i].t - (coach[i - 1].t + speech_seconds(coach[i - 1].text, rate)) < 0.5)
    help_at = next((e.t for e in transcript if e.who == "user" and e.text == "help"), None)
    help_s = late_s = None
    if help_at is not None:
        answer = [e for e in coach if e.t >= help_at]
        help_s = answer[0].t + speech_seconds(answer[0].text, rate) - help_at
        four = next(e.t for e in reversed(coach) if e.t < help_at and e.text in _said(4))
        five = next((e.t for e in answer if e.text in _said(5)), None)
        if five is not None:
            late_s = five - four - drill.rep_seconds * settings.coach.tempo_scale
    rep_s = drill.rep_seconds * settings.coach.tempo_scale
    late = sum(1 for a, b in zip(counts, counts[1:]) if (  # consecutive counts of one set, nothing said by the person between
        coach[a].state == "set" and not any(e.who == "user" for e in transcript if coach[a].t < e.t < coach[b].t)
        and coach[a].t < coach[b].t <= coach[a].t + 2 * rep_s and coach[b].t - coach[a].t > rep_s + 0.05))
    repeat = _most_in_window(coach, counts, 4)
    return {"down": sum(1 for e in coach if e.text == line("beat.descent")),
            "back": sum(1 for e in coach if e.text == line("check.back")),
            "tight": f"{tight}/{len(counts)}", "late": f"{late}/{len(counts)}",
            "help": "-" if help_s is None else f"{help_s:.1f}s, count +{late_s or 0:.1f}s",
            "repeat": repeat}


def _said(rep: int) -> tuple[str, str]:
    return line("set.rep_count", rep=rep), line("set.rep_number", rep=rep)


def _most_in_window(coach, counts, reps: int) -> int:
    """The most times one non-count line is said during any `reps` consecutive reps of a set."""
    best = 0
    for k in range(len(counts)):
        start = counts[k - 1] + 1 if k else 0
        end = counts[min(k + reps, len(counts)) - 1]
        said = [e.text for e in coach[start:end] if e.state == "set" and not COUNT.match(e.text)]
        best = max([best] + [said.count(t) for t in set(said)])
    return best


def main() -> int:
    library = load_library(include_user=False)
    settings = Settings()
    print(f"{'drill':20} {'down':>4} {'back':>4} {'tight':>7} {'late':>7} {'repeat':>6}  help mid-set")
    for drill in library.ordered():
        m = measure(library, drill.id, settings)
        print(f"{drill.id:20} {m['down']:>4} {m['back']:>4} {m['tight']:>7} {m['late']:>7} {m['repeat']:>6}  {m['help']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
