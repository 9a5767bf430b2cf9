"""The end of *speech*, not of sound: utterance boundaries that music and household noise cannot hold.

PocketSphinx's endpointer runs a WebRTC-style voice detector, which calls any steady sound speech:
with music in the room it never leaves "speech", every utterance ran past ``max_utterance_s`` and
was dropped as running speech (session bench, music 6 dB below the speech: 0 % of commands obeyed
first time). :class:`SpeechEnd` watches a detector that tells speech from music (Silero's speech
probability, via its trailing silence) beside the endpointer, and only steps in while the
endpointer says "speech":

* **end**: the utterance has had speech (by Silero) and Silero has heard ``end_s`` of non-speech
  since: the utterance ends there, whatever the endpointer thinks;
* **abandon**: ``onset_wait_s`` into an utterance Silero has heard no speech at all: it is music
  or noise, dropped;
* **hold**: after an end, an abandon or running speech past ``max_utterance_s``, nothing is
  decoded until Silero hears speech again after at least ``rearm_s`` of non-speech (so a pause
  inside running speech does not start a command), and then a new utterance starts (the
  endpointer hands its frames a window late, which gives the decoder the onset of the word).

Pure logic over per-frame figures, so it is tested without audio; the recognizer feeds it.
Measurements: ``docs/listening.md`` ("Music in the room").
"""

from __future__ import annotations

from dataclasses import dataclass

END_S = 0.3  # Silero non-speech that ends an utterance which had speech
ONSET_WAIT_S = 1.0  # an utterance this old without any Silero speech is not speech
REARM_S = 0.3  # after a hold, Silero non-speech needed before a new onset starts an utterance


def speech_silence(detector) -> float | None:
    """The trailing non-speech by a detector that tells speech from music, or None if it has none
    (the WebRTC-style detector alone: then :class:`SpeechEnd` never steps in)."""
    return getattr(detector, "speech_silence_s", None)


@dataclass
class SpeechEnd:
    """Per-frame decisions about an utterance the endpointer holds (see the module docstring).

    The recognizer calls :meth:`start` when it starts decoding an utterance, :meth:`check` on each
    of its frames, :meth:`hold` when it stops decoding while the endpointer still says speech, and
    :meth:`may_start` on each held frame. Times are audio seconds; `gap` is Silero's trailing
    non-speech in seconds at the frame."""

    window_s: float = 0.3  # the endpointer's delay: a frame it hands back is this old
    end_s: float = END_S
    onset_wait_s: float = ONSET_WAIT_S
    rearm_s: float = REARM_S
    held: bool = False
    _armed: bool = False
    _start: float = 0.0

    def start(self, at: float) -> None:
        """An utterance starts being decoded at `at`."""
        self.held, self._start = False, at

    def check(self, at: float, gap: float) -> str | None:
        """``"end"``, ``"abandon"`` or None (go on decoding) for a frame of the utterance."""
        age = at - self._start
        had_speech = gap < age + self.window_s  # Silero's last speech falls inside this utterance
        if had_speech and gap + 1e-9 >= self.end_s:
            return "end"
        if not had_speech and age + 1e-9 >= self.onset_wait_s:
            return "abandon"
        return None

    def hold(self, gap: float) -> None:
        """Decoding stopped while the endpointer still says speech: wait for the next onset."""
        self.held, self._armed = True, gap + 1e-9 >= self.rearm_s

    def release(self) -> None:
        """The endpointer left speech: nothing is held any more."""
        self.held = self._armed = False

    def may_start(self, gap: float) -> bool:
        """On a held frame: does speech start here (after a pause of at least `rearm_s`)?"""
        if gap + 1e-9 >= self.rearm_s:
            self._armed = True
            return False
        return self._armed and gap == 0.0
