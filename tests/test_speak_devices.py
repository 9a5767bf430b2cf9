"""Virtual audio devices (the fixtures) and device listing/choosing."""

import numpy as np
import pytest

from voicecoach.speak.devices import NoDeviceError, choose_device, list_devices


def test_private_pulse_server_answers(pulse_server):
    assert "Server Name: pulseaudio" in pulse_server.pactl("info")


def test_sounddevice_sees_pulse(pulse_server):
    names = [d.name for d in list_devices()]
    assert "pulse" in names


def test_choose_device_by_name_index_and_default(pulse_server):
    pulse = choose_device("PULS", "output")
    assert pulse.name == "pulse" and pulse.max_output_channels > 0
    assert choose_device(str(pulse.index), "output") == pulse
    assert choose_device("", "output").max_output_channels > 0


def test_choose_device_unknown_name_is_a_user_error(pulse_server):
    with pytest.raises(NoDeviceError, match="no output device matches 'no-such-card'"):
        choose_device("no-such-card", "output")
    with pytest.raises(NoDeviceError, match="index 999"):
        choose_device("999", "output")


def test_virtual_speaker_records_what_sounddevice_plays(virtual_speaker):
    import sounddevice as sd

    recording = virtual_speaker.record()
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(24000) / 48000)).astype(np.float32)
    silence = np.zeros(9600, dtype=np.float32)
    sd.play(np.concatenate([tone, silence]), 48000, device=choose_device("pulse").index, blocking=True)
    audio = recording.stop()
    assert np.max(np.abs(audio)) > 0.3


def test_virtual_microphone_hears_what_is_played_into_it(virtual_microphone, tmp_path):
    import sounddevice as sd
    from voicecoach.speak.wav import write_wav

    tone = tmp_path / "tone.wav"
    write_wav(tone, 0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000), 16000)
    chunks = []
    with sd.InputStream(device=choose_device("pulse", "input").index, samplerate=16000, channels=1, dtype="float32",
                        callback=lambda data, frames, t, status: chunks.append(data.copy())):
        virtual_microphone.play(tone, wait=True)
    audio = np.concatenate(chunks)[:, 0]
    assert np.max(np.abs(audio)) > 0.3
