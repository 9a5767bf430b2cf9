"""Audio out: pyttsx3 renders cached to WAV, played through sounddevice, earcons."""
