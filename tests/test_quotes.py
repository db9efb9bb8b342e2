"""Quotes from transcript spans, filters, the overview, and codebook edits on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Marker, MarkerKind, Participant, Segment, Session, Word
from models.codebook import Codebook, Theme
from models.overview import THIN, overview
from models.quote import Decision, QuoteState, decide, filter_quotes, new_quote, quote_from_span
from sessions import quotes as service
from sessions.errors import NotFound
from sessions.locations import workspace_root
from sessions.store import ConsultationStore, Workspace


def seg(sid: str, start: float, text: str, speaker: str | None = "p-1") -> Segment:
    words = [Word(start + i, start + i + 0.5, f" {w}") for i, w in enumerate(text.split())]
    return Segment(start, start + len(words), text, words, speaker_id=speaker, id=sid)


def test_quote_from_whole_segments_defaults_to_the_speaker() -> None:
    quote = quote_from_span("s-1", [seg("g-2", 10, "two words"), seg("g-1", 0, "it helps")])
    assert quote.participant_id == "p-1" and quote.state is QuoteState.PENDING
    assert quote.text == "it helps two words"
    assert quote.segment_ids == ["g-1", "g-2"]
    assert (quote.start, quote.end) == (0, 11.5)


def test_quote_from_a_word_range_in_one_segment() -> None:
    segment = seg("g-1", 0, "a b c d")
    quote = quote_from_span("s-1", [segment], word_range=(1, 3), theme_ids=["t", "t"])
    assert quote.text == "b c" and (quote.start, quote.end) == (1, 2.5)
    assert quote.theme_ids == ["t"]
    for bad in [(2, 2), (-1, 1), (0, 5)]:
        with pytest.raises(ValueError):
            quote_from_span("s-1", [seg("g-1", 0, "a b c d")], word_range=bad)


def test_unknown_speakers_need_an_explicit_participant() -> None:
    with pytest.raises(ValueError, match="choose who"):
        quote_from_span("s-1", [seg("g-1", 0, "hi", None)])
    assert quote_from_span(
        "s-1", [seg("g-1", 0, "hi", None)], participant_id="p-2"
    ).participant_id == "p-2"


def test_a_quote_never_holds_someone_elses_words() -> None:
    # One person must never approve another's words: mixed speakers are refused,
    # whoever the facilitator names, and so is naming someone other than the speaker.
    mixed = [seg("g-1", 0, "hello", "p-1"), seg("g-2", 5, "there", "p-2")]
    for participant_id in (None, "p-1", "p-2"):
        with pytest.raises(ValueError, match="more than one person"):
            quote_from_span("s-1", mixed, participant_id=participant_id)
    with pytest.raises(ValueError, match="someone else"):
        quote_from_span("s-1", [seg("g-1", 0, "hello", "p-1")], participant_id="p-2")
    partly_unknown = [seg("g-1", 0, "hello", "p-1"), seg("g-2", 5, "there", None)]
    assert quote_from_span("s-1", partly_unknown, participant_id="p-1").participant_id == "p-1"


def test_edited_segment_quotes_the_corrected_text() -> None:
    segment = seg("g-1", 0, "the bus is late")
    segment.original_text, segment.text = segment.text, "the bus is always late"
    assert quote_from_span("s-1", [segment]).text == "the bus is always late"


def test_filter_by_theme_participant_state_and_session() -> None:
    a = new_quote("s-1", "p-1", [Word(0, 1, "a")], theme_ids=["t-1"])
    b = new_quote("s-2", "p-2", [Word(0, 1, "b")], theme_ids=["t-2", "t-1"])
    b, _ = decide(b, Decision.APPROVE, "t")
    quotes = [a, b]
    assert filter_quotes(quotes, theme="t-1") == [a, b]
    assert filter_quotes(quotes, theme=["t-2", "t-9"]) == [b]
    assert filter_quotes(quotes, participant="p-1") == [a]
    assert filter_quotes(quotes, state=QuoteState.APPROVED) == [b]
    assert filter_quotes(quotes, state=[QuoteState.PENDING, QuoteState.WITHDRAWN]) == [a]
    assert filter_quotes(quotes, session="s-2", theme="t-1") == [b]


def test_overview_rolls_children_up_and_flags_thin_themes() -> None:
    codebook = Codebook([Theme("t-p", "Parent"), Theme("t-c", "Child", parent_id="t-p"),
                         Theme("t-x", "Other")])
    quotes = [new_quote("s", f"p-{i % 2}", [Word(0, 1, "w")], theme_ids=tags)
              for i, tags in enumerate([["t-p", "t-c"], ["t-c"], ["t-c"], ["t-x"], []])]
    quotes[3], _ = decide(quotes[3], Decision.WITHDRAW, "t")
    result = overview(codebook, quotes)
    rows = {row.theme_id: row for row in result.themes}
    assert [row.theme_id for row in result.themes] == ["t-p", "t-c", "t-x"]
    assert rows["t-p"].own.total == 1 and rows["t-p"].total.live == 3  # each quote once
    assert rows["t-c"].total.live == 3 and not rows["t-c"].thin
    assert rows["t-x"].total.withdrawn == 1 and rows["t-x"].thin and THIN == 3
    assert [t.theme_id for t in result.thin_themes] == ["t-x"]
    assert result.untagged.total == 1 and result.quotes.total == 5
    assert result.participants["p-0"].total == 3 and result.participants["p-1"].withdrawn == 1


# -- the service, on a real store ------------------------------------------------------------


@pytest.fixture
def store(private_workspace: Path) -> ConsultationStore:
    store = Workspace(workspace_root()).create_consultation("Day services")
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    store.save_participant(Participant(id="p-2", pseudonym="Sam"))
    markers = [Marker(MarkerKind.STEP, 0, step_index=0), Marker(MarkerKind.BOOKMARK, 3),
               Marker(MarkerKind.STEP, 8, step_index=1)]
    store.save_session(Session(id="s-1", consultation_id=store.id, title="One", markers=markers))
    store.save_segments("s-1", [seg("g-1", 0, "it is somewhere to go"),
                                seg("g-2", 10, "staff notice", "p-2")])
    return store


def test_make_quote_finds_the_plan_step_and_saves(store: ConsultationStore) -> None:
    theme = store.consultation().codebook.themes[0]
    quote = service.make_quote(store, "s-1", ["g-2"], theme_ids=[theme.id], memo=" memo ")
    assert quote.step_index == 1 and quote.participant_id == "p-2" and quote.memo == "memo"
    early = service.make_quote(store, "s-1", ["g-1"], word_range=(3, 5))
    assert early.step_index == 0 and early.text == "to go"
    assert service.list_quotes(store, session_id="s-1") == [early, quote]
    assert service.list_quotes(store, theme_id=theme.id) == [quote]
    assert service.list_quotes(store, participant_id="p-1") == [early]


def test_make_quote_rejects_unknowns(store: ConsultationStore) -> None:
    with pytest.raises(NotFound):
        service.make_quote(store, "s-1", ["g-9"])
    with pytest.raises(NotFound):
        service.make_quote(store, "s-1", ["g-1"], theme_ids=["t-nope"])
    with pytest.raises(NotFound):
        service.make_quote(store, "s-1", ["g-1"], participant_id="p-ghost")
    with pytest.raises(NotFound):
        service.make_quote(store, "s-9", ["g-1"])
    assert store.quotes() == []


def test_rename_merge_and_nested_filter_on_the_store(store: ConsultationStore) -> None:
    first, second = store.consultation().codebook.themes[:2]
    q1 = service.make_quote(store, "s-1", ["g-1"], theme_ids=[first.id, second.id])
    q2 = service.make_quote(store, "s-1", ["g-2"], theme_ids=[second.id])
    service.rename_theme(store, first.id, "Safe place")
    assert store.consultation().codebook.theme(first.id).name == "Safe place"
    child = service.add_theme(store, "Quiet room", parent_id=first.id)
    service.tag(store, q2.id, [child.id])
    assert [q.id for q in service.list_quotes(store, theme_id=first.id)] == [q1.id, q2.id]
    assert [q.id for q in service.list_quotes(store, theme_id=first.id, include_nested=False)] == [
        q1.id
    ]
    service.merge_themes(store, [second.id, child.id], first.id)
    reopened = ConsultationStore(store.folder)
    assert {q.id: q.theme_ids for q in reopened.quotes()} == {q1.id: [first.id], q2.id: [first.id]}
    assert reopened.consultation().codebook.theme(second.id) is None
    service.remove_theme(store, first.id)
    assert all(q.theme_ids == [] for q in ConsultationStore(store.folder).quotes())
    assert service.theme_overview(store).untagged.total == 2


def test_store_quotes_are_fresh_copies(store: ConsultationStore) -> None:
    quote = service.make_quote(store, "s-1", ["g-1"])
    listed = store.quotes()[0]
    listed.theme_ids.append("oops")
    listed.memo = "changed"
    assert store.quotes()[0] == quote
    service.set_memo(store, quote.id, "kept")
    assert store.quotes()[0].memo == "kept" and store.quote(quote.id).memo == "kept"
