"""Names out, pseudonyms in: the text rules every export passes through.

The hide list is the consultation's own ``hide_names`` (staff, friends, places)
plus every participant's real name. A participant's real name (and, on its own,
each part of it: people say "Dave", not "Dave Smith") becomes their pseudonym;
anything else on the list becomes ``[name]``. Matching is whole-word and
case-insensitive, so "DAVE", "dave" and the possessive "Dave's" are all caught
(the "'s" stays: "Sam's"), while "Davenport" is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from models.participant import Participant

#: What a hidden name that is not a participant's becomes.
NAME = "[name]"

#: A span edit made by the anonymiser: (old start, old end, new start, new end).
Edit = tuple[int, int, int, int]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class Anonymiser:
    """Replaces every name on the hide list in a text, in one pass."""

    def __init__(self, replacements: dict[str, str] | None = None) -> None:
        #: Casefolded name (single spaces) -> what it becomes.
        self.replacements = {_key(k): v for k, v in (replacements or {}).items()}
        names = sorted(self.replacements, key=len, reverse=True)
        # Longest first, so "Dave Smith" wins over "Dave"; inner whitespace may
        # be any run of spaces or a line break, as speech recognisers emit it.
        alternatives = "|".join(r"\s+".join(map(re.escape, n.split())) for n in names)
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if names else None
        )

    @property
    def names(self) -> list[str]:
        """Every hidden name (casefolded)."""
        return list(self.replacements)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every hidden name replaced."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: self.replacements[_key(m.group(0))], text)

    def with_edits(self, text: str) -> tuple[str, list[Edit]]:
        """Like calling it, and also say where text changed, to move positions."""
        pattern = self._pattern
        if pattern is None or not text:
            return text, []
        parts: list[str] = []
        edits: list[Edit] = []
        last = 0
        length = 0
        for match in pattern.finditer(text):
            parts.append(text[last : match.start()])
            length += match.start() - last
            new = self.replacements[_key(match.group(0))]
            edits.append((match.start(), match.end(), length, length + len(new)))
            parts.append(new)
            length += len(new)
            last = match.end()
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
        unique.setdefault(_key(name), name)
    return list(unique.values())


def build_anonymiser(
    hide_names: Iterable[str],
    participants: Iterable[Participant],
    *,
    use_pseudonyms: bool = True,
) -> Anonymiser:
    """The anonymiser for a consultation.

    With ``use_pseudonyms`` false, real names become ``[name]`` too, for
    exports that name nobody at all.
    """
    people = list(participants)
    replacements: dict[str, str] = {_key(n): NAME for n in hide_names if n.strip()}
    # A part shared by two people ("Dave" Smith and "Dave" Jones) cannot say
    # who is meant, so it becomes [name]; full names still map to pseudonyms.
    part_owner: dict[str, set[str]] = {}
    for person in people:
        parts = person.real_name.split()
        for part in parts if len(parts) > 1 else []:
            # A lone initial ("J") would hide every "J" in speech; the full name covers it.
            if len(part.strip(".")) > 1:
                part_owner.setdefault(_key(part), set()).add(person.pseudonym)
    for part, owners in part_owner.items():
        if part not in replacements:
            only = next(iter(owners))
            replacements[part] = only if use_pseudonyms and len(owners) == 1 else NAME
    for person in people:
        if person.real_name.strip():
            replacements[_key(person.real_name)] = person.pseudonym if use_pseudonyms else NAME
    return Anonymiser(replacements)


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
    names and pseudonyms). Most frequent first.
    """
    known_keys = {_key(k) for k in known}
    known_keys |= {_key(part) for k in known for part in k.split()}
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
            key = word.casefold()
            if key in STOPLIST or key in known_keys:
                continue
            counts[word] += 1
    return [word for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
