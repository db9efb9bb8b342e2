"""An imported recording keeps no voice of someone who said no, on disk.

The demo recording (four voices, with its reference speaker turns) is imported
into a session where Jo refused to be recorded. Every sample of Jo's marked
turns must be exact zero in the stored FLAC, read back with soundfile, as in a
live recording; everyone else's audio must be untouched. Marks, strikes and
answers that come after the import silence the stored file again.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import DEMO

from models import Marker, MarkerKind, RecordingConsent
from sessions.atomic import TEMP_PREFIX
from sessions.audio import frame_range, silence_file
from sessions.consent import add_markers, record_answer, silence_recording
from sessions.demo import FACILITATOR, create_demo, read_turns
from sessions.errors import AudioError
from sessions.importer import import_audio, transcribe_session
from sessions.planning import create_session
from sessions.store import ConsultationStore, Workspace

AUDIO = DEMO / "consultation_demo.flac"
TURNS = read_turns(DEMO / "consultation_demo.json")
RATE = 16_000
#: A strike made after the import, inside one of Sam's turns (32.74-40.74 s).
STRIKE = (34.0, 37.5)


@pytest.fixture
def workspace(private_workspace: Path) -> Workspace:
    return Workspace(private_workspace)


def demo_session(
    workspace: Workspace, refused: tuple[str, ...] = ("Jo",), marks: bool = True
) -> tuple[ConsultationStore, str]:
    """A session with the demo's people, ``refused`` saying no, and (if ``marks``) its turns."""
    store = workspace.create_consultation("Day services")
    speakers = list(dict.fromkeys(t.speaker for t in TURNS if t.speaker != FACILITATOR))
    session = create_session(store, "Painting", facilitators=[FACILITATOR], participants=speakers)
    for person in store.participants():
        answer = RecordingConsent.NO if person.pseudonym in refused else RecordingConsent.YES
        record_answer(store, session.id, person.id, answer)
    if marks:
        add_markers(store, session.id, turn_marks(store))
    return store, session.id


def turn_marks(store: ConsultationStore) -> list[Marker]:
    """The demo's turns as speaker marks, as if pressed 1-4 during the session."""
    people = {p.pseudonym: p.id for p in store.participants()}
    return [Marker(MarkerKind.SPEAKER, at_s=t.start, participant_id=people[t.speaker])
            for t in TURNS]


def stored(store: ConsultationStore, session_id: str) -> np.ndarray:
    """The session's recording as it is on disk, as 16-bit samples."""
    path = store.audio_path(store.session(session_id))
    assert path is not None
    samples, rate = soundfile.read(str(path), dtype="int16")
    assert rate == RATE
    return samples


def reference(workspace: Workspace) -> np.ndarray:
    """The demo imported where everyone said yes: what nobody's silencing touched."""
    store, session_id = demo_session(workspace, refused=())
    import_audio(store, session_id, AUDIO)
    return stored(store, session_id)


def turn_frames(speaker: str, total: int) -> list[tuple[int, int]]:
    """The sample ranges of ``speaker``'s marked turns: from their mark to the next one."""
    ranges = []
    for index, turn in enumerate(TURNS):
        if turn.speaker == speaker:
            end = TURNS[index + 1].start if index + 1 < len(TURNS) else total / RATE
            ranges.append(frame_range((turn.start, end), RATE))
    return ranges


def nonzero(samples: np.ndarray, ranges: list[tuple[int, int]]) -> tuple[int, int]:
    """Non-zero samples in ``ranges``, and how many samples they hold."""
    return (sum(int(np.count_nonzero(samples[a:b])) for a, b in ranges),
            sum(b - a for a, b in ranges))


def off_mask(total: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(total, dtype=bool)
    for a, b in ranges:
        mask[a:b] = True
    return mask


def assert_silenced_exactly(
    samples: np.ndarray, ref: np.ndarray, ranges: list[tuple[int, int]]
) -> None:
    """Zero inside ``ranges``; outside, the very samples of the untouched import."""
    assert len(samples) == len(ref)
    mask = off_mask(len(samples), ranges)
    assert not np.any(samples[mask])
    assert np.array_equal(samples[~mask], ref[~mask])


def no_temporaries(store: ConsultationStore) -> None:
    assert not [p for p in store.audio_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]


# -- at import ------------------------------------------------------------------------------


def test_import_silences_a_refusers_marked_turns(workspace: Workspace) -> None:
    ref = reference(workspace)
    store, session_id = demo_session(workspace)
    import_audio(store, session_id, AUDIO)
    samples = stored(store, session_id)
    jo = turn_frames("Jo", len(samples))
    # Before: nearly all of Jo's turns are sound. After: not one sample.
    before, total = nonzero(ref, jo)
    assert before > 0.8 * total
    assert nonzero(samples, jo) == (0, total)
    for speaker in ("Sam", "Alex", FACILITATOR):
        heard, length = nonzero(samples, turn_frames(speaker, len(samples)))
        assert heard > 0.6 * length, speaker
    assert_silenced_exactly(samples, ref, jo)
    path = store.audio_path(store.session(session_id))
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
    no_temporaries(store)


def test_import_from_the_command_line_silences_a_refuser(workspace: Workspace) -> None:
    ref = reference(workspace)
    store, session_id = demo_session(workspace)
    result = subprocess.run(
        [sys.executable, "-m", "facilitate", "import", str(AUDIO), "--session", session_id,
         "--no-transcribe"],
        capture_output=True, text=True, timeout=300, env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr
    samples = stored(Workspace(workspace.root).open(store.id), session_id)
    assert_silenced_exactly(samples, ref, turn_frames("Jo", len(samples)))


# -- after import ---------------------------------------------------------------------------


def test_marks_and_a_strike_after_import_silence_the_stored_file(workspace: Workspace) -> None:
    ref = reference(workspace)
    store, session_id = demo_session(workspace, marks=False)
    import_audio(store, session_id, AUDIO)
    assert np.array_equal(stored(store, session_id), ref)  # no marks: nothing is off yet

    add_markers(store, session_id, turn_marks(store))
    samples = stored(store, session_id)
    jo = turn_frames("Jo", len(samples))
    assert_silenced_exactly(samples, ref, jo)

    strike = frame_range(STRIKE, RATE)
    assert np.count_nonzero(samples[strike[0]:strike[1]]) > 0.8 * (strike[1] - strike[0])
    add_markers(store, session_id, [Marker(MarkerKind.STRIKE, at_s=STRIKE[0], end_s=STRIKE[1])])
    samples = stored(store, session_id)
    assert_silenced_exactly(samples, ref, [*jo, strike])
    path = store.audio_path(store.session(session_id))
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
    no_temporaries(store)


def test_a_consent_answer_changed_to_no_silences_the_demo(workspace: Workspace) -> None:
    store, session_id = create_demo(workspace, AUDIO, DEMO / "consultation_demo.json")
    ref = stored(store, session_id)
    alex = turn_frames("Alex", len(ref))
    assert nonzero(ref, alex)[0] > 0  # the demo: everyone said yes
    person = next(p for p in store.participants() if p.pseudonym == "Alex")
    record_answer(store, session_id, person.id, RecordingConsent.NO)
    assert_silenced_exactly(stored(store, session_id), ref, alex)


def test_marks_saved_by_any_other_way_are_silenced_before_transcribing(
    workspace: Workspace,
) -> None:
    """Whatever saved the marks, the stored file is silenced when it is transcribed."""

    class Silent:
        """A stand-in model: this test is about the file on disk, not the words."""

        model_name = "stand-in"

        def transcribe(self, audio: Path, **_: object) -> list:
            return []

    ref = reference(workspace)
    store, session_id = demo_session(workspace, marks=False)
    import_audio(store, session_id, AUDIO)
    session = store.session(session_id)
    session.markers = turn_marks(store)
    store.save_session(session)  # straight to the store, no silencing
    transcribe_session(store, session_id, Silent())  # type: ignore[arg-type]
    samples = stored(store, session_id)
    assert_silenced_exactly(samples, ref, turn_frames("Jo", len(samples)))


# -- idempotent, cheap, safe together ---------------------------------------------------------


def test_silencing_again_writes_nothing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, session_id = demo_session(workspace)
    import_audio(store, session_id, AUDIO)
    path = store.audio_path(store.session(session_id))
    assert path is not None
    before = path.stat()
    assert silence_recording(store, session_id) is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    # Nothing off the record at all: the recording is not even opened.
    everyone, yes_id = demo_session(workspace, refused=())
    import_audio(everyone, yes_id, AUDIO)

    def never(*_: object) -> bool:
        raise AssertionError("the file was opened although nothing is off the record")

    monkeypatch.setattr("sessions.consent.silence_file", never)
    assert silence_recording(everyone, yes_id) is False
    person = everyone.participants()[0]
    record_answer(everyone, yes_id, person.id, RecordingConsent.YES)  # a yes never silences


def test_one_audible_sample_is_found_at_the_edge_of_a_span(tmp_path: Path) -> None:
    """Only the spans are read to decide; the read must be sample-exact."""
    path = tmp_path / "edge.flac"
    samples = np.zeros(RATE * 20, dtype=np.int16)
    k = RATE * 12 + 345
    samples[k] = 1000
    soundfile.write(str(path), samples, RATE, format="FLAC", subtype="PCM_16")
    # Spans that end just before the sample, or start just after it, change nothing.
    assert silence_file(path, [(0.0, k / RATE), ((k + 1) / RATE, 20.0)]) is False
    assert soundfile.read(str(path), dtype="int16")[0][k] == 1000
    assert silence_file(path, [(k / RATE, (k + 1) / RATE)]) is True
    assert not np.any(soundfile.read(str(path), dtype="int16")[0])


def test_two_silencings_at_once_keep_both(workspace: Workspace) -> None:
    store, session_id = demo_session(workspace, refused=())
    import_audio(store, session_id, AUDIO)
    path = store.audio_path(store.session(session_id))
    assert path is not None
    spans = [[(1.0 + i * 6, 4.0 + i * 6)] for i in range(6)]
    start = threading.Barrier(len(spans))

    def silence(these: list[tuple[float, float]]) -> None:
        start.wait()
        silence_file(path, these)

    threads = [threading.Thread(target=silence, args=(s,)) for s in spans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples = stored(store, session_id)
    for (span,) in spans:
        first, last = frame_range(span, RATE)
        assert not np.any(samples[first:last]), span
    no_temporaries(store)


def test_a_file_that_cannot_be_silenced_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "s-1.flac"
    path.write_bytes(b"not audio at all")
    with pytest.raises(AudioError) as caught:
        silence_file(path, [(0.0, 1.0)])
    message = str(caught.value)
    assert "\n" not in message and "s-1.flac" in message and "silence" in message
    assert path.read_bytes() == b"not audio at all"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s-1.flac"]
