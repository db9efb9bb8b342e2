"""The pure rules: anonymisation, which quotes may leave, and consented transcripts."""

from __future__ import annotations

from models import (
    ContributionReview,
    ContributionState,
    Decision,
    Marker,
    MarkerKind,
    Participant,
    RecordingConsent,
    Role,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
    set_recording_consent,
)
from models.anonymise import (
    NAME,
    build_anonymiser,
    hide_list,
    move_position,
    name_conflicts,
    suggest_names,
)
from models.export_rules import (
    UNATTRIBUTED,
    KeptSegment,
    Placeholder,
    consented_transcript,
    exportable_quotes,
    quote_spans,
)

SID = "s-1"


def person(pid: str, pseudonym: str, *, consent: bool = True, approved: bool = True,
           role: Role = Role.PARTICIPANT, real_name: str = "") -> Participant:
    p = Participant(id=pid, pseudonym=pseudonym, role=role, real_name=real_name)
    answer = RecordingConsent.YES if consent else RecordingConsent.NO
    set_recording_consent(p, SID, answer, "t")
    if approved:
        p.contribution[SID] = ContributionReview(ContributionState.APPROVED, "t")
    return p


def segment(start: float, text: str, speaker: str | None) -> Segment:
    words = [Word(start + i, start + i + 0.8, f" {w}") for i, w in enumerate(text.split())]
    return Segment(words[0].start, words[-1].end, text, words, speaker_id=speaker)


# -- anonymise ---------------------------------------------------------------------


def test_real_names_become_pseudonyms_and_other_names_become_name() -> None:
    sam = Participant(id="p1", pseudonym="Sam", real_name="Dave Smith")
    anon = build_anonymiser(["Riverside Centre", "Karen"], [sam])
    text = "DAVE's mum met dave smith and karen at the riverside  centre near Davenport"
    assert anon(text) == (
        f"Sam's mum met Sam and {NAME} at the {NAME} near Davenport"
    )


def test_a_shared_first_name_cannot_say_who_and_becomes_name() -> None:
    people = [
        Participant(id="p1", pseudonym="Sam", real_name="Dave Smith"),
        Participant(id="p2", pseudonym="Ann", real_name="Dave Jones"),
    ]
    anon = build_anonymiser([], people)
    assert anon("Dave and Dave Jones") == f"{NAME} and Ann"


def test_without_pseudonyms_real_names_become_name() -> None:
    anon = build_anonymiser([], [Participant(id="p1", pseudonym="Sam", real_name="Dave")],
                            use_pseudonyms=False)
    assert anon("Dave's here") == f"{NAME}'s here"


def test_positions_move_with_the_replacements() -> None:
    anon = build_anonymiser(["Bartholomew"], [])
    text = "I told Bartholomew that it was fine"
    new, edits = anon.with_edits(text)
    start = text.index("that")
    assert new[move_position(start, edits):].startswith("that")
    assert new[: move_position(text.index("Bartholomew") + 4, edits, end=True)].endswith(NAME)


def test_hide_list_and_conflicts() -> None:
    sam = Participant(id="p1", pseudonym="Sam", real_name="Karen")
    assert hide_list(["Jo", " jo "], [sam]) == ["Jo", "Karen"]
    anon = build_anonymiser(["Sam"], [sam])
    assert name_conflicts(anon, ["Sam", "Ann"]) == ["Sam"]


def test_suggest_names_skips_sentence_starts_stoplist_and_known_names() -> None:
    texts = [
        "Then I went to see Karen. Monday was fine, said Bob to Karen.",
        "Sam told me about Riverside and the NHS.",
    ]
    assert suggest_names(texts, known=["Sam"]) == ["Karen", "Bob", "Riverside"]


# -- quotes ---------------------------------------------------------------------------


def test_only_approved_quotes_of_consenting_speakers_leave() -> None:
    sam, jo = person("p1", "Sam"), person("p2", "Jo", consent=False)
    seg = segment(0, "one two three four", "p1")
    jos = segment(10, "five six", "p2")
    approved, _ = decide(new_quote(SID, "p1", seg.words[:2]), Decision.APPROVE, "t")
    pending = new_quote(SID, "p1", seg.words[2:3])
    withdrawn, _ = decide(new_quote(SID, "p1", seg.words[3:4]), Decision.WITHDRAW, "t")
    refused, _ = decide(new_quote(SID, "p2", jos.words), Decision.APPROVE, "t")
    result = exportable_quotes(
        [approved, pending, withdrawn, refused], [sam, jo], segments={SID: [seg, jos]}
    )
    assert [q.id for q in result] == [approved.id]


def test_words_hidden_in_one_quote_are_hidden_in_overlapping_quotes() -> None:
    sam = person("p1", "Sam")
    seg = segment(0, "alpha bravo charlie delta echo", "p1")
    wide, _ = decide(new_quote(SID, "p1", seg.words), Decision.APPROVE, "t")
    redacted, _ = decide(new_quote(SID, "p1", seg.words[:2]), Decision.REDACT, "t", redactions=[1])
    withdrawn, _ = decide(new_quote(SID, "p1", seg.words[3:4]), Decision.WITHDRAW, "t")
    quotes = [wide, redacted, withdrawn]
    result = {q.id: q for q in exportable_quotes(quotes, [sam], segments={SID: [seg]})}
    assert result[wide.id].redacted_text == "alpha [redacted] charlie [redacted] echo"
    assert result[redacted.id].redacted_text == "alpha [redacted]"


def test_struck_words_are_hidden_in_quotes() -> None:
    sam = person("p1", "Sam")
    seg = segment(0, "alpha bravo charlie", "p1")
    session = Session(id=SID, consultation_id="c", title="S",
                      markers=[Marker(MarkerKind.STRIKE, 1.0, end_s=1.9)])
    quote, _ = decide(new_quote(SID, "p1", seg.words), Decision.APPROVE, "t")
    (result,) = exportable_quotes([quote], [sam], [session], {SID: [seg]})
    assert result.redacted_text == "alpha [redacted] charlie"


# -- transcripts --------------------------------------------------------------------


def test_transcript_placeholders_one_per_run_and_facilitators_kept_with_consent() -> None:
    people = [
        person("p1", "Sam"),
        person("p2", "Jo", approved=False),
        person("p3", "Kim", consent=False),
        person("f1", "Alex", role=Role.FACILITATOR, approved=False),
        person("f2", "Lee", role=Role.FACILITATOR, consent=False, approved=False),
    ]
    session = Session(id=SID, consultation_id="c", title="S")
    segments = [
        segment(0, "hello all", "f1"),
        segment(3, "jo one", "p2"),
        segment(6, "jo two", "p2"),
        segment(9, "sam speaks", "p1"),
        segment(12, "kim one", "p3"),
        segment(15, "lee one", "f2"),
        segment(18, "nobody knows", None),
        segment(21, "stranger", "p-gone"),
    ]
    items = consented_transcript(session, segments, people, [])
    shown = [i.text for i in items]
    assert shown == [
        "hello all",
        "[Jo's contribution is not included]",
        "sam speaks",
        "[Kim's contribution is not included]",
        "[Lee's contribution is not included]",
        UNATTRIBUTED,
    ]
    jo = items[1]
    assert isinstance(jo, Placeholder) and (jo.start, jo.end) == (3, 7.8)


def test_transcript_applies_segment_and_quote_redactions_withdrawals_and_strikes() -> None:
    sam = person("p1", "Sam")
    seg = segment(0, "alpha bravo charlie delta echo foxtrot", "p1")
    seg.redactions = [0]
    session = Session(id=SID, consultation_id="c", title="S",
                      markers=[Marker(MarkerKind.STRIKE, 5.0, end_s=5.9)])
    redacted, _ = decide(new_quote(SID, "p1", seg.words[1:3]), Decision.REDACT, "t", redactions=[1])
    withdrawn, _ = decide(new_quote(SID, "p1", seg.words[3:4]), Decision.WITHDRAW, "t")
    (kept,) = consented_transcript(session, [seg], [sam], [redacted, withdrawn])
    assert isinstance(kept, KeptSegment)
    assert kept.text == "[redacted] bravo [redacted] echo"


def test_quote_spans_point_at_the_quote_in_the_segment_text() -> None:
    sam = person("p1", "Sam")
    seg = segment(0, "we come here because it is safe", "p1")
    quote, _ = decide(new_quote(SID, "p1", seg.words[4:]), Decision.APPROVE, "t")
    session = Session(id=SID, consultation_id="c", title="S")
    (kept,) = consented_transcript(session, [seg], [sam], [quote])
    assert isinstance(kept, KeptSegment)
    ((quote_id, start, end),) = quote_spans(kept, [quote])
    assert quote_id == quote.id and kept.text[start:end] == "it is safe"


def test_edited_segments_keep_the_facilitators_text_when_nothing_is_hidden() -> None:
    sam = person("p1", "Sam")
    seg = segment(0, "we come hear", "p1")
    seg.original_text, seg.text = seg.text, "we come here"
    session = Session(id=SID, consultation_id="c", title="S")
    (kept,) = consented_transcript(session, [seg], [sam], [])
    assert kept.text == "we come here"


def test_words_the_transcript_now_gives_to_someone_else_are_hidden_in_a_quote() -> None:
    # Jo's quote was made while both lines were Jo's; the facilitator then
    # corrected the second line's speaker to Sam. Jo approved, but Sam's words
    # were never Jo's to approve.
    jo, sam = person("p-jo", "Jo"), person("p-sam", "Sam")
    first = segment(0, "transport is terrible here", "p-jo")
    second = segment(5, "planning takes hard work", "p-jo")
    quote = new_quote(SID, "p-jo", [*first.words, *second.words])
    quote, _ = decide(quote, Decision.APPROVE, "t")
    second.speaker_id = "p-sam"
    session = Session(id=SID, consultation_id="c", title="t", participant_ids=["p-jo", "p-sam"])
    (kept,) = exportable_quotes([quote], [jo, sam], [session], {SID: [first, second]})
    assert kept.redacted_text == "transport is terrible here [redacted]"
    # Wholly someone else's words: nothing of the quote is left, so it is dropped.
    first.speaker_id = "p-sam"
    assert exportable_quotes([quote], [jo, sam], [session], {SID: [first, second]}) == []
