"""The cue scheduler: which line, if any, is said during a rep. One rule, in three parts:

1. **A line fits its phase.** A cue is said at the start of its phase only if its spoken length
   (:func:`~voicecoach.coach.lines.speech_seconds`, from its words and the voice's words per minute)
   ends within the phase at the current tempo, plus a short grace into the next phase. A mistake
   reminder's phase is the movement of one rep: from the start of the descent to the count.
2. **Counts always win.** Nothing said during a rep may run into its count: a line must end
   ``COUNT_CLEAR_S`` before the count is due; a top cue comes after the count, in what is left of
   the top. So a count is never late and never talked over ("That's four.").
3. **No line repeats within** ``REPEAT_GAP_REPS`` **reps**, across the sets of a drill, the descent
   word "Down." included (it is said only in a rep that would otherwise be silent). One cue per rep
   (normal detail) takes turns through all the drill's cues; each set goes on where the last one
   stopped, so the order differs from set to set. The drill's very first rep teaches: the first
   cue of every phase, when each fits.

:class:`CueScheduler` keeps the memory this needs (which rep said what) for one drill.
"""

from __future__ import annotations

from voicecoach.coach.lines import cue_rotation, speech_seconds

FIT_GRACE_S = 0.5  # a cue may run this far into the next phase (never into the count)
COUNT_CLEAR_S = 0.5  # silence before a count: no line may end closer to it than this
REPEAT_GAP_REPS = 4  # a line said in one rep is not said again in the next 3


def phase_room(tempo: dict[str, float], pace: float, phases: tuple[str, ...], phase: str) -> float:
    """Seconds from `phase`'s start that a line may take: its phase plus the grace, but never up to
    the count (at the start of the last phase, the top). At the top itself the count comes first:
    subtract it (:func:`top_room`)."""
    index = phases.index(phase)
    own = tempo[phase] * pace + FIT_GRACE_S
    if index == len(phases) - 1:
        return own
    return min(own, sum(tempo[p] for p in phases[index:-1]) * pace - COUNT_CLEAR_S)


def before_count(tempo: dict[str, float], pace: float, phases: tuple[str, ...]) -> float:
    """Seconds from a rep's start that a mistake reminder may take (it ends clear of the count)."""
    return sum(tempo[p] for p in phases[:-1]) * pace - COUNT_CLEAR_S


def top_room(tempo: dict[str, float], pace: float, phases: tuple[str, ...], count: str, rate: float) -> float:
    """Seconds left at the top for a cue said after the count."""
    return phase_room(tempo, pace, phases, phases[-1]) - speech_seconds(count, rate)


def fits(text: str, rate: float, room: float, lead: float = 0.0) -> bool:
    """Whether `text`, said at `rate` words per minute once `lead` seconds of speech already under
    way have ended, still ends within `room` seconds."""
    return lead + speech_seconds(text, rate) <= room


class CueScheduler:
    """One drill's cues, rep by rep: what fits, whose turn it is, and what was said too recently."""

    def __init__(self) -> None:
        self._rep_no = 0  # reps started in this drill, across its sets
        self._turn = 0  # place in the drill's cue rotation, carried across sets
        self._said: dict[str, int] = {}  # line -> the rep it was last said in

    def new_drill(self) -> None:
        """Forget what was said: a new drill starts with its teaching rep."""
        self.__init__()

    def new_rep(self) -> None:
        """A rep starts."""
        self._rep_no += 1

    @property
    def first_rep(self) -> bool:
        """The drill's very first rep (it says the first cue of every phase)."""
        return self._rep_no == 1

    def fresh(self, text: str) -> bool:
        """Not said within the last ``REPEAT_GAP_REPS`` reps."""
        last = self._said.get(text)
        return last is None or self._rep_no - last >= REPEAT_GAP_REPS

    def said(self, text: str) -> None:
        """Note that `text` was said in this rep."""
        self._said[text] = self._rep_no

    def rep_cue(self, cues: dict[str, tuple[str, ...]], phases: tuple[str, ...], room: dict[str, float],
                rate: float, verbosity: str) -> dict[str, str]:
        """The cues of this rep, by phase: for ``normal`` detail one (the next in turn that fits and
        is fresh), for ``full`` the next fitting, fresh line of every phase, on the first rep the
        first cue of every phase; for ``terse`` none."""
        if verbosity == "terse":
            return {}
        if self.first_rep:
            self._turn = sum(1 for p in phases if cues.get(p))  # the first round of the rotation
            return {p: cues[p][0] for p in phases if cues.get(p) and fits(cues[p][0], rate, room[p])}
        if verbosity == "full":
            out = {}
            for p in phases:
                own = cues.get(p, ())
                for k in range(len(own)):
                    text = own[(self._rep_no - 1 + k) % len(own)]
                    if self.fresh(text) and fits(text, rate, room[p]):
                        out[p] = text
                        break
            return out
        rotation = cue_rotation(cues, phases)
        for k in range(len(rotation)):
            phase, text = rotation[(self._turn + k) % len(rotation)]
            if self.fresh(text) and fits(text, rate, room[phase]):
                self._turn += k + 1
                return {phase: text}
        return {}
