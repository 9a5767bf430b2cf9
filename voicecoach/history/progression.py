"""The progression engine: where a person stands on the ladder and today's plan. Pure logic.

The history is replayed session by session, oldest first, from the bottom rung. Each session is
judged by the first row of :data:`RULES` that applies, using the current drill's own criterion
(``Drill.progression``: sets x reps, good form, variation) from the drill library:

1. pain reported on the current drill (or its unloaded primer set): step back to its regression
   target, easiest variation;
2. pain anywhere else that day: hold (never progress on a day with pain);
3. the criterion met, in ``library.criterion_sessions`` sessions on this rung since the last pain
   (a team choice: two, so one lucky self-rated "yes" never promotes): move on, to
   ``progression.to`` or to the next harder variation;
4. the criterion met, but not in enough sessions yet: hold, and say how many more;
5. otherwise: hold.

A set counts towards the criterion when it was finished with at least ``reps`` reps, at the
variation being judged, and (when ``good_form``) with a "yes" to the form check. The criterion is
met in a session when ``sets`` such sets are done in it. Sessions with no finished set and no pain
change nothing. After a pain day the plan is gentle (fewer sets, slower reps: ``program.toml``
``[gentle]``) and the coach first asks whether it still hurts. For a drill with a range of sets and
reps (004: "depending on your goals") the person's goal, asked once, picks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from voicecoach.coach.lines import in_sentence, line, number_word
from voicecoach.history.records import SessionRecord, SetRecord
from voicecoach.program.model import Drill, Library
from voicecoach.program.plan import Plan, PlanItem, with_primers

@dataclass(frozen=True)
class Rung:
    """Where a person is: a drill, and its variation when it has variations."""

    drill_id: str
    variation: str | None = None


@dataclass(frozen=True)
class Criterion:
    """What must be done in one session to move on from a rung, and where that leads."""

    sets: int
    reps: int
    good_form: bool
    variation: str | None  # the variation the sets must be done at (None: any)
    rule: str  # in words, for speaking
    leads_to: Rung
    kind: str  # "promoted" (next drill) or "harder_variation"

    def counts(self, s: SetRecord) -> bool:
        """Does this finished set count towards the criterion?"""
        return (s.finished and (s.reps or 0) >= self.reps
                and (not self.good_form or s.form_ok is True)
                and (self.variation is None or s.variation == self.variation))

    def good_sets(self, session: SessionRecord, drill_id: str) -> int:
        return sum(1 for s in session.finished_sets(drill_id) if self.counts(s))


@dataclass(frozen=True)
class Change:
    """What one session changed, with the one sentence the coach says about it next time."""

    kind: str  # "promoted" | "harder_variation" | "stepped_back" | "held_for_pain"
    before: Rung
    after: Rung
    line: str


@dataclass(frozen=True)
class Standing:
    """The result of replaying the history."""

    rung: Rung
    change: Change | None  # what the most recent session that counted changed
    sessions_on_rung: int  # sessions with finished sets on the current rung
    best_good_sets: int  # most sets that counted in one session on the current rung
    path: tuple[tuple[date, Rung, str], ...]  # per counted session: day, rung after it, rule applied
    met_sessions: int = 0  # sessions on this rung since the last pain that met the criterion
    goal: str | None = None  # the person's goal, once asked
    pain_run: int = 0  # the latest sessions running with a pain report
    goal_unanswered: int = 0  # sessions in which the goal question went unanswered


def easiest_variation(drill: Drill) -> str | None:
    return drill.variations[0].id if drill.variations else None


def start_rung(library: Library) -> Rung:
    """A new person starts at the bottom of the ladder, easiest variation."""
    return Rung(library.ladder[0], easiest_variation(library[library.ladder[0]]))


def _variation_name(drill: Drill, variation_id: str | None) -> str:
    return next((in_sentence(v.name) for v in drill.variations if v.id == variation_id), variation_id or "")


def goal_target(library: Library, drill: Drill, goal: str | None) -> tuple[int, int] | None:
    """(sets, reps) a goal picks from a drill's ranges (clamped to them); None without a range.
    No goal (the question unanswered) is the program's `default_goal`, for plan and criterion alike."""
    return library.goal_target(drill, goal or library.default_goal)


def criterion(library: Library, rung: Rung, goal: str | None = None) -> Criterion | None:
    """The criterion to move on from ``rung``, from the drill's data (and the goal, for a drill
    with a range); None at the top."""
    drill = library[rung.drill_id]
    prog = drill.progression
    if prog is None:
        return None
    picked = goal_target(library, drill, goal)
    if picked:
        sets, reps = picked
        words = f"{number_word(sets)} sets of {number_word(reps)} with good form"
        target = library[prog.to]
        return Criterion(sets, reps, prog.good_form, prog.variation, words, Rung(target.id, easiest_variation(target)), "promoted")
    ids = [v.id for v in drill.variations]
    if prog.variation is not None and rung.variation in ids and ids.index(rung.variation) < ids.index(prog.variation):
        harder = ids[ids.index(rung.variation) + 1]
        words = f"{number_word(prog.sets)} {'set' if prog.sets == 1 else 'sets'} of {number_word(prog.reps)}"
        words += f" with good form and {_variation_name(drill, rung.variation)}" if prog.good_form else \
            f" with {_variation_name(drill, rung.variation)}"
        return Criterion(prog.sets, prog.reps, prog.good_form, rung.variation, words, Rung(drill.id, harder), "harder_variation")
    target = library[prog.to]
    return Criterion(prog.sets, prog.reps, prog.good_form, prog.variation, prog.rule,
                     Rung(target.id, easiest_variation(target)), "promoted")


def regression_target(library: Library, drill_id: str) -> str:
    """Where a pain report sends a person: the drill's ``regression``, else the rung below, else itself."""
    drill = library[drill_id]
    if drill.regression:
        return drill.regression
    if drill_id in library.ladder and library.ladder.index(drill_id) > 0:
        return library.ladder[library.ladder.index(drill_id) - 1]
    return drill_id


# ---- the rules table --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    library: Library
    rung: Rung
    session: SessionRecord
    pain_days: frozenset[date]  # days with a pain report so far (this session's included)
    crit: Criterion | None
    met_before: int = 0  # sessions on this rung since the last pain that met the criterion

    @property
    def drill(self) -> Drill:
        return self.library[self.rung.drill_id]

    def pain_here(self) -> bool:
        mine = (None, self.rung.drill_id, self.drill.primer)
        return any(p.drill in mine for p in self.session.pains)

    def met(self) -> bool:
        return self.crit is not None and self.crit.good_sets(self.session, self.rung.drill_id) >= self.crit.sets

    def met_enough(self) -> bool:
        return self.met() and self.met_before + 1 >= self.library.criterion_sessions


def _pain_where(c: _Context) -> str:
    """"on the dowel hip hinge": the drill a pain report of this session names (not always the
    rung: the primer set, or none when it was "it still hurts" before any drill)."""
    hurt = next((p.drill for p in c.session.pains if p.drill in c.library.drills), None)
    return f"on the {in_sentence(c.library[hurt].name)}" if hurt else "before the drills"


def _step_back(c: _Context) -> tuple[Rung, Change | None]:
    target = c.library[regression_target(c.library, c.rung.drill_id)]
    after = Rung(target.id, easiest_variation(target))
    where = _pain_where(c)
    if after == c.rung:
        line = f"You reported pain {where} last time, so today we stay with the {in_sentence(c.drill.name)}."
        return after, Change("held_for_pain", c.rung, after, line)
    line = f"You reported pain {where} last time, so today we step back to the {in_sentence(target.name)}."
    return after, Change("stepped_back", c.rung, after, line)


def _hold_for_pain(c: _Context) -> tuple[Rung, Change | None]:
    line = f"You reported pain last time, so today we stay with the {in_sentence(c.drill.name)}."
    return c.rung, Change("held_for_pain", c.rung, c.rung, line)


def _move_on(c: _Context) -> tuple[Rung, Change | None]:
    after = c.crit.leads_to
    if c.crit.kind == "harder_variation":
        harder = _variation_name(c.drill, after.variation)
        line = f"You did {c.crit.rule}, so today we try {harder}."
    else:
        nxt = in_sentence(c.library[after.drill_id].name)
        line = f"You did {c.crit.rule}, so today you move up from the {in_sentence(c.drill.name)} to the {nxt}."
    return after, Change(c.crit.kind, c.rung, after, line)


def _met_once(c: _Context) -> tuple[Rung, Change | None]:
    left = c.library.criterion_sessions - c.met_before - 1
    more = "once more" if left == 1 else f"in {number_word(left)} more sessions"
    line = f"Last time you did {c.crit.rule}. Do it {more}, without pain, to move on."
    return c.rung, Change("met_once", c.rung, c.rung, line)


def _hold(c: _Context) -> tuple[Rung, Change | None]:
    return c.rung, None


@dataclass(frozen=True)
class Rule:
    name: str
    applies: Callable[[_Context], bool]
    then: Callable[[_Context], tuple[Rung, Change | None]]


RULES: tuple[Rule, ...] = (
    Rule("pain on this drill: step back", _Context.pain_here, _step_back),
    Rule("pain that day: hold", lambda c: c.session.day in c.pain_days, _hold_for_pain),
    Rule("criterion met: move on", _Context.met_enough, _move_on),
    Rule("criterion met: once more", _Context.met, _met_once),
    Rule("otherwise: hold", lambda c: True, _hold),
)
PAIN_CHANGES = ("stepped_back", "held_for_pain")


def judge(library: Library, rung: Rung, session: SessionRecord, pain_days: frozenset[date], met_before: int = 0,
          goal: str | None = None) -> tuple[str, Rung, Change | None]:
    """Apply the first rule that fits one session; return (rule name, rung after, change)."""
    context = _Context(library, rung, session, pain_days, criterion(library, rung, goal), met_before)
    for rule in RULES:
        if rule.applies(context):
            return (rule.name, *rule.then(context))
    raise AssertionError("the last rule always applies")


def _counts(session: SessionRecord) -> bool:
    return bool(session.finished_sets() or session.pains)


def standing(library: Library, sessions: Iterable[SessionRecord]) -> Standing:
    """Replay sessions (oldest first) from the bottom rung; see the module docstring for the rules."""
    rung, change, on_rung, best, met, goal = start_rung(library), None, 0, 0, 0, None
    met_day: date | None = None  # the day of the last session that met the criterion
    pain_days: set[date] = set()
    path = []
    pain_run, unanswered = 0, 0
    for session in sessions:
        goal = session.goal or goal
        if not _counts(session):
            continue
        pain_run = pain_run + 1 if session.pains else 0
        if rung.drill_id not in library.drills:  # a user drill that was removed: start again
            rung = start_rung(library)
        if session.pains:
            pain_days.add(session.day)
        if goal is None and _asked_goal(library, session):
            unanswered += 1
        crit = criterion(library, rung, goal)
        good = crit.good_sets(session, rung.drill_id) if crit else 0
        # days, not sessions: a second qualifying session on the same day (or too soon) adds nothing
        same_day = met_day is not None and (session.day - met_day).days < library.criterion_days_apart
        name, after, change = judge(library, rung, session, frozenset(pain_days), met - same_day, goal)
        if after != rung or change is not None and change.kind in PAIN_CHANGES:
            met, met_day = 0, None
        elif crit is not None and good >= crit.sets:
            if not same_day:
                met, met_day = met + 1, session.day
        elif session.finished_sets(rung.drill_id):
            met, met_day = 0, None  # missed on this rung: the qualifying sessions must be consecutive
        if after != rung:
            on_rung, best = 0, 0
        elif session.finished_sets(rung.drill_id):
            on_rung, best = on_rung + 1, max(best, good)
        rung = after
        path.append((session.day, rung, name))
    return Standing(rung, change, on_rung, best, tuple(path), met, goal, pain_run, unanswered)


def _asked_goal(library: Library, session: SessionRecord) -> bool:
    """Was the goal question asked (and left unanswered) in this session: sets of a drill with a range."""
    return any(library[s.drill].reps.low != library[s.drill].reps.high
               for s in session.finished_sets() if s.drill in library.drills)


def plan_for(library: Library, where: Standing, sessions: Iterable[SessionRecord] = ()) -> Plan:
    """Today's plan from a standing: the current drill and variation (after its unloaded check set
    when it is loaded), enough sets to meet the criterion, the last load used on that drill, the
    accessories, and the change's sentence as an announcement. After pain: gentle (fewer sets,
    slower reps, no accessories), and the coach first asks whether it still hurts."""
    drill = library[where.rung.drill_id]
    crit = criterion(library, where.rung, where.goal)
    sets = max(drill.sets.target, crit.sets if crit else 0)
    picked = goal_target(library, drill, where.goal)
    reps = None
    if picked:
        sets, reps = picked
    variation = where.rung.variation
    load = None
    for session in sessions:
        for s in session.finished_sets(drill.id):
            load = s.load_kg if s.load_kg is not None else load
            if drill.variations and crit is None and s.variation:
                variation = s.variation  # no criterion to climb: keep the one last used
    after_pain = where.change is not None and where.change.kind in PAIN_CHANGES
    announcements = (where.change.line,) if where.change else ()
    tempo = 1.0
    if after_pain:
        sets, tempo = min(sets, library.gentle_sets), library.gentle_tempo
        announcements = (f"{where.change.line[:-1]}, gently: {number_word(sets)} sets, a little slower.",)
        if library.physio_after and where.pain_run >= library.physio_after:
            announcements = (line("progress.physio", sessions=where.pain_run),)
    items = [PlanItem(drill.id, sets, variation, load if drill.load else None, tempo_scale=tempo, reps=reps)]
    if not after_pain:
        items += [PlanItem(a, library[a].sets.target) for a in library.accessories if a != drill.id]
    # asked once, and once more at most when it went unanswered (then the default goal stays)
    ask_goal = drill.reps.low != drill.reps.high and where.goal is None and bool(library.goals) \
        and where.goal_unanswered < 2
    return Plan(tuple(with_primers(library, items)), announcements, pain_check=after_pain, ask_goal=ask_goal)


def plan_today(library: Library, store) -> Plan:
    """Today's plan from everything in the history store (see :func:`standing`)."""
    sessions = store.sessions()
    return plan_for(library, standing(library, sessions), sessions)


def needed_line(library: Library, where: Standing) -> str:
    """One sentence: exactly what is needed to move on (or that this is the top)."""
    crit = criterion(library, where.rung, where.goal)
    if crit is None:
        return "That's the top of the ladder, so keep every rep crisp."
    if crit.kind == "harder_variation":
        goal = _variation_name(library[where.rung.drill_id], crit.leads_to.variation)
    else:
        goal = f"the {in_sentence(library[crit.leads_to.drill_id].name)}"
    times = library.criterion_sessions
    sessions = "in one session" if times == 1 else f"in {number_word(times)} sessions"
    return (f"To move on to {goal}, do {crit.rule}, {sessions}, without pain; "
            f"your best so far is {number_word(where.best_good_sets)} of {number_word(crit.sets)}.")


def summary_line(library: Library, sessions: list[SessionRecord]) -> str:
    """Two spoken sentences for "how am I doing": where you stand, and what is needed next."""
    where = standing(library, sessions)
    drill = library[where.rung.drill_id]
    on = f"the {in_sentence(drill.name)}"
    if drill.variations and where.rung.variation:
        on += f", {_variation_name(drill, where.rung.variation)}"
    counted = [s for s in sessions if s.finished_sets()]
    reps = sum(s.total_reps for s in counted)
    if drill.id in library.ladder:
        first = f"You're on step {number_word(library.ladder.index(drill.id) + 1)} of {number_word(len(library.ladder))}, {on}"
    else:
        first = f"You're on {on}"
    first += f", after {number_word(len(counted))} {'session' if len(counted) == 1 else 'sessions'} and {reps} reps."
    return f"{first} {needed_line(library, where)}"
