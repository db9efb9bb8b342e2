"""Playing a session's recording back, at 0.5x to 2x, and saying where it has got to.

A :class:`Player` decodes the span asked for (soundfile), silences what is off
the record, changes its speed by simple resampling (the pitch moves with it,
which is fine for checking speech), and hands it to a PortAudio output stream
whose callback runs on PortAudio's own thread. The UI polls
:attr:`Player.position_s` to follow along. sounddevice loads lazily: without
PortAudio or an output device, :meth:`Player.play` raises one
:class:`~sessions.errors.DeviceError` line and nothing else is affected.

``FACILITATE_OUTPUT_DEVICE`` (an index or part of a name) picks the output.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sessions.audio import silence_in_place
from sessions.errors import AudioError, DeviceError, one_line

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: Rates tried for the output stream, the recording's own first.
FALLBACK_RATES = (48000, 44100)

NO_PORTAUDIO = (
    "Playback needs the PortAudio sound library (e.g. `sudo apt install libportaudio2`); "
    "everything else works without it."
)
NO_OUTPUT = "No sound output found: plug in headphones or speakers to play the recording."


def output_device() -> int | str | None:
    """The output named by ``FACILITATE_OUTPUT_DEVICE``, or None for the default."""
    value = os.environ.get("FACILITATE_OUTPUT_DEVICE", "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def slower(speed: float) -> float:
    """The next slower speed (stays at the slowest)."""
    lower = [s for s in SPEEDS if s < speed - 1e-9]
    return lower[-1] if lower else SPEEDS[0]


def faster(speed: float) -> float:
    """The next faster speed (stays at the fastest)."""
    higher = [s for s in SPEEDS if s > speed + 1e-9]
    return higher[0] if higher else SPEEDS[-1]


def stretch(samples: np.ndarray, speed: float) -> np.ndarray:
    """``samples`` played ``speed`` times as fast, by linear interpolation."""
    if abs(speed - 1.0) < 1e-9 or len(samples) < 2:
        return samples
    where = np.arange(0, len(samples) - 1, speed)
    return np.interp(where, np.arange(len(samples)), samples).astype(np.float32)


class Player:
    """Plays spans of one recording; one at a time, any method from the UI thread."""

    def __init__(self, device: int | str | None = None) -> None:
        """Nothing opens until :meth:`play`. ``device`` None means ``output_device()``."""
        self.device = device if device is not None else output_device()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._audio = np.zeros(0, dtype=np.float32)
        self._frame = 0  # next frame of _audio to play
        self._rate = 16000
        self._start_s = 0.0
        self._speed = 1.0
        self._paused = False
        self._finished = threading.Event()

    # -- state -------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        """True while sound is coming out (not paused, not finished)."""
        return self._stream is not None and not self._paused and not self._finished.is_set()

    @property
    def paused(self) -> bool:
        """True when paused part-way through a span."""
        return self._stream is not None and self._paused and not self._finished.is_set()

    @property
    def speed(self) -> float:
        """The speed of the span playing now (1.0 is as recorded)."""
        return self._speed

    @property
    def position_s(self) -> float | None:
        """Where in the recording playback is (seconds), or None when nothing is loaded."""
        if self._stream is None:
            return None
        return self._start_s + self._frame / self._rate * self._speed

    # -- control -----------------------------------------------------------------

    def play(
        self,
        path: Path,
        start_s: float,
        end_s: float | None = None,
        *,
        speed: float = 1.0,
        silence: Sequence[tuple[float, float]] = (),
    ) -> None:
        """Play ``path`` from ``start_s`` to ``end_s`` (None: the end) at ``speed``.

        ``silence`` spans (recording seconds, e.g. non-consenting speech) are not
        heard. Raises :class:`DeviceError` without PortAudio or an output, and
        :class:`AudioError` for an unreadable recording.
        """
        self.stop()
        sd = _import_sounddevice()
        samples, rate, first = _read_span(Path(path), start_s, end_s)
        silence_in_place(samples, silence, rate, offset=first)
        audio = stretch(samples, speed)
        stream, out_rate = self._open(sd, rate)
        if out_rate != rate:
            audio = np.interp(np.arange(0, len(audio), rate / out_rate),
                              np.arange(len(audio)), audio).astype(np.float32)
        with self._lock:
            self._audio, self._frame, self._rate = audio, 0, out_rate
            self._start_s, self._speed, self._paused = float(start_s), float(speed), False
            self._finished.clear()
            self._stream = stream
        try:
            stream.start()
        except Exception as error:
            self.stop()
            raise DeviceError(f"Cannot play the recording: {one_line(error)}") from None

    def pause(self) -> None:
        """Pause; :meth:`resume` carries on from the same place."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        """Carry on after :meth:`pause`."""
        with self._lock:
            self._paused = False

    def stop(self) -> None:
        """Stop and let go of the output."""
        with self._lock:
            stream, self._stream = self._stream, None
            self._finished.set()
        if stream is not None:
            for method in (stream.stop, stream.close):
                try:
                    method()
                except Exception:  # a vanished device: nothing left to stop
                    pass

    @property
    def finished(self) -> bool:
        """True once the span has played to its end (or was stopped)."""
        return self._finished.is_set()

    # -- internals ----------------------------------------------------------------

    def _open(self, sd: Any, rate: int) -> tuple[Any, int]:
        try:
            info = sd.query_devices(self.device, "output")
        except Exception as error:
            if self.device is None:
                raise DeviceError(NO_OUTPUT) from None
            raise DeviceError(
                f"No sound output called {self.device!r}: {one_line(error)}"
            ) from None
        problem = ""
        rates = dict.fromkeys([rate, int(info["default_samplerate"]), *FALLBACK_RATES])
        for candidate in rates:
            try:
                stream = sd.OutputStream(
                    device=int(info["index"]), samplerate=candidate, channels=1,
                    dtype="float32", callback=self._callback,
                    finished_callback=self._finished.set,
                )
            except Exception as error:
                problem = one_line(error)
                continue
            return stream, int(candidate)
        raise DeviceError(f"The sound output {info['name']!r} cannot play: {problem}")

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: copy the next frames out; silence while paused.
        if self._paused:
            outdata.fill(0)
            return
        start = self._frame
        chunk = self._audio[start:start + frames]
        outdata[: len(chunk), 0] = chunk
        if len(chunk) < frames:
            outdata[len(chunk):].fill(0)
            self._frame = start + len(chunk)
            import sounddevice

            raise sounddevice.CallbackStop
        self._frame = start + frames


def _import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError:
        raise DeviceError(NO_PORTAUDIO) from None
    return sounddevice


def _read_span(
    path: Path, start_s: float, end_s: float | None
) -> tuple[np.ndarray, int, int]:
    """Mono float32 samples of ``path`` from ``start_s`` to ``end_s``, their rate, and the
    frame of the recording the first of them is."""
    import soundfile

    try:
        with soundfile.SoundFile(str(path)) as sound:
            rate = sound.samplerate
            first = max(0, int(start_s * rate))
            last = sound.frames if end_s is None else min(sound.frames, int(end_s * rate) + 1)
            first = min(first, sound.frames)
            sound.seek(first)
            data = sound.read(max(0, last - first), dtype="float32", always_2d=True)
    except Exception as error:
        raise AudioError(f"Cannot read the recording {path.name}: {one_line(error)}") from None
    return np.ascontiguousarray(data.mean(axis=1), dtype=np.float32), int(rate), first
