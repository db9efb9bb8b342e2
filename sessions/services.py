"""The services the app and CLI share: one workspace, one loaded model per name."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sessions.locations import workspace_root
from sessions.store import Workspace

if TYPE_CHECKING:
    from sessions.transcriber import Transcriber


class Services:
    """Everything the UI needs from the world, built once and passed into the app."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._transcribers: dict[Path, Transcriber] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_root(cls, root: Path | str | None = None) -> Services:
        """Services on the workspace at ``root`` (default: $FACILITATE_HOME or user data dir)."""
        return cls(Workspace(workspace_root(root)))

    def transcriber(self, model: str | None = None) -> Transcriber:
        """The transcriber for ``model`` (default tiny.en); its model loads on first use."""
        from sessions.transcriber import Transcriber
        from sessions.whisper_models import resolve_model

        info = resolve_model(model, self.workspace.models_dir)
        with self._lock:
            transcriber = self._transcribers.get(info.path)
            if transcriber is None:
                transcriber = Transcriber(info)
                self._transcribers[info.path] = transcriber
            return transcriber
