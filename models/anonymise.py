"""Names out, pseudonyms in: the text rules every export passes through.

The hide list is the consultation's own ``hide_names`` (staff, friends, places)
plus every participant's real name. A participant's real name becomes their
pseudonym; anything else on the list becomes ``[name]``. Each part of a
multi-word or hyphenated name is hidden too, on its own and in any run of
parts: people say "Dave", not "Dave Smith", and "Anne" for "Anne-Marie". A part
that one person alone owns becomes their pseudonym; a part shared, or from the
consultation's list, becomes ``[name]``. Lone initials are left to the full
name, and the facilitator may keep chosen words ("Will", "May") with ``allow``.

Matching is whole-word on a folded form of the text, so spellings that speech
recognisers and keyboards produce all match: any case ("DAVE", "İpek",
"WEISS" for "Weiß"), composed or decomposed accents, accent-free spellings
("Jose" for "José", "Lukasz" for "Łukasz"), curly or straight apostrophes
("O’Hara"), any dash or a space between parts ("Anne–Marie", "Anne Marie").
Replacements fall exactly over the matched span of the original text, so the
possessive keeps its "'s" ("Sam’s") while "Davenport" is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import accumulate

from models.participant import Participant

#: What a hidden name that is not a participant's becomes.
NAME = "[name]"

#: A span edit made by the anonymiser: (old start, old end, new start, new end).
Edit = tuple[int, int, int, int]

# -- folding -------------------------------------------------------------------
#
# Text and names are compared in a folded form: compatibility-decomposed,
# casefolded, accents dropped, letters that have no decomposition spelled the
# way an English keyboard (or Whisper) writes them, and every apostrophe and
# dash made one character. Folding works one character at a time, so a
# position in the folded text always leads back to one character of the
# original.

_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4\u2032"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
#: Invisible characters inside a word (soft hyphen, zero-width joiners).
_INVISIBLE = "\u00ad\u200c\u200d\u2060\ufeff"
#: Letters that NFKD leaves whole, as they are written without the stroke or ligature.
_LETTERS = {
    "ł": "l", "ŀ": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe",
    "þ": "th", "ħ": "h", "ı": "i", "ŧ": "t", "ĸ": "k", "ŋ": "n", "ƒ": "f",
    "ƀ": "b", "ƶ": "z", "ǥ": "g", "ɨ": "i", "ʉ": "u", "ȼ": "c", "ɇ": "e",
    "ɉ": "j", "ɍ": "r", "ɏ": "y", "ß": "ss",
}  # fmt: skip
_TABLE = str.maketrans(
    {**_LETTERS, **dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DASHES, "-"),
     **dict.fromkeys(_INVISIBLE, "")}
)  # fmt: skip
_ASCII_TABLE = str.maketrans("`", "'")


def _fold_char(char: str) -> str:
    """The folded form of one character: "" for an accent, "ss" for "ß"."""
    if char in _APOSTROPHES or char in _DASHES:
        return char.translate(_TABLE)
    # Decompose before and after casefolding: "İ" casefolds to "i" plus a
    # combining dot, and compatibility forms ("ﬁ", "Ｄ") may fold to capitals.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_TABLE)


class _FoldCache(dict[str, str]):
    """Each character's folded form, worked out once."""

    def __missing__(self, char: str) -> str:
        folded = self[char] = _fold_char(char)
        return folded


_FOLD = _FoldCache()


def fold(text: str) -> str:
    """``text`` as names are matched: casefolded, without accents, one apostrophe and dash."""
    if text.isascii():
        return text.lower().translate(_ASCII_TABLE)
    return "".join(map(_FOLD.__getitem__, text))


class _Folded:
    """A text's folded form, and the way back from folded positions to original ones."""

    __slots__ = ("text", "folded", "_pieces", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        if text.isascii():
            # Folding ASCII never changes length: positions are the same.
            self.folded = text.lower().translate(_ASCII_TABLE)
            self._pieces: list[str] | None = None
        else:
            self._pieces = list(map(_FOLD.__getitem__, text))
            self.folded = "".join(self._pieces)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that folded ``[start, end)`` came from.

        The end takes in accents that follow the last letter, so a decomposed
        "Zoë" is replaced whole.
        """
        if self._pieces is None:
            return start, end
        if self._starts is None:
            # _starts[i]: where original character i begins in the folded text.
            self._starts = list(accumulate(map(len, self._pieces), initial=0))
        starts = self._starts
        first = bisect_right(starts, start) - 1
        after = bisect_left(starts, end)
        # Characters that fold to nothing (combining accents) belong to the letter before.
        after = bisect_right(starts, starts[after]) - 1
        return first, after


# -- names -----------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s-]+")
_PUNCTUATION = re.compile(r"[\s'.-]+")


def _name_key(name: str) -> str:
    """A name folded, its parts (split at spaces and dashes) joined by one space."""
    parts = (part.strip("'") for part in _SEPARATORS.split(fold(name)))
    return " ".join(part for part in parts if part)


def _compact(folded: str) -> str:
    """A folded name without spaces, dashes, apostrophes or dots: what matching compares."""
    return _PUNCTUATION.sub("", folded)


def _pattern_for(key: str) -> str:
    # Apostrophes and dots may be left out ("OHara", "J Smith") and parts may
    # be joined by any spaces or dashes, or run together ("Annemarie").
    parts = (
        "".join(re.escape(c) + "?" if c in "'." else re.escape(c) for c in part)
        for part in key.split(" ")
    )
    return r"[\s-]*".join(parts)


def _runs(key: str) -> list[str]:
    """Every run of consecutive parts of a name key, shorter than the whole."""
    parts = key.split(" ")
    return [
        " ".join(parts[i:j])
        for i in range(len(parts))
        for j in range(i + 1, len(parts) + 1)
        if j - i < len(parts)
    ]


class Anonymiser:
    """Replaces every name on the hide list in a text, in one pass.

    ``replacements`` maps each name to what it becomes; names are matched
    folded (see :func:`fold`), whole-word, longest first. A name that folds to
    a word in ``allow`` is kept.
    """

    def __init__(
        self, replacements: dict[str, str] | None = None, *, allow: Iterable[str] = ()
    ) -> None:
        #: Words kept as they are, compacted (folded, no punctuation).
        self.allow = frozenset(filter(None, (_compact(_name_key(w)) for w in allow)))
        #: Folded name (parts joined by single spaces) -> what it becomes.
        self.replacements: dict[str, str] = {}
        for name, value in (replacements or {}).items():
            key = _name_key(name)
            if key and _compact(key) not in self.allow:
                self.replacements[key] = value
        # What a match becomes, found from the match itself; two names that
        # compact alike ("Anne Marie", "Annemarie") but differ cannot say who.
        self._by_compact: dict[str, str] = {}
        for key, value in self.replacements.items():
            compact = _compact(key)
            known = self._by_compact.setdefault(compact, value)
            if known != value:
                self._by_compact[compact] = NAME
        # Longest first, so "Dave Smith" wins over "Dave".
        keys = sorted(self.replacements, key=lambda k: (-len(_compact(k)), k))
        alternatives = "|".join(_pattern_for(k) for k in keys)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if keys else None

    @property
    def names(self) -> list[str]:
        """Every hidden name, folded."""
        return list(self.replacements)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every hidden name replaced."""
        return self.with_edits(text)[0]

    def with_edits(self, text: str) -> tuple[str, list[Edit]]:
        """Like calling it, and also say where text changed, to move positions.

        Edits are in positions of the original ``text`` and of the result.
        """
        pattern = self._pattern
        if pattern is None or not text:
            return text, []
        folded = _Folded(text)
        parts: list[str] = []
        edits: list[Edit] = []
        last = 0
        length = 0
        for match in pattern.finditer(folded.folded):
            start, end = folded.span(*match.span())
            if start < last:  # pragma: no cover - folded matches never overlap
                continue
            parts.append(text[last:start])
            length += start - last
            new = self._by_compact.get(_compact(match.group(0)), NAME)
            edits.append((start, end, length, length + len(new)))
            parts.append(new)
            length += len(new)
            last = end
        if not edits:
            return text, []
        parts.append(text[last:])
        return "".join(parts), edits


def move_position(position: int, edits: Sequence[Edit], *, end: bool = False) -> int:
    """Where ``position`` in the original text lies in the anonymised text.

    A position inside a replaced name moves to the replacement's start (or, for
    the ``end`` of a span, its end), so a selection never cuts a pseudonym.
    """
    shift = 0
    for old_start, old_end, new_start, new_end in edits:
        if position <= old_start:
            break
        if position < old_end:
            return new_end if end else new_start
        shift = new_end - old_end
    return position + shift


def hide_list(hide_names: Iterable[str], participants: Iterable[Participant]) -> list[str]:
    """Every name to keep out of exports: the consultation's list and all real names."""
    names = [n.strip() for n in hide_names if n.strip()]
    names += [p.real_name.strip() for p in participants if p.real_name.strip()]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(_name_key(name) or name, name)
    return list(unique.values())


def build_anonymiser(
    hide_names: Iterable[str],
    participants: Iterable[Participant],
    *,
    use_pseudonyms: bool = True,
    allow: Iterable[str] = (),
) -> Anonymiser:
    """The anonymiser for a consultation.

    With ``use_pseudonyms`` false, real names become ``[name]`` too, for
    exports that name nobody at all. Words in ``allow`` are kept where they are
    only a part of a longer name ("Will" of "Will Jones"); a name listed whole,
    or a one-word real name, is always hidden.
    """
    people = list(participants)
    hidden = [_name_key(n) for n in hide_names]
    replacements: dict[str, str] = dict.fromkeys(filter(None, hidden), NAME)
    for person in people:
        key = _name_key(person.real_name)
        if key:
            replacements[key] = person.pseudonym if use_pseudonyms else NAME
    # Who each part (or run of parts) belongs to: a person's id, or None for the
    # consultation's list. A part shared by two owners ("Dave" Smith and "Dave"
    # Jones) cannot say who is meant, so it becomes [name].
    owners: dict[str, set[str | None]] = {}
    for key in hidden:
        for run in _runs(key):
            owners.setdefault(run, set()).add(None)
    pseudonym: dict[str, str] = {}
    for person in people:
        pseudonym[person.id] = person.pseudonym
        for run in _runs(_name_key(person.real_name)):
            owners.setdefault(run, set()).add(person.id)
    whole = {_compact(k) for k in replacements}
    allowed = {c for c in (_compact(_name_key(w)) for w in allow) if c and c not in whole}
    for run, who in owners.items():
        if run in replacements:
            continue
        if " " not in run:
            # A lone initial ("J") would hide every "J" in speech; the full name covers it.
            if len(_compact(run)) < 2 or _compact(run) in allowed:
                continue
        only = next(iter(who)) if len(who) == 1 else None
        replacements[run] = pseudonym[only] if use_pseudonyms and only is not None else NAME
    return Anonymiser(replacements, allow=allowed)


def name_conflicts(anonymiser: Anonymiser, pseudonyms: Iterable[str]) -> list[str]:
    """Pseudonyms that contain a hidden name; exporting them would leak that name."""
    return [p for p in pseudonyms if p.strip() and anonymiser(p) != p]


# -- suggestions -------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'’-]*")
_SENTENCE_END = re.compile(r"[.!?…:\"“”]\s*$")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)

#: Capitalised words that are rarely names: pronouns, titles, days, months, places
#: of worship, nationalities and the like. Deliberately small: suggestions are
#: confirmed by the facilitator, so missing a name is worse than an extra one.
STOPLIST = frozenset(
    """
    i i'm i've i'll i'd ok okay yeah yes no mr mrs ms miss dr sir madam god jesus
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december christmas easter
    english british scottish welsh irish european internet tv nhs gp uk us
    the a an and but so then well oh um uh er hmm right like just
    """.split()
)


def suggest_names(texts: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """Capitalised words that look like names, for the facilitator to confirm.

    A word counts when it is capitalised somewhere other than the start of a
    sentence, is not on :data:`STOPLIST`, and is not already ``known`` (hidden
    names and pseudonyms, or any part of one, in any spelling). Most frequent first.
    """
    known_keys: set[str] = set()
    for name in known:
        key = _name_key(name)
        known_keys.add(key)
        known_keys.update(key.split(" "))
    counts: Counter[str] = Counter()
    for text in texts:
        previous_end = 0
        for match in _WORD.finditer(text):
            word = _POSSESSIVE.sub("", match.group(0)).strip("'’-")
            before = text[previous_end : match.start()]
            sentence_start = previous_end == 0 and not text[: match.start()].strip()
            sentence_start = sentence_start or bool(_SENTENCE_END.search(before))
            previous_end = match.end()
            if sentence_start or len(word) < 2 or not word[0].isupper():
                continue
            # ALL-CAPS words are acronyms ("NHS", "GP") far more often than names.
            if word.isupper():
                continue
            if fold(word) in STOPLIST or _name_key(word) in known_keys:
                continue
            counts[word] += 1
    return [word for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
