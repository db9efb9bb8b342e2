"""Participant review of their own transcript, and the PIN guard on leaving review mode.

Quotes are reviewed one by one with :func:`models.quote.decide`. Here a
participant decides about their whole contribution to a session (approve or
withdraw it) and hides words in their own segments. Every decision returns an
audit event; nothing here touches a file or a clock.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from models.audit import Actor, AuditEvent
from models.participant import ContributionReview, ContributionState, Participant
from models.transcript import Segment


class NotTheirs(ValueError):
    """A participant tried to review words that someone else said."""


def own_segments(segments: Iterable[Segment], participant_id: str) -> list[Segment]:
    """The segments attributed to ``participant_id``: all they may review, nothing more."""
    return [s for s in segments if s.speaker_id == participant_id]


def review_contribution(
    participant: Participant,
    session_id: str,
    state: ContributionState,
    at: str,
    actor: Actor = Actor.PARTICIPANT,
) -> tuple[Participant, AuditEvent]:
    """Return ``participant`` with their session contribution set to ``state``, and the event.

    PENDING undoes an earlier decision: people may change their mind.
    """
    state = ContributionState(state)
    before = participant.contribution_for(session_id)
    contribution = dict(participant.contribution)
    contribution[session_id] = ContributionReview(state=state, at=at)
    updated = replace(participant, contribution=contribution)
    event = AuditEvent(
        at=at,
        actor=actor,
        action=f"transcript {state.value}",
        subject_kind="session",
        subject_id=session_id,
        participant_id=participant.id,
        before=before.value,
        after=state.value,
    )
    return updated, event


def redact_segment(
    segment: Segment,
    participant_id: str,
    redactions: Iterable[int],
    at: str,
    actor: Actor = Actor.PARTICIPANT,
    session_id: str = "",
) -> tuple[Segment, AuditEvent]:
    """Return ``segment`` with exactly ``redactions`` hidden, and the audit event.

    Only the segment's own speaker may redact it. An empty ``redactions``
    un-hides everything (a change of mind). Indexes must be words in the segment.
    """
    if segment.speaker_id != participant_id:
        raise NotTheirs("Only the person who said these words can redact them.")
    chosen = sorted(set(redactions))
    if any(i < 0 or i >= len(segment.words) for i in chosen):
        raise ValueError("Redactions must be words within the segment.")
    updated = replace(segment, redactions=chosen)
    event = AuditEvent(
        at=at,
        actor=actor,
        action="transcript redact",
        subject_kind="segment",
        subject_id=segment.id,
        participant_id=participant_id,
        before={"redactions": list(segment.redactions)},
        after={"redactions": chosen},
        note=f"session {session_id}" if session_id else "",
    )
    return updated, event


# -- the PIN guard -------------------------------------------------------------------------

#: Wrong PINs allowed before the first wait.
FREE_TRIES = 3
#: The first wait after too many wrong PINs; each further wrong PIN doubles it.
FIRST_WAIT_S = 30.0
#: The longest wait, so a participant pressing keys cannot lock a facilitator out for hours.
MAX_WAIT_S = 960.0


class PinOutcome(enum.StrEnum):
    """What happened to one attempt at leaving review mode."""

    OK = "ok"
    WRONG = "wrong"
    #: Too many wrong PINs: the PIN was not even checked.
    WAIT = "wait"


@dataclass(frozen=True)
class PinAttempt:
    """The outcome of one attempt and how long until the next may be made."""

    outcome: PinOutcome
    wait_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the PIN was right."""
        return self.outcome is PinOutcome.OK


class PinGuard:
    """Rate-limits PIN attempts: after FREE_TRIES wrong ones, wait 30 s, doubling each time.

    ``clock`` returns seconds from any monotonic origin (``time.monotonic`` in
    the app, a fake in tests). A right PIN resets the guard.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.failures = 0
        self._locked_until = 0.0

    def wait_s(self) -> float:
        """Seconds until another attempt may be made (0 when one may be made now)."""
        return max(0.0, self._locked_until - self._clock())

    def attempt(self, check: Callable[[], bool]) -> PinAttempt:
        """Try a PIN: ``check`` runs only if no wait is due, and its answer is counted."""
        waiting = self.wait_s()
        if waiting > 0:
            return PinAttempt(PinOutcome.WAIT, waiting)
        if check():
            self.failures = 0
            self._locked_until = 0.0
            return PinAttempt(PinOutcome.OK)
        self.failures += 1
        if self.failures >= FREE_TRIES:
            doublings = min(self.failures - FREE_TRIES, 16)  # bounded: no float overflow
            wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2**doublings)
            self._locked_until = self._clock() + wait
        return PinAttempt(PinOutcome.WRONG, self.wait_s())
