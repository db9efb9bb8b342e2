"""How well a transcript matches what was said: word error, and which terms were heard.

Used by the vocabulary benchmark and tests to judge whether hints help; words
are compared in lower case without punctuation, as Whisper's own scoring does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def spoken_words(text: str) -> list[str]:
    """The words of ``text`` as compared: lower case, punctuation and hyphens gone."""
    return re.findall(r"[a-z0-9']+", text.casefold().replace("-", " "))


def word_error(reference: str | Sequence[str], heard: str | Sequence[str]) -> float:
    """Word error rate: substitutions, deletions and insertions over the reference's words."""
    ref = spoken_words(reference) if isinstance(reference, str) else list(reference)
    hyp = spoken_words(heard) if isinstance(heard, str) else list(heard)
    if not ref:
        return float(len(hyp) > 0)
    row = list(range(len(hyp) + 1))
    for i, said in enumerate(ref, 1):
        previous, row[0] = row[:], i
        for j, got in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (said != got))
    return row[-1] / len(ref)


def term_count(term: str, text: str) -> int:
    """How many times ``term`` occurs in ``text`` as whole words."""
    words, want = spoken_words(text), spoken_words(term)
    if not want:
        return 0
    return sum(words[i : i + len(want)] == want for i in range(len(words) - len(want) + 1))


def terms_recalled(terms: Iterable[str], said: str, heard: str) -> tuple[int, int]:
    """Of the times ``terms`` were said, how many were heard: (heard, said).

    A term heard more often than it was said counts only as often as it was said.
    """
    found = total = 0
    for term in terms:
        times = term_count(term, said)
        total += times
        found += min(times, term_count(term, heard))
    return found, total
