"""What to practise: the drill library's data types (pure data, no I/O).

A :class:`Drill` holds everything the coach needs to run it and everything the progression engine
needs to judge it. Every fact names the seed article it comes from (``sources``), so a reviewer can
check it. Build drills with :mod:`voicecoach.program.load`, which validates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The phases of one rep, in order. "setup" cues are said once before a set; the other four are
# timed by the drill's tempo.
SETUP = "setup"
REP_PHASES = ("descent", "bottom", "ascent", "top")
CUE_PHASES = (SETUP, *REP_PHASES)


@dataclass(frozen=True)
class Bounds:
    """The seconds a drill's timing may take, inclusive: checked by ``drills check``, at loading and
    when a :class:`Drill` is built, so the coach never runs a set that cannot end."""

    low: float
    high: float

    def problem(self, value: object) -> str | None:
        """What is wrong with `value` (not a number, not finite, out of range), or None."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            shown = repr(value) if len(repr(value)) <= 24 else f"{repr(value)[:12]}... ({len(repr(value))} digits)"
            return f"must be from {self.low:g} to {self.high:g} seconds (got {shown})"  # NaN is never in range
        return None


PHASE_SECONDS = Bounds(0.2, 20)  # one rep phase: from a snap to a very slow lowering
REST_SECONDS = Bounds(0, 600)  # the rest between sets: none to ten minutes


@dataclass(frozen=True)
class Range:
    """A whole-number target that may be a range (``reps = [6, 10]``) or fixed (``low == high``)."""

    low: int
    high: int

    @property
    def target(self) -> int:
        """What the coach counts to: the top of the range."""
        return self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class Mistake:
    """A common fault, how to spot it, and a one-line spoken correction."""

    id: str
    name: str
    correction: str
    source: str
    between_sets: bool = False  # fixed where the person stands (the wall drill's step out), not mid-rep


@dataclass(frozen=True)
class SafetyRule:
    """A rule the coach says (and the program obeys), e.g. stop if the low back hurts."""

    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Variation:
    """A harder or easier way to do the same drill (arm position, load); listed easiest first."""

    id: str
    name: str
    instruction: str  # the spoken line that sets it up


@dataclass(frozen=True)
class Progression:
    """What must be true to move on, and to which drill.

    Met when, in one session, ``sets`` sets of at least ``reps`` reps are done (at ``variation``
    when given, with a "yes" form check on each when ``good_form``), and no pain was reported.
    """

    to: str
    sets: int
    reps: int
    good_form: bool
    variation: str | None
    rule: str  # the criterion in words (spoken when it is met)
    source: str
    team_choice: bool = False  # the seed does not state this criterion; the team chose it


# The answers a form-detail question may take (each a command of the vocabulary).
DETAIL_ANSWERS = ("head", "upper_back", "tailbone")


@dataclass(frozen=True)
class FormDetail:
    """A follow-up question after a "no", and the correction for each answer."""

    question: str
    fixes: dict[str, str]  # answer (a DETAIL_ANSWERS command) -> spoken correction


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Goal:
    """What a range of sets and reps (three-drills: "depending on your goals") becomes for one goal."""

    sets: int
    reps: int


@dataclass(frozen=True)
class LoadLimit:
    """When a weight is confirmed before a set (a team choice): heavy for a first day, or a jump."""

    first_day_kg: float
    step_kg: float

    def lighter(self, kilos: float, last: float | None) -> float | None:
        """The lighter weight to offer instead of `kilos`, or None when `kilos` needs no question."""
        limit = self.first_day_kg if last is None else last + self.step_kg
        return limit if kilos > limit else None


@dataclass(frozen=True)
class Drill:
    """One drill of the library."""

    id: str
    name: str
    summary: str
    role: str  # "ladder" (part of the progression) or "accessory"
    equipment: tuple[str, ...]
    setup: tuple[str, ...]  # spoken set-up steps, said before the first set
    cues: dict[str, tuple[str, ...]]  # phase -> spoken cue lines
    tempo: dict[str, float]  # rep phase -> seconds
    sets: Range
    reps: Range
    rest_s: float
    mistakes: tuple[Mistake, ...]
    safety: tuple[SafetyRule, ...]
    form_check: str | None  # a yes/no question after each set
    progression: Progression | None
    regression: str | None  # the easier drill to step back to
    variations: tuple[Variation, ...]
    load: bool  # a weight in the hands: asked for in kilos and recorded per set
    sources: tuple[str, ...]  # seed ids the drill's facts come from
    resistance: str = "none"  # "none", "band" or "weight": any but none is an external load (three-drills)
    primer: str | None = None  # the unloaded drill done as one checked set before this one
    stop: str | None = None  # the safe stop for this drill, said at once on pain
    form_fix: str | None = None  # the mistake id a "no" to the form check means
    form_detail: FormDetail | None = None  # after a "no": where did it go wrong?
    rest_focus: tuple[str, ...] = ()  # said in the rest before each later set
    set_start: str | None = None  # said as a set starts (default "Here we go.")
    set_end: str | None = None  # said after the last rep of a set
    file: Path = field(compare=False, default=Path())

    def __post_init__(self) -> None:
        timing = [(f"tempo.{phase}", PHASE_SECONDS.problem(self.tempo.get(phase))) for phase in REP_PHASES]
        timing.append(("rest_s", REST_SECONDS.problem(self.rest_s)))
        for name, problem in timing:
            if problem:
                raise ValueError(f"drill {self.id!r}: {name}: {problem}")

    @property
    def loaded(self) -> bool:
        """An external load (band or weight): needs the unloaded pattern first (three-drills)."""
        return self.resistance != "none"

    def correction(self, mistake_id: str | None) -> str | None:
        """The correction of one of this drill's mistakes (None if it has no such mistake)."""
        return next((m.correction for m in self.mistakes if m.id == mistake_id), None)

    def cue_lines(self) -> list[str]:
        """Every spoken cue line of the drill, all phases, in order."""
        return [line for phase in CUE_PHASES for line in self.cues.get(phase, ())]

    def spoken_lines(self) -> list[str]:
        """Every fixed line the drill can make the coach say (for pre-rendering and benchmarks)."""
        lines = [*self.setup, *self.cue_lines()]
        lines += [m.correction for m in self.mistakes]
        lines += [s.text for s in self.safety]
        lines += [v.instruction for v in self.variations]
        if self.form_check:
            lines.append(self.form_check)
        if self.form_detail:
            lines += [self.form_detail.question, *self.form_detail.fixes.values()]
        lines += [text for text in (self.stop, self.set_start, self.set_end, *self.rest_focus) if text]
        return lines

    @property
    def rep_seconds(self) -> float:
        """Duration of one rep at the drill's tempo."""
        return sum(self.tempo[p] for p in REP_PHASES)


@dataclass(frozen=True)
class Library:
    """All drills, plus the ladder order and the articles they cite."""

    drills: dict[str, Drill]
    ladder: tuple[str, ...]  # easiest first
    accessories: tuple[str, ...]
    seeds: dict[str, dict[str, str]]  # source key ("baird") -> {"title", "author"} (program.toml)
    after_pain: tuple[str, ...] = ()  # the only drills offered after a pain stop
    criterion_sessions: int = 1  # sessions at the criterion needed to move on
    gentle_sets: int = 2  # the day after pain: at most this many sets...
    gentle_tempo: float = 1.25  # ...at this tempo scale
    goals: dict[str, Goal] = field(default_factory=dict)  # goal name -> sets and reps
    default_goal: str | None = None  # the goal when the question goes unanswered (plan and criterion)
    criterion_days_apart: int = 0  # qualifying sessions at least this many days apart (0: any)
    physio_after: int = 0  # pain this many sessions running: see a physio (0: never said)
    load_limits: dict[str, LoadLimit] = field(default_factory=dict)  # drill id -> weight limits

    def __getitem__(self, drill_id: str) -> Drill:
        return self.drills[drill_id]

    def goal_target(self, drill: Drill, goal: str | None) -> tuple[int, int] | None:
        """(sets, reps) a goal picks from a drill's ranges (clamped to them); None without a range or goal."""
        if drill.reps.low == drill.reps.high or goal not in self.goals:
            return None
        chosen = self.goals[goal]
        return (max(drill.sets.low, min(drill.sets.high, chosen.sets)), max(drill.reps.low, min(drill.reps.high, chosen.reps)))

    def progression_rule(self, drill: Drill) -> str | None:
        """How to move on from `drill`, in words; for a drill with a range, each goal's sets and reps
        (the coach judges by the person's goal: one place, ``[goals]`` in program.toml)."""
        prog = drill.progression
        if prog is None:
            return None
        targets = {name: self.goal_target(drill, name) for name in self.goals}
        if not any(targets.values()):
            return prog.rule
        said = "; ".join(f"{name}, {_count(sets, 'set')} of {reps}" for name, (sets, reps) in targets.items())
        return f"the sets and reps of your goal{' with good form' if prog.good_form else ''} ({said})"

    def __iter__(self):
        return iter(self.drills.values())

    def __len__(self) -> int:
        return len(self.drills)

    def ordered(self) -> list[Drill]:
        """Ladder drills easiest first, then accessories, then any other (user) drills by id."""
        order = [*self.ladder, *self.accessories]
        rest = sorted(set(self.drills) - set(order))
        return [self.drills[i] for i in [*order, *rest] if i in self.drills]
