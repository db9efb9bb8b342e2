"""The demo consultation: a painting session whose recording ships with the app.

The recording's speaker turns (from its reference file) become speaker marks,
as if the facilitator had pressed 1-4 during the session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from models import ActivityKind, Marker, MarkerKind, RecordingConsent, SessionStatus
from sessions.consent import silence_recording
from sessions.importer import import_audio
from sessions.planning import create_session
from sessions.store import ConsultationStore, Workspace

DEMO_TITLE = "Day services review (demo)"
DEMO_QUESTION = "What do people value about day and employment services, and what gets in the way?"
DEMO_SESSION = "Painting at the centre"
DEMO_VENUE = "Riverside community centre"
FACILITATOR = "Facilitator"


@dataclass(frozen=True)
class Turn:
    """One reference speaker turn of the demo recording."""

    speaker: str
    start: float
    end: float
    text: str


def read_turns(path: Path) -> list[Turn]:
    """The reference turns from the demo's JSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        Turn(t["speaker"], float(t["start"]), float(t["end"]), t["text"]) for t in data["turns"]
    ]


def find_demo(workspace: Workspace) -> tuple[ConsultationStore, str] | None:
    """The demo consultation's store and session id, if the demo was made before."""
    for store in workspace.stores():
        if store.consultation().title != DEMO_TITLE:
            continue
        for session in store.sessions():
            if session.title == DEMO_SESSION and session.recording is not None:
                return store, session.id
    return None


def create_demo(
    workspace: Workspace, audio: Path, turns_file: Path
) -> tuple[ConsultationStore, str]:
    """Make the demo consultation once; a second call returns the same one.

    It is left recorded but not yet transcribed; the caller transcribes it with
    whatever progress display suits it.
    """
    found = find_demo(workspace)
    if found is not None:
        return found
    turns = read_turns(turns_file)
    store = workspace.create_consultation(DEMO_TITLE, DEMO_QUESTION)
    speakers = list(dict.fromkeys(t.speaker for t in turns if t.speaker != FACILITATOR))
    session = create_session(
        store,
        DEMO_SESSION,
        venue=DEMO_VENUE,
        activity=ActivityKind.PAINTING,
        facilitators=[FACILITATOR],
        participants=speakers,
    )
    people = {p.pseudonym: p for p in store.participants()}
    for person in people.values():
        store.set_recording_consent(person.id, session.id, RecordingConsent.YES)
    import_audio(store, session.id, audio)
    session = store.session(session.id)
    session.markers = [
        Marker(MarkerKind.SPEAKER, at_s=t.start, participant_id=people[t.speaker].id)
        for t in turns
    ]
    session.status = SessionStatus.RECORDED
    store.save_session(session)
    silence_recording(store, session.id)  # the marks may put someone's speech off the record
    return store, session.id


__all__ = ["DEMO_SESSION", "DEMO_TITLE", "Turn", "create_demo", "find_demo", "read_turns"]
