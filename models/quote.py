"""Quotes and the consent state machine each participant controls."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

from models.audit import Actor, AuditEvent
from models.ids import new_id
from models.transcript import Segment, Word


class QuoteState(enum.StrEnum):
    """Where a quote stands with the person who said it."""

    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_REDACTED = "approved with redactions"
    WITHDRAWN = "withdrawn"


class Decision(enum.StrEnum):
    """What a participant can decide about one of their quotes."""

    APPROVE = "approve"
    REDACT = "redact"
    WITHDRAW = "withdraw"
    RESET = "reset"


REDACTED = "[redacted]"


@dataclass
class Quote:
    """A span of what a participant said, picked by the facilitator as evidence."""

    id: str
    session_id: str
    participant_id: str
    start: float
    end: float
    words: list[Word]
    theme_ids: list[str] = field(default_factory=list)
    memo: str = ""
    segment_ids: list[str] = field(default_factory=list)
    step_index: int | None = None
    state: QuoteState = QuoteState.PENDING
    #: Indexes into ``words`` the participant chose to hide.
    redactions: list[int] = field(default_factory=list)
    created_at: str = ""

    @property
    def text(self) -> str:
        """The quote as said, with nothing hidden (never for export)."""
        return " ".join(w.text.strip() for w in self.words).strip()

    @property
    def redacted_text(self) -> str:
        """The quote with redacted words shown as [redacted]."""
        return redact(self.words, self.redactions)

    @property
    def exportable(self) -> bool:
        """True when the participant approved the quote (with or without redactions)."""
        return self.state in (QuoteState.APPROVED, QuoteState.APPROVED_REDACTED)


def new_quote(session_id: str, participant_id: str, words: list[Word], **extra: object) -> Quote:
    """Make a pending quote from ``words``; its span is theirs."""
    if not words:
        raise ValueError("a quote needs at least one word")
    return Quote(
        id=new_id("q"),
        session_id=session_id,
        participant_id=participant_id,
        start=words[0].start,
        end=words[-1].end,
        words=list(words),
        **extra,  # type: ignore[arg-type]
    )


def redact(words: list[Word], hidden: list[int]) -> str:
    """Join ``words``, replacing each run of hidden words with one [redacted]."""
    hidden_set = set(hidden)
    parts: list[str] = []
    for index, word in enumerate(words):
        if index in hidden_set:
            if not parts or parts[-1] != REDACTED:
                parts.append(REDACTED)
        elif word.text.strip():
            parts.append(word.text.strip())
    return " ".join(parts)


def decide(
    quote: Quote,
    decision: Decision,
    at: str,
    actor: Actor = Actor.PARTICIPANT,
    redactions: list[int] | None = None,
) -> tuple[Quote, AuditEvent]:
    """Apply a participant's decision; return the new quote and its audit event.

    The last decision always wins: a participant may change their mind as often
    as they like. Redactions must be word indexes within the quote.
    """
    decision = Decision(decision)
    if decision is Decision.REDACT:
        chosen = sorted(set(redactions or []))
        if any(i < 0 or i >= len(quote.words) for i in chosen):
            raise ValueError("redactions must be words within the quote")
        if not chosen:
            raise ValueError("choose at least one word to redact")
        new = replace(quote, state=QuoteState.APPROVED_REDACTED, redactions=chosen)
    elif decision is Decision.APPROVE:
        new = replace(quote, state=QuoteState.APPROVED, redactions=[])
    elif decision is Decision.WITHDRAW:
        new = replace(quote, state=QuoteState.WITHDRAWN, redactions=[])
    else:
        new = replace(quote, state=QuoteState.PENDING, redactions=[])
    event = AuditEvent(
        at=at,
        actor=actor,
        action=f"quote {decision.value}",
        subject_kind="quote",
        subject_id=quote.id,
        participant_id=quote.participant_id,
        before={"state": quote.state.value, "redactions": list(quote.redactions)},
        after={"state": new.state.value, "redactions": list(new.redactions)},
    )
    return new, event


# -- making and finding quotes --------------------------------------------------------


def segment_words(segment: Segment) -> list[Word]:
    """The words a quote from ``segment`` shows: what the facilitator corrected, if anything.

    Recognised words carry exact times, but after an edit they no longer match
    the text; then (or when a segment has no words at all) the corrected text is
    split into words spread evenly over the segment, so the quote says what the
    transcript says and the participant reviews the right words.
    """
    if segment.words and not segment.edited:
        return [replace(w) for w in segment.words]
    tokens = segment.text.split()
    if not tokens:
        return []
    step = (segment.end - segment.start) / len(tokens)
    return [
        Word(segment.start + i * step, segment.start + (i + 1) * step, f" {token}")
        for i, token in enumerate(tokens)
    ]


def quote_from_span(
    session_id: str,
    segments: Sequence[Segment],
    word_range: tuple[int, int] | None = None,
    participant_id: str | None = None,
    theme_ids: Iterable[str] = (),
    memo: str = "",
    step_index: int | None = None,
    created_at: str = "",
) -> Quote:
    """Make a pending quote from whole ``segments``, or words ``[first, stop)`` of one.

    The quote is attributed to ``participant_id`` or, by default, to the
    segments' speaker. Segments of unknown speaker need an explicit participant;
    segments by several known speakers, or by someone other than
    ``participant_id``, are refused, because a quote is one person's words for
    them alone to review.
    """
    if not segments:
        raise ValueError("Choose at least one segment for the quote.")
    ordered = sorted(segments, key=lambda s: s.start)
    if word_range is not None:
        if len(ordered) != 1:
            raise ValueError("A word range picks words within one segment.")
        words = segment_words(ordered[0])
        first, stop = word_range
        if not 0 <= first < stop <= len(words):
            raise ValueError(
                f"Words {first}..{stop} are not within the segment's {len(words)} words."
            )
        words = words[first:stop]
    else:
        words = [w for s in ordered for w in segment_words(s)]
    # A quote is one person's words, reviewed by that person alone: words known to
    # be someone else's must never go to them for approval.
    known = {s.speaker_id for s in ordered if s.speaker_id is not None}
    if len(known) > 1:
        raise ValueError(
            "These segments are said by more than one person; a quote holds one "
            "person's words. Choose segments said by one person."
        )
    if participant_id is None:
        if not known or len(known) != len({s.speaker_id for s in ordered}):
            raise ValueError(
                "These segments have no single known speaker; choose who said the quote."
            )
        participant_id = known.pop()
    elif known and participant_id not in known:
        raise ValueError(
            "These words are attributed to someone else; a quote can only go to the "
            "person who said it (correct the segment's speaker first if it is wrong)."
        )
    if not words:
        raise ValueError("The chosen span has no words to quote.")
    return new_quote(
        session_id,
        participant_id,  # type: ignore[arg-type]
        words,
        theme_ids=list(dict.fromkeys(theme_ids)),
        memo=memo.strip(),
        segment_ids=[s.id for s in ordered],
        step_index=step_index,
        created_at=created_at,
    )


def filter_quotes(
    quotes: Iterable[Quote],
    theme: str | Collection[str] | None = None,
    participant: str | None = None,
    state: QuoteState | Collection[QuoteState] | None = None,
    session: str | None = None,
) -> list[Quote]:
    """The quotes matching every filter given, in their original order.

    ``theme`` is a theme id, or a collection of ids matching a quote tagged with
    any of them (pass a parent with its children to include nested themes).
    ``state`` is one state or a collection of states.
    """
    themes = {theme} if isinstance(theme, str) else set(theme) if theme is not None else None
    states = (
        {QuoteState(state)}
        if isinstance(state, str)
        else {QuoteState(s) for s in state}
        if state is not None
        else None
    )
    return [
        q
        for q in quotes
        if (themes is None or not themes.isdisjoint(q.theme_ids))
        and (participant is None or q.participant_id == participant)
        and (states is None or q.state in states)
        and (session is None or q.session_id == session)
    ]


def tag_quote(quote: Quote, theme_ids: Iterable[str]) -> Quote:
    """Return ``quote`` tagged with ``theme_ids`` (deduplicated, order kept)."""
    return replace(quote, theme_ids=list(dict.fromkeys(theme_ids)))
