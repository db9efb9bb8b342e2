"""Playing a session's recording back, at 0.5x to 2x, and saying where it has got to.

A :class:`Player` decodes the span asked for (soundfile) in blocks, silences
what is off the record, changes its speed keeping the voice's pitch (WSOLA, and
soxr to reach the output's rate), and hands it to a PortAudio output
stream whose callback runs on PortAudio's own thread. Only the first block is
decoded by :meth:`Player.play` itself (a few milliseconds: a short quote is
whole in it); a decoder thread reads the rest a few blocks ahead of what is
heard, so playing from a segment of a one-hour recording, or changing speed,
never holds the UI up while the rest of the file is decoded, and memory stays
small. The UI polls :attr:`Player.position_s` to follow along. sounddevice loads lazily: without
PortAudio or an output device, :meth:`Player.play` raises one
:class:`~sessions.errors.DeviceError` line and nothing else is affected.

``FACILITATE_OUTPUT_DEVICE`` (an index or part of a name) picks the output.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sessions.audio import silence_in_place
from sessions.encryption import open_audio
from sessions.errors import AudioError, DeviceError, one_line

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: Rates tried for the output stream, the recording's own first.
FALLBACK_RATES = (48000, 44100)
#: Seconds of the recording decoded at a time; the first block is decoded by ``play``.
BLOCK_S = 8.0
#: Blocks decoded ahead of what is heard (memory stays a few seconds of audio).
BLOCKS_AHEAD = 3

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


def stretch(samples: np.ndarray, speed: float, rate: int = 16000) -> np.ndarray:
    """``samples`` played ``speed`` times as fast, the voice at its own pitch."""
    return _Speed(speed, rate, rate).process(samples, last=True)


class _Speed:
    """A recording's blocks played faster or slower, at the output's rate.

    The speed changes by WSOLA time-scale modification (audiotsm), which keeps a
    voice at its own pitch: resampled, a voice at 0.75x drops by a fourth and is
    hard to transcribe from. The output's rate, where it differs from the
    recording's, is reached by soxr's streaming resampler. Both carry their state
    across blocks, so a recording decoded block by block plays as if changed whole
    (no clicks or drift at block edges); ``last`` lets both give out their tail.
    """

    def __init__(self, speed: float, in_rate: int, out_rate: int) -> None:
        import audiotsm
        import soxr

        self._tsm: Any = None
        if abs(speed - 1.0) > 1e-9:
            # Frames of about 40 ms whatever the rate: a speech window, where the
            # package's default (1024 samples) suits music at 44.1 kHz.
            frame = max(256, 2 * round(in_rate * 0.02))
            self._tsm = audiotsm.wsola(1, speed=speed, frame_length=frame)
        self._resample: Any = None
        if in_rate != out_rate:
            self._resample = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32")

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """The output for the next ``block`` of input; ``last`` adds what is held back."""
        out = np.ascontiguousarray(block, dtype=np.float32)
        if self._tsm is not None:
            from audiotsm.io.array import ArrayReader, ArrayWriter

            reader, writer = ArrayReader(out[np.newaxis, :]), ArrayWriter(1)
            finished = False
            while not (finished and reader.empty):
                self._tsm.read_from(reader)
                _, finished = self._tsm.write_to(writer)
            flushed = not last
            while not flushed:
                _, flushed = self._tsm.flush_to(writer)
            out = np.ascontiguousarray(writer.data[0], dtype=np.float32)
        if self._resample is not None:
            out = self._resample.resample_chunk(out, last=last)
        return out


class _Decoder:
    """Reads one span of a recording block by block, ready to play at the output rate."""

    def __init__(self, path: Path, start_s: float, end_s: float | None, speed: float,
                 silence: Sequence[tuple[float, float]]) -> None:
        """Open ``path`` and seek to ``start_s``; :class:`AudioError` if it cannot be read."""
        import soundfile

        self.path = path
        self.silence = list(silence)
        try:
            # An encrypted recording is decrypted as it is read, never copied plain.
            self._source = open_audio(path)
            self._sound = soundfile.SoundFile(self._source)
            self.rate = int(self._sound.samplerate)
            frames = self._sound.frames
            first = min(max(0, int(start_s * self.rate)), frames)
            self._last = frames if end_s is None else min(frames, int(end_s * self.rate) + 1)
            self._sound.seek(first)
        except Exception as error:
            self.close()
            raise AudioError(f"Cannot read the recording {path.name}: {one_line(error)}") from None
        self._next = first  # the recording frame the next block starts at
        self._speed = float(speed)
        self._stretch = _Speed(self._speed, self.rate, self.rate)

    def set_output_rate(self, out_rate: int) -> None:
        """Resample to ``out_rate`` too (the output could not open at the recording's rate)."""
        self._stretch = _Speed(self._speed, self.rate, out_rate)

    @property
    def done(self) -> bool:
        """True once the whole span has been read."""
        return self._next >= self._last

    def read(self) -> np.ndarray:
        """The next block, silenced where off the record and stretched; empty at the end."""
        count = min(round(BLOCK_S * self.rate), self._last - self._next)
        if count <= 0:
            return np.zeros(0, dtype=np.float32)
        try:
            data = self._sound.read(count, dtype="float32", always_2d=True)
        except Exception as error:
            raise AudioError(
                f"Cannot read the recording {self.path.name}: {one_line(error)}") from None
        if len(data) == 0:
            self._last = self._next  # the file is shorter than it said
            return self._stretch.process(np.zeros(0, dtype=np.float32), last=True)
        samples = np.ascontiguousarray(data.mean(axis=1), dtype=np.float32)
        silence_in_place(samples, self.silence, self.rate, offset=self._next)
        self._next += len(samples)
        return self._stretch.process(samples, last=self.done)

    def close(self) -> None:
        """Let go of the file."""
        sound = getattr(self, "_sound", None)
        if sound is not None:
            try:
                sound.close()
            except Exception:  # already closed, or a vanished file: nothing to release
                pass
        source = getattr(self, "_source", None)
        if source is not None and not isinstance(source, str):
            source.close()


class Player:
    """Plays spans of one recording; one at a time, any method from the UI thread."""

    def __init__(self, device: int | str | None = None) -> None:
        """Nothing opens until :meth:`play`. ``device`` None means ``output_device()``."""
        self.device = device if device is not None else output_device()
        self._lock = threading.Lock()
        self._stream: Any = None
        #: The block playing now (the first block of a span once ``play`` returns).
        self._audio = np.zeros(0, dtype=np.float32)
        self._frame = 0  # next frame of _audio to play
        self._played = 0  # frames of the span played before _audio
        #: Blocks decoded ahead, taken by the callback in order.
        self._ahead: deque[np.ndarray] = deque()
        self._room = threading.Condition(threading.Lock())  # the decoder waits here
        self._decoded_all = threading.Event()
        self._cancel = threading.Event()  # of the current span's decoder
        self._decoder: threading.Thread | None = None
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
        return self._start_s + (self._played + self._frame) / self._rate * self._speed

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
        :class:`AudioError` for an unreadable recording. Returns within milliseconds
        whatever the length of the span: only its first block is decoded here.
        """
        self.stop()
        sd = _import_sounddevice()
        decoder = _Decoder(Path(path), start_s, end_s, speed, silence)
        try:
            stream, out_rate = self._open(sd, decoder.rate)
            if out_rate != decoder.rate:
                decoder.set_output_rate(out_rate)
            first = decoder.read()
        except BaseException:
            decoder.close()
            raise
        cancel = threading.Event()
        with self._lock:
            self._audio, self._frame, self._played, self._rate = first, 0, 0, out_rate
            self._start_s, self._speed, self._paused = float(start_s), float(speed), False
            self._ahead = deque()
            self._cancel = cancel
            self._decoded_all = threading.Event()
            self._finished.clear()
            self._stream = stream
        if decoder.done:
            decoder.close()
            self._decoded_all.set()
        else:
            self._decoder = threading.Thread(
                target=self._decode, args=(decoder, cancel, self._ahead, self._decoded_all),
                name="playback-decoder", daemon=True)
            self._decoder.start()
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
            self._cancel.set()
        with self._room:
            self._room.notify_all()  # a decoder waiting for room sees it is cancelled
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

    def _decode(self, decoder: _Decoder, cancel: threading.Event, ahead: deque[np.ndarray],
                decoded_all: threading.Event) -> None:
        """The decoder thread: keep :data:`BLOCKS_AHEAD` blocks ready until the span ends.

        A block that cannot be read ends the span early (the output plays what it has).
        """
        try:
            while not cancel.is_set() and not decoder.done:
                with self._room:
                    while len(ahead) >= BLOCKS_AHEAD and not cancel.is_set():
                        self._room.wait(0.5)
                if cancel.is_set():
                    return
                block = decoder.read()
                if len(block):
                    ahead.append(block)
        except AudioError:
            pass  # the file went away or is damaged: what was read still plays
        finally:
            decoder.close()
            decoded_all.set()

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: copy the next frames out; silence while paused, or in the
        # rare case the decoder has not kept up (the position then waits too).
        if self._paused:
            outdata.fill(0)
            return
        filled = 0
        while filled < frames:
            start = self._frame
            chunk = self._audio[start:start + frames - filled]
            outdata[filled:filled + len(chunk), 0] = chunk
            filled += len(chunk)
            self._frame = start + len(chunk)
            if filled == frames:
                return
            ahead = self._ahead
            if ahead:
                self._played += len(self._audio)
                self._audio, self._frame = ahead.popleft(), 0
                with self._room:
                    self._room.notify()
                continue
            outdata[filled:].fill(0)
            if self._decoded_all.is_set() and not ahead:
                import sounddevice

                raise sounddevice.CallbackStop
            return


def _import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError:
        raise DeviceError(NO_PORTAUDIO) from None
    return sounddevice
