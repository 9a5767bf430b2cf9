"""How long the audio has been quiet: the "the person stopped talking" hint for the fast path.

A stable partial alone is not enough: grammar decoding forces every sound onto some command, so
a wrong word can hold in the partial while a person is still mid-word or mid-sentence. Acting
only once voice activity has stopped for a moment removes most of those. Uses PocketSphinx's
WebRTC-style VAD on 30 ms frames (PocketSphinx is a core dependency anyway).
"""

from __future__ import annotations


class TrailingSilence:
    """Feed 16-bit mono PCM chunks; `silence_s` is the non-speech audio since the last speech frame."""

    def __init__(self, sample_rate: int = 16000, mode: int = 0):
        import pocketsphinx

        self._vad = pocketsphinx.Vad(mode, sample_rate, 0.03)
        self._frame_bytes = self._vad.frame_bytes
        self._frame_s = self._vad.frame_length
        self._buffer = b""
        self.silence_s = 0.0

    def feed(self, chunk: bytes) -> float:
        """Take audio; return the trailing silence in seconds."""
        self._buffer += chunk
        step = self._frame_bytes
        while len(self._buffer) >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            self.silence_s = 0.0 if self._vad.is_speech(frame) else self.silence_s + self._frame_s
        return self.silence_s
