"""A consultation's vocabulary: which terms the transcriber is given, and how they are scored."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models import Consultation, from_dict, to_dict
from models.accuracy import term_count, terms_recalled, word_error
from models.text import clean_text
from models.vocabulary import (
    MAX_HINT_CHARS,
    MAX_TERM_CHARS,
    Vocabulary,
    add_terms,
    clean_term,
    forget_terms,
    hint_text,
    parse_terms,
    remove_terms,
    suggested_terms,
    term_key,
    unique_terms,
    vocabulary_terms,
)


def test_the_facilitators_words_come_first_then_suggestions_once_each() -> None:
    vocabulary = Vocabulary(words=["Skem", "mini bus"])
    offered = ["Riverside community centre", "skem", "Mini  bus", "Pottery"]
    assert vocabulary_terms(vocabulary, offered) == [
        "Skem",
        "mini bus",
        "Riverside community centre",
        "Pottery",
    ]


def test_a_suggestion_left_out_is_not_given_and_adding_it_brings_it_back() -> None:
    offered = ["Acceptance", "Riverside community centre"]
    vocabulary = remove_terms(Vocabulary(words=["Skem"]), ["acceptance", "Skem"], offered)
    assert vocabulary.words == []
    assert vocabulary.left_out == ["Acceptance"]
    assert vocabulary_terms(vocabulary, offered) == ["Riverside community centre"]
    again = add_terms(vocabulary, ["ACCEPTANCE"])
    assert again.left_out == []
    assert vocabulary_terms(again, offered)[0] == "ACCEPTANCE"


def test_forgetting_a_name_leaves_no_trace_of_it() -> None:
    vocabulary = Vocabulary(words=["Skem", "ashley brown"], left_out=["Ashley Brown", "Jo"])
    assert forget_terms(vocabulary, ["Ashley  Brown"]) == Vocabulary(["Skem"], ["Jo"])


def test_suggestions_are_venues_names_pseudonyms_activities_and_themes() -> None:
    terms = suggested_terms(
        venues=["The Beacon", ""],
        activities=["painting", "discussion", "other", "painting"],
        pseudonyms=["Jo"],
        themes=["Somewhere to go"],
        names=["Dave Whittle"],
    )
    assert terms == ["The Beacon", "Dave Whittle", "Jo", "painting", "Somewhere to go"]


def test_terms_are_one_clean_line_and_not_sentences() -> None:
    assert clean_term("  Skem\x1b[2J\n centre ,") == "Skem centre"
    assert len(clean_term("word " * 40)) <= MAX_TERM_CHARS
    assert parse_terms("Skem, Ormskirk\n# a note\nmini bus # the centre's\n\n") == [
        "Skem",
        "Ormskirk",
        "mini bus",
    ]


def test_the_hint_is_cut_at_a_whole_term_keeping_the_first() -> None:
    terms = [f"place{i}" for i in range(200)]
    hint = hint_text(terms, max_chars=50)
    assert len(hint) <= 50
    assert hint.startswith("place0, place1")
    assert all(part in terms for part in hint.split(", "))
    assert hint_text([]) == ""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=30))
def test_any_typed_terms_make_a_hint_of_the_first_clean_distinct_terms(raw: list[str]) -> None:
    hint = hint_text(raw)
    terms = unique_terms(raw)
    assert len({term_key(t) for t in terms}) == len(terms)
    assert all(clean_text(t) == t and "\n" not in t for t in terms)
    # The hint is the first few terms, whole, in their order.
    assert any(hint == ", ".join(terms[:n]) for n in range(len(terms) + 1))
    assert len(hint) <= MAX_HINT_CHARS


def test_a_consultation_keeps_its_vocabulary_and_old_stores_open_without_one() -> None:
    consultation = Consultation(
        id="c-1", title="t", vocabulary=Vocabulary(words=["Skem"], left_out=["Acceptance"])
    )
    data = to_dict(consultation)
    assert from_dict(Consultation, data).vocabulary == consultation.vocabulary
    del data["vocabulary"]
    assert from_dict(Consultation, data).vocabulary == Vocabulary()


def test_word_error_counts_substitutions_deletions_and_insertions() -> None:
    assert word_error("the mini bus", "The mini-bus.") == 0.0
    assert word_error("the mini bus", "the syllabus") == 2 / 3
    assert word_error("a b", "a b c d") == 1.0
    assert word_error("", "") == 0.0


def test_recall_counts_each_saying_of_a_term_at_most_once() -> None:
    said = "We take the mini bus to Skem. The mini bus is late."
    heard = "We take the syllabus to Skem, Skem. The mini bus is late."
    assert term_count("mini bus", said) == 2
    assert terms_recalled(["mini bus", "Skem", "Ormskirk"], said, heard) == (2, 3)
