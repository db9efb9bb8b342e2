"""Text from people is text: what may be kept of it, before it is saved or shown.

Names, titles, venues, memos and transcript words come from people and from
files. None of it may reach a terminal or an export as a control character or
an escape sequence: ``ESC [ 2 J`` would blank the facilitator's screen, an OSC
52 sequence would write their clipboard, and a right-to-left override would
make a quote read differently from what was said. :func:`clean_text` keeps
the words and drops everything a terminal or a file reader would act on.
"""

from __future__ import annotations

import re

# One alternative per thing to drop, longest first, so a whole escape sequence
# goes at once rather than leaving its tail ("[2J") behind as words.
_UNWANTED = re.compile(
    # Operating-system commands (window titles, clipboard), ended by BEL or ST.
    "(?:\x1b\\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)"
    # Device-control, start-of-string, privacy and application strings, ended by ST.
    "|(?:\x1b[P^_X]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\\\|\x9c)"
    # Control sequences (cursor, erase, colour), 7-bit or 8-bit introducer.
    "|(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]?"
    # Any other escape, and an escape on its own.
    "|\x1b[ -/]*[0-~]?"
    # Line breaks in every spelling.
    "|\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]"
    "|\t"
    # Other C0 controls, DEL, C1 controls, and bidirectional overrides and isolates.
    "|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)

_LINE_BREAKS = frozenset({"\r\n", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"})


def _replacement(found: str, multiline: bool) -> str:
    if found in _LINE_BREAKS:
        return "\n" if multiline else " "
    if found == "\t":
        return "\t" if multiline else " "
    return ""


def clean_text(text: str, multiline: bool = False) -> str:
    """``text`` with control characters, escape sequences and bidi overrides removed.

    A single-line field (a name, a title) gets a space for each tab or line
    break; a multi-line one (a memo, a description) keeps tabs and has every
    line break as ``\\n``. Printable text, brackets included, is kept as it is.
    """
    return _UNWANTED.sub(lambda m: _replacement(m.group(), multiline), text)


def clean_text_positions(text: str, multiline: bool = False) -> tuple[str, list[int]]:
    """:func:`clean_text`, and where each position of ``text`` moved to.

    The list has ``len(text) + 1`` entries: entry ``i`` is the position in the
    cleaned text of what was at position ``i``, so a marked span ``(a, b)`` of
    the original is ``(moved[a], moved[b])`` of the cleaned text.
    """
    pieces: list[str] = []
    moved: list[int] = []
    length = 0
    last = 0
    for match in _UNWANTED.finditer(text):
        kept = text[last : match.start()]
        moved.extend(range(length, length + len(kept)))
        pieces.append(kept)
        length += len(kept)
        replacement = _replacement(match.group(), multiline)
        moved.extend([length] * (match.end() - match.start()))
        pieces.append(replacement)
        length += len(replacement)
        last = match.end()
    kept = text[last:]
    moved.extend(range(length, length + len(kept)))
    pieces.append(kept)
    moved.append(length + len(kept))
    return "".join(pieces), moved


def is_clean(text: str, multiline: bool = False) -> bool:
    """Whether ``text`` holds nothing :func:`clean_text` would change."""
    return clean_text(text, multiline) == text
