"""voicecoach.pi: running on a Raspberry Pi: idle-and-wake service, set-up by ear."""
