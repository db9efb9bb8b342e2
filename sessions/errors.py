"""Errors a facilitator can act on. Each message is one line that says what to do."""

from __future__ import annotations


class FacilitateError(Exception):
    """Base class: the message is shown to the user as it is, on one line."""


class StoreDamaged(FacilitateError):
    """A store file cannot be read. It is left exactly as it was."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(
            f"The store file {path} is damaged ({reason}); it has not been changed. "
            "Restore it from a backup or move it aside, then try again."
        )
        self.path = path


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


def one_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
