"""Where facilitate keeps its files: one workspace folder, private to the user."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from models.ids import is_id
from sessions.errors import NotFound, storage_error

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


def screenshots_dir(root: Path) -> Path:
    """Where the command palette's screenshots go: inside the private workspace."""
    return root / "screenshots"


def models_dir(root: Path) -> Path:
    """The folder where a user may put extra CTranslate2 Whisper models."""
    return root / "models"


class BadId(NotFound):
    """An id that could not have been made by facilitate (a hand-edited store, a typo).

    It is refused before it becomes part of a file name, so nothing is ever
    written outside the consultation's folder.
    """

    def __init__(self, kind: str, value: str) -> None:
        super().__init__(
            f"{value!r} is not a valid {kind} (the store may have been edited by hand); "
            "'facilitate sessions' lists the real ones. Nothing was written."
        )


def id_for_path(entity_id: str, kind: str = "session id") -> str:
    """``entity_id`` once it is known to be an id, so safe as part of a file name.

    Raises BadId (a one-line error) for anything else, such as ``../../x`` in
    a hand-edited store, before any path is built from it.
    """
    if not is_id(entity_id):
        raise BadId(kind, entity_id)
    return entity_id


def recording_file_for_path(name: str) -> str:
    """A recording's file name (an id and an audio suffix) once it is known to be one.

    Raises BadId for anything else, such as a name that climbs out of the
    audio folder.
    """
    stem, dot, suffix = name.rpartition(".")
    if not (dot and is_id(stem) and suffix in {"flac", "wav"}):
        raise BadId("recording file name", name)
    return name
