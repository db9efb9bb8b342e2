"""What may leave the laptop, in the shapes exports and previews show it.

Word by word, :mod:`models.privacy` decides; these rules turn its decisions
into quotes and transcript lines. Every exporter and preview asks them and
nothing else. They hold, whatever the format:

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from models.participant import ContributionState, Participant, RecordingConsent, Role
from models.privacy import Fate, SessionPrivacy, session_privacy
from models.quote import REDACTED, Quote, QuoteState
from models.session import Session
from models.transcript import Segment

UNATTRIBUTED = "[unattributed speech is not included]"
ANONYMOUS_PLACEHOLDER = "[a participant's contribution is not included]"


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


def privacy_by_session(
    quotes: Sequence[Quote],
    participants: Sequence[Participant],
    sessions: Sequence[Session] = (),
    segments: Mapping[str, Sequence[Segment]] | None = None,
) -> dict[str, SessionPrivacy]:
    """The privacy core's decisions for every session the quotes (or ``sessions``) belong to."""
    sessions_by_id = {s.id: s for s in sessions}
    ids = list(dict.fromkeys([*sessions_by_id, *(q.session_id for q in quotes)]))
    return {
        sid: session_privacy(
            sessions_by_id.get(sid),
            (segments or {}).get(sid, ()),
            participants,
            [q for q in quotes if q.session_id == sid],
            session_id=sid,
        )
        for sid in ids
    }


def shown_quote(quote: Quote, privacy: SessionPrivacy) -> Quote | None:
    """``quote`` as it may be shown: the transcript's words, every hidden one in ``redactions``.

    None when nothing of it is left to show.
    """
    decided = privacy.quote_words(quote)
    hide = [i for i, (_, fate) in enumerate(decided) if fate is not Fate.SHOWN]
    if len(hide) == len(decided):
        return None
    state = QuoteState.APPROVED_REDACTED if hide else quote.state
    return replace(quote, words=[w for w, _ in decided], redactions=hide, state=state)


def exportable_quotes(
    quotes: Sequence[Quote],
    participants: Sequence[Participant],
    sessions: Sequence[Session] = (),
    segments: Mapping[str, Sequence[Segment]] | None = None,
    privacy: Mapping[str, SessionPrivacy] | None = None,
) -> list[Quote]:
    """The quotes that may be exported, as copies whose ``redactions`` hide everything hidden.

    ``quotes`` should be every quote of the sessions concerned, withdrawn ones
    included: their words are hidden in the quotes that share them. Passing
    ``sessions`` also hides struck and off-record moments; ``segments`` (per
    session id) is the transcript a quote's words must still be in, said by
    the quote's speaker. A quote left with nothing to show is dropped.
    ``privacy`` (from :func:`privacy_by_session`) saves deciding again.
    """
    by_id = {p.id: p for p in participants}
    if privacy is None:
        privacy = privacy_by_session(quotes, participants, sessions, segments)
    result: list[Quote] = []
    for quote in quotes:
        if not may_export_quote(quote, by_id):
            continue
        shown = shown_quote(quote, privacy[quote.session_id])
        if shown is not None:
            result.append(shown)
    return result


# -- transcripts -------------------------------------------------------------


class Token(NamedTuple):
    """One word of a kept segment (a tuple: a long transcript makes tens of thousands)."""

    text: str
    start: float
    end: float
    hidden: bool = False
    word_id: str = ""


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


def _tokens(segment: Segment, privacy: SessionPrivacy) -> list[Token] | None:
    """The segment's tokens with hidden words marked; None when nothing of it is left."""
    tokens = [
        Token(text, w.start, w.end, hidden, w.id)
        for w, hidden in privacy.kept_words(segment)
        if (text := w.text.strip())
    ]
    return tokens or None


def shown_text(quote_or_segment: Quote | Segment, privacy: SessionPrivacy) -> str:
    """The words of a quote or a transcript segment exactly as an export shows them.

    "" when nothing of it may leave. Names are not replaced: this is for the
    speaker's own review of their words.
    """
    if isinstance(quote_or_segment, Quote):
        shown = shown_quote(quote_or_segment, privacy)
        return shown.redacted_text if shown is not None else ""
    tokens = _tokens(quote_or_segment, privacy)
    if tokens is None:
        return ""
    return KeptSegment(quote_or_segment.id, "", 0.0, 0.0, tuple(tokens)).text


def consented_transcript(
    session: Session,
    segments: Sequence[Segment],
    participants: Sequence[Participant],
    quotes: Sequence[Quote],
    privacy: SessionPrivacy | None = None,
) -> list[TranscriptItem]:
    """The session's transcript as it may be exported: kept segments and placeholders.

    ``quotes`` should be every quote of the session, withdrawn ones included.
    ``privacy``, when the caller already has the core's decisions for the
    session, saves deciding again.
    """
    by_id = {p.id: p for p in participants}
    if privacy is None:
        session_quotes = [q for q in quotes if q.session_id == session.id]
        privacy = session_privacy(session, segments, participants, session_quotes)
    items: list[TranscriptItem] = []
    for segment in privacy.segments:
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
        tokens = _tokens(segment, privacy)
        if tokens is None:
            continue
        assert speaker is not None  # keeps_speech is False for None
        items.append(
            KeptSegment(segment.id, speaker.id, tokens[0].start, tokens[-1].end, tuple(tokens))
        )
    return items


def quote_spans(kept: KeptSegment, quotes: Sequence[Quote]) -> list[tuple[str, int, int]]:
    """Where each quote lies in ``kept.render()``'s text: (quote id, start, end) characters.

    A token belongs to a quote when it is one of the quote's words (by id) and
    the quote's speaker said it.
    """
    _, spans = kept.render()
    found: list[tuple[str, int, int]] = []
    for quote in quotes:
        if quote.participant_id != kept.speaker_id:
            continue
        ids = {w.id for w in quote.words}
        inside = [spans[i] for i, token in enumerate(kept.tokens) if token.word_id in ids]
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
