"""voicecoach: an offline, hands-free voice coach for the hip hinge and its progressions."""

__version__ = "0.1.0"
