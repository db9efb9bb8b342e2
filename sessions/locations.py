"""Where facilitate keeps its files: one workspace folder, private to the user."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from sessions.errors import storage_error

from sessions.errors import storage_error

#: Environment variable that overrides the workspace folder.
HOME_ENV = "FACILITATE_HOME"

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def workspace_root(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the workspace folder: ``override``, else $FACILITATE_HOME, else the user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("facilitate", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it readable by the user only.

    A folder already private is left alone, so a workspace on a read-only disk
    can still be read. Failures are one-line errors
    (:class:`~sessions.errors.StorageError`, also an OSError).
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        if path.stat().st_mode & 0o777 != PRIVATE_DIR:
            os.chmod(path, PRIVATE_DIR)
    except OSError as error:
        raise storage_error(error, path, "create the folder") from error
    return path


def consultations_dir(root: Path) -> Path:
    """The folder holding one subfolder per consultation."""
    return root / "consultations"


def models_dir(root: Path) -> Path:
    """The folder where a user may put extra CTranslate2 Whisper models."""
    return root / "models"
