"""Atomic, private file writes: temporary file, fsync, rename.

A crash or kill at any moment leaves either the old file or the new one, never
a torn one, and every file is readable by its owner only.

Every temporary file is made by :func:`temp_path`: it lies next to its target
and its name starts with :data:`TEMP_PREFIX` followed by the writer's process
id. A kill between writing and renaming leaves it behind, holding words a
participant may later withdraw, so :func:`remove_stale_temps` deletes the ones
whose writer is gone when a store, a session's audio or an export folder is
next opened; a temporary file of a process still running is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from sessions.locations import PRIVATE_FILE

#: How every temporary file's name starts: hidden, and recognisably ours.
TEMP_PREFIX = ".facilitate-tmp-"
#: Longest part of the target's name kept in a temporary file's name (a name has 255 bytes).
_NAME_KEPT = 120
#: ``.facilitate-tmp-<pid>-<random>-<target name>.tmp``
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(?P<pid>[0-9]+)-[0-9a-f]+-.*\.tmp\Z", re.S)
#: Names earlier versions gave their temporary files, still cleaned up after an upgrade:
#: ``.<target>.<pid>.tmp`` and ``.<target>.<pid>.<random>.tmp``.
_OLD_TEMP_NAME = re.compile(r"\..+\.(?P<pid>[0-9]+)(?:\.[0-9a-f]{8})?\.tmp\Z", re.S)


def temp_path(target: Path) -> Path:
    """A fresh temporary file name next to ``target``, naming this process as its writer.

    Unique per call, so two threads (or two store objects) writing the same file
    never share, and tear, one temporary file, and a stale one is never reused.
    """
    target = Path(target)
    kept = target.name[:_NAME_KEPT]
    return target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{kept}.tmp")


def create_temp(target: Path) -> Path:
    """Create an empty, private temporary file for ``target`` (see :func:`temp_path`)."""
    tmp = temp_path(target)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    return tmp


def temp_writer(name: str) -> int | None:
    """The process id that wrote the temporary file called ``name``; None if not one of ours."""
    found = _TEMP_NAME.match(name) or _OLD_TEMP_NAME.match(name)
    if found is None:
        return None
    pid = int(found["pid"])
    return pid if pid > 0 else None


def process_alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, killed but not yet reaped, is gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    except OSError:
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The state follows the command name, which is in parentheses and may hold any text.
        if stat[stat.rindex(")") + 2] in "ZX":
            return False
    return True


def remove_stale_temps(*folders: Path) -> list[Path]:
    """Delete the temporary files in ``folders`` whose writer is gone; return them.

    Only the folders themselves are looked in, not below them. A missing folder
    is skipped; files of a writer still running are kept, so a write in progress
    in another process (or another thread of this one) is never harmed.
    """
    removed: list[Path] = []
    for folder in folders:
        folder = Path(folder)
        try:
            with os.scandir(folder) as entries:
                names = [e.name for e in entries if e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        here = 0
        for name in names:
            pid = temp_writer(name)
            if pid is None or process_alive(pid):
                continue
            with contextlib.suppress(OSError):  # gone already, or not ours to delete
                (folder / name).unlink()
                removed.append(folder / name)
                here += 1
        if here:
            fsync_dir(folder)
    return removed


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries so a rename inside it survives a power cut."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_with_temp(tmp: Path, path: Path) -> None:
    """Put the finished temporary file ``tmp`` in place of ``path``: fsync, 0600, rename.

    For files written by a library (soundfile) rather than by :func:`atomic_write_bytes`;
    the caller removes ``tmp`` if this fails.
    """
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, PRIVATE_FILE)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the file ends up mode 0600."""
    path = Path(path)
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON atomically."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
