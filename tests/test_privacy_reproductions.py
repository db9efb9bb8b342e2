"""Each way consent once broke under an ordinary action, as a named test through the services.

Timings are Whisper-like and uneven (a long first word, short later ones), as
they were when a correction's evenly spread word times hid the wrong word.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from export_helpers import read_back
from lxml import etree

from models import ContributionState, Decision, Marker, MarkerKind, RecordingConsent, Segment, Word
from models.participant import Role
from sessions.export import export_all
from sessions.planning import create_session
from sessions.quotes import make_quote
from sessions.review import apply_decision, redact_own_words, review_contribution, review_privacy
from sessions.store import ConsultationStore, Workspace
from sessions.transcript_edits import edit_text, set_speaker

#: (word, start, end): uneven, as Whisper gives them.
SAM_LINE = [("my", 0.0, 1.6), ("dad", 1.6, 1.8), ("drove", 1.8, 2.0), ("me", 2.0, 2.2),
            ("tokyellow", 2.2, 2.4), ("tokharbour", 2.4, 4.5)]
JO_LINE = [("tokorange", 5.0, 5.3), ("toklantern", 5.3, 7.9)]


def line(words: list[tuple[str, float, float]], speaker: str | None) -> Segment:
    made = [Word(a, b, f" {w}") for w, a, b in words]
    return Segment(made[0].start, made[-1].end, " ".join(w for w, _, _ in words), made,
                   speaker_id=speaker)


@pytest.fixture
def world(private_workspace: Path) -> tuple[ConsultationStore, str, str, str]:
    """Sam and Jo, both recorded and both sharing their transcript; Sam's line, then Jo's."""
    store = Workspace(private_workspace).create_consultation("Reproductions")
    session = create_session(store, "Painting", participants=["Sam", "Jo"])
    people = {p.pseudonym: p.id for p in store.participants()}
    sam, jo = people["Sam"], people["Jo"]
    for pid in (sam, jo):
        store.set_recording_consent(pid, session.id, RecordingConsent.YES)
        review_contribution(store, pid, session.id, ContributionState.APPROVED)
    store.save_segments(session.id, [line(SAM_LINE, sam), line(JO_LINE, jo)])
    return store, session.id, sam, jo


def exported(store: ConsultationStore, out: Path) -> dict[str, str]:
    export_all(store, out)
    return read_back(out)


def segments(store: ConsultationStore, sid: str) -> list[Segment]:
    return store.segments(sid)


def test_a_withdrawn_one_word_quote_stays_out_of_a_corrected_transcript(world, tmp_path) -> None:
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "My dad drove me tokyellow tokharbour.")
    quote = make_quote(store, sid, [first.id], word_range=(4, 5))  # "tokyellow"
    apply_decision(store, quote.id, Decision.WITHDRAW)
    for name, text in exported(store, tmp_path / "out").items():
        assert "tokyellow" not in text, name
    assert "tokharbour" in exported(store, tmp_path / "again")["transcript-01-painting.txt"]


def test_a_word_redacted_in_a_quote_stays_out_of_a_corrected_transcript(world, tmp_path) -> None:
    store, sid, _, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "my dad drove me tokyellow tokharbour.")
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.REDACT, redactions=[4])
    texts = exported(store, tmp_path / "out")
    assert not [n for n, t in texts.items() if "tokyellow" in t]
    assert "tokharbour" in texts["quotes.csv"]


def test_a_word_hidden_in_transcript_review_stays_out_of_quotes(world, tmp_path) -> None:
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "My dad drove me, tokyellow tokharbour.")
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    redact_own_words(store, sam, sid, first.id, [4])  # tokyellow
    texts = exported(store, tmp_path / "out")
    assert not [n for n, t in texts.items() if "tokyellow" in t]
    assert "tokharbour" in texts["quotes.csv"]


def test_an_approved_quote_is_asked_again_when_its_words_are_corrected(world, tmp_path) -> None:
    store, sid, _, _ = world
    first = segments(store, sid)[0]
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    edit_text(store, sid, first.id, "my mum drove me tokyellow tokharbour")
    assert store.quote(quote.id).state.value == "pending"
    assert "tokharbour" not in exported(store, tmp_path / "out")["quotes.csv"]
    assert any(e.action == "quote asked again" for e in store.audit())
    # Punctuation alone is no change of words: an approval stands.
    apply_decision(store, quote.id, Decision.APPROVE)
    edit_text(store, sid, first.id, "My mum drove me, tokyellow tokharbour.")
    assert store.quote(quote.id).state.value == "approved"
    quotes_csv = exported(store, tmp_path / "o2")["quotes.csv"]
    assert "My mum drove me, tokyellow tokharbour." in quotes_csv


def test_a_refusers_interjection_stays_out_of_a_quote(world, tmp_path) -> None:
    store, sid, sam, jo = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "My dad drove me tokyellow tokharbour.")
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    # Jo said "tokyellow" (marked as speaking), then withdrew consent to be recorded.
    session = store.session(sid)
    session.markers += [Marker(MarkerKind.SPEAKER, 2.2, participant_id=jo),
                        Marker(MarkerKind.SPEAKER, 2.4, participant_id=sam)]
    store.save_session(session)
    store.set_recording_consent(jo, sid, RecordingConsent.NO)
    apply_decision(store, quote.id, Decision.APPROVE)
    texts = exported(store, tmp_path / "out")
    assert not [n for n, t in texts.items() if "tokyellow" in t or "toklantern" in t]
    # Words right beside the refuser's turn go with it (word times are not exact);
    # the rest of the approved quote is there.
    assert "My dad drove" in texts["quotes.csv"]


def test_approved_words_of_a_corrected_segment_are_all_in_the_quote(world, tmp_path) -> None:
    store, sid, _, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "My mum drove me tokyellow tokharbour.")
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    assert "My mum drove me tokyellow tokharbour." in exported(store, tmp_path / "o")["quotes.csv"]


def test_a_correction_survives_a_participant_hiding_a_word(world, tmp_path) -> None:
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "my mum drove me tokyellow tokharbour")
    redact_own_words(store, sam, sid, first.id, [5])
    # Sam reviews the corrected words and approves them again.
    review_contribution(store, sam, sid, ContributionState.APPROVED)
    transcript = exported(store, tmp_path / "out")["transcript-01-painting.txt"]
    assert "my mum drove me tokyellow [redacted]" in transcript
    assert "dad" not in transcript


def test_transcript_review_shows_the_corrected_text_as_exported(world) -> None:
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "my mum drove me tokyellow tokharbour")
    quote = make_quote(store, sid, [first.id], word_range=(4, 5))
    apply_decision(store, quote.id, Decision.WITHDRAW)
    from models.export_rules import shown_text

    privacy = review_privacy(store, [sid])[sid]
    shown = shown_text(segments(store, sid)[0], privacy)
    assert shown == "my mum drove me tokharbour"


def test_de_attributed_speech_leaves_the_quote(world, tmp_path) -> None:
    store, sid, _, _ = world
    first = segments(store, sid)[0]
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    set_speaker(store, sid, [first.id], None)
    texts = exported(store, tmp_path / "out")
    assert not [n for n, t in texts.items() if "tokyellow" in t]


def test_refi_qda_codes_a_quote_without_another_speakers_line(world, tmp_path) -> None:
    store, sid, sam, jo = world
    sam_again = line([("tokviolet", 9.0, 9.4), ("tokmeadow", 9.4, 10.0)], sam)
    store.save_segments(sid, [*segments(store, sid), sam_again])
    all_lines = segments(store, sid)
    # A quote over Sam's two lines, made while Jo's line between was Sam's too.
    set_speaker(store, sid, [all_lines[1].id], sam)
    quote = make_quote(store, sid, [s.id for s in all_lines])
    apply_decision(store, quote.id, Decision.APPROVE)
    set_speaker(store, sid, [all_lines[1].id], jo)
    export_all(store, tmp_path / "out")
    selections = _selections(tmp_path / "out" / "project.qdpx")
    assert selections, "the quote is coded"
    for text in selections:
        assert "toklantern" not in text and "Jo:" not in text


def test_refi_qda_never_codes_a_quote_only_in_part(world, tmp_path) -> None:
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    quote = make_quote(store, sid, [first.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    # Sam hides a word in the transcript only after the quote was approved: the
    # quote then shows a word the shared transcript does not.
    redact_own_words(store, sam, sid, first.id, [0])
    review_contribution(store, sam, sid, ContributionState.WITHDRAWN)
    export_all(store, tmp_path / "out")
    selections = _selections(tmp_path / "out" / "project.qdpx")
    assert any("tokyellow tokharbour" in s for s in selections)
    assert all(s.count("tokharbour") <= 1 for s in selections)


def test_a_dotted_capital_i_in_speech_does_not_stop_the_export(world, tmp_path) -> None:
    store, sid, sam, _ = world
    person = store.participant(sam)
    person.real_name = "Ibrahim Kaya"
    store.save_participant(person)
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "my İbrahim drove me tokyellow tokharbour")
    for name, text in exported(store, tmp_path / "out").items():
        assert "İbrahim" not in text and "Ibrahim" not in text, name


def test_facilitators_speech_follows_the_same_core(world, tmp_path) -> None:
    store, sid, _, jo = world
    person = store.participant(jo)
    person.role = Role.FACILITATOR
    store.save_participant(person)
    second = segments(store, sid)[1]
    quote = make_quote(store, sid, [second.id], word_range=(1, 2))
    apply_decision(store, quote.id, Decision.WITHDRAW)
    edit_text(store, sid, second.id, "tokorange, toklantern!")
    assert not [n for n, t in exported(store, tmp_path / "o").items() if "toklantern" in t]


def _selections(qdpx: Path) -> list[str]:
    """The text each REFI-QDA selection covers."""
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(qdpx) as archive:
        project = etree.fromstring(archive.read("project.qde"))
        found = []
        for source in project.iterfind(".//q:TextSource", ns):
            path = "sources/" + source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(path).decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", ns):
                a, b = int(selection.get("startPosition")), int(selection.get("endPosition"))
                found.append(text[a:b])
    return found


def test_transcribing_again_keeps_word_ids_and_asks_about_changed_quotes(world) -> None:
    from sessions.transcript_merge import save_transcript

    store, sid, sam, jo = world
    first, second = segments(store, sid)
    kept = make_quote(store, sid, [first.id])
    apply_decision(store, kept.id, Decision.APPROVE)
    changed = make_quote(store, sid, [second.id])
    apply_decision(store, changed.id, Decision.APPROVE)
    # The model hears Sam's line the same, and one of Jo's words differently.
    fresh = [line(SAM_LINE, None), line([("tokorange", 5.0, 5.3), ("toklamp", 5.3, 7.9)], None)]
    update = save_transcript(store, sid, fresh, "tiny.en")
    assert store.quote(kept.id).state.value == "approved"
    assert [w.id for w in store.quote(kept.id).words] == [w.id for w in kept.words]
    assert store.quote(changed.id).state.value == "pending"
    assert update.quotes_asked_again == 1 and "asked about again" in update.summary()


def test_a_transcript_approval_is_asked_again_when_its_words_change(world, tmp_path) -> None:
    store, sid, sam, jo = world
    first, second = segments(store, sid)
    edit_text(store, sid, first.id, "I'm tokhidden and it can be hard work")
    assert store.participant(sam).contribution_for(sid) is ContributionState.PENDING
    transcript = exported(store, tmp_path / "out")["transcript-01-painting.txt"]
    assert "tokhidden" not in transcript and "toklantern" in transcript
    # Punctuation alone is no change of words; giving Jo more words is.
    review_contribution(store, sam, sid, ContributionState.APPROVED)
    edit_text(store, sid, first.id, "I'm tokhidden, and it can be hard work.")
    assert store.participant(sam).contribution_for(sid) is ContributionState.APPROVED
    set_speaker(store, sid, [first.id], jo)
    assert store.participant(jo).contribution_for(sid) is ContributionState.PENDING
    assert any("asked for again" in e.note for e in store.audit(jo))


def test_a_word_typed_over_struck_speech_stays_out_after_transcribing_again(
    world, tmp_path
) -> None:
    """The facilitator corrects a word, the stretch is struck, the session is transcribed
    again: the model no longer hears the struck word, and the correction typed over it must
    not come back on the audio beside it.
    """
    from models.attribution import drop_off_record, off_record_spans
    from sessions.transcript_merge import save_transcript

    store, sid, sam, jo = world
    second = segments(store, sid)[1]
    # "tokorange" (5.0-5.3) is struck; the facilitator had typed "tokpeach" over it.
    session = store.session(sid)
    session.markers.append(Marker(MarkerKind.STRIKE, 4.8, end_s=5.2))
    store.save_session(session)
    edit_text(store, sid, second.id, "tokpeach toklantern")
    spans = off_record_spans(session.markers, store.participants(), sid, 10.0)
    fresh = drop_off_record([line(SAM_LINE, None), line(JO_LINE, None)], spans)
    assert fresh[1].text.split() == ["toklantern"]  # the struck word is no longer heard
    save_transcript(store, sid, fresh, "tiny.en")
    review_contribution(store, jo, sid, ContributionState.APPROVED)  # asked again, agrees
    texts = exported(store, tmp_path / "out")
    assert not [name for name, text in texts.items() if "tokpeach" in text]
    assert "toklantern" in texts["transcript-01-painting.txt"]


def test_a_withdrawn_quote_cannot_be_deleted_back_into_the_transcript(world, tmp_path) -> None:
    from sessions.errors import FacilitateError
    from sessions.quotes import delete_quote

    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    withdrawn = make_quote(store, sid, [first.id], word_range=(4, 5))  # "tokyellow"
    apply_decision(store, withdrawn.id, Decision.WITHDRAW)
    with pytest.raises(FacilitateError, match="withdrew"):
        delete_quote(store, withdrawn.id)
    redacted = make_quote(store, sid, [first.id], word_range=(5, 6))  # "tokharbour"
    apply_decision(store, redacted.id, Decision.REDACT, redactions=[0])
    with pytest.raises(FacilitateError, match="hid words"):
        delete_quote(store, redacted.id)
    mistaken = make_quote(store, sid, [first.id], word_range=(1, 3))
    delete_quote(store, mistaken.id)  # nobody decided on it: it may go
    assert {q.id for q in store.quotes(sid)} == {withdrawn.id, redacted.id}
    for name, text in exported(store, tmp_path / "out").items():
        assert "tokyellow" not in text and "tokharbour" not in text, name


def test_words_retyped_over_a_run_are_struck_with_any_word_of_it(world, tmp_path) -> None:
    """Three words retyped as three others: which stands for which is unknowable, so a
    strike on the first old word takes all three new ones off the record.
    """
    store, sid, sam, _ = world
    first = segments(store, sid)[0]
    edit_text(store, sid, first.id, "my dad tokone toktwo tokthree tokharbour")
    review_contribution(store, sam, sid, ContributionState.APPROVED)  # asked again, agrees
    session = store.session(sid)
    session.markers.append(Marker(MarkerKind.STRIKE, 1.82, end_s=1.86))  # inside "drove"
    store.save_session(session)
    texts = exported(store, tmp_path / "out")
    for token in ("tokone", "toktwo", "tokthree"):
        assert not [name for name, text in texts.items() if token in text], token
    assert "tokharbour" in texts["transcript-01-painting.txt"]
