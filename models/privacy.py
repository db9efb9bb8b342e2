"""The privacy core: word by word, what may leave the laptop and as what.

Every export, every preview and every participant review asks
:func:`session_privacy` and nothing else. Words have identity (see
:mod:`models.transcript`), so decisions follow the words they were made on,
whatever the facilitator corrected afterwards:

- a word in a withdrawn quote, or inside an off-record span (a strike, or the
  marked turn of someone who did not agree to be recorded), is **dropped**:
  gone without trace, from the transcript and from every quote;
- a word a participant redacted, in any quote or in their transcript review,
  is **redacted** everywhere: shown as ``[redacted]``;
- a quote shows a word only while the transcript still holds that word and
  still gives it to the quote's speaker: a word corrected away, or given to
  someone else (or to nobody) since the quote was made, was never this
  participant's to approve.

Names are the anonymiser's business (:mod:`models.anonymise`), applied to the
text this core lets out.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from models.attribution import off_record_spans
from models.moments import Moments
from models.participant import Participant
from models.quote import Quote, QuoteState
from models.session import Session
from models.transcript import Segment, Word, aligned

#: Word times are good to a few hundredths of a second, and a word cut by the
#: edge of a strike may be heard again, a little earlier or later, when the
#: session is transcribed again: a word this close to an off-record span is
#: dropped with it. When in doubt, hide more.
OFF_RECORD_MARGIN_S = 0.1


class Fate(enum.StrEnum):
    """What becomes of one word in an export."""

    SHOWN = "shown"
    REDACTED = "redacted"
    DROPPED = "dropped"


def _duration(session: Session, segments: Sequence[Segment], quotes: Sequence[Quote]) -> float:
    ends = [s.end for s in segments] + [q.end for q in quotes]
    if session.recording is not None:
        ends.append(session.recording.duration_s)
    return max(ends, default=0.0) + 1.0


@dataclass(frozen=True)
class PlacedWord:
    """A transcript word and the segment that holds it."""

    word: Word
    segment: Segment


@dataclass(frozen=True)
class SessionPrivacy:
    """Every word of one session by id, and the decisions that hide some of them."""

    session_id: str
    #: The transcript, each segment's words saying what its text says.
    segments: tuple[Segment, ...]
    words: dict[str, PlacedWord]
    #: Word ids gone without trace: withdrawn quotes' words and off-record speech.
    dropped: frozenset[str]
    #: Word ids shown as [redacted]: redacted by their speaker in a quote or their transcript.
    redacted: frozenset[str]

    def fate(self, word_id: str) -> Fate:
        """What a transcript word becomes in any export."""
        if word_id in self.dropped or word_id not in self.words:
            return Fate.DROPPED
        if word_id in self.redacted:
            return Fate.REDACTED
        return Fate.SHOWN

    def quote_words(self, quote: Quote) -> list[tuple[Word, Fate]]:
        """A quote's words as they may be shown, each with its fate.

        The text of a word is the transcript's (the facilitator's correction);
        a word no longer in the transcript, or no longer the speaker's, is
        dropped, as is every word the quote's own redactions hide.
        """
        own = {quote.words[i].id for i in quote.redactions if 0 <= i < len(quote.words)}
        result: list[tuple[Word, Fate]] = []
        for word in quote.words:
            placed = self.words.get(word.id)
            if placed is None or placed.segment.speaker_id != quote.participant_id:
                result.append((word, Fate.DROPPED))
                continue
            fate = self.fate(word.id)
            if fate is Fate.SHOWN and word.id in own:
                fate = Fate.REDACTED
            result.append((placed.word, fate))
        return result

    def kept_words(self, segment: Segment) -> list[tuple[Word, bool]]:
        """The words of a segment in the transcript that may leave, each with "redacted?".

        The same decision as :meth:`fate`, made in one pass: a long transcript
        has tens of thousands of words.
        """
        dropped, redacted = self.dropped, self.redacted
        return [(w, w.id in redacted) for w in segment.words if w.id not in dropped]


def session_privacy(
    session: Session | None,
    segments: Sequence[Segment],
    participants: Sequence[Participant],
    quotes: Sequence[Quote],
    session_id: str | None = None,
) -> SessionPrivacy:
    """Decide every word of one session: the one place that does.

    ``quotes`` should be every quote of the session, withdrawn ones included:
    their words are dropped wherever they appear. ``session`` (with its marks)
    drops off-record speech; without it only quote and transcript decisions apply.
    """
    sid = session.id if session is not None else (session_id or "")
    ordered = tuple(aligned(s) for s in sorted(segments, key=lambda s: (s.start, s.end)))
    words: dict[str, PlacedWord] = {}
    for segment in ordered:
        for word in segment.words:
            words.setdefault(word.id, PlacedWord(word, segment))
    dropped: set[str] = set()
    redacted: set[str] = {
        s.words[i].id for s in ordered for i in s.redactions if 0 <= i < len(s.words)
    }
    session_quotes = [q for q in quotes if not sid or q.session_id == sid]
    for quote in session_quotes:
        if quote.state is QuoteState.WITHDRAWN:
            dropped.update(w.id for w in quote.words)
        else:
            # Any state, not only approved: a redaction still recorded on a
            # pending quote is the participant's wish and costs nothing to honour.
            redacted.update(
                quote.words[i].id for i in quote.redactions if 0 <= i < len(quote.words)
            )
    if session is not None:
        spans = off_record_spans(
            session.markers, list(participants), session.id,
            _duration(session, ordered, session_quotes),
        )
        if spans:
            off = Moments((a - OFF_RECORD_MARGIN_S, b + OFF_RECORD_MARGIN_S) for a, b in spans)
            dropped.update(i for i, p in words.items() if off.touches(p.word.start, p.word.end))
    return SessionPrivacy(sid, ordered, words, frozenset(dropped), frozenset(redacted))

