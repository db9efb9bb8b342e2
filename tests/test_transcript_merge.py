"""Carrying work over when a transcript is redone: redactions, speakers, edits, quotes, approvals.

Segments are built directly (no model): a re-segmenting re-transcription is
simulated by handing the merge new segments that split or join the old ones.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Actor, ContributionState, Participant, RecordingConsent, Segment, Word
from models.moments import Moments
from models.quote import quote_from_span
from models.review import review_contribution
from sessions.planning import create_session
from sessions.services import Services
from sessions.store import ConsultationStore
from sessions.transcript_merge import merge_transcripts, save_transcript


def words_of(text: str, start: float, step: float = 0.5) -> list[Word]:
    """One word per token, ``step`` seconds each, from ``start``."""
    return [Word(start + i * step, start + (i + 1) * step, f" {t}")
            for i, t in enumerate(text.split())]


def seg(words: list[Word], speaker: str | None = None, seg_id: str | None = None,
        **extra: object) -> Segment:
    """A segment made of ``words`` as the model would give it."""
    text = "".join(w.text for w in words).strip()
    segment = Segment(words[0].start, words[-1].end, text, list(words), speaker_id=speaker,
                      original_text=text, **extra)  # type: ignore[arg-type]
    if seg_id is not None:
        segment.id = seg_id
    return segment


SAM = "I have spent three times in hospital since I have been coming here but I would have " \
      "spent more time in hospital if I wasn't coming here."


def test_edit_carried_word_by_word_when_a_segment_is_split() -> None:
    """The tester's case: the 1:00 segment comes back as two; the correction lands in the second."""
    words = words_of(SAM, 60.0)
    old = seg(words, "sam", "a")
    old.text = SAM.replace("coming here.", "coming here!")
    new = [seg(words[:17]), seg(words[17:])]
    merge = merge_transcripts([old], new)
    assert merge.edits_kept == 1 and not merge.edits_lost
    first, second = merge.segments
    assert not first.edited
    assert second.text.endswith("coming here!") and second.edited
    assert second.original_text.endswith("coming here.")
    assert [s.speaker_id for s in merge.segments] == ["sam", "sam"]


def test_edit_kept_whole_on_the_same_span_and_counted_honestly_otherwise() -> None:
    a = seg(words_of("Hello hare", 0.0), "p1", "a", )
    a.text = "Hello there"
    b = seg(words_of("More words here", 2.0), "p2", "b")
    b.text = "Different words entirely now"
    new = [
        seg([Word(0.1, 0.5, " Hello"), Word(0.5, 1.1, " hair")]),  # same span as a
        seg(words_of("Other speech", 2.0)),  # b's span, but nothing of b heard again
        seg(words_of("heard", 3.0)),
    ]
    merge = merge_transcripts([a, b], new)
    first = merge.segments[0]
    assert (first.id, first.text, first.original_text, first.speaker_id) == (
        "a", "Hello there", "Hello hair", "p1")
    assert merge.edits_kept == 1
    assert [(e.start, e.text) for e in merge.edits_lost] == [(2.0, "Different words entirely now")]
    assert all(s.id != "b" for s in merge.segments)
    assert [s.speaker_id for s in merge.segments[1:]] == ["p2", "p2"]


def test_edit_on_speech_no_longer_transcribed_is_reported_apart() -> None:
    gone = seg(words_of("Jo said this", 10.0), "jo", "g")
    gone.text = "Jo said that"
    merge = merge_transcripts([gone], [seg(words_of("Sam speaks", 0.0))])
    assert merge.edits_gone == 1 and not merge.edits_lost and not merge.edits_kept


def test_merged_segment_is_split_between_the_old_speakers() -> None:
    old = [seg(words_of("one two three", 0.0), "p1"), seg(words_of("four five", 1.5), "p2")]
    joined = seg(words_of("one two three four five", 0.0), "p1")  # the marks said p1
    merge = merge_transcripts(old, [joined])
    assert [(s.text, s.speaker_id) for s in merge.segments] == [
        ("one two three", "p1"), ("four five", "p2")]


def test_redacted_word_stays_hidden_across_resegmentation_and_nearest_fallback() -> None:
    words = words_of("my name is Robin Smith and I live here", 0.0)
    old = seg(words, "p1", redactions=[3, 4])
    new_words = [Word(w.start + 0.02, w.end + 0.03, w.text) for w in words]
    new = [seg(new_words[:4]), seg(new_words[4:])]
    merge = merge_transcripts([old], new)
    hidden = [s.words[i].text.strip() for s in merge.segments for i in s.redactions]
    assert {"Robin", "Smith"} <= set(hidden)
    # A hidden word no new word touches still hides its nearest neighbour.
    gap = [Word(0.0, 1.0, " keep"), Word(2.1, 3.0, " after")]
    merge = merge_transcripts([seg([Word(1.5, 2.0, " secret")], "p1", redactions=[0])],
                              [seg(gap)])
    assert merge.segments[0].redactions == [1]


@st.composite
def resegmented(draw: st.DrawFn) -> tuple[list[Segment], list[Segment]]:
    """Random old segments with random redactions, and the same words cut up anew, jittered."""
    count = draw(st.integers(1, 40))
    lengths = draw(st.lists(st.floats(0.05, 1.0), min_size=count, max_size=count))
    gaps = draw(st.lists(st.floats(0.0, 0.6), min_size=count, max_size=count))
    words: list[Word] = []
    t = 0.0
    for i, (length, gap) in enumerate(zip(lengths, gaps, strict=True)):
        t += gap
        words.append(Word(round(t, 3), round(t + length, 3), f" w{i}"))
        t += length
    old_cuts = sorted(set(draw(st.lists(st.integers(1, count), max_size=6)) + [count]))
    new_cuts = sorted(set(draw(st.lists(st.integers(1, count), max_size=6)) + [count]))
    hidden = set(draw(st.lists(st.integers(0, count - 1), max_size=count)))
    old: list[Segment] = []
    first = 0
    for cut in old_cuts:
        part = words[first:cut]
        old.append(seg(part, "p1", redactions=[i for i in range(len(part)) if first + i in hidden]))
        first = cut
    jitter = draw(st.lists(st.floats(-0.04, 0.04), min_size=2 * count, max_size=2 * count))
    moved = []
    for i, w in enumerate(words):
        start = max(0.0, w.start + jitter[2 * i])
        moved.append(Word(start, start + max(0.01, w.end - w.start + jitter[2 * i + 1]), w.text))
    new: list[Segment] = []
    first = 0
    for cut in new_cuts:
        new.append(seg(moved[first:cut]))
        first = cut
    return old, new


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resegmented())
def test_property_no_redaction_is_ever_lost(case: tuple[list[Segment], list[Segment]]) -> None:
    """Every new word touching an old hidden word is hidden, and so is each hidden word's twin."""
    old, new = case
    spans = [(s.words[i].start, s.words[i].end) for s in old for i in s.redactions]
    hidden_old = Moments(spans)
    merge = merge_transcripts(old, new)
    for segment in merge.segments:
        for index, word in enumerate(segment.words):
            if hidden_old.touches(word.start, word.end):
                assert index in segment.redactions, (word, spans)
    hidden_texts = {s.words[i].text for s in old for i in s.redactions}
    kept_hidden = {s.words[i].text for s in merge.segments for i in s.redactions}
    assert hidden_texts <= kept_hidden


# -- saving over a stored transcript -----------------------------------------------------


def make_store() -> tuple[ConsultationStore, str, dict[str, Participant]]:
    """A real store in the test's workspace with one session and two consenting people."""
    store = Services.from_root(None).workspace.create_consultation("Merge test")
    session = create_session(store, "Group one", participants=["Sam", "Jo"])
    for person in store.participants():
        store.set_recording_consent(person.id, session.id, RecordingConsent.YES)
    return store, session.id, {p.pseudonym: p for p in store.participants()}


def test_save_transcript_relinks_quotes_resets_approval_and_audits() -> None:
    store, session_id, people = make_store()
    sam, jo = people["Sam"].id, people["Jo"].id
    words = words_of(SAM, 60.0)
    old = [seg(words, sam, "a"), seg(words_of("Jo agrees with that", 75.0), jo, "b")]
    old[0].text = SAM.replace("coming here.", "coming here!")
    store.save_segments(session_id, old)
    quote = quote_from_span(session_id, [old[0]], word_range=(0, 9))
    store.save_quote(quote)
    for who in (sam, jo):
        approved, _ = review_contribution(store.participant(who), session_id,
                                          ContributionState.APPROVED, "2024-01-01T00:00:00+00:00")
        store.save_participant(approved)

    # The model now splits Sam's turn and hears Jo the same; nothing of "a" keeps its span.
    fresh = [seg(words[:17]), seg(words[17:]), seg(words_of("Jo agrees with that", 75.0))]
    update = save_transcript(store, session_id, fresh, "tiny.en")

    segments = store.segments(session_id)
    ids = {s.id for s in segments}
    assert "a" not in ids and "b" in ids
    saved = store.quote(quote.id)
    assert saved.segment_ids and set(saved.segment_ids) <= ids
    assert saved.segment_ids == [segments[0].id]
    assert saved.text == quote.text  # the quote keeps its own words
    assert update.quotes_relinked == 1
    assert sum(s.edited for s in segments) == 1 and update.edits_lost == 0
    # Sam's words are the same corrected text, Jo's unchanged: nobody's approval resets.
    assert update.approvals_reset == []
    assert "edits kept" in update.summary()

    # Now a model that hears Sam differently: his approval goes back to pending, audited.
    other = [seg(words_of("Something else entirely", 60.0, step=4.5)),
             seg(words_of("Jo agrees with that", 75.0))]
    update = save_transcript(store, session_id, other, "small.en")
    assert update.approvals_reset == ["Sam"]
    assert store.participant(sam).contribution_for(session_id) is ContributionState.PENDING
    assert store.participant(jo).contribution_for(session_id) is ContributionState.APPROVED
    events = [e for e in store.audit(sam) if e.actor is Actor.SYSTEM]
    assert events and events[-1].after == "pending" and "small.en" in events[-1].note
    assert update.edits_lost == 1
    summary = update.summary()
    assert "1 edit could not be carried over" in summary and "edits kept" not in summary
    assert "Sam" in summary
    assert all(set(q.segment_ids) <= {s.id for s in store.segments(session_id)}
               for q in store.quotes(session_id))
