"""Speech out: the coach's voice.

* :mod:`.speaker` - the ``Speaker`` the session drives (``AudioSpeaker``, ``TextSpeaker``,
  ``make_speaker``);
* :mod:`.render` - text to cached WAV on the one TTS engine thread (pyttsx3; espeak-ng fallback);
* :mod:`.player` - interruptible playback on one sounddevice output stream;
* :mod:`.earcons` - tones made with numpy; :mod:`.devices` - list/choose audio devices;
* :mod:`.piper_voice` - optional natural voice; :mod:`.bench` - ``measure_voice()``.

Kept free of imports so ``voicecoach`` starts fast; import the submodules you need.
"""
