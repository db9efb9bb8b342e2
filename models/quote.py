"""Quotes and the consent state machine each participant controls."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from models.audit import Actor, AuditEvent
from models.ids import new_id
from models.transcript import Word


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
