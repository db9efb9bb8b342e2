"""The run service: consent gate, marks, strikes and off-record speech, recorded for real.

Recordings go through real PortAudio and the virtual microphone
(tests/virtual_mic.py) in a subprocess (tests/run_child.py), because PortAudio
reads the ALSA configuration once per process. The demo consultation is fed at
ten times real time and transcribed with the real tiny.en model.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import DEMO, require_model, require_portaudio, skip_or_fail
from virtual_mic import VirtualMic, load_speech

from models import Marker, MarkerKind, RecordingConsent, Segment, SessionStatus, Word
from models.attribution import attribute_speakers, drop_off_record
from sessions.consent import consent_problem, record_answer, set_present, unanswered
from sessions.demo import read_turns
from sessions.errors import FacilitateError
from sessions.importer import import_audio, transcribe_session
from sessions.planning import add_participant, create_session
from sessions.recorder import SAMPLE_RATE, partial_path
from sessions.run import ALREADY_RECORDED, hours_left, recover_session, start_recording
from sessions.services import Services
from sessions.store import ConsultationStore

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "run_child.py"
RATE = SAMPLE_RATE


def words_of(text: str) -> list[str]:
    """Lower-case words, so comparisons ignore case and punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the number of reference words."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            previous, row[j] = row[j], min(
                row[j] + 1, row[j - 1] + 1, previous + (word != heard)
            )
    return row[-1] / max(1, len(ref))


def test_word_error_rate() -> None:
    assert word_error_rate("a b c d", "a b c d") == 0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("Hello, world", "hello world") == 0


def demo_session(services: Services, no_consent: tuple[str, ...] = ()) -> tuple[
    ConsultationStore, str, dict[str, str]
]:
    """A session with the demo's speakers, all consenting but ``no_consent``; pids by name."""
    store = services.workspace.create_consultation("Day services review")
    session = create_session(
        store, "Painting", facilitators=["Facilitator"], participants=["Sam", "Alex", "Jo"]
    )
    people = {p.pseudonym: p.id for p in store.participants()}
    for name, pid in people.items():
        answer = RecordingConsent.NO if name in no_consent else RecordingConsent.YES
        record_answer(store, session.id, pid, answer)
    return store, session.id, people


def speaker_actions(people: dict[str, str]) -> list[list[object]]:
    """A speaker mark at the start of every reference turn, as a facilitator would press."""
    turns = read_turns(DEMO / "consultation_demo.json")
    return [[t.start, "speaker", people[t.speaker]] for t in turns]


def record(tmp_path: Path, services: Services, session_id: str,
           actions: list[list[object]], until: float, *, child: Path = CHILD,
           speed: float = 10.0, **extra: object) -> list[dict[str, object]]:
    """Record ``session_id`` in a child process from the virtual microphone; its events.

    ``child`` is the script that runs the session (``extra`` goes into its plan);
    ``speed`` is how many times real time the microphone is fed.
    """
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")
    speech = load_speech(DEMO / "consultation_demo.flac")
    plan = {"home": str(services.workspace.root), "session_id": session_id,
            "actions": actions, "until": until, **extra}
    events: list[dict[str, object]] = []
    with VirtualMic(tmp_path / "mic", speech, speed=speed) as mic:
        proc = subprocess.Popen(
            [sys.executable, str(child), json.dumps(plan)], env=mic.env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "started":
                mic.go()
            assert time.monotonic() < deadline, events[-3:]
        proc.wait(timeout=30)
        stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, stderr[-2000:]
    assert events and events[-1]["event"] == "stopped", (events[-3:], stderr[-2000:])
    return events


def test_records_the_demo_and_transcribes_it_within_25_percent_word_error(
    tmp_path: Path,
) -> None:
    require_model()
    services = Services.from_root(None)
    store, session_id, people = demo_session(services)
    events = record(tmp_path, services, session_id, speaker_actions(people), until=69.6)
    store = services.workspace.open(store.id)
    session = store.session(session_id)
    assert session.status is SessionStatus.RECORDED
    assert session.recording is not None and session.recording.source == "recorded"
    assert 69.6 <= session.recording.duration_s <= 69.9
    assert float(str(events[-1]["duration_s"])) == session.recording.duration_s
    # The plan's first step is marked at the start, then a mark per turn, in order.
    kinds = [m.kind for m in session.markers]
    assert kinds[0] is MarkerKind.STEP and kinds.count(MarkerKind.SPEAKER) == 10
    times = [m.at_s for m in session.markers]
    assert times == sorted(times)

    segments = transcribe_session(store, session_id, services.transcriber())
    reference = " ".join(t.text for t in read_turns(DEMO / "consultation_demo.json"))
    heard = " ".join(s.text for s in segments)
    assert word_error_rate(reference, heard) < 0.25, heard
    assert {s.speaker_id for s in segments} == set(people.values())


def test_struck_and_non_consenting_speech_is_silence_and_never_transcribed(
    tmp_path: Path,
) -> None:
    require_model()
    services = Services.from_root(None)
    store, session_id, people = demo_session(services, no_consent=("Jo",))
    actions = speaker_actions(people)
    actions.append([42.0, "strike", 32.74, 40.74])  # Sam's second turn, struck afterwards
    record(tmp_path, services, session_id, actions, until=69.6)
    store = services.workspace.open(store.id)
    session = store.session(session_id)
    assert session.recording is not None
    samples, rate = soundfile.read(str(store.audio_path(session)), dtype="int16")
    assert rate == RATE
    strike = next(m for m in session.markers if m.kind is MarkerKind.STRIKE)
    assert (strike.at_s, strike.end_s) == (32.74, 40.74)
    marks = [m for m in session.markers if m.kind is MarkerKind.SPEAKER]
    jo = [i for i, m in enumerate(marks) if m.participant_id == people["Jo"]]
    assert len(jo) == 2
    speech = load_speech(DEMO / "consultation_demo.flac")
    # Jo's turns run from each of her marks to the next mark; the strike covers Sam's turn.
    off = [(marks[i].at_s, marks[i + 1].at_s) for i in jo] + [(32.74, 40.74)]
    for start, end in off:
        assert not samples[int(start * RATE) : int(end * RATE)].any(), (start, end)
        assert speech[int(start * RATE) : int(end * RATE)].any()
    # Everyone else is kept exactly (beyond the half second of silencing ahead of Jo).
    n = min(len(samples), len(speech))
    kept = np.ones(n, dtype=bool)
    for start, end in off:
        kept[int(start * RATE) : int((end + 0.6) * RATE)] = False
    assert np.array_equal(samples[:n][kept], speech[:n][kept])

    segments = transcribe_session(store, session_id, services.transcriber())
    # Whisper may let one segment straddle a silenced gap (words either side of it),
    # so the check is on words: none lies in an off-record span.
    for segment in segments:
        for word in segment.words:
            for start, end in off:
                assert word.end <= start or word.start >= end, (word, start, end)
        if segment.speaker_id == people["Jo"]:
            # Only possible for a segment that straddles Jo's silenced turn with the
            # words of others either side (see the xfail test below); never Jo's words.
            assert segment.start < off[0][0] or segment.end > off[0][1], segment
    heard = " ".join(words_of(" ".join(s.text for s in segments)))
    for word in ("transport", "terrible", "skem", "planning", "interested", "moving"):
        assert word not in heard
    for word in ("yourself", "freak", "pottery"):
        assert word in heard


def test_consent_gate_and_presence() -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services review")
    session = create_session(store, "Talk", facilitators=["Jo"], participants=["Ash", "Birch"])
    people = {p.pseudonym: p.id for p in store.participants()}
    assert [p.pseudonym for p in unanswered(store, session.id)] == ["Ash", "Birch", "Jo"]
    problem = consent_problem(store, session.id)
    assert problem == (
        "Ash, Birch and Jo have not said yes or no to recording yet; "
        "ask before recording starts."
    )
    with pytest.raises(FacilitateError, match="Ash, Birch and Jo"):
        start_recording(store, session.id)
    record_answer(store, session.id, people["Ash"], RecordingConsent.YES)
    record_answer(store, session.id, people["Jo"], RecordingConsent.NO)
    assert consent_problem(store, session.id) == (
        "Birch has not said yes or no to recording yet; ask before recording starts."
    )
    # Birch did not come: out of the session, still in the consultation.
    set_present(store, session.id, [people["Ash"], people["Jo"]])
    assert consent_problem(store, session.id) is None
    assert people["Birch"] in {p.id for p in store.participants()}
    # Added on the spot: the gate closes until they answer.
    cedar = add_participant(store, session.id, "Cedar")
    assert consent_problem(store, session.id) is not None
    record_answer(store, session.id, cedar.id, RecordingConsent.YES)
    assert consent_problem(store, session.id) is None
    events = store.audit()
    assert [(e.participant_id, e.after) for e in events] == [
        (people["Ash"], "yes"), (people["Jo"], "no"), (cedar.id, "yes")
    ]
    assert all(e.at for e in events)


def test_a_recorded_session_is_not_recorded_again(data_dir: Path) -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services review")
    session = create_session(store, "Talk", participants=["Ash"])
    record_answer(store, session.id, store.participants()[0].id, RecordingConsent.YES)
    import_audio(store, session.id, data_dir / "librispeech_1089-134686-0001.wav")
    with pytest.raises(FacilitateError) as error:
        start_recording(store, session.id)
    assert str(error.value) == ALREADY_RECORDED


def test_recover_session_saves_a_killed_recording_and_silences_off_record_speech(
    tmp_path: Path,
) -> None:
    """A crash mid-recording: the partial file and stored marks are all that is left."""
    services = Services.from_root(None)
    store, session_id, people = demo_session(services, no_consent=("Jo",))
    session = store.session(session_id)
    session.status = SessionStatus.RECORDING
    session.markers = [
        Marker(MarkerKind.SPEAKER, 1.0, participant_id=people["Sam"]),
        Marker(MarkerKind.SPEAKER, 2.0, participant_id=people["Jo"]),
        Marker(MarkerKind.SPEAKER, 3.0, participant_id=people["Alex"]),
    ]
    store.save_session(session)
    speech = load_speech(DEMO / "consultation_demo.flac")[: 4 * RATE]
    partial_path(store.audio_dir, session_id).write_bytes(speech.astype("<i2").tobytes())

    message = recover_session(store, session_id)
    assert message == "Recovered 0:04 of recording after an unexpected stop."
    session = store.session(session_id)
    assert session.status is SessionStatus.RECORDED
    assert session.recording is not None and session.recording.duration_s == 4.0
    samples, _rate = soundfile.read(str(store.audio_path(session)), dtype="int16")
    assert not samples[2 * RATE : 3 * RATE].any()
    assert np.array_equal(samples[: 2 * RATE], speech[: 2 * RATE])
    assert np.array_equal(samples[3 * RATE :], speech[3 * RATE :])
    assert recover_session(store, session_id) is None  # once only


def test_hours_left_is_positive(tmp_path: Path) -> None:
    assert hours_left(tmp_path) > 0


def test_a_segment_straddling_silenced_speech_is_split_not_given_to_the_silenced_person() -> None:
    words = [Word(20.5, 21.0, " How"), Word(21.0, 24.5, " travel?"), Word(41.6, 42.5, " When")]
    segment = Segment(20.44, 42.56, "How travel? When", words=words)
    marks = [Marker(MarkerKind.SPEAKER, 20.0, participant_id="p-facilitator"),
             Marker(MarkerKind.SPEAKER, 25.3, participant_id="p-jo"),
             Marker(MarkerKind.SPEAKER, 41.5, participant_id="p-alex")]
    kept = attribute_speakers(drop_off_record([segment], [(25.3, 41.5)]), marks)
    assert all(s.end <= 25.3 or s.start >= 41.5 for s in kept)
    assert "p-jo" not in {s.speaker_id for s in kept}


def test_a_recording_the_session_cannot_note_is_discarded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sessions.errors import DiskFull

    services = Services.from_root(None)
    store, session_id, _ = demo_session(services)
    calls: list[str] = []

    class StandIn:
        """Records what the run service asks of its recorder."""

        def __init__(self, *_args: object) -> None:
            pass

        def start(self) -> None:
            calls.append("start")

        def discard(self) -> None:
            calls.append("discard")

    def full(*_args: object) -> None:
        raise DiskFull(store.folder)

    monkeypatch.setattr(store, "save_session", full)
    with pytest.raises(DiskFull):
        start_recording(store, session_id, recorder_factory=StandIn)  # type: ignore[arg-type]
    assert calls == ["start", "discard"]
    monkeypatch.undo()
    assert store.session(session_id).status is not SessionStatus.RECORDING
