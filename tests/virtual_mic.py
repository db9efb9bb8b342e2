"""A virtual microphone for tests and benchmarks: real PortAudio, real speech, no sound card.

ALSA's ``file`` plugin reads capture samples from a file (shared/audio/README.md).
A plain file is read as fast as PortAudio asks, thousands of times real time,
and its end turns into endless zeros. So the plugin reads a FIFO instead, and a
thread here writes the speech into it at a chosen pace (1.0 = real time), then
silence at the same pace until closed, so the stream never starves (a starved
read blocks PortAudio, and then ``stream.stop()`` never returns).

PortAudio reads the ALSA configuration once, when sounddevice is imported: give
:attr:`VirtualMic.env` to a subprocess, or call :meth:`VirtualMic.install_env`
before the first import of sounddevice in this process.

PortAudio opens the device briefly while it lists devices; anything written
then would be thrown away with the pipe. So nothing is written until
:meth:`VirtualMic.go`, to be called once the recorder has started.
Used by tests/test_recorder.py and benchmarks/record.py.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import threading
import time
from pathlib import Path

import numpy as np

RATE = 16000
#: Written per step, in seconds. The file plugin reads one ALSA period per call and
#: takes a short read from the pipe as a whole period (padding it), so every write
#: must be a whole number of periods: 100 ms is two of the Recorder's 50 ms blocks.
CHUNK_S = 0.1
#: Linux's F_SETPIPE_SZ: a small pipe (0.5 s at 16 kHz) keeps "fed" close to "heard".
_F_SETPIPE_SZ = 1031
_F_GETPIPE_SZ = 1032
_PIPE_BYTES = 16384


def load_speech(path: Path, rate: int = RATE) -> np.ndarray:
    """Read a mono 16-bit file as int16 samples (it must already be at ``rate``)."""
    import soundfile

    samples, file_rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    if file_rate != rate:
        raise ValueError(f"{path} is {file_rate} Hz; the virtual microphone feeds {rate} Hz")
    return samples[:, 0].copy()


class VirtualMic:
    """Feeds int16 mono samples to PortAudio's default input through a FIFO."""

    def __init__(self, folder: Path, samples: np.ndarray, speed: float = 1.0,
                 rate: int = RATE, stalls: dict[float, float] | None = None) -> None:
        """Prepare the FIFO and ALSA config in ``folder``; ``speed`` 1.0 is real time.

        ``stalls`` maps a point in the audio (seconds) to how long, in wall seconds,
        the microphone then delivers nothing (a driver hiccup, a USB microphone's
        glitch): the audio carries on afterwards where it stopped.
        """
        self.folder = Path(folder)
        self._stalls = sorted((stalls or {}).items())
        self.samples = np.asarray(samples, dtype="<i2")
        self.speed = float(speed)
        self.rate = rate
        self.fifo = self.folder / "virtual_mic.raw"
        self.config = self.folder / "virtual_mic.asoundrc"
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.fifo.exists():
            os.mkfifo(self.fifo)
        self.config.write_text(
            f'pcm.virtualmic {{ type file; slave.pcm "null"; file "/dev/null"; '
            f'infile "{self.fifo}"; format "raw" }}\n'
            'pcm.!default { type asym; playback.pcm "null"; capture.pcm "virtualmic" }\n',
            encoding="utf-8",
        )
        self._fed_frames = 0
        self._go = threading.Event()
        self._closing = threading.Event()
        #: Set once all of ``samples`` has gone into the pipe (silence follows).
        self.source_done = threading.Event()
        self._thread = threading.Thread(target=self._feed, name="virtual-mic", daemon=True)
        self._started = False

    @property
    def env(self) -> dict[str, str]:
        """The environment a recording subprocess needs to hear this microphone."""
        env = dict(os.environ)
        env["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{self.config}"
        return env

    def install_env(self) -> None:
        """Point this process's ALSA at the microphone (before sounddevice is imported)."""
        os.environ["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{self.config}"

    @property
    def fed_s(self) -> float:
        """Seconds of audio (speech, then silence) written into the pipe so far."""
        return self._fed_frames / self.rate

    @property
    def source_s(self) -> float:
        """The length of the speech being fed."""
        return len(self.samples) / self.rate

    def start(self) -> VirtualMic:
        """Start the feeding thread: it answers PortAudio's opens but writes nothing yet."""
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def go(self) -> None:
        """Begin writing audio (call when the recorder's stream is running)."""
        self._go.set()

    def close(self) -> None:
        """Stop feeding; the reader then sees end of file (zeros), so stop it first."""
        self._closing.set()
        if self._started:
            self._thread.join(timeout=5)

    def __enter__(self) -> VirtualMic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _feed(self) -> None:
        fd: int | None = None
        chunk_frames = round(CHUNK_S * self.rate)
        step_s = chunk_frames / self.rate / self.speed
        due = 0.0
        silence = bytes(chunk_frames * 2)
        try:
            while not self._closing.is_set():
                if fd is None:
                    fd = self._open_writer()
                    if fd is None:
                        continue
                if not self._go.is_set():
                    self._go.wait(0.01)
                    due = time.monotonic()
                    continue
                start = self._fed_frames
                if self._stalls and start >= self._stalls[0][0] * self.rate:
                    _, pause = self._stalls.pop(0)
                    time.sleep(pause)
                    due = time.monotonic()
                if start < len(self.samples):
                    chunk = self.samples[start:start + chunk_frames].tobytes()
                    chunk += silence[len(chunk):]  # whole periods only (see CHUNK_S)
                else:
                    self.source_done.set()
                    chunk = silence
                try:
                    written = self._write_all(fd, chunk)
                except BrokenPipeError:
                    # A reader that only probed the device went away; wait for the next.
                    os.close(fd)
                    fd = None
                    continue
                if not written:
                    continue  # closing
                self._fed_frames += len(chunk) // 2
                if self._fed_frames >= len(self.samples):
                    self.source_done.set()
                due += step_s
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                elif now - due > 0.2:
                    due = now  # the reader paused: carry on at pace, don't burst
        finally:
            if fd is not None:
                os.close(fd)

    def _open_writer(self) -> int | None:
        """Open the FIFO without blocking: it only succeeds once a reader has it open."""
        try:
            fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
            time.sleep(0.005)
            return None
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_BYTES)
        return fd

    def _write_all(self, fd: int, data: bytes) -> bool:
        # Waits for room for the whole chunk first: a write split across two reads
        # would give the reader a short period.
        while not self._closing.is_set():
            select.select([], [fd], [], 0.05)
            if fcntl.fcntl(fd, _F_GETPIPE_SZ) - _unread(fd) >= len(data):
                break
            time.sleep(0.005)  # some room, not enough: select would return at once
        view = memoryview(data)
        while view:
            if self._closing.is_set():
                return False
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                select.select([], [fd], [], 0.05)  # pipe full: the stream is paused or slow
        return True


def _unread(fd: int) -> int:
    """Bytes waiting in the pipe (FIONREAD works on the write end too)."""
    import array
    import termios

    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count, True)
    return count[0]
