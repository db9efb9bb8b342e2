"""The partial-recording format, strikes on it, and crash recovery to FLAC.

A recording in progress is raw 16-bit PCM in ``<name>.pcm.partial`` with a
small JSON sidecar, ``<name>.recording.json``, that says how to read it (rate,
channels, when it started) and which spans are struck. :func:`recover` turns
what a crash or kill left behind into ``<name>.flac`` (temporary file, fsync,
rename, mode 0600), silencing every struck span once more as it writes, and only
then removes the partial file and the sidecar. :class:`sessions.recorder.Recorder`
writes this format and finishes with the same conversion.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from models.transcript import format_clock
from sessions.atomic import create_temp, fsync_dir, remove_stale_temps, replace_with_temp
from sessions.audio import silence_in_place
from sessions.encryption import key_for
from sessions.errors import AudioError, one_line
from sessions.sealed import SealedReader, SealedWriter, file_is_sealed

#: What Whisper hears and what every recording is saved as.
SAMPLE_RATE = 16000
#: Bytes per saved sample: 16-bit signed little-endian PCM.
SAMPLE_BYTES = 2

PARTIAL_SUFFIX = ".pcm.partial"
SIDECAR_SUFFIX = ".recording.json"


@dataclass(frozen=True)
class RecoveredRecording:
    """A recording cut short by a crash or kill, now saved as FLAC."""

    path: Path
    name: str
    duration_s: float
    sample_rate: int
    started_at: str
    struck: tuple[tuple[float, float], ...] = ()

    @property
    def message(self) -> str:
        """One line for the facilitator."""
        return (
            f"Recovered {format_duration(self.duration_s)} of recording {self.name} "
            "after an unexpected stop."
        )


#: ``12:34`` or ``1:02:03``: how facilitators read a recording's length (one clock format).
format_duration = format_clock


def partial_path(folder: Path, name: str) -> Path:
    """Where the raw PCM of a recording in progress lives."""
    return Path(folder) / f"{name}{PARTIAL_SUFFIX}"


def sidecar_path(folder: Path, name: str) -> Path:
    """Where the description of a recording in progress lives."""
    return Path(folder) / f"{name}{SIDECAR_SUFFIX}"


def _spans_from(raw: Any) -> list[tuple[float, float]]:
    spans = []
    for item in raw or []:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            start, end = float(item[0]), float(item[1])
            if end > start:
                spans.append((max(0.0, start), end))
    return spans


def open_partial(partial: Path) -> BinaryIO:
    """The raw PCM of a recording in progress, as a file to read.

    In an encrypted consultation the partial file is sealed in quarter-second
    chunks; the reader decrypts as it goes, reads a chunk torn by a kill in the
    middle as silence and drops one torn at the end.
    """
    key = key_for(partial)
    if key is not None and file_is_sealed(partial):
        return SealedReader(partial, key, lenient=True)  # type: ignore[return-value]
    return open(partial, "rb")


def partial_bytes(partial: Path) -> int:
    """How many bytes of raw PCM the partial file holds (sealed or not)."""
    with open_partial(partial) as source:
        return source.seek(0, os.SEEK_END)


def pcm_to_flac(partial: Path, flac: Path, rate: int, channels: int,
                struck: Sequence[tuple[float, float]]) -> float:
    """Write the whole samples of ``partial`` to ``flac`` atomically; return seconds saved.

    Inside an encrypted consultation the FLAC is sealed chunk by chunk as it is
    written, so the recording is never plain on disk.
    """
    import soundfile

    frame_bytes = SAMPLE_BYTES * channels
    frames = partial_bytes(partial) // frame_bytes  # a torn last sample is dropped
    key = key_for(flac)
    # Created private before any audio goes in; soundfile then reopens it for writing.
    tmp = create_temp(flac)
    chunk = rate * 10
    done = 0
    try:
        with contextlib.ExitStack() as stack:
            target = tmp if key is None else stack.enter_context(SealedWriter(tmp, key))
            source = stack.enter_context(open_partial(partial))
            out = stack.enter_context(soundfile.SoundFile(
                target, "w", samplerate=rate, channels=channels, format="FLAC",
                subtype="PCM_16",
            ))
            while done < frames:
                want = min(chunk, frames - done)
                data = source.read(want * frame_bytes)
                block = np.frombuffer(data, dtype="<i2").copy()
                block = block[: (len(block) // channels) * channels].reshape(-1, channels)
                if len(block) == 0:
                    break
                silence_in_place(block, struck, rate, offset=done)
                out.write(block)
                done += len(block)
        replace_with_temp(tmp, flac)
    except RuntimeError as error:  # libsndfile reports a failed write as its own error
        with contextlib.suppress(OSError):
            tmp.unlink()
        full = shutil.disk_usage(flac.parent).free < (frames - done) * frame_bytes
        raise OSError(errno.ENOSPC if full else errno.EIO,
                      "No space left on device" if full else one_line(error)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return done / rate


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recover(folder: Path) -> list[RecoveredRecording]:
    """Save every recording in ``folder`` that a crash or kill left unfinished as FLAC.

    Each ``<name>.pcm.partial`` becomes ``<name>.flac`` (whole samples only, struck
    spans silenced), then the partial file and its sidecar are removed; temporary
    files whose writer was killed are deleted first. A recording
    still in progress (its file is locked by a live :class:`Recorder`) is left alone.
    Raises :class:`AudioError` when a FLAC cannot be written (e.g. the disk is full);
    the partial file is then kept for another try.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    # A FLAC half written when a recording, an import or a silencing was killed.
    remove_stale_temps(folder)
    names = {p.name[: -len(PARTIAL_SUFFIX)] for p in folder.glob(f"*{PARTIAL_SUFFIX}")}
    names |= {p.name[: -len(SIDECAR_SUFFIX)] for p in folder.glob(f"*{SIDECAR_SUFFIX}")}
    recovered = []
    for name in sorted(names):
        partial, sidecar = partial_path(folder, name), sidecar_path(folder, name)
        if not partial.exists():
            # Killed before the first sample, or after the FLAC was saved: nothing to keep.
            with contextlib.suppress(OSError):
                sidecar.unlink()
            continue
        try:
            lock = os.open(partial, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live recorder holds it
            meta = _read_sidecar(sidecar)
            rate = int(meta.get("sample_rate") or SAMPLE_RATE)
            channels = int(meta.get("channels") or 1)
            struck = _spans_from(meta.get("struck"))
            flac = folder / f"{name}.flac"
            if partial_bytes(partial) < SAMPLE_BYTES * channels:
                partial.unlink()
                with contextlib.suppress(OSError):
                    sidecar.unlink()
                continue
            try:
                duration = pcm_to_flac(partial, flac, rate, channels, struck)
            except OSError as error:
                raise AudioError(
                    f"Cannot save the unfinished recording {partial.name} as FLAC "
                    f"({error.strerror or error}); it is kept as it is, so free some space "
                    "and try again."
                ) from None
            partial.unlink()
            with contextlib.suppress(OSError):
                sidecar.unlink()
            fsync_dir(folder)
            recovered.append(RecoveredRecording(
                flac, name, duration, rate, str(meta.get("started_at", "")), tuple(struck)
            ))
        finally:
            os.close(lock)
    return recovered

