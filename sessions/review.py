"""Participant review as a service: decisions saved with their audit events, and the PIN.

Every decision here is written together with its audit event in one atomic
store write, under the store's lock, so the record of who decided what can
never disagree with what was saved.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import replace

from models.audit import Actor, AuditEvent
from models.participant import ContributionState
from models.privacy import SessionPrivacy, session_privacy
from models.quote import Decision, Quote, QuoteState, decide
from models.review import redact_segment
from models.review import review_contribution as decide_contribution
from sessions.clock import now_iso
from sessions.errors import NotFound
from sessions.store import ConsultationStore

#: scrypt cost: about 50 ms on a laptop, slow enough to make guessing a stolen hash costly.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
#: The shortest PIN accepted.
MIN_PIN = 4


def quotes_for(
    store: ConsultationStore, participant_id: str, session_id: str | None = None
) -> list[Quote]:
    """Only ``participant_id``'s own quotes (optionally of one session), in time order."""
    quotes = [q for q in store.quotes(session_id) if q.participant_id == participant_id]
    return sorted(quotes, key=lambda q: (q.session_id, q.start))


def review_privacy(
    store: ConsultationStore, session_ids: Iterable[str], reconsidering: str | None = None
) -> dict[str, SessionPrivacy]:
    """The privacy core's decisions for ``session_ids``, for showing a participant their words.

    A participant reviews exactly what an export would show: the transcript's
    words (the facilitator's corrections), with everything hidden elsewhere
    (a withdrawn quote, a strike, another redaction) hidden here too. The quote
    ``reconsidering`` counts as undecided, to show a withdrawn quote as it
    would be used if the participant changed their mind.
    """
    participants = store.participants()
    quotes = [
        replace(q, state=QuoteState.PENDING, redactions=[]) if q.id == reconsidering else q
        for q in store.quotes()
    ]
    sessions = {s.id: s for s in store.sessions()}
    return {
        sid: session_privacy(
            sessions.get(sid), store.segments(sid), participants,
            [q for q in quotes if q.session_id == sid], session_id=sid,
        )
        for sid in dict.fromkeys(session_ids)
    }


def apply_decision(
    store: ConsultationStore,
    quote_id: str,
    decision: Decision,
    actor: Actor = Actor.PARTICIPANT,
    redactions: Iterable[int] | None = None,
) -> Quote:
    """Apply a decision on a quote, save it and its audit event together; return the quote.

    ``actor`` is PARTICIPANT in review mode, ON_BEHALF when the facilitator
    records a decision the participant gave by phone or on paper.
    """
    with store.transaction():
        quote = store.quote(quote_id)
        updated, event = decide(
            quote, decision, now_iso(), actor, list(redactions) if redactions is not None else None
        )
        store.save_quote(updated)
        store.append_audit(event)
    return updated


def review_contribution(
    store: ConsultationStore,
    participant_id: str,
    session_id: str,
    state: ContributionState,
    actor: Actor = Actor.PARTICIPANT,
) -> AuditEvent:
    """Approve or withdraw (or reset) a participant's transcript contribution to a session."""
    with store.transaction():
        store.session(session_id)  # an unknown session is an error, not a silent record
        participant = store.participant(participant_id)
        updated, event = decide_contribution(participant, session_id, state, now_iso(), actor)
        store.save_participant(updated)
        store.append_audit(event)
    return event


def redact_own_words(
    store: ConsultationStore,
    participant_id: str,
    session_id: str,
    segment_id: str,
    redactions: Iterable[int],
    actor: Actor = Actor.PARTICIPANT,
) -> AuditEvent:
    """Hide exactly ``redactions`` in one of the participant's own segments; audit it.

    The transcript lives in its own file, so this is two atomic writes: the
    segments first, then the audit event. A crash between them can leave a
    redaction without its event, never an event for words still showing.
    """
    with store.lock:
        segments = store.segments(session_id)
        index = next((i for i, s in enumerate(segments) if s.id == segment_id), None)
        if index is None:
            raise NotFound(f"No segment {segment_id} in session {session_id}.")
        updated, event = redact_segment(
            segments[index], participant_id, redactions, now_iso(), actor, session_id
        )
        segments[index] = updated
        store.save_segments(session_id, segments)
        store.append_audit(event)
    return event


# -- PIN --------------------------------------------------------------------------------


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` for ``pin`` with a fresh (or given) salt."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches the stored hash; False for no hash or an unreadable one."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
        )
    except (ValueError, MemoryError):
        return False
    # Constant time, so response time says nothing about how close a guess was.
    return hmac.compare_digest(digest, bytes.fromhex(digest_hex))


def set_pin(store: ConsultationStore, pin: str) -> None:
    """Store a salted hash of the facilitator's PIN (never the PIN itself)."""
    pin = pin.strip()
    if len(pin) < MIN_PIN:
        raise ValueError(f"A PIN needs at least {MIN_PIN} characters.")
    hashed = hash_pin(pin)
    with store.transaction():
        consultation = store.consultation()
        consultation.pin_hash = hashed
        store.save_consultation(consultation)


def has_pin(store: ConsultationStore) -> bool:
    """True when the facilitator has set a PIN for this consultation."""
    return bool(store.consultation().pin_hash)


def check_pin(store: ConsultationStore, pin: str) -> bool:
    """True when ``pin`` is the facilitator's PIN (False when none is set).

    Rate-limit calls with :class:`models.review.PinGuard`.
    """
    return verify_pin(pin.strip(), store.consultation().pin_hash)


__all__ = [
    "apply_decision",
    "check_pin",
    "has_pin",
    "hash_pin",
    "quotes_for",
    "redact_own_words",
    "review_privacy",
    "review_contribution",
    "set_pin",
    "verify_pin",
]
