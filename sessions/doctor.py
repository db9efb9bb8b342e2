"""Readiness checks for a laptop before a session: model, sound, workspace, disk, sessions.

Besides the laptop, every consultation's sessions are looked at: a recording
that is missing or is not audio, a transcript file that cannot be read, a
transcription that was interrupted (the session still says "transcribing" but
nothing runs it), and recordings in the audio folder that no session points
to. Each is one line that says what to do, and makes ``facilitate doctor``
exit non-zero.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models.wording import plural
from sessions.errors import FacilitateError
from sessions.locations import workspace_root

if TYPE_CHECKING:
    from models import Session
    from sessions.store import ConsultationStore

#: Below this many hours of recording room, warn before a session starts.
LOW_DISK_HOURS = 3.0


@dataclass(frozen=True)
class Check:
    """One readiness check: what, whether it passed, and a line of detail."""

    name: str
    ok: bool
    detail: str


def check_model(root: Path) -> Check:
    """Is the default Whisper model installed (without loading it)?"""
    from sessions.locations import models_dir
    from sessions.whisper_models import resolve_model

    try:
        info = resolve_model(None, models_dir(root))
    except FacilitateError as error:
        return Check("Whisper model", False, str(error))
    return Check("Whisper model", True, f"{info.name} ({info.source}) at {info.path}")


def check_sound() -> Check:
    """Is PortAudio present, with an input device to record from?"""
    try:
        from sessions.recorder import check_input
    except ImportError:  # the recorder is not part of this build
        return Check("Microphone", False, "the recorder is not installed")
    problem = check_input()
    if problem:
        return Check("Microphone", False, problem)
    return Check("Microphone", True, "PortAudio found an input device")


def check_workspace(root: Path) -> Check:
    """Can we write private files in the workspace?"""
    from sessions.atomic import atomic_write_text
    from sessions.locations import ensure_private_dir

    try:
        ensure_private_dir(root)
        probe = root / ".doctor-probe"
        atomic_write_text(probe, "ok")
        probe.unlink()
    except OSError as error:
        return Check("Workspace", False, f"cannot write to {root}: {error.strerror or error}")
    return Check("Workspace", True, f"{root} is writable and private")


def check_disk(root: Path) -> Check:
    """Is there room to record? Counted as the run screen counts it."""
    from sessions.run import hours_left

    target = root if root.exists() else root.parent
    while not target.exists():
        target = target.parent
    free = shutil.disk_usage(target).free
    hours = hours_left(target)
    detail = f"{free / 1e9:.1f} GB free (about {hours:,.0f} hours of recording)"
    if hours < LOW_DISK_HOURS:
        return Check("Free disk", False, detail + "; free some space before recording")
    return Check("Free disk", True, detail)


def check_stores(root: Path) -> Check:
    """Can every consultation's store be read?"""
    from sessions.encryption import PASSPHRASE_ENV, Locked
    from sessions.store import Workspace

    try:
        errors = Workspace(root).readable()[1]
    except OSError as error:
        return Check("Consultations", False, f"cannot read {root}: {error.strerror or error}")
    # An encrypted consultation without its passphrase is not broken: it is closed.
    locked = [e for e in errors if isinstance(e, Locked)]
    problems = [str(e) for e in errors if not isinstance(e, Locked)]
    if problems:
        return Check("Consultations", False, problems[0])
    if locked:
        return Check(
            "Consultations", True,
            f"every open consultation's store can be read; "
            f"{plural(len(locked), 'encrypted consultation')} not checked "
            f"(set {PASSPHRASE_ENV} to check them too)",
        )
    return Check("Consultations", True, "every consultation's store can be read")


#: The name every session problem is reported under.
SESSIONS_CHECK = "Sessions"


def check_sessions(root: Path) -> list[Check]:
    """Problems with recordings and transcripts, one Check each; one passing Check if none."""
    from sessions.audio import shown
    from sessions.errors import StoreDamaged
    from sessions.interrupted import is_interrupted, orphan_recordings
    from sessions.store import Workspace

    try:
        stores = Workspace(root).stores()
    except OSError as error:
        return [Check(SESSIONS_CHECK, False, f"cannot read {root}: {error.strerror or error}")]
    problems: list[str] = []
    count = 0
    for store in stores:
        try:
            sessions = store.sessions()
        except FacilitateError:
            continue  # the store check names a damaged store
        for session in sessions:
            count += 1
            name = f"Session {shown(session.title)} [{shown(session.id)}]"
            try:
                store.segments(session.id)
            except StoreDamaged as error:
                problems.append(f"{name}: {error}")
            except FacilitateError as error:
                problems.append(f"{name}: its transcript cannot be read ({error})")
            if session.recording is not None:
                problem = _recording_problem(store, session)
                if problem:
                    problems.append(f"{name}: {problem}")
            if is_interrupted(store, session):
                problems.append(
                    f"{name}: its transcription was interrupted; open the session in the app "
                    "and press T to transcribe it again."
                )
        try:
            problems.extend(orphan.message for orphan in orphan_recordings(store))
        except (OSError, FacilitateError) as error:
            problems.append(f"Cannot look through {shown(store.folder / 'audio')}: {error}")
    if not problems:
        detail = f"{plural(count, 'session')}: recordings and transcripts read"
        return [Check(SESSIONS_CHECK, True, detail)]
    return [Check(SESSIONS_CHECK, False, problem) for problem in problems]


def _recording_problem(store: ConsultationStore, session: Session) -> str | None:
    """What is wrong with the session's recording, or None when it is readable audio."""
    from sessions.audio import probe_audio, shown
    from sessions.errors import AudioError

    try:
        path = store.audio_path(session)
    except FacilitateError as error:
        return f"its recording cannot be found ({error})"
    if path is None:
        return None
    if not os.path.lexists(path):
        return (
            f"its recording audio/{shown(path.name)} is missing; restore it from a backup "
            "(its transcript and quotes point into it)."
        )
    try:
        probe_audio(path)
    except AudioError as error:
        return f"its recording cannot be used: {error}; restore it from a backup."
    return None


def run_checks(data_dir: str | os.PathLike[str] | None = None) -> list[Check]:
    """Every readiness check, in the order a facilitator would fix them."""
    root = workspace_root(data_dir)
    return [
        check_model(root),
        check_sound(),
        check_workspace(root),
        check_stores(root),
        *check_sessions(root),
        check_disk(root),
    ]
