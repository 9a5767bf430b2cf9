"""Audio devices as sounddevice (PortAudio) sees them: list them, pick one by index or name."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from voicecoach.errors import UserError


class NoDeviceError(UserError):
    """No usable audio device (none at all, or none matches what was asked for)."""


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    default_input: bool
    default_output: bool

    def as_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


def list_devices() -> list[DeviceInfo]:
    """Every input and output device, with which ones are the defaults."""
    import sounddevice as sd

    hostapis = sd.query_hostapis()
    default_in, default_out = _default_indices()
    return [
        DeviceInfo(
            index=d["index"],
            name=d["name"],
            hostapi=hostapis[d["hostapi"]]["name"],
            max_input_channels=d["max_input_channels"],
            max_output_channels=d["max_output_channels"],
            default_samplerate=float(d["default_samplerate"]),
            default_input=d["index"] == default_in,
            default_output=d["index"] == default_out,
        )
        for d in sd.query_devices()
    ]


def _default_indices() -> tuple[int, int]:
    """(default input index, default output index); -1 when there is none."""
    import sounddevice as sd

    try:
        default_in, default_out = sd.default.device
    except (TypeError, ValueError):
        default_in = default_out = sd.default.device
    result = []
    for kind, index in (("input", default_in), ("output", default_out)):
        if index is None or index < 0:
            try:
                index = sd.query_devices(kind=kind)["index"]
            except (sd.PortAudioError, ValueError):
                index = -1
        result.append(int(index))
    return result[0], result[1]


def choose_device(spec: str, kind: str = "output") -> DeviceInfo:
    """The device for a setting: "" = the default, digits = an index, else a name substring.

    Raises :class:`NoDeviceError` (one line, for the user) when nothing fits.
    """
    devices = list_devices()
    channels = "max_output_channels" if kind == "output" else "max_input_channels"
    usable = [d for d in devices if getattr(d, channels) > 0]
    if not usable:
        raise NoDeviceError(f"no audio {kind} device found")
    spec = spec.strip()
    if not spec:
        defaults = [d for d in usable if (d.default_output if kind == "output" else d.default_input)]
        return defaults[0] if defaults else usable[0]
    if spec.isdigit():
        for device in usable:
            if device.index == int(spec):
                return device
        raise NoDeviceError(f"no {kind} device with index {spec}; see: voicecoach devices", exit_code=2)
    for device in usable:
        if spec.lower() in device.name.lower():
            return device
    names = ", ".join(f"{d.index}: {d.name}" for d in usable)
    raise NoDeviceError(f"no {kind} device matches {spec!r}; available: {names}", exit_code=2)
