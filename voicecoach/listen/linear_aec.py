"""A linear echo canceller for what the recognizer decodes: Speex's MDF filter from ``libspeexdsp``.

WebRTC's AEC3 (:mod:`voicecoach.listen.frontend`) removes the coach's echo almost completely, but
its non-linear suppressor also cuts the first 100-250 ms of a word said *over* the coach, and
PocketSphinx turns what is left into "help" or "go". A linear adaptive filter only subtracts its
estimate of the echo: it leaves more echo behind (24-44 dB removed instead of 50-65), and the
person's word whole. So the recognizer decodes this output, and the voice detectors, which must
not mistake what is left of the echo for speech, judge AEC3's (the session bench, a speaker in a
quiet room: commands said over the coach obeyed right first time 16 % -> 27 %, all commands
32 % -> 39 %, unwanted actions an hour 48 -> 29; ``docs/listening.md``, "Part 3").

``libspeexdsp`` is Xiph's library, a Debian package (``libspeexdsp1``, which PulseAudio and
PipeWire already pull in) on x86-64 and the Raspberry Pi alike; it is called through ``ctypes``
(the Python bindings on PyPI are a 2018 source package that needs SWIG to build).
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

FRAME = 160  # samples per call: 10 ms at 16 kHz, the same frames as AEC3
TAPS = 4000  # filter length: 250 ms of echo path (the loudspeaker's room response beyond it is left)
_SET_SAMPLING_RATE = 24  # SPEEX_ECHO_SET_SAMPLING_RATE in speex_echo.h


class LinearCancellerUnavailable(RuntimeError):
    """``libspeexdsp`` could not be loaded."""


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as error:
        raise LinearCancellerUnavailable(f"libspeexdsp is missing ({error}); install libspeexdsp1") from None
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_cancellation.restype = None
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.speex_echo_ctl.restype = ctypes.c_int
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_state_destroy.restype = None
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    return lib


class LinearEchoCanceller:
    """Speex MDF over 16-bit mono: ``process(mic, reference)`` on whole :data:`FRAME` frames.

    `mic` and `reference` are int16 arrays of the same length, a multiple of :data:`FRAME`
    (the front end frames them); returns the microphone with the estimated echo subtracted.
    """

    def __init__(self, sample_rate: int = 16000, taps: int = TAPS):
        self._lib = _library()
        self._state = self._lib.speex_echo_state_init(FRAME, taps)
        if not self._state:
            raise LinearCancellerUnavailable("libspeexdsp could not make an echo canceller")
        rate = ctypes.c_int(sample_rate)
        self._lib.speex_echo_ctl(self._state, _SET_SAMPLING_RATE, ctypes.byref(rate))

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """The microphone less the echo of `reference` (int16, same length)."""
        if mic.size % FRAME or reference.size != mic.size:
            raise ValueError(f"whole {FRAME}-sample frames of microphone and reference, the same length")
        near = np.ascontiguousarray(mic, np.int16)
        far = np.ascontiguousarray(reference, np.int16)
        out = np.empty_like(near)
        step = FRAME * near.itemsize
        cancel = self._lib.speex_echo_cancellation
        for offset in range(0, near.nbytes, step):
            cancel(self._state, near.ctypes.data + offset, far.ctypes.data + offset, out.ctypes.data + offset)
        return out

    def close(self) -> None:
        """Free the canceller (also done when it is garbage-collected)."""
        if getattr(self, "_state", None):  # not there when __init__ failed
            self._lib.speex_echo_state_destroy(self._state)
            self._state = None

    def __del__(self):
        self.close()
