"""What may leave the laptop: the one place that decides.

Every exporter asks these rules and nothing else. They hold, whatever the
format:

- A quote leaves only if its speaker agreed to be recorded in that session and
  approved it (with or without redactions); never if withdrawn.
- A word hidden anywhere stays hidden everywhere: a word a participant redacted
  in one quote is redacted in every overlapping quote and in the transcript;
  the words of a withdrawn quote are removed from the transcript and from any
  other quote that shares them; struck spans (and speech marked as someone who
  did not consent) are removed from both.
- A transcript keeps a participant's speech only if they agreed to be recorded
  and approved their contribution to that session. In its place goes one
  placeholder per run of their excluded speech, so a reader knows something
  was left out without learning what.
- Facilitators are staff running the session, not people being consulted: they
  do not go through participant review, so their speech is kept when they
  agreed to be recorded. Their quotes still need approval like anyone's.
- Speech nobody is attributed to (or attributed to someone not in the
  consultation) is left out: it may be a participant who never consented.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from models.attribution import off_record_spans
from models.participant import ContributionState, Participant, RecordingConsent, Role
from models.quote import REDACTED, Quote, QuoteState
from models.session import Session
from models.transcript import Segment, Word

UNATTRIBUTED = "[unattributed speech is not included]"
ANONYMOUS_PLACEHOLDER = "[a participant's contribution is not included]"


# -- moments hidden in a session ------------------------------------------------


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    # Exact equality catches zero-length words, which a strict overlap test misses.
    return (a_start < b_end and b_start < a_end) or (a_start == b_start and a_end == b_end)


class Moments:
    """Time intervals (a word's span, a strike) with a fast "does this word touch one?"."""

    def __init__(self, spans: Iterable[tuple[float, float]] = ()) -> None:
        ordered = sorted((min(s, e), max(s, e)) for s, e in spans)
        self._starts = [s for s, _ in ordered]
        self._ends = [e for _, e in ordered]
        # Running maximum of ends: lets the backward scan stop early.
        self._reach: list[float] = []
        for end in self._ends:
            self._reach.append(max(end, self._reach[-1]) if self._reach else end)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def touches(self, start: float, end: float) -> bool:
        """True when ``start``..``end`` overlaps (or exactly equals) any interval."""
        index = bisect.bisect_right(self._starts, end) - 1
        while index >= 0 and self._reach[index] >= start:
            if _overlap(start, end, self._starts[index], self._ends[index]):
                return True
            index -= 1
        return False


@dataclass(frozen=True)
class HiddenMoments:
    """What no export of one session may show: removed and redacted moments."""

    #: Gone without trace: struck spans, off-record speech, withdrawn quotes' words.
    removed: Moments
    #: Shown as [redacted]: words a participant redacted in any quote.
    redacted: Moments


def _duration(session: Session, segments: Sequence[Segment], quotes: Sequence[Quote]) -> float:
    ends = [s.end for s in segments] + [q.end for q in quotes]
    if session.recording is not None:
        ends.append(session.recording.duration_s)
    return max(ends, default=0.0) + 1.0


def hidden_moments(
    session: Session | None,
    participants: Sequence[Participant],
    quotes: Sequence[Quote],
    segments: Sequence[Segment] = (),
) -> HiddenMoments:
    """The removed and redacted moments of one session, from its marks and all its quotes."""
    removed: list[tuple[float, float]] = []
    # Words hidden in transcript review are hidden in quotes too, and vice versa.
    redacted: list[tuple[float, float]] = [
        (s.words[i].start, s.words[i].end)
        for s in segments
        for i in s.redactions
        if 0 <= i < len(s.words)
    ]
    if session is not None:
        duration = _duration(session, segments, quotes)
        removed += off_record_spans(session.markers, list(participants), session.id, duration)
    for quote in quotes:
        if quote.state is QuoteState.WITHDRAWN:
            removed += [(w.start, w.end) for w in quote.words]
        else:
            # Any state, not only approved: a redaction made and then reset is
            # gone, but one still recorded on a pending quote is the
            # participant's wish and costs nothing to honour.
            redacted += [
                (quote.words[i].start, quote.words[i].end)
                for i in quote.redactions
                if 0 <= i < len(quote.words)
            ]
    return HiddenMoments(Moments(removed), Moments(redacted))


# -- quotes ------------------------------------------------------------------


def may_export_quote(quote: Quote, participants_by_id: dict[str, Participant]) -> bool:
    """True when ``quote`` was approved by a speaker recorded with consent in its session."""
    speaker = participants_by_id.get(quote.participant_id)
    return (
        quote.exportable
        and quote.state is not QuoteState.WITHDRAWN
        and speaker is not None
        and speaker.is_recorded_in(quote.session_id)
    )


def exportable_quotes(
    quotes: Sequence[Quote],
    participants: Sequence[Participant],
    sessions: Sequence[Session] = (),
    segments: Mapping[str, Sequence[Segment]] | None = None,
) -> list[Quote]:
    """The quotes that may be exported, as copies whose ``redactions`` hide everything hidden.

    ``quotes`` should be every quote of the sessions concerned, withdrawn ones
    included: their words are hidden in the quotes that share them. Passing
    ``sessions`` also hides struck and off-record moments, and ``segments`` (per
    session id) the words redacted in transcript review. A quote left with
    nothing to show is dropped.
    """
    by_id = {p.id: p for p in participants}
    sessions_by_id = {s.id: s for s in sessions}
    by_session: dict[str, list[Quote]] = {}
    for quote in quotes:
        by_session.setdefault(quote.session_id, []).append(quote)
    hidden = {
        session_id: hidden_moments(
            sessions_by_id.get(session_id),
            participants,
            session_quotes,
            (segments or {}).get(session_id, ()),
        )
        for session_id, session_quotes in by_session.items()
    }
    speech = {
        session_id: speech_by_speaker((segments or {}).get(session_id, ()))
        for session_id in by_session
    }
    result: list[Quote] = []
    for quote in quotes:
        if not may_export_quote(quote, by_id):
            continue
        moments = hidden[quote.session_id]
        # Words the transcript now gives to someone else (say the facilitator
        # corrected a speaker after the quote was made) were never this
        # participant's to approve.
        others = [m for who, m in speech[quote.session_id].items() if who != quote.participant_id]
        own = set(quote.redactions)
        hide = sorted(
            i
            for i, w in enumerate(quote.words)
            if i in own
            or moments.removed.touches(w.start, w.end)
            or moments.redacted.touches(w.start, w.end)
            or any(m.touches(w.start, w.end) for m in others)
        )
        if len(hide) == len(quote.words):
            continue
        state = QuoteState.APPROVED_REDACTED if hide else quote.state
        result.append(replace(quote, redactions=hide, state=state, words=list(quote.words)))
    return result


def speech_by_speaker(segments: Iterable[Segment]) -> dict[str, Moments]:
    """When each known speaker is speaking: their words' spans (or whole segments)."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for segment in segments:
        if segment.speaker_id is None:
            continue
        times = [(w.start, w.end) for w in segment.words] or [(segment.start, segment.end)]
        spans.setdefault(segment.speaker_id, []).extend(times)
    return {who: Moments(times) for who, times in spans.items()}


# -- transcripts -------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One word (or one uneditable stretch) of a kept segment."""

    text: str
    start: float
    end: float
    hidden: bool = False


@dataclass(frozen=True)
class KeptSegment:
    """A segment that may be exported, its hidden words marked."""

    segment_id: str
    speaker_id: str
    start: float
    end: float
    tokens: tuple[Token, ...]

    def render(self) -> tuple[str, list[tuple[int, int]]]:
        """The text (runs of hidden words as one [redacted]) and each token's character span."""
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        length = 0
        for token in self.tokens:
            if token.hidden and parts and parts[-1] == REDACTED and spans:
                # Joined to the run's single marker.
                spans.append(spans[-1])
                continue
            piece = REDACTED if token.hidden else token.text
            if parts:
                length += 1
            spans.append((length, length + len(piece)))
            parts.append(piece)
            length += len(piece)
        return " ".join(parts), spans

    @property
    def text(self) -> str:
        """The segment as it may be shown."""
        return self.render()[0]


@dataclass(frozen=True)
class Placeholder:
    """Stands where one run of someone's excluded speech was."""

    participant_id: str | None
    pseudonym: str
    start: float
    end: float

    @property
    def text(self) -> str:
        """E.g. "[Sam's contribution is not included]"."""
        if self.participant_id is None:
            return UNATTRIBUTED
        return f"[{self.pseudonym}'s contribution is not included]"

    @property
    def anonymous_text(self) -> str:
        """The placeholder for exports that name nobody."""
        return UNATTRIBUTED if self.participant_id is None else ANONYMOUS_PLACEHOLDER


TranscriptItem = KeptSegment | Placeholder


def keeps_speech(participant: Participant | None, session_id: str) -> bool:
    """True when this speaker's transcript contribution to ``session_id`` may be exported."""
    if participant is None or not participant.is_recorded_in(session_id):
        return False
    if participant.role is Role.FACILITATOR:
        return True
    return participant.contribution_for(session_id) is ContributionState.APPROVED


def _tokens(segment: Segment, hidden: HiddenMoments) -> list[Token] | None:
    """The segment's tokens with hidden words marked; None when nothing of it is left."""
    words: list[Word] = [w for w in segment.words if w.text.strip()]
    if not words:
        if hidden.removed.touches(segment.start, segment.end):
            return None
        text = segment.text.strip()
        if not text:
            return None
        flagged = hidden.redacted.touches(segment.start, segment.end)
        return [Token(text, segment.start, segment.end, hidden=flagged)]
    own = {id(segment.words[i]) for i in segment.redactions if 0 <= i < len(segment.words)}
    tokens = [
        Token(
            w.text.strip(),
            w.start,
            w.end,
            hidden=id(w) in own or hidden.redacted.touches(w.start, w.end),
        )
        for w in words
        if not hidden.removed.touches(w.start, w.end)
    ]
    if not tokens:
        return None
    if segment.edited and len(tokens) == len(words) and not any(t.hidden for t in tokens):
        # Nothing hidden: keep the facilitator's corrected text as one stretch.
        return [Token(segment.text.strip(), segment.start, segment.end)]
    return tokens


def consented_transcript(
    session: Session,
    segments: Sequence[Segment],
    participants: Sequence[Participant],
    quotes: Sequence[Quote],
) -> list[TranscriptItem]:
    """The session's transcript as it may be exported: kept segments and placeholders.

    ``quotes`` should be every quote of the session, withdrawn ones included.
    """
    by_id = {p.id: p for p in participants}
    session_quotes = [q for q in quotes if q.session_id == session.id]
    hidden = hidden_moments(session, participants, session_quotes, segments)
    items: list[TranscriptItem] = []
    for segment in sorted(segments, key=lambda s: (s.start, s.end)):
        speaker = by_id.get(segment.speaker_id) if segment.speaker_id else None
        if not keeps_speech(speaker, session.id):
            who = speaker.id if speaker is not None else None
            last = items[-1] if items else None
            if isinstance(last, Placeholder) and last.participant_id == who:
                items[-1] = replace(last, end=max(last.end, segment.end))
            else:
                name = speaker.pseudonym if speaker is not None else ""
                items.append(Placeholder(who, name, segment.start, segment.end))
            continue
        tokens = _tokens(segment, hidden)
        if tokens is None:
            continue
        assert speaker is not None  # keeps_speech is False for None
        items.append(
            KeptSegment(segment.id, speaker.id, tokens[0].start, tokens[-1].end, tuple(tokens))
        )
    return items


def quote_spans(kept: KeptSegment, quotes: Sequence[Quote]) -> list[tuple[str, int, int]]:
    """Where each quote lies in ``kept.render()``'s text: (quote id, start, end) characters.

    A token belongs to a quote when the quote's speaker said it and its
    midpoint falls within the quote's time span.
    """
    _, spans = kept.render()
    found: list[tuple[str, int, int]] = []
    for quote in quotes:
        if quote.participant_id != kept.speaker_id:
            continue
        if quote.end < kept.start or quote.start > kept.end:
            continue
        inside = [
            spans[i]
            for i, token in enumerate(kept.tokens)
            if quote.start <= (token.start + token.end) / 2 <= quote.end
        ]
        if inside:
            found.append((quote.id, inside[0][0], inside[-1][1]))
    return found


def people_in_session(session: Session, participants: Sequence[Participant]) -> list[Participant]:
    """Who took part in ``session``: on its list, or asked about recording in it.

    Someone taken off the list after answering the consent question (they left
    early) still counts, so their answer is still honoured and reported.
    """
    return [
        p
        for p in participants
        if p.id in session.participant_ids
        or p.consent_for(session.id) is not RecordingConsent.UNASKED
    ]
