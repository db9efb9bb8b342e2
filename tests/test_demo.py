"""The demo consultation: made once, transcribed offline, speakers attributed from marks."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import DEMO, require_model

from models import Role
from sessions.demo import DEMO_SESSION, DEMO_TITLE, read_turns
from sessions.services import Services


def run_demo() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "facilitate", "demo", "--no-app"],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )


def test_demo_transcribes_with_speakers_from_marks() -> None:
    require_model()
    first = run_demo()
    assert first.returncode == 0, first.stderr
    assert "Transcribing" in first.stderr

    workspace = Services.from_root().workspace
    (store,) = workspace.stores()
    assert store.consultation().title == DEMO_TITLE
    assert len(store.consultation().codebook.themes) == 10
    (session,) = store.sessions()
    assert session.title == DEMO_SESSION
    assert session.activity.value == "painting"
    people = {p.id: p for p in store.participants()}
    assert sorted(p.pseudonym for p in people.values() if p.role is Role.PARTICIPANT) == [
        "Alex",
        "Jo",
        "Sam",
    ]
    assert all(p.is_recorded_in(session.id) for p in people.values())
    assert len(store.audit()) == len(people)  # one consent event each

    turns = read_turns(DEMO / "consultation_demo.json")
    segments = store.segments(session.id)
    assert len(segments) >= len(turns) - 1

    def reference_speaker(start: float, end: float) -> str:
        best = max(turns, key=lambda t: min(end, t.end) - max(start, t.start))
        return best.speaker

    matches = sum(
        people[s.speaker_id].pseudonym == reference_speaker(s.start, s.end)
        for s in segments
        if s.speaker_id is not None
    )
    assert matches / len(segments) >= 0.9

    # A second run reuses the demo rather than making or transcribing another.
    second = run_demo()
    assert second.returncode == 0, second.stderr
    assert "Transcribing" not in second.stderr
    assert len(workspace.consultation_ids()) == 1
