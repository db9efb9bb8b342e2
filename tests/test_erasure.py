"""Erasing a participant: their words (every version) and voice go, everyone else's stay.

Built on a real workspace: a tinydb store, a FLAC recording imported through the
importer, corrections, quotes, decisions and a log entry made through the services.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from quote_fixtures import painting_session

from models import Decision, Marker, MarkerKind, Participant, Session, to_dict
from models.attribution import off_record_spans
from models.erasure import ERASED_ACTION, mark_spans, plan_erasure, subtract_spans
from models.transcript import Segment, Word
from sessions.artwork import add_artwork, artwork_for, artworks, image_bytes
from sessions.audio import write_flac
from sessions.encryption import audio_source, forget_keys, read_file
from sessions.erasure import erase_participant, erasure_plan
from sessions.errors import FacilitateError
from sessions.export_history import record_export
from sessions.importer import import_audio
from sessions.planning import create_session
from sessions.quotes import make_quote
from sessions.review import apply_decision, review_contribution
from sessions.services import Services
from sessions.transcript_edits import edit_text

RATE = 16_000
#: Ash's words, as heard and as corrected: none of them may survive anywhere.
ASH_HEARD = "I paint zephyrine marmalade skies near Thornbury"
ASH_FIXED = "I paint zephyrine marmalade skies near Thornberry Quarry"
ASH_TWO = "Quillfeather helped me breathe again"
ASH_REAL_NAME = "Ashleigh Vantongeren"
PASSPHRASE = "a long walk by the river"
BIRCH_ONE = "The bus from the village only runs twice a day"


def _segment(start: float, text: str, speaker: str) -> Segment:
    words = [Word(start + i, start + i + 1, f" {w}") for i, w in enumerate(text.split())]
    return Segment(start, words[-1].end, f" {text}", words, speaker, f" {text}")


def _samples(path: Path) -> np.ndarray:
    """A recording's samples as stored, decrypted in memory when the consultation is sealed."""
    with audio_source(path) as source:
        return soundfile.read(source, dtype="int16")[0]


def _contents(path: Path) -> bytes:
    """A file's bytes, decrypted when sealed whole (a sealed recording holds no words)."""
    try:
        return read_file(path)
    except (FacilitateError, ValueError):
        return path.read_bytes()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(params=["plain", "encrypted"])
def consultation(  # noqa: ANN201 - a tuple of parts
    request: pytest.FixtureRequest, tmp_path: Path, private_workspace: Path
):
    """Ash and Birch, a recording, corrected words, quotes, decisions, a log entry, an export."""
    services = Services.from_root(private_workspace)
    if request.param == "encrypted":
        store = services.workspace.create_consultation("Day services", passphrase=PASSPHRASE)
        request.addfinalizer(forget_keys)
        session = create_session(
            store, "Painting", facilitators=["Jo"], participants=["Ash", "Birch"]
        )
    else:
        store, session = painting_session(services)
    people = {p.pseudonym: p for p in store.participants()}
    ash, birch = people["Ash"], people["Birch"]
    ash.real_name, ash.notes, ash.follow_up = ASH_REAL_NAME, "Quillfeather worries", True
    ash.reach = {"age band": "25-34"}
    store.save_participant(ash)
    noise = np.random.default_rng(7).uniform(-0.5, 0.5, RATE * 40).astype(np.float32)
    source = tmp_path / "session.flac"
    write_flac(source, noise, RATE)
    import_audio(store, session.id, source)
    segments = [
        _segment(0, ASH_HEARD, ash.id),
        _segment(10, BIRCH_ONE, birch.id),
        _segment(25, ASH_TWO, ash.id),
    ]
    store.save_segments(session.id, segments)
    edit_text(store, session.id, segments[0].id, ASH_FIXED)
    ash_quote = make_quote(store, session.id, [segments[0].id], memo="zephyrine memo")
    birch_quote = make_quote(store, session.id, [segments[1].id])
    apply_decision(store, ash_quote.id, Decision.REDACT, redactions=[2])
    apply_decision(store, birch_quote.id, Decision.APPROVE)
    review_contribution(store, birch.id, session.id, "approved")  # type: ignore[arg-type]
    logs = private_workspace / "logs"
    logs.mkdir(mode=0o700)
    (logs / "facilitate.log").write_text(
        "2026-01-01 10:00:00,000 ERROR kept: disk full\n"
        f"2026-01-01 10:00:01,000 ERROR Cannot save 'Thornbury' for {ash.id}\n"
        "Traceback (most recent call last):\n  zephyrine\n"
        "2026-01-01 10:00:02,000 WARNING also kept\n"
    )
    record_export(store, [tmp_path / "export" / "report.md"])
    from PIL import Image

    photo = tmp_path / "painting.png"
    Image.new("RGB", (40, 30), "orange").save(photo)
    add_artwork(store, session.id, ash.id, photo, "Quillfeather at dusk")
    add_artwork(store, session.id, birch.id, photo, "The bus stop")
    return store, store.session(session.id), ash, birch


def test_erasure_removes_every_version_of_their_words_and_silences_their_voice(
    consultation, private_workspace: Path  # noqa: ANN001 - the fixture's tuple
) -> None:
    store, session, ash, birch = consultation
    audio = store.audio_path(session)
    before_samples = _samples(audio)
    birch_doc = to_dict(store.participant(birch.id))
    birch_segments = [to_dict(s) for s in store.segments(session.id) if s.speaker_id == birch.id]
    birch_quotes = [to_dict(q) for q in store.quotes() if q.participant_id == birch.id]
    birch_audit = [to_dict(e) for e in store.audit(birch.id)]
    [ash_art] = artwork_for(store, ash.id)
    [birch_art] = artwork_for(store, birch.id)
    birch_photo = image_bytes(store, birch_art)
    ash_spans = [(s.start, s.end) for s in store.segments(session.id) if s.speaker_id == ash.id]

    secrets = [*ASH_HEARD.split()[2:], *ASH_FIXED.split()[-2:], "Quillfeather", "Vantongeren"]
    everything = b"".join(_contents(p) for p in _files(private_workspace)).lower()
    assert all(word.lower().encode() in everything for word in secrets)  # the test can fail

    report = erase_participant(store, ash.id)

    # No file in the workspace holds any version of Ash's words, name or notes.
    for path in _files(private_workspace):
        data = _contents(path).lower()
        for word in secrets:
            assert word.lower().encode() not in data, (word, path)
    assert ash.id not in {p.id for p in store.participants()}
    # Their audio is exact zeros; every other sample is as it was.
    after_samples = _samples(audio)
    assert len(after_samples) == len(before_samples)
    theirs = np.zeros(len(before_samples), dtype=bool)
    for start, end in ash_spans:
        theirs[int(start * RATE): int(np.ceil(end * RATE))] = True
    assert not after_samples[theirs].any()
    assert np.array_equal(after_samples[~theirs], before_samples[~theirs])
    # Birch's data is byte for byte what it was.
    assert to_dict(store.participant(birch.id)) == birch_doc
    assert [to_dict(s) for s in store.segments(session.id)] == birch_segments
    assert [to_dict(q) for q in store.quotes()] == birch_quotes
    assert [to_dict(e) for e in store.audit(birch.id)] == birch_audit
    # Their artwork and its photo are gone; Birch's are as they were.
    assert artworks(store) == [birch_art]
    assert image_bytes(store, birch_art) == birch_photo
    assert not (store.folder / "artwork" / ash_art.file).exists()
    # One audit entry says it happened, and says nothing else.
    erased = [e for e in store.audit() if e.action == ERASED_ACTION]
    assert len(erased) == 1
    assert (erased[0].before, erased[0].after, erased[0].note) == (None, None, "")
    assert not store.audit(ash.id)
    # The log keeps what does not mention them.
    log = (private_workspace / "logs" / "facilitate.log").read_text()
    assert "kept: disk full" in log and "also kept" in log
    # The facilitator is told what went, and which exports to delete by hand.
    text = "\n".join(report.lines())
    assert "1 quote of theirs" in text and "2 transcript segments" in text
    assert "1 artwork photo of theirs" in text
    assert str(private_workspace.parent / "export") in text
    # Their stretches stay off the record for any later transcription.
    latest = store.session(session.id)
    spans = off_record_spans(latest.markers, store.participants(), session.id, 40.0)
    assert spans == ash_spans


def test_erasing_again_changes_nothing_more(consultation) -> None:  # noqa: ANN001
    store, session, ash, _ = consultation
    erase_participant(store, ash.id)
    files = {p: p.read_bytes() for p in _files(store.folder) if p.name != "store.json"}
    with pytest.raises(Exception, match="No participant"):
        erasure_plan(store, ash.id)
    assert {p: p.read_bytes() for p in _files(store.folder) if p.name != "store.json"} == files


def test_a_session_being_recorded_stops_erasure_and_nothing_changes(consultation) -> None:  # noqa: ANN001
    store, session, ash, _ = consultation
    from models import SessionStatus

    session.status = SessionStatus.RECORDING
    store.save_session(session)
    before = {p: p.read_bytes() for p in _files(store.folder)}
    with pytest.raises(Exception, match="recording now"):
        erase_participant(store, ash.id)
    assert {p: p.read_bytes() for p in _files(store.folder)} == before


# -- the rules, without files ------------------------------------------------------------


def _session(markers: list[Marker]) -> Session:
    from models import Recording

    return Session("s-1", "c-1", "t", participant_ids=["p-a", "p-b"], markers=markers,
                   recording=Recording("s-1.flac", 60.0, RATE))


def test_marked_stretches_given_to_someone_else_in_the_transcript_stay_audible() -> None:
    marks = [
        Marker(MarkerKind.SPEAKER, 0.0, "p-a"),
        Marker(MarkerKind.SPEAKER, 20.0, "p-b"),
        Marker(MarkerKind.SPEAKER, 40.0, "p-a"),
    ]
    session = _session(marks)
    segments = [_segment(5, "not really hers", "p-b"), _segment(45, "hers", "p-a")]
    assert mark_spans(marks, "p-a", 60.0) == [(0.0, 20.0), (40.0, 60.0)]
    person = Participant("p-a", "A")
    plan = plan_erasure(person, [session], {"s-1": segments}, [], [])
    assert plan.sessions[0].spans == [(0.0, 5.0), (8.0, 20.0), (40.0, 60.0)]
    assert [s.speaker_id for s in plan.sessions[0].segments or []] == ["p-b"]
    assert all(m.participant_id != "p-a" for m in plan.sessions[0].session.markers)


def test_subtract_spans() -> None:
    assert subtract_spans([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert subtract_spans([(0, 1)], []) == [(0, 1)]
    assert subtract_spans([(0, 1)], [(0, 1)]) == []


def test_their_real_name_stays_hidden_where_others_still_say_it(private_workspace: Path) -> None:
    store, session = painting_session(Services.from_root(private_workspace))
    people = {p.pseudonym: p for p in store.participants()}
    ash, birch = people["Ash"], people["Birch"]
    ash.real_name = ASH_REAL_NAME
    store.save_participant(ash)
    store.save_segments(session.id, [
        _segment(0, ASH_TWO, ash.id),
        _segment(10, "Ashleigh drives me to the Hub", birch.id),
    ])
    report = erase_participant(store, ash.id)
    assert report.name_kept and "stays on the names to hide" in "\n".join(report.lines())
    assert ASH_REAL_NAME in store.consultation().hide_names
    store.save_segments(session.id, [_segment(10, "Nobody drives me", birch.id)])
    cath = store.participants()[0]
    cath.real_name = "Cathal Ooms"
    store.save_participant(cath)
    assert not erase_participant(store, cath.id).name_kept
    assert "Cathal Ooms" not in store.consultation().hide_names


@pytest.mark.parametrize("consultation", ["plain"], indirect=True)
def test_an_erasure_cut_short_is_finished_by_erasing_again(consultation) -> None:  # noqa: ANN001
    store, session, ash, birch = consultation
    audio = store.audio_path(session)
    saved = audio.read_bytes()
    ash_spans = [(s.start, s.end) for s in store.segments(session.id) if s.speaker_id == ash.id]
    audio.write_bytes(b"not audio at all")  # the recording cannot be rewritten now
    with pytest.raises(FacilitateError, match="Cannot silence"):
        erase_participant(store, ash.id)
    assert ash.id in {p.id for p in store.participants()}  # still listed: erase again
    audio.write_bytes(saved)

    erase_participant(store, ash.id)

    assert ash.id not in {p.id for p in store.participants()}
    samples = _samples(audio)
    for start, end in ash_spans:
        assert not samples[int(start * RATE): int(end * RATE)].any()
    assert all(s.speaker_id == birch.id for s in store.segments(session.id))
