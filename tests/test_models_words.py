"""Words with identity: corrections keep ids, decisions follow words (pure, fast)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models import Decision, QuoteState, Segment, Word, decide, from_dict, new_quote, to_dict
from models.quote import follow_correction, follow_new_transcript
from models.transcript import aligned, correct_segment, retext

SID = "s-1"


def seg(text: str, speaker: str | None = "p1", start: float = 0.0) -> Segment:
    words = [Word(start + i, start + i + 0.8, f" {t}") for i, t in enumerate(text.split())]
    return Segment(words[0].start, words[-1].end, text, words, speaker_id=speaker)


def test_unchanged_and_repunctuated_words_keep_their_ids_and_times() -> None:
    before = seg("my dad drove me")
    after, _ = correct_segment(before, "My dad drove me.")
    assert [w.id for w in after.words] == [w.id for w in before.words]
    assert [(w.start, w.end) for w in after.words] == [(w.start, w.end) for w in before.words]
    assert [w.text.strip() for w in after.words] == ["My", "dad", "drove", "me."]


def test_a_swapped_word_keeps_the_id_and_time_of_the_word_it_corrects() -> None:
    before = seg("my dad drove me")
    after, correction = correct_segment(before, "my mum drove me")
    assert after.words[1].id == before.words[1].id
    assert (after.words[1].start, after.words[1].end) == (1.0, 1.8)
    assert correction.replaces[after.words[1].id] == (before.words[1].id,)


def test_inserted_words_take_times_between_their_neighbours_and_stable_ids() -> None:
    before = seg("my dad drove me")
    after, correction = correct_segment(before, "my dad kindly drove me")
    inserted = after.words[2]
    assert before.words[1].end <= inserted.start <= inserted.end <= before.words[2].start
    assert correction.between[inserted.id] == (before.words[1].id, before.words[2].id)
    again, _ = correct_segment(before, "my dad kindly drove me")
    assert again.words[2].id == inserted.id  # the same correction gives the same ids


def test_a_run_replaced_by_more_words_spans_the_run_and_inherits_hiding() -> None:
    before = seg("we went to hub street")
    before.redactions = [3]  # "hub"
    after, _ = correct_segment(before, "we went to Club Centre street")
    hidden = {after.words[i].text.strip() for i in after.redactions}
    assert hidden == {"Club", "Centre"}
    assert all(w.start == 3.0 and w.end == 3.8 for w in after.words[3:5])


def test_a_word_typed_next_to_a_hidden_word_is_hidden() -> None:
    before = seg("we went to hub street")
    before.redactions = [3]  # "hub"
    after, _ = correct_segment(before, "we went to the Hub Centre street")
    assert {after.words[i].text.strip() for i in after.redactions} == {"the", "Hub", "Centre"}


def test_a_word_inserted_inside_a_hidden_run_is_hidden() -> None:
    before = seg("one two three four")
    before.redactions = [1, 2]
    after, _ = correct_segment(before, "one two and three four")
    assert [after.words[i].text.strip() for i in after.redactions] == ["two", "and", "three"]


def test_a_quote_follows_the_correction_of_its_words() -> None:
    before = seg("my dad drove me to the hub")
    quote = new_quote(SID, "p1", before.words[1:5], segment_ids=[before.id])
    quote, _ = decide(quote, Decision.WITHDRAW, "t")
    after, correction = correct_segment(before, "my mum really drove me to the hub")
    followed, event = follow_correction(quote, [after], correction)
    assert [w.text.strip() for w in followed.words] == ["mum", "really", "drove", "me", "to"]
    assert followed.state is QuoteState.WITHDRAWN and event is None


def test_an_approval_is_asked_again_when_words_change_but_not_for_punctuation() -> None:
    before = seg("the bus only runs twice")
    quote = new_quote(SID, "p1", before.words, segment_ids=[before.id])
    quote, _ = decide(quote, Decision.APPROVE, "t")
    punctuated, correction = correct_segment(before, "The bus only runs twice.")
    same, event = follow_correction(quote, [punctuated], correction)
    assert same.state is QuoteState.APPROVED and event is None
    changed, correction = correct_segment(before, "the bus only comes twice")
    asked, event = follow_correction(quote, [changed], correction)
    assert asked.state is QuoteState.PENDING and event is not None
    assert event.action == "quote asked again"


def test_quote_redactions_follow_their_words() -> None:
    before = seg("alpha bravo charlie delta")
    quote = new_quote(SID, "p1", before.words, segment_ids=[before.id])
    quote, _ = decide(quote, Decision.REDACT, "t", redactions=[2])
    after, correction = correct_segment(before, "alpha charlie delta")
    followed, _ = follow_correction(quote, [after], correction)
    assert [followed.words[i].text.strip() for i in followed.redactions] == ["charlie"]


def test_a_new_transcript_keeps_a_withdrawn_quote_over_its_time() -> None:
    before = seg("alpha bravo charlie delta")
    quote = new_quote(SID, "p1", before.words[1:3], segment_ids=[before.id])
    quote, _ = decide(quote, Decision.WITHDRAW, "t")
    fresh = seg("alpha bravo charlie delta", speaker="p2")  # now said to be someone else
    followed, _ = follow_new_transcript(quote, [fresh])
    assert [w.text.strip() for w in followed.words] == ["bravo", "charlie"]


def test_words_read_from_older_files_take_the_same_id_every_time() -> None:
    word = Word(1.25, 1.5, " hello")
    data = to_dict(word)
    del data["id"]
    assert from_dict(Word, data).id == from_dict(Word, data).id == word.id


def test_a_legacy_corrected_segment_is_aligned_the_same_way_each_time() -> None:
    legacy = seg("we come hear")
    legacy.original_text, legacy.text = legacy.text, "we come here"
    legacy.redactions = [2]
    first, second = aligned(legacy), aligned(legacy)
    assert [w.id for w in first.words] == [w.id for w in second.words]
    assert [first.words[i].text.strip() for i in first.redactions] == ["here"]


@given(
    st.lists(st.sampled_from(["alpha", "bravo", "charlie", "delta", "echo"]), min_size=1,
             max_size=8),
    st.lists(st.sampled_from(["alpha", "bravo", "charlie", "delta", "echo", "fox", "golf."]),
             min_size=1, max_size=8),
)
def test_any_correction_gives_words_that_say_the_text_with_unique_ids(
    old: list[str], new: list[str]
) -> None:
    before = seg(" ".join(old))
    correction = retext(before.words, " ".join(new), before.start, before.end, before.id)
    assert [w.text.strip() for w in correction.words] == new
    ids = [w.id for w in correction.words]
    assert len(ids) == len(set(ids))
    assert all(w.start <= w.end for w in correction.words)
