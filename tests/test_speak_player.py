"""The player's callback logic, driven block by block through a fake stream (pure logic)."""

import queue

import numpy as np
import pytest

from voicecoach.speak.earcons import earcon_names, make_earcon
from voicecoach.speak.player import Player

from fakes import FakeStream

BLOCK = 64


@pytest.fixture
def rig():
    notes = queue.Queue()
    streams = []

    def factory(**kwargs):
        streams.append(FakeStream(**kwargs))
        return streams[-1]

    player = Player(lambda *note: notes.put(note), device=None, samplerate=8000, blocksize=BLOCK, stream_factory=factory)
    yield player, streams, notes
    player.close()


def next_note(notes):
    kind, tag, _, interrupted = notes.get(timeout=5)
    return kind, tag, interrupted


def ramp(n, start=0.1):
    return np.linspace(start, start + 0.5, n, dtype=np.float32)


def test_clips_play_in_order_then_silence(rig):
    player, streams, notes = rig
    a, b = ramp(100), ramp(50, start=-0.6)
    player.enqueue(a, 1)
    player.enqueue(b, 2)
    out = streams[0].pull(4)
    np.testing.assert_array_equal(out[:150], np.concatenate([a, b]))
    assert not out[150:].any()
    assert [next_note(notes) for _ in range(4)] == [("started", 1, False), ("done", 1, False), ("started", 2, False), ("done", 2, False)]
    assert not player.busy()


def test_stop_silences_the_next_block_and_drops_the_queue(rig):
    player, streams, notes = rig
    player.enqueue(ramp(1000), 1)
    player.enqueue(ramp(1000), 2)
    assert streams[0].pull(1).all()
    player.stop()
    assert not streams[0].pull(3).any()  # the very next block is silent
    assert [next_note(notes) for _ in range(3)] == [("started", 1, False), ("done", 1, True), ("done", 2, True)]
    assert len(player.stats.cut_delays_s) == 1


def test_a_clip_queued_after_stop_still_plays(rig):
    player, streams, notes = rig
    player.enqueue(ramp(1000), 1)
    streams[0].pull(1)
    player.stop()
    player.enqueue(ramp(100), 2)  # e.g. "Stopping. Well done." right after the cut
    out = streams[0].pull(2)
    np.testing.assert_array_equal(out[:100], ramp(100))
    kinds = [next_note(notes) for _ in range(4)]
    assert kinds == [("started", 1, False), ("done", 1, True), ("started", 2, False), ("done", 2, False)]


def test_earcon_mixes_on_top_of_speech(rig):
    player, streams, _ = rig
    speech = np.full(200, 0.2, dtype=np.float32)
    tone = np.full(80, 0.1, dtype=np.float32)
    player.enqueue(speech, 1)
    player.overlay(tone)
    out = streams[0].pull(4)
    np.testing.assert_allclose(out[:80], 0.3, rtol=1e-6)
    np.testing.assert_allclose(out[80:200], 0.2, rtol=1e-6)
    assert not out[200:].any()


def test_first_sound_time_is_recorded_per_clip(rig):
    player, streams, _ = rig
    player.enqueue(np.concatenate([np.zeros(BLOCK, np.float32), ramp(BLOCK)]), 7)
    streams[0].pull(1)
    assert 7 not in player.stats.first_sound_at  # leading silence is not "audio out"
    streams[0].pull(1)
    assert 7 in player.stats.first_sound_at


def test_an_unrequested_stream_end_is_reported_as_lost(rig):
    player, streams, notes = rig
    streams[0].finished_callback()
    assert next_note(notes)[0] == "lost"
    player.open()  # the device came back
    assert len(streams) == 2
    player.enqueue(ramp(10), 3)
    assert streams[1].pull(1)[:10].all()


@pytest.mark.parametrize("name", earcon_names())
def test_earcons_are_short_audible_click_free_and_follow_volume(name):
    loud = make_earcon(name, 22050, volume=1.0)
    quiet = make_earcon(name, 22050, volume=0.25)
    assert 0.02 < loud.size / 22050 < 1.0
    assert 0.05 < np.max(np.abs(loud)) <= 1.0
    np.testing.assert_allclose(quiet, loud * 0.25, atol=1e-6)
    assert abs(loud[0]) < 0.01 and abs(loud[-1]) < 0.05  # soft attack, decayed tail


def test_unknown_earcon_is_rejected():
    with pytest.raises(KeyError, match="unknown earcon 'gong'"):
        make_earcon("gong", 22050)
