"""Live transcription through the run service: the transcript is ready moments after stop.

The demo consultation is recorded through real PortAudio from the virtual
microphone (tests/virtual_mic.py) in a subprocess (tests/run_live_child.py),
with the run service transcribing it live with the real tiny.en model. "Stop to
transcript" is the time from the stop call until the attributed transcript is
saved; the test bound is loose, the goal (< 3 s at real time) is in
benchmarks/live.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO, require_model
from test_run import demo_session, record, speaker_actions, word_error_rate, words_of

from models import SessionStatus
from models.attribution import off_record_spans
from sessions.demo import read_turns
from sessions.planning import session_people
from sessions.run import LIVE_HOLD_S
from sessions.services import Services

CHILD = Path(__file__).resolve().parent / "run_live_child.py"
#: Loose bound on stop-to-transcript in a test run (shared CI machines, 4x real time).
STOP_TO_TRANSCRIPT_BOUND_S = 10.0


def record_live(tmp_path: Path, services: Services, session_id: str, *, speed: float,
                actions: list[list[object]], until: float,
                probe: list[tuple[float, float]] = ()) -> list[dict[str, object]]:
    """Record ``session_id`` with live transcription in a child process; its events."""
    require_model()
    return record(tmp_path, services, session_id, actions, until, child=CHILD, speed=speed,
                  probe=list(probe))


def test_the_transcript_is_ready_moments_after_stop(tmp_path: Path) -> None:
    services = Services.from_root(None)
    store, session_id, people = demo_session(services)
    events = record_live(tmp_path, services, session_id, speed=4.0,
                         actions=speaker_actions(people), until=69.6)
    started, stopped = events[0], events[-1]
    assert started["live"] is True and started["problem"] is None
    assert stopped["live"] is True and stopped["problem"] is None, stopped["problem"]
    latency = float(str(stopped["stop_to_transcript_s"]))
    print(f"stop to transcript {latency:.2f} s (FLAC saved in "
          f"{float(str(stopped['flac_s'])):.2f} s); live had done "
          f"{float(str(stopped['live_done_at_stop_s'])):.1f} s of "
          f"{float(str(stopped['duration_s'])):.1f} s in {stopped['pieces']} pieces")
    # Only the held-back tail (and the piece in hand) was left at stop.
    assert float(str(stopped["live_done_at_stop_s"])) >= 69.6 - LIVE_HOLD_S - 29.0
    assert latency < STOP_TO_TRANSCRIPT_BOUND_S
    assert stopped["overflows"] == 0

    store = services.workspace.open(store.id)
    session = store.session(session_id)
    assert session.status is SessionStatus.TRANSCRIBED
    assert session.transcribed_with == "tiny.en"
    segments = store.segments(session_id)
    assert len(segments) == stopped["segments"]
    heard = " ".join(s.text for s in segments)
    reference = " ".join(t.text for t in read_turns(DEMO / "consultation_demo.json"))
    versus_reference = word_error_rate(reference, heard)
    # The whole-file pass over the same saved recording, as "T" would do it.
    assert session.recording is not None
    spans = off_record_spans(session.markers, session_people(store, session), session_id,
                             session.recording.duration_s)
    whole = services.transcriber().transcribe(store.audio_path(session), off_record=spans)
    versus_whole = word_error_rate(" ".join(s.text for s in whole), heard)
    print(f"live word error: {versus_reference:.1%} vs the script, "
          f"{versus_whole:.1%} vs a whole-file pass")
    assert versus_reference < 0.25, heard
    # Where the speech starts in the recording moves by tens of milliseconds with the
    # machine's load, so pieces are cut at other moments: as through the microphone in
    # tests/test_live.py, within 10 % of a whole-file pass (4.6 % or 8.2 % measured).
    assert versus_whole < 0.10, heard
    # Attributed from the speaker marks, as a whole-file pass would be.
    assert {s.speaker_id for s in segments} == set(people.values())


def test_a_strike_of_the_last_30_seconds_never_reaches_the_model(tmp_path: Path) -> None:
    services = Services.from_root(None)
    store, session_id, people = demo_session(services)
    strike_at = 52.0  # "strike the last 30 s": 22..52, Jo, Sam, Alex and the question
    before = (8.5, 19.5)
    events = record_live(
        tmp_path, services, session_id, speed=10.0,
        actions=[*speaker_actions(people), [strike_at, "strike", LIVE_HOLD_S]], until=69.6,
        probe=[before],
    )
    strike = next(e for e in events if e.get("what") == "strike")
    # On a loaded machine the key is pressed late (the microphone runs at 10x): the
    # strike is the 30 s before the press, wherever the press fell.
    pressed = float(str(strike["pressed_s"]))
    start, end = float(str(strike["at_s"])), float(str(strike["end_s"]))
    assert strike_at <= pressed <= strike_at + 5.0
    assert start == pytest.approx(pressed - LIVE_HOLD_S, abs=1e-6) and end >= pressed
    # When the strike was made the model had been given nothing of that span...
    assert float(str(strike["live_done_s"])) <= start
    stopped = events[-1]
    assert stopped["live"] is True, stopped["problem"]
    # ...and afterwards only silence there: every sample of it, in every piece.
    (loud_inside,) = stopped["loudest_struck"]  # type: ignore[misc]
    (loud_after,) = stopped["loudest_after_struck"]  # type: ignore[misc]
    (loud_before,) = stopped["loudest_heard"]  # type: ignore[misc]
    assert loud_inside == 0.0
    assert loud_before > 0.05 and loud_after > 0.05  # the probe does see speech
    assert float(str(stopped["heard_s"])) >= 69.0  # the whole recording went through

    store = services.workspace.open(store.id)
    segments = store.segments(session_id)
    saved = set(words_of(" ".join(s.text for s in segments)))
    ever = set(words_of(" ".join(str(t) for t in stopped["emitted"])))  # type: ignore[union-attr]
    # Every word said only inside the strike (Jo, Sam, Alex and the question, however
    # late the press) was never transcribed, not even for a moment.
    turns = read_turns(DEMO / "consultation_demo.json")
    inside = [t for t in turns if t.start >= start and t.end <= end]
    outside = {w for t in turns if t not in inside for w in words_of(t.text)}
    distinctive = {"transport", "terrible", "skem", "planning", "pottery", "achieved",
                   "commissioners"}
    gone = ({w for t in inside for w in words_of(t.text)} - outside) & distinctive
    assert {"transport", "skem", "pottery", "commissioners"} & gone
    assert not gone & saved and not gone & ever, gone & (saved | ever)
    for word in ("yourself", "freak", "hospital"):
        assert word in saved, word
    for segment in segments:
        for word in segment.words:
            assert word.end <= start or word.start >= end, word
