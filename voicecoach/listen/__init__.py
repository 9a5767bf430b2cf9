"""Audio in: capture, recognizers (Vosk, PocketSphinx), decisions, models."""
