"""Work a kill or a crash cut short: transcriptions left "transcribing", recordings no one owns.

A transcription holds a marker file, ``transcripts/<session id>.transcribing``,
locked with an OS lock for as long as it runs and removed when it ends. The
lock goes with the process, so a session that says "transcribing" while no one
holds its marker was interrupted (killed, crashed, the laptop shut): nothing is
transcribing it and nothing will. :func:`recover_interrupted`, called when a
session is opened, puts its status back to where it was before and says so;
the recording is kept and can be transcribed again.

An import stores its audio first and then points the session at it, so a kill
in between leaves a recording that no session points to. One whose name is
the id of a session that has no recording is unambiguous and is adopted by that
session on opening; any other is reported by ``facilitate doctor`` with its size
and length (:func:`orphan_recordings`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import Recording, Session, SessionStatus
from sessions.atomic import TEMP_PREFIX
from sessions.audio import probe_audio, shown
from sessions.clock import now_iso
from sessions.errors import AudioError, FacilitateError, StoreDamaged
from sessions.locations import PRIVATE_FILE
from sessions.store import ConsultationStore

#: The marker a running transcription holds locked: ``<session id>.transcribing``.
MARKER_SUFFIX = ".transcribing"
#: Files in the audio folder that belong to a recording in progress, not to a session yet.
_IN_PROGRESS_SUFFIXES = (".pcm.partial", ".recording.json")
#: How long a new transcription waits for a marker someone is only looking at.
_CLAIM_WAIT_S = 2.0
#: A session id as facilitate makes them: safe as part of a file name.
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def marker_path(store: ConsultationStore, session_id: str) -> Path:
    """Where the marker of a running transcription of ``session_id`` lives."""
    if not _PLAIN_ID.fullmatch(session_id):
        # A hand-edited store must not make a marker land outside the folder.
        raise FacilitateError(f"{shown(session_id)} is not a session id facilitate made.")
    return store.transcripts_dir / f"{session_id}{MARKER_SUFFIX}"


@contextlib.contextmanager
def transcription_claim(
    store: ConsultationStore, session_id: str, previous: SessionStatus
) -> Iterator[None]:
    """Hold the session's transcription marker, locked, for the block; remove it after.

    The marker records this process, when the work started and the status the
    session had before (``previous``), so an interrupted run can be put back.
    Raises :class:`FacilitateError` when another window or command is already
    transcribing this session.
    """
    path = marker_path(store, session_id)
    fd = _lock_marker(path, wait_s=_CLAIM_WAIT_S)
    if fd is None:
        raise FacilitateError(
            "This session is already being transcribed (in another window or command); "
            "wait for it to finish."
        )
    try:
        note = {"pid": os.getpid(), "started_at": now_iso(), "previous": previous.value}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(note).encode("utf-8"))
        os.fsync(fd)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # still locked: no one else can think it theirs
    finally:
        os.close(fd)


def _lock_marker(path: Path, *, wait_s: float = 0.0, create: bool = True) -> int | None:
    """Open and lock the marker at ``path``; the locked descriptor, or None if someone holds it.

    The lock is taken on the file that is at ``path`` when it is held (one
    removed meanwhile by its owner is let go and the new one tried), so two
    processes never both hold a marker. ``create`` False: None when there is none.
    """
    deadline = time.monotonic() + wait_s
    while True:
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        try:
            fd = os.open(path, flags, PRIVATE_FILE)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        if not create:
            return None


def transcription_running(store: ConsultationStore, session_id: str) -> bool:
    """True while some process (this one included) holds the session's transcription marker."""
    path = marker_path(store, session_id)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets a shared lock go
    return False


def is_interrupted(store: ConsultationStore, session: Session) -> bool:
    """True when ``session`` says "transcribing" but no transcription of it is running."""
    return session.status is SessionStatus.TRANSCRIBING and not transcription_running(
        store, session.id
    )


def _read_marker(path: Path) -> dict[str, Any]:
    """What a stale marker says (nothing when it is gone or unreadable)."""
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _remove_stale_marker(path: Path) -> None:
    """Remove the marker at ``path`` if no one holds it."""
    fd = _lock_marker(path, create=False)
    if fd is None:
        return
    try:
        with contextlib.suppress(OSError):
            path.unlink()
    finally:
        os.close(fd)


def _status_before(
    store: ConsultationStore, session: Session, note: dict[str, Any]
) -> SessionStatus:
    """The status an interrupted session goes back to: what it was, as far as can be told."""
    settled = (SessionStatus.RECORDED, SessionStatus.TRANSCRIBED, SessionStatus.REVIEWED)
    with contextlib.suppress(ValueError):
        previous = SessionStatus(str(note.get("previous", "")))
        if previous in settled:
            return previous
    if session.recording is None:
        return SessionStatus.PLANNED
    with contextlib.suppress(StoreDamaged):
        if store.segments(session.id):
            return SessionStatus.TRANSCRIBED
    return SessionStatus.RECORDED


def recover_interrupted(store: ConsultationStore, session_id: str) -> str | None:
    """Put right what a kill left of this session's import or transcription; one line, or None.

    Adopts the session's own recording if an import stored it and was stopped
    before the session pointed at it, and puts a session stuck at "transcribing"
    (no transcription running) back to its status before, saying it was
    interrupted and can be transcribed again. Call it when a session is opened.
    """
    lines = []
    adopted = adopt_orphan(store, session_id)
    if adopted is not None:
        lines.append(adopted)
    path = marker_path(store, session_id)
    with store.transaction():
        session = store.session(session_id)
        if session.status is not SessionStatus.TRANSCRIBING:
            _remove_stale_marker(path)
            return " ".join(lines) or None
        if transcription_running(store, session_id):
            return " ".join(lines) or None
        note = _read_marker(path)
        session.status = _status_before(store, session, note)
        store.save_session(session)
    _remove_stale_marker(path)
    started = str(note.get("started_at", ""))[:16].replace("T", " ")
    when = f" (it started {started})" if started else ""
    again = (
        "its recording is kept: press T to transcribe it again."
        if session.recording is not None
        else "import or record its audio again."
    )
    lines.append(f"The transcription of this session was interrupted{when}; {again}")
    return " ".join(lines)


# -- recordings no session points to -----------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    """An audio file in a consultation's audio folder that no session points to."""

    path: Path
    size: int
    #: Its length in seconds; None when it is not readable audio.
    duration_s: float | None
    #: The session that can adopt it unambiguously (its id is the file's name), if any.
    session_id: str | None
    #: Why it cannot be read, when it cannot.
    problem: str = ""

    @property
    def message(self) -> str:
        """One line for the facilitator."""
        from models.transcript import format_clock

        size = f"{self.size / 1e6:.1f} MB" if self.size >= 100_000 else f"{self.size:,} bytes"
        length = (
            f"{format_clock(self.duration_s)} long" if self.duration_s is not None
            else "not readable audio"
        )
        where = f"{shown(self.path.parent.parent.name)}/audio/{shown(self.path.name)}"
        if self.session_id is not None:
            todo = f"opening session {shown(self.session_id)} in the app adopts it"
        else:
            todo = "no session points to it; import it into a session or move it aside"
        return f"Recording {where} ({size}, {length}): {todo}."


def orphan_recordings(store: ConsultationStore) -> list[Orphan]:
    """Every audio file in the consultation's audio folder that no session points to."""
    folder = store.folder / "audio"
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
    except OSError:
        return []
    sessions = store.sessions()
    owned = {s.recording.file for s in sessions if s.recording is not None}
    by_id = {s.id: s for s in sessions}
    orphans = []
    for name in names:
        if name in owned or name.startswith((TEMP_PREFIX, ".")):
            continue
        if name.endswith(_IN_PROGRESS_SUFFIXES):
            continue  # a recording in progress, or what a crash left of one (see recovery)
        stem = name.split(".", 1)[0]
        if Path(folder / f"{stem}.pcm.partial").exists():
            continue  # being recorded, or about to be recovered
        path = folder / name
        size = path.stat().st_size
        duration: float | None = None
        problem = ""
        try:
            duration = probe_audio(path).duration_s
        except AudioError as error:
            problem = str(error)
        session = by_id.get(stem)
        adoptable = (
            session is not None
            and session.recording is None
            and session.status is not SessionStatus.RECORDING
            and name == f"{stem}.flac"
            and duration is not None
        )
        orphans.append(Orphan(path, size, duration, stem if adoptable else None, problem))
    return orphans


def adopt_orphan(store: ConsultationStore, session_id: str) -> str | None:
    """Point the session at ``audio/<session id>.flac`` if an import stored it and was stopped.

    Only a session with no recording that is not being recorded adopts, and
    only a readable file named after it; what is off the record is silenced on
    disk again, as after any import. Returns one line, or None when there is
    nothing to adopt.
    """
    from sessions.consent import silence_recording

    session = store.session(session_id)
    if session.recording is not None or session.status is SessionStatus.RECORDING:
        return None
    folder = store.folder / "audio"
    flac = folder / f"{session_id}.flac"
    if not flac.is_file() or (folder / f"{session_id}.pcm.partial").exists():
        return None
    try:
        info = probe_audio(flac)
    except AudioError:
        return None  # doctor reports it; a file that cannot be read is not adopted
    with store.transaction():
        session = store.session(session_id)
        if session.recording is not None:
            return None  # the import finished meanwhile
        session.recording = Recording(
            file=flac.name,
            duration_s=round(info.duration_s, 3),
            sample_rate=info.sample_rate,
            channels=info.channels,
            source="imported",
            created_at=now_iso(),
        )
        if session.status in (SessionStatus.PLANNED, SessionStatus.TRANSCRIBING):
            session.status = SessionStatus.RECORDED
        store.save_session(session)
    silence_recording(store, session_id)
    from models.transcript import format_clock

    return (
        f"Kept the {format_clock(info.duration_s)} recording an interrupted import had "
        "already stored."
    )
