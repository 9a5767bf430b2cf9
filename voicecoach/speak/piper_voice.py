"""Optional natural voice: piper-tts (``pip install 'voicecoach[piper]'``), same Speaker interface.

Set ``[voice] engine = "piper"`` and ``piper_model = "/path/to/voice.onnx"`` (its ``.onnx.json``
next to it). Rendering runs on the same engine thread as pyttsx3 and fills the same cache.
"""

from __future__ import annotations

import wave
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.settings import expand_path

REFERENCE_RATE_WPM = 160  # piper's natural pace, roughly; rate scales length_scale against it


class PiperBackend:
    """Renders lines with a piper ONNX voice. Created and used on the engine thread only."""

    def __init__(self, spec):
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError:
            raise UserError("the piper voice needs the extra: pip install 'voicecoach[piper]'") from None
        model = expand_path(spec.piper_model)
        if not spec.piper_model or not model.is_file():
            raise UserError(f"piper voice file not found: {spec.piper_model or '(voice.piper_model is empty)'}")
        if not Path(f"{model}.json").is_file():
            raise UserError(f"piper voice config not found: {model}.json")
        self.voice = PiperVoice.load(model)
        self.config = SynthesisConfig(length_scale=REFERENCE_RATE_WPM / max(spec.rate, 1), volume=spec.volume)

    def save(self, text: str, path: Path) -> None:
        with wave.open(str(path), "wb") as wav:
            self.voice.synthesize_wav(text, wav, syn_config=self.config)
