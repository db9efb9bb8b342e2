"""Reading, checking and writing audio files.

Every failure becomes one :class:`~sessions.errors.AudioError` line a facilitator
can act on. soundfile (libsndfile) reads WAV, FLAC, OGG and MP3 quickly; PyAV
(bundled FFmpeg, installed with faster-whisper) covers M4A and anything
libsndfile cannot. Both load lazily so that importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import math
import os
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sessions.atomic import (
    create_temp,
    remove_stale_temps,
    replace_with_temp,
)
from sessions.encryption import audio_source, key_for, write_file
from sessions.errors import AudioError, one_line
from sessions.sealed import SealedWriter
from sessions.whisper_models import import_faster_whisper

if TYPE_CHECKING:
    import numpy as np
    import soundfile

#: The formats named in messages; others FFmpeg knows may still work.
READABLE = "WAV, FLAC, OGG, MP3 or M4A"

#: FFmpeg demuxers accepted as audio. FFmpeg guesses a format for almost any
#: bytes (text becomes "tty", noise may become a raw video stream), so only
#: containers that really hold recordings are trusted.
_AV_FORMATS = frozenset(
    "wav w64 flac ogg mp3 aac mov mp4 m4a 3gp 3g2 mj2 matroska webm aiff caf opus".split()
)

#: First bytes of the containers libsndfile reads: WAV, RF64, AIFF, FLAC, OGG.
_SNDFILE_MAGIC = frozenset({b"RIFF", b"RF64", b"FORM", b"fLaC", b"OggS"})

#: libsndfile reports "length unknown" (e.g. a FLAC header with no sample count) as this.
_UNKNOWN_FRAMES = 2**62

#: Frames read or written at a time when a stored recording is checked or silenced.
_BLOCK_FRAMES = 16_000 * 10

#: Spans in seconds, or a function that gives them from the file's duration in seconds.
SpansFor = Iterable[tuple[float, float]] | Callable[[float], Iterable[tuple[float, float]]]


@dataclass
class AudioInfo:
    """What a readable audio file holds."""

    duration_s: float
    sample_rate: int
    channels: int
    format: str


#: Unicode categories escaped when a name is shown: controls (newline, escape),
#: formatting marks (right-to-left overrides), undecodable bytes, line and paragraph breaks.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def shown(path: Path | str) -> str:
    """``path`` as text fit for a one-line message.

    Control characters (a newline, an escape), invisible formatting marks and
    bytes that are not UTF-8 are written as Python escapes (``\\n``, ``\\x1b``,
    ``\\u202e``, ``\\udcff``), so a file name can neither split a message nor
    drive the terminal; every other character is shown as it is.
    """
    text = os.fspath(path)
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in _HIDDEN_CATEGORIES else c for c in text
    )


def _not_audio(path: Path) -> AudioError:
    return AudioError(f"{shown(path)} is not an audio file facilitate can read ({READABLE})")


def _no_audio(path: Path) -> AudioError:
    return AudioError(f"{shown(path)} contains no audio")


def _unstatable(path: Path, error: OSError) -> AudioError:
    """The one line for a path ``os.stat`` could not follow to a file."""
    name = shown(path)
    if error.errno == errno.ELOOP:
        return AudioError(f"{name} is a link that points to itself (a loop), not an audio file")
    if error.errno == errno.ENOENT and os.path.lexists(path):
        return AudioError(f"{name} is a link to a file that is not there")
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return AudioError(f"No such file: {name}")
    return AudioError(f"Cannot read {name}: {error.strerror or one_line(error)}")


def _not_a_file(path: Path, mode: int) -> AudioError | None:
    """The one line for something that is not a regular file (None when it is one)."""
    name = shown(path)
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return AudioError(f"{name} is a folder, not an audio file")
    if stat.S_ISFIFO(mode):
        return AudioError(f"{name} is a named pipe (FIFO), not an audio file")
    if stat.S_ISSOCK(mode):
        return AudioError(f"{name} is a socket, not an audio file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return AudioError(f"{name} is a device, not an audio file")
    return AudioError(f"{name} is not a regular file, so not an audio file")


def _check_file(path: Path) -> None:
    """Raise for the failures that need no decoder: not there, not a regular file, empty.

    Only a regular file is audio. The path is looked at with ``os.stat`` (links
    followed) before anything opens it, so a named pipe, which would block an
    open for ever, a device such as ``/dev/zero``, which never ends, a socket,
    a folder and a link loop are each refused at once with their own message.
    The open that proves the file readable does not block either, and checks
    again that what it opened is the regular file looked at.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise _unstatable(path, error) from None
    problem = _not_a_file(path, mode)
    if problem is not None:
        raise problem
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise AudioError(f"Cannot read {shown(path)}: {error.strerror or error}") from None
    try:
        opened = os.fstat(fd)
    finally:
        os.close(fd)
    problem = _not_a_file(path, opened.st_mode)  # swapped between the look and the open
    if problem is not None:
        raise problem
    if opened.st_size == 0:
        raise AudioError(f"{shown(path)} is empty")


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be audio without decoding it (one line), or None if it may be."""
    try:
        _check_file(path)
    except AudioError as error:
        return str(error)
    return None


def probe_audio(path: Path) -> AudioInfo:
    """Check that ``path`` is real, decodable audio and describe it.

    Raises :class:`AudioError` (one line) for a missing file, a folder, an empty
    file, something that is not audio, or audio with no samples in it.
    """
    path = Path(path)
    _check_file(path)
    info = _probe_soundfile(path)
    if info is None:
        info = _probe_av(path)
    if info.duration_s <= 0:
        raise _no_audio(path)
    return info


def _probe_soundfile(path: Path) -> AudioInfo | None:
    """Describe ``path`` with libsndfile, or None when libsndfile cannot read it."""
    with audio_source(path) as source:
        return _probe_soundfile_in(path, source)


def _probe_soundfile_in(path: Path, source: str | IO[bytes]) -> AudioInfo | None:
    """:func:`_probe_soundfile` on ``source``: the path, or an encrypted file's plain reader."""
    if isinstance(source, str):
        with path.open("rb") as file:
            magic = file.read(4)
    else:
        magic = source.read(4)
        source.seek(0)
    # libsndfile's MP3 decoder prints notes to the terminal when it meets noise,
    # which would scribble over the app; so it only sees containers it knows by
    # their first bytes, and everything else goes to (quiet) FFmpeg.
    if magic not in _SNDFILE_MAGIC:
        return None
    import soundfile

    try:
        with soundfile.SoundFile(source) as sound:
            frames, rate, channels = sound.frames, sound.samplerate, sound.channels
            fmt = sound.format
            # A header can claim frames the file does not have; read a little to be sure.
            if frames <= 0 or len(sound.read(frames=min(frames, 1024), dtype="float32")) == 0:
                raise _no_audio(path)
    except AudioError:
        raise
    except Exception:
        return None
    if rate <= 0 or channels <= 0 or frames >= _UNKNOWN_FRAMES:
        return None  # A length libsndfile does not know: FFmpeg counts the samples.
    return AudioInfo(frames / rate, int(rate), int(channels), str(fmt))


def _probe_av(path: Path) -> AudioInfo:
    """Describe ``path`` with PyAV (FFmpeg); raise AudioError when it is not audio."""
    import av

    try:
        with audio_source(path) as source, av.open(
            source, mode="r", metadata_errors="ignore"
        ) as container:
            names = set(container.format.name.split(","))
            if not names & _AV_FORMATS or not container.streams.audio:
                raise _not_audio(path)
            stream = container.streams.audio[0]
            rate = int(stream.rate or stream.codec_context.sample_rate or 0)
            channels = int(stream.codec_context.channels or 0)
            duration = _stream_seconds(stream, container)
            # Decoding proves the stream is real; when the container does not
            # know its length, count the samples instead.
            decoded = 0
            for frame in container.decode(stream):
                decoded += frame.samples
                rate = rate or frame.sample_rate
                if duration is not None and decoded:
                    break
            if decoded == 0:
                # No rate either: nothing in the file says it is audio (random bytes
                # named .flac), which is not a recording that happens to be empty.
                raise _no_audio(path) if rate > 0 else _not_audio(path)
            if duration is None:
                duration = decoded / rate
            fmt = container.format.name.split(",")[0].upper()
    except AudioError:
        raise
    except Exception:
        raise _not_audio(path) from None
    if rate <= 0:
        raise _not_audio(path)
    return AudioInfo(float(duration), rate, channels or 1, fmt)


def _stream_seconds(stream: object, container: object) -> float | None:
    """The duration the container states, or None when it does not say."""
    duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if duration and time_base:
        return float(duration * time_base)
    whole = getattr(container, "duration", None)
    if whole:
        return whole / 1_000_000  # FFmpeg's AV_TIME_BASE is microseconds.
    return None


def load_audio(path: Path, sample_rate: int = 16000) -> np.ndarray:
    """Decode ``path`` to mono float32 samples at ``sample_rate`` (channels averaged).

    Uses the same decoder faster-whisper uses (PyAV with libswresample), so the
    transcriber sees exactly the samples faster-whisper would. Any failure is an
    :class:`AudioError` with one line.
    """
    path = Path(path)
    _check_file(path)
    try:
        import_faster_whisper()
        from faster_whisper.audio import decode_audio

        with audio_source(path) as source:
            samples = decode_audio(source, sampling_rate=sample_rate)
    except Exception:
        # Let the probe say precisely what is wrong; if it finds nothing, say it generally.
        probe_audio(path)
        raise _not_audio(path) from None
    if samples.size == 0:
        raise _no_audio(path)
    return samples


def write_flac(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float ``samples`` (mono, or frames x channels) as 16-bit FLAC: atomic, mode 0600."""
    import numpy as np
    import soundfile

    buffer = io.BytesIO()
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    soundfile.write(buffer, clipped, sample_rate, format="FLAC", subtype="PCM_16")
    # Sealed inside an encrypted consultation: the plain FLAC exists only in memory.
    write_file(Path(path), buffer.getvalue())


def frame_range(span: tuple[float, float], rate: int) -> tuple[int, int]:
    """The samples a span covers, rounded outwards so no partial sample of it survives."""
    return max(0, math.floor(span[0] * rate)), max(0, math.ceil(span[1] * rate))


def silence_in_place(
    samples: np.ndarray, spans: Iterable[tuple[float, float]], rate: int, offset: int = 0
) -> None:
    """Zero, in place, the parts of ``samples`` (its first sample is frame ``offset``) in ``spans``.

    The one way off-record audio is silenced: in the saved file, in the partial
    file as it is written, and before the model hears it.
    """
    for span in spans:
        first, last = frame_range(span, rate)
        lo, hi = max(first - offset, 0), min(last - offset, len(samples))
        if lo < hi:
            samples[lo:hi] = 0


def silence_spans(
    samples: np.ndarray, sample_rate: int, spans: Iterable[tuple[float, float]]
) -> np.ndarray:
    """Return a copy of ``samples`` with each ``(start_s, end_s)`` span set to exact zero."""
    import numpy as np

    out = np.array(samples, copy=True)
    silence_in_place(out, spans, sample_rate)
    return out


@contextlib.contextmanager
def locked_file(path: Path) -> Iterator[None]:
    """Hold an OS lock on the file at ``path`` for the block (waiting for other holders).

    A rewrite replaces the file with a new one, so a lock taken on the old file is
    let go and taken again on the new one: whoever holds the lock has the file
    that is at ``path`` now. Threads and processes both take turns.
    """
    while True:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                yield
                return
        finally:
            os.close(fd)  # also lets the lock go


def _dtype(subtype: str) -> str:
    """The sample type that reads and writes ``subtype`` back unchanged."""
    if subtype == "PCM_16":
        return "int16"
    if subtype.startswith("PCM") or subtype in ("ALAW", "ULAW"):
        return "int32"
    return "float64"


def _audible(sound: soundfile.SoundFile, spans: list[tuple[float, float]], dtype: str) -> bool:
    """True when any sample of ``sound`` inside ``spans`` is not exact zero."""
    import numpy as np

    rate, frames = sound.samplerate, sound.frames
    for span in spans:
        first, last = frame_range(span, rate)
        last = min(last, frames)
        if first >= last:
            continue
        sound.seek(first)
        while first < last:
            want = min(_BLOCK_FRAMES, last - first)
            block = sound.read(want, dtype=dtype)
            if len(block) == 0:
                break
            if np.any(block):
                return True
            first += len(block)
    return False


def silence_file(path: Path, spans: SpansFor) -> bool:
    """Make every span of the audio file at ``path`` exact silence on disk.

    ``spans`` are ``(start_s, end_s)`` pairs, or a function giving them from the
    file's duration, called once the file is locked (so it can read the latest
    marks). Only the samples inside the spans are read to see whether any is not
    silent yet, so a call when nothing new is off the record costs little and
    changes nothing. Otherwise the file is streamed into a temporary file next to
    it (same format, every other sample unchanged), fsynced and renamed over it,
    mode 0600. Calls on one file from several threads or processes take turns.
    Returns True when the file was rewritten. Raises :class:`AudioError` (one
    line) when the file cannot be read or rewritten; it is then left as it was.
    """
    path = Path(path)
    try:
        return _silence_file(path, spans)
    except (OSError, RuntimeError) as error:  # libsndfile's errors are RuntimeErrors
        reason = error.strerror if isinstance(error, OSError) and error.strerror else None
        raise AudioError(
            f"Cannot silence the off-record parts of {shown(path.name)} on disk "
            f"({reason or one_line(error)}); it is unchanged and is silenced again at the "
            "next mark or transcription, so free some space or check the file."
        ) from None


def _silence_file(path: Path, spans: SpansFor) -> bool:
    """:func:`silence_file`, its errors as they come."""
    import soundfile

    remove_stale_temps(path.parent)  # an earlier rewrite that was killed half way
    with locked_file(path), audio_source(path) as source:
        with soundfile.SoundFile(source) as sound:
            rate, frames = sound.samplerate, sound.frames
            dtype = _dtype(sound.subtype)
            wanted = spans(frames / rate) if callable(spans) else spans
            wanted = [(float(a), float(b)) for a, b in wanted if b > a]
            if not wanted or not _audible(sound, wanted, dtype):
                return False
            fmt, subtype, channels = sound.format, sound.subtype, sound.channels
        if not isinstance(source, str):
            source.seek(0)
        key = key_for(path) if not isinstance(source, str) else None
        tmp = create_temp(path)
        try:
            # An encrypted recording is sealed chunk by chunk as it is rewritten.
            with contextlib.ExitStack() as stack:
                target = tmp if key is None else stack.enter_context(SealedWriter(tmp, key))
                with soundfile.SoundFile(source) as sound_in, soundfile.SoundFile(
                    target, "w", samplerate=rate, channels=channels, format=fmt,
                    subtype=subtype,
                ) as out:
                    done = 0
                    for block in sound_in.blocks(_BLOCK_FRAMES, dtype=dtype, always_2d=True):
                        silence_in_place(block, wanted, rate, offset=done)
                        out.write(block)
                        done += len(block)
            replace_with_temp(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return True
