"""The coach's own music, as the coach sees it: on or off, its level, and when it must be silent.

The music plays while a session is under way and stops at once (fading) on pause, on pain and at
the end; "music off" / "music on" / "next song" / "music quieter" / "music louder" steer it. The
coach only says what it wants (``Music`` actions); the player mixes it (``speak/music.py``).
Without music (no folder) the coach emits no ``Music`` action and does not listen for these
commands; said or typed anyway, they get one line saying how to set music up.
"""

from __future__ import annotations

from voicecoach.coach.lines import line
from voicecoach.events import Music

SILENT_STATES = frozenset({"idle", "paused", "safety", "offer", "ended"})  # no music: waiting, paused, pain, the end
LEVEL_STEP = 10 ** (3 / 20)  # "music quieter" / "louder": 3 dB a step
LEVELS = (-4, 2)  # steps below and above the set music volume


class MusicMixin:
    """Music callbacks and the music's state (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    _music: bool = False  # is there music at all?
    _music_on: bool = True  # the person's choice ("music off" / "music on")
    _music_level: int = 0
    _music_playing: bool = False  # what the last Music action said

    def turn_music_off(self) -> None:
        if self._music_missing():
            return
        self._music_on = False
        self._say(line("music.off"), "info", remember=False)

    def turn_music_on(self) -> None:
        if self._music_missing():
            return
        self._music_on = True
        self._say(line("music.on"), "info", remember=False)

    def skip_song(self) -> None:
        if self._music_missing():
            return
        self._music_on = True
        self._out.append(Music("next"))
        self._say(line("music.next"), "info", remember=False)

    def lower_music(self) -> None:
        self._change_music_level(-1, "music.quieter", "music.quietest")

    def raise_music(self) -> None:
        self._change_music_level(+1, "music.louder", "music.loudest")

    def _change_music_level(self, step: int, said: str, at_limit: str) -> None:
        if self._music_missing():
            return
        level = self._music_level + step
        if not LEVELS[0] <= level <= LEVELS[1]:
            self._say(line(at_limit), "info", remember=False)
            return
        self._music_level = level
        self._out.append(Music("gain", round(LEVEL_STEP ** level, 4)))
        self._say(line(said), "info", remember=False)

    def _music_missing(self) -> bool:
        if not self._music:
            self._say(line("music.none"), "refusal", remember=False)
        return not self._music

    def _follow_music(self) -> None:
        """After every event: play or pause the music as the state and the person want."""
        wanted = self._music and self._music_on and self.state not in SILENT_STATES
        if wanted != self._music_playing:
            self._music_playing = wanted
            self._out.append(Music("play" if wanted else "pause"))
