"""Bringing a larger Whisper model in from a memory stick: ``facilitate models add PATH``.

A CTranslate2 Whisper model is a folder of a few files; a facilitator should
not need to know which. The folder is checked for them (saying what is
missing), copied into the workspace models folder under a temporary name,
loaded from the copy (so a truncated copy or a model of another kind is found
now, not in the middle of a session), and only then given its name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from sessions.atomic import fsync_dir
from sessions.errors import FacilitateError, ModelError, storage_error
from sessions.locations import PRIVATE_DIR, ensure_private_dir
from sessions.whisper_models import MODEL_FILES, ModelInfo, available_models

#: Files a Whisper model folder needs besides :data:`MODEL_FILES`: without the
#: tokenizer faster-whisper would fetch one from the internet.
NEEDED_FILES = (*MODEL_FILES, "tokenizer.json")
#: The model's vocabulary, in either of the names CTranslate2 writes.
VOCABULARY_FILES = ("vocabulary.json", "vocabulary.txt")
#: What is said about a folder that is not a model.
WHAT_IT_NEEDS = (
    "a CTranslate2 Whisper model folder holds model.bin, config.json, tokenizer.json "
    "and vocabulary.json or vocabulary.txt"
)
#: Prefix of the copy being checked; a copy left by a killed add is removed next time.
ADDING_PREFIX = ".adding-"


def missing_files(folder: Path) -> list[str]:
    """The files a Whisper model folder needs that ``folder`` lacks (empty: none)."""
    missing = [name for name in NEEDED_FILES if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in VOCABULARY_FILES):
        missing.append(" or ".join(VOCABULARY_FILES))
    return missing


def check_model_folder(folder: Path) -> None:
    """Raise :class:`ModelError` with one line saying what ``folder`` lacks, if anything."""
    if not folder.exists():
        raise ModelError(f"No folder at {folder}: give the path of a Whisper model folder.")
    if not folder.is_dir():
        raise ModelError(f"{folder} is a file, not a folder: {WHAT_IT_NEEDS}.")
    missing = missing_files(folder)
    if missing:
        raise ModelError(
            f"{folder} is not a Whisper model folder: it has no {', '.join(missing)} "
            f"({WHAT_IT_NEEDS})."
        )


def model_name(name: str) -> str:
    """A model name that is safe as a folder name; raises ModelError for one that is not."""
    name = name.strip()
    if not name or name.startswith(".") or os.sep in name or (os.altsep or os.sep) in name:
        raise ModelError(f"{name!r} cannot be a model name: use letters, digits, '.' and '-'.")
    if any(not (c.isalnum() or c in "._-") for c in name):
        raise ModelError(f"{name!r} cannot be a model name: use letters, digits, '.' and '-'.")
    return name


def add_model(source: Path, models_dir: Path, name: str | None = None) -> ModelInfo:
    """Copy the model folder ``source`` into ``models_dir`` as ``name``, once it loads.

    ``name`` defaults to the folder's own name; a model whose name ends in
    ``.en`` is used as English-only. Raises :class:`ModelError` (one line) when
    the folder is not a model or does not load, and :class:`FacilitateError`
    when the name is taken. Nothing is left behind when it fails.
    """
    from sessions.transcriber import Transcriber

    source = Path(source).expanduser()
    check_model_folder(source)
    name = model_name(name or source.resolve().name)
    taken = {info.name for info in available_models(models_dir)}
    if name in taken or (Path(models_dir) / name).exists():
        raise FacilitateError(
            f"A model named {name} is already there; choose another with --name."
        )
    ensure_private_dir(Path(models_dir))
    _remove_stale_copies(Path(models_dir))
    staging = Path(models_dir) / f"{ADDING_PREFIX}{name}.{os.getpid()}"
    target = Path(models_dir) / name
    try:
        _copy_folder(source, staging)
        # Loaded from the copy: a copy cut short by a full stick is found here.
        try:
            Transcriber(ModelInfo(name, staging, "workspace")).load()
        except ModelError:
            # The loader's own words name the temporary copy (gone by now) and guess at
            # a newer CTranslate2; the facilitator needs the folder they gave and a step.
            raise ModelError(
                f"{source} does not load as a Whisper model: a file in it may be damaged "
                "or cut short, or it was made for another version of CTranslate2. Copy or "
                "convert it again; nothing was added."
            ) from None
        try:
            os.rename(staging, target)
        except OSError as error:
            raise storage_error(error, target, "save") from error
        fsync_dir(Path(models_dir))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return ModelInfo(name, target, "workspace")


def _copy_folder(source: Path, target: Path) -> None:
    """Copy the model's files (not its subfolders) into a new private folder."""
    try:
        target.mkdir(mode=PRIVATE_DIR)
        for item in sorted(source.iterdir()):
            if not item.is_file():
                continue
            copied = target / item.name
            shutil.copyfile(item, copied)
            os.chmod(copied, 0o600)
            with open(copied, "rb") as handle:
                os.fsync(handle.fileno())
    except OSError as error:
        raise storage_error(error, target, "copy the model into") from error


def _remove_stale_copies(models_dir: Path) -> None:
    """Remove copies that an add killed half-way left behind (their process has gone)."""
    from sessions.atomic import process_alive

    with contextlib.suppress(OSError):
        for folder in models_dir.iterdir():
            if not folder.name.startswith(ADDING_PREFIX):
                continue
            pid = folder.name.rsplit(".", 1)[-1]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
