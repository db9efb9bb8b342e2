"""A consultation's own words: what the transcriber should listen out for.

The bundled model mishears exactly the words that matter most in a
consultation: the towns and their short names, venues, services, activity
words and names ("mini bus" became "syllabus", "Ormskirk" became "Orange
Creek"). A vocabulary lists them, and the transcriber is given them as hints.

The terms come from two places. The facilitator's own words come first (they
know what will be said), then words the consultation already holds: venues,
activities, pseudonyms, theme names, and the names to hide (the hide list and
participants' real names; hearing a name correctly is what lets the privacy
rules find and hide it). A suggestion the facilitator does not want is left out
by name. The vocabulary lives in the consultation's store on this laptop: it is
never exported, and only the local model hears it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.text import clean_text

#: A term longer than this is not a word or phrase but a sentence: it is cut.
MAX_TERM_CHARS = 60

#: The hints given to the model are cut, at a whole term, to this many characters
#: (about 60 tokens): every token of them is heard again in each 30 s window, so a
#: longer list costs time, and tiny.en starts repeating its hints into the
#: transcript when they are long (measured in ``benchmarks/vocabulary.py``).
MAX_HINT_CHARS = 240

#: Activity kinds that are not words anyone would be misheard saying.
_PLAIN_ACTIVITIES = frozenset({"discussion", "other"})


@dataclass
class Vocabulary:
    """The facilitator's words for a consultation, and suggestions they left out."""

    #: Words and phrases the facilitator entered, in their order.
    words: list[str] = field(default_factory=list)
    #: Suggested terms (from venues, themes, names...) the facilitator does not want.
    left_out: list[str] = field(default_factory=list)


def clean_term(text: str) -> str:
    """A term as it is kept: one line, no control characters, single spaces, not too long."""
    term = " ".join(clean_text(text).split())
    return term[:MAX_TERM_CHARS].strip(" ,;")


def term_key(term: str) -> str:
    """How two spellings of a term are known to be the same ("Mini bus" is "mini  bus")."""
    return " ".join(re.findall(r"[\w']+", term.casefold()))


def unique_terms(terms: Iterable[str]) -> list[str]:
    """``terms`` cleaned, without blanks or repeats (the first spelling wins), in order."""
    found: dict[str, str] = {}
    for raw in terms:
        term = clean_term(raw)
        key = term_key(term)
        if key:
            found.setdefault(key, term)
    return list(found.values())


def parse_terms(text: str) -> list[str]:
    """Terms from typed or file text: one per line or separated by commas; ``#`` starts a note."""
    terms: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        terms.extend(line.split(","))
    return unique_terms(terms)


def suggested_terms(
    *,
    venues: Iterable[str] = (),
    activities: Iterable[str] = (),
    pseudonyms: Iterable[str] = (),
    themes: Iterable[str] = (),
    names: Iterable[str] = (),
) -> list[str]:
    """The words a consultation already holds, in the order they help most.

    Venues first (the words most often misheard), then names to hide,
    pseudonyms, activity words and theme names. ``names`` are the hide list and
    real names: they stay on this laptop like the rest of the vocabulary.
    """
    activity_words = [a for a in activities if a.casefold() not in _PLAIN_ACTIVITIES]
    return unique_terms([*venues, *names, *pseudonyms, *activity_words, *themes])


def vocabulary_terms(vocabulary: Vocabulary, suggestions: Iterable[str] = ()) -> list[str]:
    """Every term the transcriber is given: the facilitator's own first, then suggestions."""
    left_out = {term_key(t) for t in vocabulary.left_out}
    offered = [t for t in unique_terms(suggestions) if term_key(t) not in left_out]
    return unique_terms([*vocabulary.words, *offered])


def add_terms(vocabulary: Vocabulary, terms: Iterable[str]) -> Vocabulary:
    """``vocabulary`` with ``terms`` added (a term left out before is wanted again)."""
    new = unique_terms(terms)
    keys = {term_key(t) for t in new}
    return Vocabulary(
        words=unique_terms([*vocabulary.words, *new]),
        left_out=[t for t in vocabulary.left_out if term_key(t) not in keys],
    )


def remove_terms(
    vocabulary: Vocabulary, terms: Iterable[str], suggestions: Iterable[str] = ()
) -> Vocabulary:
    """``vocabulary`` without ``terms``; a suggested term is remembered as left out."""
    keys = {term_key(t) for t in terms}
    suggested = {term_key(t): t for t in unique_terms(suggestions)}
    return Vocabulary(
        words=[t for t in vocabulary.words if term_key(t) not in keys],
        left_out=unique_terms(
            [*vocabulary.left_out, *(suggested[k] for k in keys if k in suggested)]
        ),
    )


def hinted_terms(terms: Iterable[str], max_chars: int | None = None) -> list[str]:
    """The terms the model is given: the first ones that fit in ``max_chars`` together.

    ``max_chars`` None means :data:`MAX_HINT_CHARS`. Terms come in priority
    order, so what is left off is the least likely to matter.
    """
    max_chars = MAX_HINT_CHARS if max_chars is None else max_chars
    given: list[str] = []
    length = 0
    for term in unique_terms(terms):
        length += len(term) + (2 if given else 0)  # ", " between terms
        if length > max_chars:
            break
        given.append(term)
    return given


def hint_text(terms: Iterable[str], max_chars: int | None = None) -> str:
    """The terms as one hint for the model ("Skem, mini bus, ..."); empty for no terms."""
    return ", ".join(hinted_terms(terms, max_chars))


def forget_terms(vocabulary: Vocabulary, terms: Iterable[str]) -> Vocabulary:
    """``vocabulary`` with no trace of ``terms``, in the words or the left-out list.

    For erasing someone: their real name or pseudonym, typed in or left out,
    must not stay behind in the consultation's vocabulary.
    """
    keys = {term_key(t) for t in terms}
    return Vocabulary(
        words=[t for t in vocabulary.words if term_key(t) not in keys],
        left_out=[t for t in vocabulary.left_out if term_key(t) not in keys],
    )
