"""Readiness checks for a laptop before a session: model, sound, workspace, disk."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sessions.errors import FacilitateError
from sessions.locations import workspace_root

#: Below this much free disk, warn: an hour of 16 kHz FLAC is about 60 MB,
#: and the transcript, exports and a larger model need room too.
LOW_DISK_BYTES = 1_000_000_000


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
    """Is there room to record?"""
    target = root if root.exists() else root.parent
    while not target.exists():
        target = target.parent
    free = shutil.disk_usage(target).free
    hours = free / 60_000_000
    detail = f"{free / 1e9:.1f} GB free (about {hours:,.0f} hours of recording)"
    if free < LOW_DISK_BYTES:
        return Check("Free disk", False, detail + "; free some space before recording")
    return Check("Free disk", True, detail)


def run_checks(data_dir: str | os.PathLike[str] | None = None) -> list[Check]:
    """Every readiness check, in the order a facilitator would fix them."""
    root = workspace_root(data_dir)
    return [check_model(root), check_sound(), check_workspace(root), check_disk(root)]
