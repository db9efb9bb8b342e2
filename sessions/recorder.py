"""Live, crash-safe recording from the microphone to 16 kHz mono FLAC.

How it stays safe:

* The PortAudio callback only copies each block into a queue; a writer thread
  drains the queue, mixes to mono, resamples to 16 kHz if the device could not
  open at that rate, and appends raw 16-bit PCM to ``<name>.pcm.partial``.
  The file is fsynced every quarter second, so a kill or power cut loses well
  under a second. A small JSON sidecar, ``<name>.recording.json``, says how to
  read the partial file; :func:`sessions.recovery.recover` turns leftovers into
  FLAC.
* ``stop()`` converts the partial file to ``<name>.flac`` (temporary file, fsync,
  rename, mode 0600) and only then removes the partial file and the sidecar.
* A full disk stops the recording cleanly: what was written stays, and
  :attr:`Recorder.error` says so in one line.

Strikes are kept three ways, so that the saved file has exact digital silence
in every struck span whatever happens: each span is first saved in the sidecar
(atomically), then the writer overwrites the samples already on disk with zeros
and zeroes later samples inside the span as they arrive (a span can reach into
the future: "strike the last 30 s" while still recording), and finally the
spans are applied once more when the FLAC is written, by ``stop()`` or by
:func:`recover`. The struck speech therefore never lingers in the partial file
either, and a crash between any two of these steps cannot bring it back.

sounddevice is imported inside the functions that need it: it loads the
PortAudio library, and ``facilitate --help`` must work without one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from sessions.atomic import atomic_write_json, fsync_dir
from sessions.audio import frame_range, silence_in_place
from sessions.clock import now_iso
from sessions.encryption import key_for
from sessions.errors import AudioError, DeviceError, one_line
from sessions.locations import PRIVATE_FILE, ensure_private_dir
from sessions.recovery import (
    SAMPLE_BYTES,
    SAMPLE_RATE,
    RecoveredRecording,
    format_duration,
    partial_path,
    pcm_to_flac,
    recover,
    sidecar_path,
)
from sessions.sealed import RECORDING_CHUNK, SealedFile

# Other modules import the recording format and recovery from here too.
__all__ = [
    "BLOCK_S",
    "FSYNC_EVERY_S",
    "NO_INPUT",
    "NO_PORTAUDIO",
    "QUEUE_SECONDS",
    "SAMPLE_BYTES",
    "SAMPLE_RATE",
    "InputDevice",
    "RecoveredRecording",
    "Recorder",
    "check_input",
    "format_duration",
    "input_devices",
    "partial_path",
    "recover",
    "sidecar_path",
]

#: How often the partial file is forced to disk: a kill loses at most about this much.
FSYNC_EVERY_S = 0.25
#: One PortAudio block: short enough for a lively level meter, long enough to be cheap.
BLOCK_S = 0.05
#: Blocks the queue may hold (a minute) before new ones are dropped and counted as
#: overflows; bounded so that a stalled disk cannot eat all the memory.
QUEUE_SECONDS = 60.0

NO_PORTAUDIO = (
    "The PortAudio sound library is not installed, so nothing can be recorded: "
    "install it (e.g. `sudo apt install libportaudio2`) and start facilitate again."
)
NO_INPUT = (
    "No microphone found: plug one in (or switch it on) and check that the "
    "computer's sound settings can see it."
)

_STOP = object()  # tells the writer thread that no more blocks will come


@dataclass(frozen=True)
class InputDevice:
    """A sound input PortAudio can record from."""

    index: int
    name: str
    default_samplerate: float
    is_default: bool


def _import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into one clear line."""
    try:
        import sounddevice
    except OSError:
        # sounddevice raises OSError("PortAudio library not found") at import.
        raise DeviceError(NO_PORTAUDIO) from None
    return sounddevice


def _default_input_index(sd: ModuleType) -> int:
    try:
        default = sd.default.device[0]
    except Exception:
        return -1
    return int(default) if default is not None else -1


def input_devices() -> list[InputDevice]:
    """The inputs PortAudio can see. Raises :class:`DeviceError` without PortAudio."""
    sd = _import_sounddevice()
    default = _default_input_index(sd)
    found = []
    for info in sd.query_devices():
        if info["max_input_channels"] > 0:
            index = int(info["index"])
            found.append(
                InputDevice(index, str(info["name"]), float(info["default_samplerate"]),
                            index == default)
            )
    return found


def check_input() -> str | None:
    """None when recording can work, else one line saying what is wrong."""
    try:
        devices = input_devices()
    except DeviceError as error:
        return str(error)
    except Exception as error:  # a broken sound system: still one line, never a traceback
        return f"The sound system cannot list inputs: {error}"
    return None if devices else NO_INPUT


class _Resampler:
    """Streaming resampler for speech (soxr, high quality) from the device's rate to 16 kHz.

    soxr low-passes before it resamples, so no aliasing reaches the speech band,
    and it aligns its output: sample n is input time n / target_rate, so marks and
    strikes line up. State carries across blocks (no clicks at block edges); it
    holds back about 12 ms, given out when the last block is marked ``last``.
    """

    def __init__(self, source_rate: float, target_rate: int) -> None:
        import soxr

        self._stream = soxr.ResampleStream(float(source_rate), float(target_rate), 1,
                                           dtype="float64", quality="HQ")

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """Resample the next block of mono samples; ``last`` gives out what is held back."""
        x = np.ascontiguousarray(block, dtype=np.float64)
        return self._stream.resample_chunk(x, last=last)


class Recorder:
    """Records one session from a microphone to ``<folder>/<name>.flac``.

    Call :meth:`start`, then :meth:`pause`/:meth:`resume`/:meth:`strike` as the
    session goes, and :meth:`stop` to save. All methods are quick and meant for
    the UI thread; the recording itself happens on PortAudio's thread and a
    writer thread. Properties are safe to read from any thread at any time.
    """

    def __init__(
        self,
        folder: Path,
        name: str,
        device: int | str | None = None,
        sample_rate: int = SAMPLE_RATE,
        device_rates: Sequence[int] | None = None,
    ) -> None:
        """Prepare (nothing opens yet). ``device`` is an index, part of a name, or None
        for the default input; ``device_rates`` are the rates to try opening it at
        (default: ``sample_rate``, then the device's own default)."""
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"Not a usable recording name: {name!r}")
        self.folder = Path(folder)
        self.name = name
        self.device = device
        self.sample_rate = int(sample_rate)
        self.device_rates = tuple(device_rates) if device_rates else None
        self.partial_path = partial_path(self.folder, name)
        self.sidecar_path = sidecar_path(self.folder, name)
        self.flac_path = self.folder / f"{name}.flac"
        #: The rate the device actually opened at, once started.
        self.device_rate: float | None = None
        self.started_at = ""
        self._meta: dict[str, Any] = {}
        self._meta_lock = threading.Lock()
        self._stream_lock = threading.Lock()
        self._stream: Any = None
        self._fd: int | None = None
        #: The partial file's sealed view, in an encrypted consultation.
        self._sealed: SealedFile | None = None
        self._queue: queue.Queue[Any] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._resampler: _Resampler | None = None
        self._block_frames = 0
        self._struck: list[tuple[float, float]] = []
        self._to_zero: list[tuple[float, float]] = []  # struck, not yet zeroed on disk
        self._written_frames = 0
        #: Device frames the microphone has handed over for writing (dropped blocks not).
        self._heard_frames = 0
        self._overflows = 0
        self._dropped = 0
        self._level = 0.0
        self._max_lag_ms = 0.0
        self._started = False
        self._paused = False
        self._finished = False
        self._saved: Path | None = None
        self._error: str | None = None

    # -- what the UI reads -------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        """Seconds recorded so far, paused time excluded: also the time base of marks."""
        return self._written_frames / self.sample_rate

    @property
    def heard_s(self) -> float:
        """Seconds of audio the microphone has handed over: written, or queued to be.

        The time of a mark. It follows the recorder's sample count, never the wall
        clock, so a stalled microphone stops it; and it counts what the writer has
        yet to write, so a stalled disk (or a busy machine) does not hold marks back
        behind the speech they are pressed for.
        """
        rate = self.device_rate
        heard = self._heard_frames / rate if rate else 0.0
        return max(heard, self.elapsed_s)

    @property
    def level(self) -> float:
        """RMS of the latest block, 0..1 (full scale), for a level meter; 0 while paused."""
        return 0.0 if self._paused else self._level

    @property
    def overflows(self) -> int:
        """Blocks the sound system or the queue had to drop (input overflows). Goal: 0."""
        return self._overflows + self._dropped

    @property
    def lag_ms(self) -> float:
        """How far the writer is behind the microphone, in milliseconds."""
        if not self.device_rate:
            return 0.0
        return self._queue.qsize() * self._block_frames / self.device_rate * 1000.0

    @property
    def max_lag_ms(self) -> float:
        """The largest :attr:`lag_ms` the writer has seen."""
        return self._max_lag_ms

    @property
    def is_recording(self) -> bool:
        """True from :meth:`start` until :meth:`stop` or an error, paused or not."""
        return self._started and not self._finished and self._error is None

    @property
    def is_paused(self) -> bool:
        """True while paused: the microphone is closed and nothing is captured."""
        return self._paused and self.is_recording

    @property
    def error(self) -> str | None:
        """One line when recording stopped by itself (e.g. the disk filled up)."""
        return self._error

    @property
    def struck(self) -> list[tuple[float, float]]:
        """The spans (seconds) taken off the record so far."""
        with self._meta_lock:
            return list(self._struck)

    # -- control -----------------------------------------------------------------

    def start(self) -> None:
        """Open the microphone and start recording.

        Raises :class:`DeviceError` (no PortAudio, no or unusable microphone) or
        :class:`AudioError` (a recording of that name exists, the folder is unwritable).
        """
        if self._started:
            raise RuntimeError("This recorder has already been started")
        sd = _import_sounddevice()
        device, rate, channels = self._choose_input(sd)
        ensure_private_dir(self.folder)
        for existing in (self.flac_path, self.partial_path):
            if existing.exists():
                raise AudioError(
                    f"{existing} already exists; choose another name (or recover it first)."
                )
        try:
            fd = os.open(self.partial_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except OSError as error:
            raise AudioError(f"Cannot create {self.partial_path}: {error.strerror}") from None
        # Held until the FLAC is saved, so recover() never touches a live recording.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd
        try:
            key = key_for(self.partial_path)
            # An encrypted consultation's audio is sealed from its first sample.
            self._sealed = None if key is None else SealedFile(
                fd, key, lenient=True, chunk=RECORDING_CHUNK, where=str(self.partial_path),
                buffered=True, create=True,
            )
        except BaseException:
            self._abandon()
            raise
        self.device_rate = rate
        self.started_at = now_iso()
        self._meta = {
            "version": 1,
            "name": self.name,
            "format": "s16le",
            "sample_rate": self.sample_rate,
            "channels": 1,
            "started_at": self.started_at,
            "state": "recording",
            "device": str(device),
            "device_rate": rate,
            "struck": [],
        }
        try:
            atomic_write_json(self.sidecar_path, self._meta)
            self._block_frames = max(1, round(rate * BLOCK_S))
            self._queue = queue.Queue(maxsize=max(1, int(QUEUE_SECONDS / BLOCK_S)))
            if round(rate) != self.sample_rate:
                self._resampler = _Resampler(rate, self.sample_rate)
            try:
                self._stream = sd.InputStream(
                    device=device, samplerate=rate, channels=channels, dtype="int16",
                    blocksize=self._block_frames, callback=self._callback,
                )
            except Exception as error:
                raise DeviceError(f"Cannot open the microphone: {one_line(error)}") from None
            self._started = True
            self._writer = threading.Thread(
                target=self._write_loop, name=f"recorder-{self.name}", daemon=True
            )
            self._writer.start()
            try:
                self._stream.start()
            except Exception as error:
                self._started = False
                self._queue.put(_STOP)
                self._writer.join()
                raise DeviceError(f"Cannot start the microphone: {one_line(error)}") from None
        except BaseException:
            self._abandon()
            raise

    def pause(self) -> None:
        """Stop capturing until :meth:`resume`; what was captured is still written."""
        if not self.is_recording or self._paused:
            return
        with self._stream_lock:
            if self._stream is not None:
                # Closing the microphone (not discarding blocks) means nothing at all is
                # captured while paused, which is what participants are told.
                self._stream.stop()
        self._paused = True
        self._save_meta(state="paused")

    def resume(self) -> None:
        """Capture again after :meth:`pause`. Raises :class:`DeviceError` if the
        microphone has gone."""
        if not self.is_recording or not self._paused:
            return
        with self._stream_lock:
            try:
                self._stream.start()
            except Exception as error:
                raise DeviceError(f"Cannot restart the microphone: {one_line(error)}") from None
        self._paused = False
        self._save_meta(state="recording")

    def strike(self, start_s: float, end_s: float) -> None:
        """Take ``start_s``..``end_s`` (recording seconds) off the record: exact silence.

        The span may reach past what is recorded so far; audio arriving inside it is
        silenced as it comes. Works while recording or paused. A span that overlaps
        or touches the newest one extends it instead of adding another, so silencing
        ahead of a speaker who said no, a little more every tick for an hour, keeps
        one span and a sidecar of constant size.
        """
        if not self._started or self._finished:
            raise RuntimeError("Strike only while recording")
        start_s, end_s = max(0.0, float(start_s)), float(end_s)
        if end_s <= start_s:
            return
        with self._meta_lock:
            newest = self._struck[-1] if self._struck else None
            if newest is not None and newest[0] <= start_s and end_s <= newest[1]:
                return  # already struck: nothing to save or zero
            if newest is not None and start_s <= newest[1] and end_s >= newest[0]:
                self._struck[-1] = (min(newest[0], start_s), max(newest[1], end_s))
            else:
                self._struck.append((start_s, end_s))
            self._to_zero.append((start_s, end_s))
            self._meta["struck"] = [list(span) for span in self._struck]
            meta = dict(self._meta)
        # Saved before any zeroing: if we die now, recover() still silences the span.
        with contextlib.suppress(OSError):
            atomic_write_json(self.sidecar_path, meta)
        if self._writer is None or not self._writer.is_alive():
            self._zero_on_disk()  # the writer has stopped (e.g. disk full): do it here
            if self._sealed is not None:
                with contextlib.suppress(OSError):
                    self._sealed.flush()

    def discard(self) -> None:
        """Stop without saving and remove what was written.

        For a recording that could not be registered with its session (say the
        disk filled as it started): nothing is left for recovery to find.
        """
        if not self._started or self._saved is not None:
            return
        self._finished = True
        self._close_stream()
        self._stop_writer()
        self._release_fd()
        for leftover in (self.partial_path, self.sidecar_path):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def stop(self) -> Path:
        """Stop and save ``<name>.flac`` (0600); return its path.

        Raises :class:`AudioError` when the FLAC cannot be written (e.g. the disk is
        full): the partial file is then kept, and :func:`recover` saves it later.
        """
        if not self._started:
            raise RuntimeError("This recorder was never started")
        if self._saved is not None:
            return self._saved
        self._finished = True
        self._close_stream()
        self._stop_writer()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                if self._sealed is not None:
                    self._sealed.flush()
                os.fsync(self._fd)
        try:
            pcm_to_flac(self.partial_path, self.flac_path, self.sample_rate, 1, self.struck)
        except OSError as error:
            raise AudioError(
                f"Cannot save the recording as FLAC ({error.strerror or error}); the audio is "
                f"kept in {self.partial_path.name}: free some space, then reopen facilitate "
                "to recover it."
            ) from None
        self.partial_path.unlink()
        with contextlib.suppress(OSError):
            self.sidecar_path.unlink()
        fsync_dir(self.folder)
        self._release_fd()
        self._saved = self.flac_path
        return self.flac_path

    # -- internals ---------------------------------------------------------------

    def _choose_input(self, sd: ModuleType) -> tuple[Any, float, int]:
        """Pick the device, and the first rate and channel count it accepts."""
        device = self.device
        if device is None:
            index = _default_input_index(sd)
            if index < 0:
                try:
                    inputs = [d for d in input_devices()]
                except Exception:
                    inputs = []
                if not inputs:
                    raise DeviceError(NO_INPUT)
                index = inputs[0].index
            device = index
        try:
            info = sd.query_devices(device, "input")
        except Exception as error:
            if self.device is None:
                raise DeviceError(NO_INPUT) from None
            raise DeviceError(
                f"No microphone called {self.device!r}: {one_line(error)}"
            ) from None
        device = int(info["index"])
        rates = list(self.device_rates or (self.sample_rate, int(info["default_samplerate"])))
        channel_options = [1] + ([2] if info["max_input_channels"] >= 2 else [])
        problem = ""
        for rate in dict.fromkeys(rates):
            for channels in channel_options:
                try:
                    sd.check_input_settings(
                        device=device, samplerate=rate, channels=channels, dtype="int16"
                    )
                except Exception as error:
                    problem = one_line(error)
                    continue
                return device, float(rate), channels
        raise DeviceError(f"The microphone {info['name']!r} cannot record: {problem}")

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: copy and hand over, nothing else (no locks, no I/O).
        if status.input_overflow:
            self._overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self._dropped += 1
        else:
            self._heard_frames += frames

    def _write_loop(self) -> None:
        last_sync = time.monotonic()
        unsynced = False
        try:
            while True:
                blocks, done = self._take_blocks()
                if self._to_zero:
                    unsynced |= self._zero_on_disk()
                if blocks or (done and self._resampler is not None):
                    # At the end the resampler gives out the few ms it holds back.
                    self._write(np.concatenate(blocks) if blocks else None, last=done)
                    unsynced = True
                now = time.monotonic()
                if unsynced and (done or now - last_sync >= FSYNC_EVERY_S):
                    if self._sealed is not None:
                        self._sealed.flush()  # the sealed tail goes to disk with the rest
                    os.fsync(self._fd)  # type: ignore[arg-type]
                    last_sync, unsynced = now, False
                if done:
                    return
        except Exception as error:  # a full disk, or a bug: never look like still recording
            self._fail(error)

    def _take_blocks(self) -> tuple[list[np.ndarray], bool]:
        """Wait briefly for blocks, then take all that are queued (fewer, larger writes)."""
        blocks: list[np.ndarray] = []
        try:
            item = self._queue.get(timeout=0.1)
        except queue.Empty:
            return blocks, False
        self._max_lag_ms = max(self._max_lag_ms, self.lag_ms)
        while True:
            if item is _STOP:
                return blocks, True
            blocks.append(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return blocks, False

    def _write(self, block: np.ndarray | None, last: bool = False) -> None:
        if block is None:
            mono = np.zeros(0)
        else:
            mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
        if self._resampler is not None:
            resampled = self._resampler.process(mono, last=last)
            samples = np.clip(np.rint(resampled), -32768, 32767).astype("<i2")
        else:
            samples = np.asarray(mono, dtype="<i2").copy()
        if len(samples) == 0:
            return
        with self._meta_lock:
            spans = list(self._struck)
        silence_in_place(samples, spans, self.sample_rate, offset=self._written_frames)
        self._level = float(np.sqrt(np.mean(np.square(samples / 32768.0))))
        data = memoryview(samples.tobytes())
        offset = self._written_frames * SAMPLE_BYTES
        if self._sealed is not None:
            self._sealed.write_at(bytes(data), offset)
            self._written_frames = (offset + len(data)) // SAMPLE_BYTES
            return
        while data:
            written = os.pwrite(self._fd, data, offset)  # type: ignore[arg-type]
            data, offset = data[written:], offset + written
            # Count only whole samples that reached the file, so elapsed_s (and the
            # "kept" figure after a failure) never claims more than is there.
            self._written_frames = offset // SAMPLE_BYTES

    def _zero_on_disk(self) -> bool:
        """Overwrite already-written samples of newly struck spans with zeros."""
        with self._meta_lock:
            spans, self._to_zero = self._to_zero, []
        if self._fd is None:
            return False
        wrote = False
        for span in spans:
            first, last = frame_range(span, self.sample_rate)
            last = min(last, self._written_frames)
            if first < last:
                zeros = bytes((last - first) * SAMPLE_BYTES)
                if self._sealed is not None:
                    self._sealed.write_at(zeros, first * SAMPLE_BYTES)
                else:
                    os.pwrite(self._fd, zeros, first * SAMPLE_BYTES)
                wrote = True
        return wrote

    def _fail(self, error: BaseException) -> None:
        kept = format_duration(self.elapsed_s)
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            self._error = f"The disk is full; recording stopped and the first {kept} was kept."
        elif isinstance(error, OSError):
            self._error = (
                f"Recording stopped: cannot write {self.partial_path.name} "
                f"({error.strerror or error}); the first {kept} was kept."
            )
        else:
            self._error = f"Recording stopped ({one_line(error)}); the first {kept} was kept."
        # Stop capturing from here (not the callback), so blocks stop piling up.
        self._close_stream()

    def _close_stream(self) -> None:
        with self._stream_lock:
            stream, self._stream = self._stream, None
            if stream is None:
                return
            with contextlib.suppress(Exception):
                stream.stop()
            with contextlib.suppress(Exception):
                stream.close()

    def _stop_writer(self) -> None:
        writer = self._writer
        if writer is None:
            return
        if writer.is_alive():
            while True:
                try:
                    self._queue.put(_STOP, timeout=0.1)
                    break
                except queue.Full:
                    if not writer.is_alive():
                        break
            writer.join()

    def _save_meta(self, **changes: Any) -> None:
        with self._meta_lock:
            self._meta.update(changes)
            meta = dict(self._meta)
        # The sidecar is advisory beyond its first version (recover() has defaults),
        # so a failed update must not stop a recording.
        with contextlib.suppress(OSError):
            atomic_write_json(self.sidecar_path, meta)

    def _release_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _abandon(self) -> None:
        """Undo a start that failed: nothing was recorded, so leave nothing behind."""
        self._close_stream()
        for path in (self.partial_path, self.sidecar_path):
            with contextlib.suppress(OSError):
                path.unlink()
        self._release_fd()
        self._started = False
