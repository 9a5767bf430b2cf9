"""The Speaker end to end: real renders played through a PulseAudio virtual speaker, stop(),
earcons, the text fallback and a device that goes away and comes back."""

import io
import queue

import numpy as np
import pytest

from voicecoach.events import DeviceChanged, SpeechDone, SpeechStarted
from voicecoach.settings import VoiceSettings
from voicecoach.speak.player import Player
from voicecoach.speak.speaker import AudioSpeaker, TextSpeaker, make_speaker
from voicecoach.speak.wav import read_wav, resample, trim_silence
from fakes import FakeClock, FakeStream

SHORT = "Brace your core."
LONG = "Push your hips back slowly, keep the bar close to your legs, and stop when you feel the hamstrings stretch."


def wait_for(events, predicate, timeout=15.0):
    """Collect events until one matches; returns (match, everything seen)."""
    seen = []
    while True:
        event = events.get(timeout=timeout)
        seen.append(event)
        if predicate(event):
            return event, seen


def envelope(samples, rate, window_s=0.01):
    n = int(rate * window_s)
    usable = samples[: samples.size // n * n].reshape(-1, n)
    return np.sqrt(np.mean(usable**2, axis=1))


def loud_seconds(samples, rate):
    return float(np.sum(envelope(samples, rate) > 0.01) * 0.01)


@pytest.fixture
def speaker(virtual_speaker, tmp_path):
    events = queue.Queue()
    spk = AudioSpeaker(events, VoiceSettings(output_device="pulse", rate=170), cache_dir=tmp_path / "speech")
    yield spk, events
    spk.close()


def test_a_line_plays_through_the_speaker_and_matches_the_render(speaker, virtual_speaker):
    spk, events = speaker
    rendered = spk.renderer.render(LONG)
    recording = virtual_speaker.record()
    utterance = spk.say(LONG)
    started, _ = wait_for(events, lambda e: isinstance(e, SpeechStarted))
    done, _ = wait_for(events, lambda e: isinstance(e, SpeechDone))
    spk.say(SHORT)  # the device still holds LONG's last block: record past it
    wait_for(events, lambda e: isinstance(e, SpeechDone))
    recorded = recording.stop()
    assert started.utterance_id == done.utterance_id == utterance and not done.interrupted
    assert done.at - started.at == pytest.approx(rendered.duration_s - 0.3, abs=0.6)  # trimmed tail, real time
    samples, rate = read_wav(rendered.path)
    expected = envelope(resample(trim_silence(samples, rate), rate, recording.rate), recording.rate)
    heard = envelope(recorded, recording.rate)
    assert heard.size > expected.size
    scores = [np.corrcoef(heard[lag : lag + expected.size], expected)[0, 1] for lag in range(heard.size - expected.size + 1)]
    assert max(scores) > 0.9  # the speaker played exactly this line


def test_stop_cuts_the_voice_and_drops_queued_lines(speaker, virtual_speaker):
    spk, events = speaker
    short = spk.renderer.render(SHORT)
    spk.prerender([LONG, "You will never hear this."])
    recording = virtual_speaker.record()
    first, cut, dropped = spk.say(SHORT), spk.say(LONG), spk.say("You will never hear this.")
    _, before = wait_for(events, lambda e: isinstance(e, SpeechStarted) and e.utterance_id == cut)
    spk.stop()
    _, after = wait_for(events, lambda e: isinstance(e, SpeechDone) and e.utterance_id == dropped)
    seen = before + after
    spk.earcon("accepted")  # something audible after the cut, so the recording has flushed past it
    spk.say(SHORT)
    wait_for(events, lambda e: isinstance(e, SpeechDone) and e.utterance_id == dropped + 1)
    recorded = recording.stop()
    done = {e.utterance_id: e.interrupted for e in seen if isinstance(e, SpeechDone)}
    assert done == {first: False, cut: True, dropped: True}
    assert not any(isinstance(e, SpeechStarted) and e.utterance_id == dropped for e in seen)
    # heard: SHORT, a sliver of LONG, the tick, SHORT again; LONG alone would be 5 s
    assert loud_seconds(recorded, recording.rate) < 2 * short.duration_s + 0.8
    assert len(spk.player.stats.cut_delays_s) == 1


def test_prerender_fills_the_cache_once(speaker):
    spk, _ = speaker
    lines = ["One.", "Two.", "Three.", "One.", "  "]
    first = spk.prerender(lines, progress=False)
    assert [r.text for r in first] == ["One.", "Two.", "Three."]
    assert all(r.path.exists() for r in first)
    assert all(r.cached for r in spk.prerender(lines, progress=False))


def test_earcon_plays_through_the_speaker(speaker, virtual_speaker):
    spk, events = speaker
    recording = virtual_speaker.record()
    spk.earcon("rest_over")
    spk.say(SHORT)  # a line after it: when it is done, the bell has been played too
    wait_for(events, lambda e: isinstance(e, SpeechDone))
    recorded = recording.stop()
    spectrum = np.abs(np.fft.rfft(recorded[: recording.rate // 2]))
    freqs = np.fft.rfftfreq(recording.rate // 2, 1 / recording.rate)
    assert abs(freqs[np.argmax(spectrum)] - 784.0) < 10.0  # the bell's fundamental


# ---- without a real device ----------------------------------------------------------------------


@pytest.fixture
def fake_rig(tmp_path):
    streams, clock, events = [], FakeClock(100.0, step=0.0), queue.Queue()

    def factory(**kwargs):
        streams.append(FakeStream(**kwargs))
        return streams[-1]

    def make(voice=VoiceSettings()):
        return AudioSpeaker(events, voice, cache_dir=tmp_path, clock=clock,
                            player_factory=lambda notify: Player(notify, samplerate=22050, blocksize=1024, stream_factory=factory))

    return make, streams, clock, events


def pull_until_done(stream, events, utterance):
    """Drive the fake stream block by block until the utterance's SpeechDone arrives."""
    for _ in range(500):
        stream.pull(4)
        try:
            event = events.get(timeout=0.02)
        except queue.Empty:
            continue
        if isinstance(event, SpeechDone) and event.utterance_id == utterance:
            return event
    raise AssertionError(f"utterance {utterance} never finished")


def test_lost_device_prints_lines_then_playback_resumes(fake_rig, capsys):
    make, streams, clock, events = fake_rig
    spk = make()
    streams[0].finished_callback()  # the speaker was unplugged
    assert wait_for(events, lambda e: isinstance(e, DeviceChanged))[0] == DeviceChanged("output", False, "stream ended")
    assert "audio output device lost" in capsys.readouterr().err
    spoken = spk.say("Hinge at the hips.")
    done, _ = wait_for(events, lambda e: isinstance(e, SpeechDone))
    assert done.utterance_id == spoken and capsys.readouterr().out == "COACH: Hinge at the hips.\n"
    assert len(streams) == 1  # not retried yet: too soon
    clock.now += 5.0
    spoken = spk.say("Back again.")
    assert wait_for(events, lambda e: isinstance(e, DeviceChanged))[0] == DeviceChanged("output", True)
    done = pull_until_done(streams[1], events, spoken)
    assert not done.interrupted and capsys.readouterr().out == ""  # played, not printed
    spk.close()


def test_earcon_settings_gate_tones(fake_rig):
    make, streams, _, _ = fake_rig
    spk = make(VoiceSettings(earcons=True, metronome=False))
    spk.earcon("beat")  # metronome off
    assert not streams[0].pull(2).any()
    spk.earcon("accepted")
    assert streams[0].pull(2).any()
    spk.close()
    quiet = make(VoiceSettings(earcons=False))
    quiet.earcon("listening")
    assert not streams[-1].pull(2).any()
    quiet.close()


def test_text_speaker_prints_and_paces_on_the_clock():
    events, out, clock = queue.Queue(), io.StringIO(), FakeClock(100.0, step=0.0)
    spk = TextSpeaker(events, out=out, clock=clock, pace=True, rate_wpm=120)
    first = spk.say("Four words right here.")  # 4 words at 120 wpm + 0.2 s around a line: 2.2 s
    second = spk.say("Two words.")
    assert out.getvalue() == "COACH: Four words right here.\nCOACH: Two words.\n"
    assert [type(events.get_nowait()) for _ in range(2)] == [SpeechStarted, SpeechStarted]
    spk.poll(clock.now + 2.1)
    assert events.empty()
    spk.poll(clock.now + 2.2)
    assert events.get_nowait() == SpeechDone(first, clock.now + 2.2)
    assert events.empty()  # "Two words." queued behind the first line: it ends at 3.4 s
    spk.stop()
    assert events.get_nowait() == SpeechDone(second, clock.now, interrupted=True)


def test_text_speaker_unpaced_is_done_at_once():
    events = queue.Queue()
    spk = TextSpeaker(events, out=io.StringIO(), clock=lambda: 5.0)
    utterance = spk.say("Rest.")
    assert [events.get_nowait(), events.get_nowait()] == [SpeechStarted(utterance, 5.0), SpeechDone(utterance, 5.0)]


def test_no_output_device_warns_once_and_falls_back_to_text(pulse_server, tmp_path, capsys):
    """Devices exist (the private server's), but none has the configured name."""
    events = queue.Queue()
    spk = make_speaker(events, VoiceSettings(output_device="no-such-speaker-anywhere"), cache_dir=tmp_path)
    assert isinstance(spk, TextSpeaker)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("voicecoach: no output device matches") and err[0].endswith("text only")
    spk.say("Still coaching.")
    assert capsys.readouterr().out == "COACH: Still coaching.\n"
    assert isinstance(events.get_nowait(), SpeechStarted) and isinstance(events.get_nowait(), SpeechDone)


def test_engine_none_is_text_only(tmp_path, capsys):
    spk = make_speaker(queue.Queue(), VoiceSettings(engine="none"), cache_dir=tmp_path)
    assert isinstance(spk, TextSpeaker) and capsys.readouterr().err == ""


def test_a_lost_device_is_found_again_while_nothing_is_said(fake_rig):
    """Issue 15: the coach is silent while paused, so the speaker looks for the device by itself
    (the old one only looked when a line was said: the return was never noticed)."""
    make, streams, clock, events = fake_rig
    spk = make()
    streams[0].finished_callback()
    assert wait_for(events, lambda e: isinstance(e, DeviceChanged))[0] == DeviceChanged("output", False, "stream ended")
    clock.now += 5.0  # nothing said from here on
    assert wait_for(events, lambda e: isinstance(e, DeviceChanged))[0] == DeviceChanged("output", True)
    assert len(streams) == 2
    spk.close()
