"""While `serve` idles, the output stream rests (a running stream costs a callback every block even
when silent): Player.pause stops it without reporting a lost device, and the next clip (or
resume) restarts it. The stream is a recording stand-in: this is the player's own bookkeeping."""

from __future__ import annotations

import numpy as np

from voicecoach.speak.player import Player

from fakes import FakeStream


def make_player(log: list[str], notes: list[tuple]) -> Player:
    return Player(lambda *note: notes.append(note), samplerate=16000,
                  stream_factory=lambda **kwargs: FakeStream(log, **kwargs))


def test_pause_stops_the_stream_quietly_and_the_next_clip_restarts_it():
    log: list[str] = []
    notes: list[tuple] = []
    player = make_player(log, notes)
    player.pause()
    assert player.paused and log == ["open", "abort", "close"]
    player.pause()  # twice is once
    assert log == ["open", "abort", "close"]
    player.enqueue(np.zeros(160, np.float32), 7)
    assert not player.paused and log[-1] == "open"
    player.close()
    player._notifier.join(timeout=5)
    assert not [n for n in notes if n[0] == "lost"], "a pause is not a lost device"


def test_resume_without_a_pause_changes_nothing():
    log: list[str] = []
    player = make_player(log, [])
    player.resume()
    assert log == ["open"] and not player.paused
    player.overlay(np.zeros(16, np.float32))
    assert log == ["open"]
    player.close()
