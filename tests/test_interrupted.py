"""Interrupted work is found and put right: kills during import, damaged transcripts, orphans.

The kill tests run the real ``facilitate import`` and SIGKILL it at several
moments: while it loads, while it stores the audio, while it transcribes. Then
the session is opened as the app opens it (:func:`recover_interrupted`): it
never stays "transcribing", it says when a transcription was interrupted, and
no recording in the audio folder goes unowned and unreported.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import DATA, require_model

from models import SessionStatus
from sessions.atomic import TEMP_PREFIX
from sessions.audio import load_audio, write_flac
from sessions.doctor import SESSIONS_CHECK, check_sessions
from sessions.errors import FacilitateError, StoreDamaged
from sessions.importer import import_audio, transcribe_session
from sessions.interrupted import (
    is_interrupted,
    marker_path,
    orphan_recordings,
    recover_interrupted,
    transcription_claim,
    transcription_running,
)
from sessions.planning import create_session
from sessions.store import ConsultationStore, Workspace

JFK = DATA / "jfk.flac"


@pytest.fixture
def workspace(private_workspace: Path) -> Workspace:
    return Workspace(private_workspace)


@pytest.fixture
def store(workspace: Workspace) -> ConsultationStore:
    return workspace.create_consultation("Day services", "What helps?")


class QuietTranscriber:
    """A stand-in for Whisper where the model is not what is tested: hears nothing."""

    model_name = "stand-in"

    def transcribe(self, audio: object, **_: object) -> list[object]:
        return []


def facilitate_command() -> list[str]:
    script = Path(sys.executable).with_name("facilitate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "facilitate"]


def status_of(root: Path, consultation_id: str, session_id: str) -> SessionStatus | None:
    """The session's status as another process sees it now (None while unreadable)."""
    try:
        return Workspace(root).open(consultation_id).session(session_id).status
    except FacilitateError:
        return None


def kill_import(root: Path, consultation_id: str, session_id: str, when: str, delay: float) -> str:
    """Run ``facilitate import`` and SIGKILL it; return the status it was killed in.

    ``when`` "start": ``delay`` seconds after the process starts; "transcribing":
    ``delay`` seconds after the session first shows as transcribing.
    """
    proc = subprocess.Popen(
        [*facilitate_command(), "import", str(JFK), "--session", session_id],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        if when == "transcribing":
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if status_of(root, consultation_id, session_id) is SessionStatus.TRANSCRIBING:
                    break
                time.sleep(0.02)
        time.sleep(delay)
        killed_in = str(status_of(root, consultation_id, session_id))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    return killed_in if proc.returncode == -signal.SIGKILL else "finished"


#: (when, delay) kill moments; the delays are jittered from a fixed seed.
MOMENTS = [("start", 0.2), ("start", 0.7), ("start", 1.4), ("transcribing", 0.0),
           ("transcribing", 0.4), ("transcribing", 1.5)]


def test_a_killed_import_never_leaves_a_session_stuck(workspace: Workspace) -> None:
    require_model()
    root = workspace.root
    store = workspace.create_consultation("Kills", "What helps?")
    rng = random.Random(20240607)
    outcomes = []
    for when, delay in MOMENTS:
        session = create_session(store, f"Kill {when} {delay}", participants=["Sam"])
        killed_in = kill_import(root, store.id, session.id, when, delay + rng.uniform(0, 0.3))
        # Opened afresh, as the app would after the kill.
        fresh = Workspace(root).open(store.id)
        before = fresh.session(session.id)
        doctor_lines = [c.detail for c in check_sessions(root) if not c.ok]
        if before.status is SessionStatus.TRANSCRIBING:
            assert is_interrupted(fresh, before)
            assert any(session.id in line and "interrupted" in line for line in doctor_lines)
        message = recover_interrupted(fresh, session.id)
        after = fresh.session(session.id)
        outcomes.append((when, killed_in, before.status.value, after.status.value))
        assert after.status is not SessionStatus.TRANSCRIBING
        if before.status is SessionStatus.TRANSCRIBING:
            assert message is not None and "interrupted" in message
            assert "transcribe it again" in message
        if after.recording is not None:
            assert after.status in (SessionStatus.RECORDED, SessionStatus.TRANSCRIBED)
            assert (fresh.folder / "audio" / after.recording.file).exists()
        assert not marker_path(fresh, session.id).exists()
        # Every recording left is owned by a session or reported by doctor.
        owned = {s.recording.file for s in fresh.sessions() if s.recording is not None}
        reported = {o.path.name for o in orphan_recordings(fresh)}
        for flac in (fresh.folder / "audio").glob("*.flac"):
            assert flac.name in owned or flac.name in reported, outcomes
    assert any(killed == "transcribing" for _, killed, _, _ in outcomes), outcomes
    # A session whose transcription was interrupted transcribes again, for real.
    fresh = Workspace(root).open(store.id)
    again = [s for s in fresh.sessions() if s.recording is not None and not fresh.segments(s.id)]
    assert again, outcomes
    from sessions.services import Services

    segments = transcribe_session(fresh, again[0].id, Services.from_root(root).transcriber())
    assert "country" in " ".join(s.text for s in segments).lower()
    assert fresh.session(again[0].id).status is SessionStatus.TRANSCRIBED


def test_an_orphan_recording_is_reported_then_adopted(
    workspace: Workspace, store: ConsultationStore
) -> None:
    session = create_session(store, "Painting", participants=["Jo"])
    # What a kill between storing the audio and saving the session leaves.
    write_flac(store.audio_dir / f"{session.id}.flac", load_audio(JFK), 16_000)
    stray = store.audio_dir / "left-behind.flac"
    write_flac(stray, load_audio(JFK)[:16_000], 16_000)
    (store.audio_dir / "garbage.wav").write_bytes(b"RIFF not really")
    problems = [c.detail for c in check_sessions(workspace.root) if not c.ok]
    mine = next(p for p in problems if f"{session.id}.flac" in p)
    assert "0:11 long" in mine and "adopts it" in mine and "KB" not in mine
    assert "MB" in mine or "bytes" in mine
    assert any("left-behind.flac" in p and "0:01 long" in p for p in problems)
    assert any("garbage.wav" in p and "not readable audio" in p for p in problems)
    message = recover_interrupted(store, session.id)
    assert message is not None and "0:11" in message
    adopted = store.session(session.id)
    assert adopted.recording is not None and adopted.recording.file == f"{session.id}.flac"
    assert adopted.status is SessionStatus.RECORDED
    assert recover_interrupted(store, session.id) is None  # once only
    left = {o.path.name for o in orphan_recordings(store)}
    assert left == {"left-behind.flac", "garbage.wav"}


def test_a_damaged_transcript_puts_the_status_back(
    workspace: Workspace, store: ConsultationStore
) -> None:
    session = create_session(store, "Music", participants=["Sam"])
    import_audio(store, session.id, JFK)
    (store.transcripts_dir / f"{session.id}.json").write_text("{ torn", encoding="utf-8")
    fresh = Workspace(workspace.root).open(store.id)
    with pytest.raises(StoreDamaged):
        transcribe_session(fresh, session.id, QuietTranscriber())  # type: ignore[arg-type]
    assert fresh.session(session.id).status is SessionStatus.RECORDED
    assert not marker_path(fresh, session.id).exists()
    problems = [c.detail for c in check_sessions(workspace.root) if not c.ok]
    assert any(session.id in p and "damaged" in p for p in problems)


def test_doctor_reports_missing_and_garbage_audio_and_interruptions(
    workspace: Workspace, store: ConsultationStore
) -> None:
    healthy = check_sessions(workspace.root)
    assert [c.ok for c in healthy] == [True]
    missing = create_session(store, "Missing", participants=["Sam"])
    import_audio(store, missing.id, JFK)
    (store.audio_dir / f"{missing.id}.flac").unlink()
    garbage = create_session(store, "Garbage", participants=["Sam"])
    import_audio(store, garbage.id, JFK)
    (store.audio_dir / f"{garbage.id}.flac").write_bytes(b"fLaC" + os.urandom(4000))
    stuck = create_session(store, "Stuck", participants=["Sam"])
    import_audio(store, stuck.id, JFK)
    with store.transaction():
        session = store.session(stuck.id)
        session.status = SessionStatus.TRANSCRIBING  # as a kill mid-transcription leaves it
        store.save_session(session)
    checks = check_sessions(workspace.root)
    problems = [c.detail for c in checks if not c.ok]
    assert all(c.name == SESSIONS_CHECK for c in checks)
    assert any(missing.id in p and "is missing" in p for p in problems)
    assert any(garbage.id in p and "cannot be used" in p for p in problems)
    assert any(stuck.id in p and "interrupted" in p for p in problems)
    result = subprocess.run(
        [*facilitate_command(), "doctor"], capture_output=True, text=True, timeout=120,
        env=os.environ.copy(),
    )
    assert result.returncode != 0
    assert f"FIX  Sessions: Session Stuck [{stuck.id}]" in result.stdout
    assert f"[{missing.id}]: its recording audio/{missing.id}.flac is missing" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_running_transcription_is_not_interrupted(
    workspace: Workspace, store: ConsultationStore
) -> None:
    session = create_session(store, "Live", participants=["Sam"])
    import_audio(store, session.id, JFK)
    started, release = threading.Event(), threading.Event()

    class SlowTranscriber(QuietTranscriber):
        def transcribe(self, audio: object, **_: object) -> list[object]:
            started.set()
            release.wait(30)
            return []

    worker = threading.Thread(
        target=transcribe_session, args=(store, session.id, SlowTranscriber())
    )
    worker.start()
    try:
        assert started.wait(30)
        assert transcription_running(store, session.id)
        assert store.session(session.id).status is SessionStatus.TRANSCRIBING
        assert recover_interrupted(store, session.id) is None
        assert store.session(session.id).status is SessionStatus.TRANSCRIBING
        assert not any("interrupted" in c.detail for c in check_sessions(workspace.root))
        with pytest.raises(FacilitateError, match="already being transcribed"):
            with transcription_claim(store, session.id, SessionStatus.RECORDED):
                pass
    finally:
        release.set()
        worker.join(30)
    assert store.session(session.id).status is SessionStatus.TRANSCRIBED
    assert not transcription_running(store, session.id)
    assert not marker_path(store, session.id).exists()


def test_a_marker_left_by_a_killed_process_is_stale(
    workspace: Workspace, store: ConsultationStore
) -> None:
    session = create_session(store, "Killed", participants=["Sam"])
    import_audio(store, session.id, JFK)
    code = (
        "import sys, time\n"
        "from models import SessionStatus\n"
        "from sessions.store import Workspace\n"
        "from sessions.importer import _set_status\n"
        "from sessions.interrupted import transcription_claim\n"
        "store = Workspace(sys.argv[1]).open(sys.argv[2])\n"
        "with transcription_claim(store, sys.argv[3], SessionStatus.RECORDED):\n"
        "    _set_status(store, sys.argv[3], SessionStatus.TRANSCRIBING)\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(workspace.root), store.id, session.id],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        fresh = Workspace(workspace.root).open(store.id)
        assert transcription_running(fresh, session.id)
        assert recover_interrupted(fresh, session.id) is None
    finally:
        proc.kill()
        proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()
    fresh = Workspace(workspace.root).open(store.id)
    assert marker_path(fresh, session.id).exists()  # the kill leaves it behind
    assert not transcription_running(fresh, session.id)
    message = recover_interrupted(fresh, session.id)
    assert message is not None and "interrupted (it started" in message
    assert fresh.session(session.id).status is SessionStatus.RECORDED
    assert not marker_path(fresh, session.id).exists()
    assert not [p for p in fresh.transcripts_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]
