"""What the app and the command line do with an error: a log entry and one line.

The facilitator sees one line that says what to do; the traceback goes to a
rotating log in the workspace (``<workspace>/logs/facilitate.log``), private to
the user like everything else there. The project's own errors
(:class:`~sessions.errors.FacilitateError`) already say what to do, so they show
as they are; disk and permission problems get a plain line; anything else is a
bug, and its line points at the log.
"""

from __future__ import annotations

import errno
import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from models.text import clean_text
from sessions.errors import FacilitateError, one_line
from sessions.locations import PRIVATE_FILE, ensure_private_dir

#: The log file's size before it is rotated, and how many old logs are kept.
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3


def log_path(root: Path) -> Path:
    """The log file of the workspace at ``root``."""
    return root / "logs" / "facilitate.log"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose files are readable by the user only (0600).

    A log that cannot be written (the disk is full) is given up quietly: the
    log must never be the reason the app stops or the terminal fills with text.
    """

    def _open(self):  # type: ignore[no-untyped-def]  # matches logging's signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        os.fchmod(fd, PRIVATE_FILE)  # an older log made with looser modes is closed too
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Drop the entry: nothing may be printed over the app."""


def write_log(root: Path, error: BaseException, context: str = "") -> Path | None:
    """Append ``error`` (with its traceback) to the workspace log; None if it cannot be.

    The handler is opened and closed for each entry: failures are rare, and no
    file stays open or handler lingers in ``logging``'s global registry.
    """
    path = log_path(root)
    try:
        ensure_private_dir(path.parent)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    # The project's own errors are the user's to act on: one line is enough.
    expected = isinstance(error, FacilitateError)
    record = logging.LogRecord(
        name="facilitate",
        level=logging.WARNING if expected else logging.ERROR,
        pathname=__file__,
        lineno=0,
        msg="%s%s: %s",
        args=(f"{context}: " if context else "", type(error).__name__, one_line(error)),
        exc_info=None if expected else (type(error), error, error.__traceback__),
    )
    try:
        handler.handle(record)
    finally:
        handler.close()
    return path if path.exists() else None


def _shown(name: object) -> str:
    """A file name from an OSError, safe to put on a terminal line."""
    return clean_text(os.fsdecode(name)) if isinstance(name, str | bytes) else ""


def os_error_line(error: OSError) -> str:
    """One plain line for a disk, permission or file problem."""
    name = _shown(error.filename)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "The disk is full: free some space and try again."
    if isinstance(error, PermissionError):
        where = name or "the file or folder"
        return f"Permission denied: {where}. Check who may write there, then try again."
    if error.errno == errno.EROFS:
        return f"The disk is read-only: {name or 'cannot write there'}."
    if isinstance(error, FileNotFoundError):
        return f"Not found: {name}." if name else "A file or folder is missing."
    reason = clean_text(error.strerror or one_line(error))
    return f"{reason}: {name}." if name else f"{reason}."


def is_expected(error: BaseException) -> bool:
    """Whether ``error`` is one a facilitator can act on (not a bug)."""
    return isinstance(error, FacilitateError | OSError)


def failure_line(
    error: BaseException, log: Path | None, unexpected: str = "Something went wrong"
) -> str:
    """What to tell the facilitator about ``error``, on one line (``unexpected`` opens a bug's)."""
    if isinstance(error, FacilitateError):
        return clean_text(one_line(error))
    if isinstance(error, OSError):
        return os_error_line(error)
    if log is None:
        return (
            f"{unexpected} ({type(error).__name__}: {clean_text(one_line(error))}); "
            "the log could not be written."
        )
    return f"{unexpected}; details are in {log}"


def report_error(
    root: Path, error: BaseException, context: str = "", unexpected: str = "Something went wrong"
) -> str:
    """Log ``error`` in the workspace at ``root`` and return the line to show."""
    return failure_line(error, write_log(root, error, context), unexpected)
