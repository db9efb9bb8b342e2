"""Errors a facilitator can act on. Each message is one line that says what to do."""

from __future__ import annotations


class FacilitateError(Exception):
    """Base class: the message is shown to the user as it is, on one line."""


class StoreUnreadable(FacilitateError):
    """A consultation's store cannot be opened. It is left exactly as it was.

    Workspace listings report these (one line each) and go on with the rest.
    """

    def __init__(self, path: object, message: str) -> None:
        super().__init__(message)
        self.path = path


class StoreDamaged(StoreUnreadable):
    """A store file cannot be read. It is left exactly as it was."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(
            path,
            f"The store file {path} is damaged ({reason}); it has not been changed. "
            "Restore it from a backup or move it aside, then try again.",
        )


class StoreTooNew(StoreUnreadable):
    """A store written by a later version of facilitate, whose layout this one does not know."""

    def __init__(self, path: object, version: int) -> None:
        super().__init__(
            path,
            f"The store file {path} was made by a newer facilitate (schema {version}); "
            "upgrade facilitate to open it. It has not been changed.",
        )
        self.version = version


class StorageError(FacilitateError, OSError):
    """A file of the workspace could not be read or written; nothing saved was changed.

    Also an OSError, so code that already handles a failed write (a recording
    that stops when the disk fills) handles this one the same way.
    """

    def __init__(self, path: object, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        # Only errno, never strerror: with both set, OSError would print its own text.
        self.errno = errno


class DiskFull(StorageError):
    """The disk (or the user's quota) is full."""

    def __init__(self, path: object, errno: int | None = None) -> None:
        super().__init__(
            path,
            f"The disk holding {path} is full; nothing was saved by this action "
            "and what was saved before is unchanged. Free some space, then try again.",
            errno,
        )


class AccessDenied(StorageError):
    """The operating system refuses facilitate access to a file or folder."""

    def __init__(self, path: object, doing: str = "use", errno: int | None = None) -> None:
        super().__init__(
            path,
            f"Permission denied: facilitate may not {doing} {path}; nothing was changed. "
            "Give your user read and write access to it (chmod u+rwX), then try again.",
            errno,
        )


class ReadOnlyWorkspace(StorageError):
    """The workspace is on a disk mounted read-only."""

    def __init__(self, path: object, errno: int | None = None) -> None:
        super().__init__(
            path,
            f"{path} is on a read-only disk; nothing was saved. Use a writable workspace "
            "(--data-dir or FACILITATE_HOME), then try again.",
            errno,
        )


class StoreBusy(FacilitateError):
    """Another facilitate process has held a consultation's store for too long."""

    def __init__(self, path: object, seconds: float) -> None:
        super().__init__(
            f"Another facilitate window or command has kept {path} busy for "
            f"{seconds:.0f} s; nothing was changed. Let it finish (or close it), then try again."
        )
        self.path = path


class AlreadyRecorded(FacilitateError):
    """A session that already has (or is being given) its one recording."""


class NotFound(FacilitateError):
    """An id that names nothing in the workspace."""


class AudioError(FacilitateError):
    """An audio file that cannot be used."""


class ModelError(FacilitateError):
    """A Whisper model that cannot be found or loaded."""


class DeviceError(FacilitateError):
    """No sound system, or no input or output device."""


class Cancelled(FacilitateError):
    """Long work stopped because the user asked it to."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")


class WouldOverwrite(FacilitateError):
    """An export would replace a file that is already there."""

    def __init__(self, path: object) -> None:
        super().__init__(
            f"{path} already exists; export to an empty folder or choose to overwrite."
        )
        self.path = path


def storage_error(error: OSError, path: object, doing: str) -> FacilitateError:
    """The one-line error for a failed file operation ``doing`` (read, save...) on ``path``."""
    import errno as codes

    if isinstance(error, FacilitateError):
        return error
    if error.errno in (codes.ENOSPC, codes.EDQUOT):
        return DiskFull(path, error.errno)
    if error.errno in (codes.EACCES, codes.EPERM):
        return AccessDenied(path, doing, error.errno)
    if error.errno == codes.EROFS:
        return ReadOnlyWorkspace(path, error.errno)
    reason = error.strerror or type(error).__name__
    return StorageError(
        path,
        f"Could not {doing} {path} ({reason}); nothing was changed. "
        "Check the disk, then try again.",
        error.errno,
    )


def one_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
