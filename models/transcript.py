"""What was said: recognised words grouped into segments.

Words have identity. Every word carries an ``id`` that survives the
facilitator's corrections: :func:`retext` aligns a corrected text to the words
it replaces, so unchanged words keep their ids and times and a changed word
keeps the id of the word it corrects. Quotes, redactions and participants'
decisions name words by id; times are only for the audio.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from models.ids import new_id


def word_key(start: float, end: float, text: str) -> str:
    """The id a word takes when it was made without one: from its time and text.

    Words read from files written before words had ids take this id, so the
    same word in a segment and in a quote made from it gets the same id, every
    time it is read.
    """
    return f"t{start:.3f}-{end:.3f}-{text.strip()}"


@dataclass
class Word:
    """One recognised word with its time in the recording (seconds) and a stable id."""

    start: float
    end: float
    text: str
    probability: float = 1.0
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = word_key(self.start, self.end, self.text)


@dataclass
class Segment:
    """A stretch of speech, usually one sentence or turn.

    ``words`` always say what ``text`` says: a correction re-aligns them (see
    :func:`retext`). ``original_text`` keeps what the model heard when the
    facilitator edits ``text``; ``speaker_id`` is a participant id (or None
    when unknown).
    """

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker_id: str | None = None
    original_text: str = ""
    #: Indexes into ``words`` the speaker chose to hide when reviewing their transcript.
    redactions: list[int] = field(default_factory=list)
    id: str = field(default_factory=lambda: new_id("g"))

    @property
    def edited(self) -> bool:
        """True when the facilitator changed the recognised text."""
        return bool(self.original_text) and self.original_text != self.text

    @property
    def midpoint(self) -> float:
        """The time halfway through the segment."""
        return (self.start + self.end) / 2


def join_words(words: list[Word]) -> str:
    """The text of ``words``: Whisper words carry their own leading space; others get one."""
    return "".join(w.text if w.text[:1].isspace() else f" {w.text}" for w in words).strip()


def format_clock(seconds: float) -> str:
    """Return ``seconds`` as ``h:mm:ss`` (or ``m:ss`` under an hour)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# -- corrections: words keep their identity ------------------------------------------

_NOT_WORD = re.compile(r"[^\w']+")


def token_key(token: str) -> str:
    """A word as compared across corrections: case and punctuation ignored."""
    return _NOT_WORD.sub("", token.replace("’", "'").casefold())


def word_keys(words: Iterable[Word]) -> list[str]:
    """What ``words`` say, as compared for a change of words: punctuation alone is none."""
    return [k for w in words if (k := token_key(w.text))]


@dataclass(frozen=True)
class Correction:
    """How a corrected text's words relate to the words they replaced.

    ``replaces`` maps a word made by the correction to the old words it stands
    for (a changed word keeps its old id and maps to its whole changed run);
    ``between`` maps a word inserted where nothing was replaced to the old words
    on either side of it (None at an edge). Decisions follow: a word replacing
    a hidden word is hidden, and so is a word inserted next to one.
    """

    words: list[Word]
    replaces: dict[str, tuple[str, ...]] = field(default_factory=dict)
    between: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def inherits(self, new_id_: str, hidden: set[str]) -> bool:
        """True when word ``new_id_`` must be hidden because words it came from are."""
        if new_id_ in hidden:
            return True
        if not hidden.isdisjoint(self.replaces.get(new_id_, ())):
            return True
        sides = self.between.get(new_id_)
        if sides is None:
            return False
        # A word typed next to a hidden word may well finish it ("the Hub" ->
        # "the Hub Centre"): when in doubt, hide more.
        return any(s is not None and s in hidden for s in sides)

    def carry(self, hidden: set[str]) -> set[str]:
        """The ids among the new words that stay or become hidden, given old ``hidden`` ids."""
        return {w.id for w in self.words if self.inherits(w.id, hidden)}


def _spread(start: float, end: float, count: int) -> list[tuple[float, float]]:
    end = max(end, start)
    step = (end - start) / count if count else 0.0
    return [(start + i * step, start + (i + 1) * step) for i in range(count)]


def retext(
    words: list[Word], text: str, start: float, end: float, anchor: str = "^"
) -> Correction:
    """Align the corrected ``text`` to ``words``; return the new words and where they came from.

    A token diff on case- and punctuation-free keys: unchanged words keep their
    id and times (taking the new spelling, so "dad," -> "dad." is the same
    word); in a changed run the new words take the old words' ids in order
    (an extra word gets a new id) and each spans the run's time; inserted words get
    new ids and times between their neighbours. ``start``..``end`` is the
    segment's span, for a segment with no words yet, and ``anchor`` (the
    segment's id) makes the ids of words added to such a segment unique.
    """
    tokens = text.split()
    old = list(words)
    matcher = SequenceMatcher(
        None, [token_key(w.text) for w in old], [token_key(t) for t in tokens], autojunk=False
    )
    made: list[Word] = []
    taken = {w.id for w in old}

    def fresh(base: str, token: str) -> str:
        # Derived from its neighbour and spelling, so the same correction of the
        # same words always gives the same ids (a re-read legacy file included).
        candidate = f"{base}+{token_key(token) or '_'}"
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}+{token_key(token) or '_'}{n}"
        taken.add(candidate)
        return candidate

    replaces: dict[str, tuple[str, ...]] = {}
    between: dict[str, tuple[str | None, str | None]] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        new_tokens = tokens[j1:j2]
        if tag == "equal":
            made += [replace(w, text=f" {t}") for w, t in zip(old[i1:i2], new_tokens, strict=True)]
            continue
        if tag == "delete":
            continue
        if tag == "replace":
            run = old[i1:i2]
            run_ids = tuple(w.id for w in run)
            if len(run) == 1 and len(new_tokens) == 1:
                times = [(run[0].start, run[0].end)]  # one word corrected: its own time
            else:
                # Which new word stands for which old one is unknowable, even when
                # the counts agree ("gonna go there" -> "going to go"): each takes the
                # whole run's time, so a strike on any old word covers them all, as a
                # decision on any of them does (see Correction.replaces).
                times = [(run[0].start, run[-1].end)] * len(new_tokens)
            for k, (token, (a, b)) in enumerate(zip(new_tokens, times, strict=True)):
                word_id = run[k].id if k < len(run) else fresh(run[-1].id, token)
                made.append(Word(a, b, f" {token}", 1.0, word_id))
                replaces[word_id] = run_ids
            continue
        # insert: between the old words either side
        before = old[i1 - 1] if i1 > 0 else None
        after = old[i1] if i1 < len(old) else None
        a = before.end if before is not None else (after.start if after is not None else start)
        b = after.start if after is not None else (before.end if before is not None else end)
        for token, (ta, tb) in zip(new_tokens, _spread(a, b, len(new_tokens)), strict=True):
            base = before.id if before is not None else after.id if after is not None else anchor
            word = Word(ta, tb, f" {token}", 1.0, fresh(base, token))
            made.append(word)
            between[word.id] = (
                before.id if before is not None else None,
                after.id if after is not None else None,
            )
    return Correction(made, replaces, between)


def says_its_text(segment: Segment) -> bool:
    """True when ``segment``'s words already say what its text says (punctuation aside)."""
    tokens = segment.text.split()
    if "".join(w.text for w in segment.words).split() == tokens:
        return True  # the common case, checked without folding
    return [token_key(w.text) for w in segment.words] == [token_key(t) for t in tokens]


def aligned(segment: Segment) -> Segment:
    """``segment`` with words that say what its text says (itself when they already do).

    Segments saved before corrections re-aligned words hold the model's words
    under a corrected text; they are aligned here, the same way each time, with
    the speaker's redactions carried to the words that replaced hidden ones.
    """
    if says_its_text(segment):
        return segment
    return correct_segment(segment, segment.text)[0]


def correct_segment(segment: Segment, text: str) -> tuple[Segment, Correction]:
    """``segment`` saying ``text``: its words re-aligned and its own redactions carried."""
    correction = retext(segment.words, text, segment.start, segment.end, segment.id)
    hidden_before = {
        segment.words[i].id for i in segment.redactions if 0 <= i < len(segment.words)
    }
    hidden = correction.carry(hidden_before)
    words = correction.words
    updated = replace(
        segment,
        text=text,
        original_text=segment.original_text or segment.text,
        words=words,
        redactions=[i for i, w in enumerate(words) if w.id in hidden],
    )
    return updated, correction
