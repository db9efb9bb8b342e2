"""The command line, run as a user runs it: a real process, real files, the real model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, require_model

from sessions.planning import create_session
from sessions.services import Services


def facilitate(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``facilitate ARGS`` in a fresh process on the test's workspace."""
    return subprocess.run(
        [sys.executable, "-m", "facilitate", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def words(text: str) -> str:
    """Lower-case words only, for comparing transcripts without punctuation."""
    return " ".join(re.findall(r"[a-z']+", text.lower()))


@pytest.fixture
def session_id() -> str:
    """A session in a fresh consultation, with no recording yet."""
    store = Services.from_root().workspace.create_consultation("Library services")
    return create_session(store, "Drop-in", participants=["Sam"]).id


def test_transcribe_prints_what_was_said() -> None:
    require_model()
    result = facilitate("transcribe", str(DATA / "jfk.flac"))
    assert result.returncode == 0, result.stderr
    assert "ask not what your country can do for you" in words(result.stdout)


@pytest.mark.parametrize("fmt", ["json", "srt", "vtt"])
def test_transcribe_formats(fmt: str) -> None:
    require_model()
    result = facilitate(
        "transcribe", str(DATA / "librispeech_1089-134686-0001.wav"), "--format", fmt
    )
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        segments = json.loads(result.stdout)
        assert "belly" in words(" ".join(s["text"] for s in segments))
        assert all(w["start"] <= w["end"] for s in segments for w in s["words"])
    elif fmt == "srt":
        assert re.match(r"1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n", result.stdout)
    else:
        assert result.stdout.startswith("WEBVTT\n")
        assert re.search(r"00:00:\d\d\.\d{3} --> 00:00:\d\d\.\d{3}", result.stdout)


def bad_files(folder: Path) -> dict[str, Path]:
    """Files a user might point at by mistake."""
    folder.mkdir(exist_ok=True)
    noise = folder / "noise.wav"
    noise.write_bytes(os.urandom(4096))
    text = folder / "notes.wav"
    text.write_text("These are my notes from the session, not audio.\n")
    empty = folder / "empty.flac"
    empty.write_bytes(b"")
    return {
        "missing": folder / "no-such-recording.wav",
        "random bytes": noise,
        "text named .wav": text,
        "empty": empty,
        "a folder": folder,
    }


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("facilitate: ")


@pytest.mark.parametrize(
    "kind", ["missing", "random bytes", "text named .wav", "empty", "a folder"]
)
def test_transcribe_bad_input(tmp_path: Path, kind: str) -> None:
    path = bad_files(tmp_path / "bad")[kind]
    result = facilitate("transcribe", str(path))
    assert_one_line_error(result)
    assert path.name in result.stderr


@pytest.mark.parametrize(
    "kind", ["missing", "random bytes", "text named .wav", "empty", "a folder"]
)
def test_import_bad_input_changes_nothing(tmp_path: Path, session_id: str, kind: str) -> None:
    path = bad_files(tmp_path / "bad")[kind]
    result = facilitate("import", str(path), "--session", session_id)
    assert_one_line_error(result)
    _, session = Services.from_root().workspace.find_session(session_id)
    assert session.recording is None


def test_import_unknown_session() -> None:
    result = facilitate("import", str(DATA / "jfk.flac"), "--session", "s-nothere")
    assert_one_line_error(result)
    assert "s-nothere" in result.stderr


def test_import_transcribes_into_the_session(session_id: str) -> None:
    require_model()
    result = facilitate(
        "import", str(DATA / "librispeech_1089-134686-0001.wav"), "--session", session_id
    )
    assert result.returncode == 0, result.stderr
    store, session = Services.from_root().workspace.find_session(session_id)
    assert session.recording is not None
    assert session.recording.original_name == "librispeech_1089-134686-0001.wav"
    assert session.status.value == "transcribed"
    text = words(" ".join(s.text for s in store.segments(session_id)))
    assert "belly" in text
    audio = store.audio_path(session)
    assert audio is not None and (audio.stat().st_mode & 0o777) == 0o600
    # A second import must not replace the recording already there.
    again = facilitate("import", str(DATA / "jfk.flac"), "--session", session_id)
    assert_one_line_error(again)


def test_sessions_lists_ids(session_id: str) -> None:
    result = facilitate("sessions")
    assert result.returncode == 0, result.stderr
    assert session_id in result.stdout
    assert "Library services" in result.stdout


def test_models_lists_the_bundled_model() -> None:
    require_model()
    result = facilitate("models")
    assert result.returncode == 0, result.stderr
    assert "tiny.en (default)" in result.stdout


def test_doctor_reports_each_check() -> None:
    result = facilitate("doctor")
    for name in ("Whisper model", "Microphone", "Workspace", "Free disk"):
        assert name in result.stdout
    assert "Traceback" not in result.stderr


def test_sessions_lists_healthy_consultations_beside_an_empty_store(session_id: str) -> None:
    workspace = Services.from_root().workspace
    broken = workspace.create_consultation("Broken one")
    store_file = broken.folder / "store.json"
    store_file.write_text("{}")
    result = facilitate("sessions")
    assert result.returncode == 1, result.stderr  # listed, but something needs attention
    assert session_id in result.stdout
    assert "Broken one" not in result.stdout
    assert str(store_file) in result.stderr and "damaged" in result.stderr
    assert store_file.read_text() == "{}"


def test_export_twice_asks_for_overwrite_in_one_line(tmp_path: Path, session_id: str) -> None:
    target = tmp_path / "out"
    first = facilitate("export", "--session", session_id, "--to", str(target))
    assert first.returncode == 0, first.stderr
    assert "Wrote " in first.stdout
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    second = facilitate("export", "--session", session_id, "--to", str(target))
    assert_one_line_error(second)
    assert "--overwrite" in second.stderr and "nothing was written" in second.stderr
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
