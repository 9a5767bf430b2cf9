"""Commands the coach answers in place, without changing state: repeat, help, status, progress,
pace, detail, volume, and pause / resume (which freeze and restore every timer)."""

from __future__ import annotations

from voicecoach.coach import lines
from voicecoach.coach.commands import ALWAYS_ON, MUSIC, Command
from voicecoach.coach.lines import in_sentence, line, number_word
from voicecoach.coach.machine import accepted
from voicecoach.events import Volume

# Answered, but not advertised by help (nor the answers to questions the coach has not asked).
NOT_IN_HELP = frozenset({Command.PROGRESS, Command.NEW, Command.START}) | MUSIC  # music: README, docs
TEMPO_STEP = 1.2  # "slower" / "faster" multiply / divide the tempo by this
TEMPO_LIMITS = (0.5, 2.0)
VOLUME_STEP = 1.4  # "louder" / "quieter" multiply / divide the speech volume by this
VOLUME_LEVELS = (-3, 2)  # steps below and above the set volume (above may clip a loud voice)


class AnswersMixin:
    """Callbacks answered in place (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    def say_again(self) -> None:
        if self._last_line:
            self._say(self._last_line, "repeat")
        else:
            self._say(line("answer.nothing_to_repeat"), "refusal", remember=False)

    def say_help(self) -> None:
        if self.state == "set":  # one short line mid-set, at once; the whole list between sets
            self._say(line("answer.help_set"), "help", interrupt=self._cue_playing(), remember=False)
            return
        allowed = (accepted(self.state) | ALWAYS_ON) - NOT_IN_HELP
        phrases = [self.vocabulary.phrases_for(c)[0] for c in Command if c in allowed and c != Command.WEIGHT]
        self._say(line("answer.help", commands=", ".join(phrases)), "help", remember=False)

    def say_status(self) -> None:
        item, drill, state = self.item, self.drill, self.state
        if state == "paused":
            state = self._paused_from or state
        parts = []
        if self.state == "idle":
            parts.append(line("answer.status_idle"))
        elif state == "set":
            parts.append(line("answer.status_set", rep=self._rep, reps=self._target(), set=self._set, sets=item.sets))
        elif state in ("welcome", "intro", "goal", "weight", "ready", "rest", "back_check", "form_check", "form_detail"):
            left = item.sets - self._set + (0 if state in ("back_check", "form_check", "form_detail") else 1)
            if left > 0:
                sets_left = "one set left" if left == 1 else f"{number_word(left)} sets left"
                parts.append(line("answer.status_sets", sets_left=sets_left, drill=in_sentence(drill.name)))
        if self.more_drills():
            parts.append(line("answer.status_next", drill=in_sentence(self.library[self._items[self._index + 1].drill_id].name)))
        else:
            parts.append(line("answer.status_last"))
        self._say(" ".join(parts), "status", remember=False)

    def say_progress(self) -> None:
        text = self._progress_line() if self._progress_line else line("answer.progress")
        self._say(text, "status", remember=False)

    # ---- pace, detail, volume ----------------------------------------------------------------

    def go_slower(self) -> None:
        self._change_tempo(TEMPO_STEP, "pace.slower", "pace.slowest")

    def go_faster(self) -> None:
        self._change_tempo(1 / TEMPO_STEP, "pace.faster", "pace.fastest")

    def _change_tempo(self, factor: float, said: str, at_limit: str) -> None:
        new = self._tempo * factor
        if not TEMPO_LIMITS[0] - 1e-9 <= new <= TEMPO_LIMITS[1] + 1e-9:
            self._say(line(at_limit), "info", remember=False)
            return
        self._tempo = new
        self._say(line(said), "info", remember=False)

    def more_detail_please(self) -> None:
        self._change_verbosity(+1, "pace.most_detail")

    def less_detail_please(self) -> None:
        self._change_verbosity(-1, "pace.least_detail")

    def _change_verbosity(self, step: int, at_limit: str) -> None:
        levels = lines.VERBOSITY_LEVELS
        index = levels.index(self._verbosity) + step
        if not 0 <= index < len(levels):
            self._say(line(at_limit), "info", remember=False)
            return
        self._verbosity = levels[index]
        self._say(line(f"pace.{self._verbosity}"), "info", remember=False)

    def go_louder(self) -> None:
        self._change_volume(+1, "pace.louder", "pace.loudest")

    def go_quieter(self) -> None:
        self._change_volume(-1, "pace.quieter", "pace.quietest")

    def _change_volume(self, step: int, said: str, at_limit: str) -> None:
        """One volume step; the session sets the speaker's gain before the answer is spoken."""
        level = self._volume_level + step
        if not VOLUME_LEVELS[0] <= level <= VOLUME_LEVELS[1]:
            self._say(line(at_limit), "info", remember=False)
            return
        self._volume_level = level
        self._out.append(Volume(round(VOLUME_STEP ** level, 4)))
        self._say(line(said), "info", remember=False)

    # ---- pause -------------------------------------------------------------------------------

    def say_paused(self) -> None:
        mid_set = self._paused_from == "set"
        if mid_set:  # the drill's own safe stop first: what is in the hands, where the body is
            self._say(self.safe_stop_line(), "safety", interrupt=True, remember=False)
        self._say(line("pause.paused"), "info", interrupt=not mid_set, remember=False)

    def resume_timers(self) -> None:
        self._say(line("pause.resumed", where=self._where()), "info", remember=False)
        self._agenda.resume()
        self._paused_from = None

    def _where(self) -> str:
        frozen = self._agenda.remaining(frozen=True)
        if self._paused_from == "set":
            return line("pause.where_set", set=self._set, rep=self._rep)
        if self._paused_from == "rest" and frozen:
            return line("pause.where_rest", seconds=round(max(frozen)))
        if self._paused_from == "ready":
            return line("pause.where_ready", set=self._set)
        return line("pause.where_other")
