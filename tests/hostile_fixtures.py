"""Text that must stay text: markup traps and terminal codes in every field of a store.

A hand-edited store (or one written before text was cleaned on the way in)
may hold anything, so these fixtures save it straight into the store, past
the cleaning the services do: the screens, the command line and the exports
must each show it literally or cleaned, and never act on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quote_fixtures import painting_session, segment

from models import ContributionReview, Decision, RecordingConsent, decide
from models.participant import ContributionState
from sessions.quotes import make_quote
from sessions.services import Services
from sessions.store import ConsultationStore

#: Markup a title or a transcript may hold: each must show exactly as written.
MARKUP = ("[/x]", "[@click=app.quit]quit[/]", "[laughs]", "[redacted]")
#: Terminal codes (erase screen, write clipboard, 8-bit CSI, NUL, right-to-left
#: override): none may reach the screen, the terminal or a file.
CODES = ("\x1b[2J", "\x1b]52;c;aGk=\x07", "\x9b31m", "\x00", "\u202e")
#: Any character that is a control code, or the override: what must never show.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile(words: str) -> str:
    """``words``, then every markup trap, then every terminal code run into "end"."""
    return f"{words} {' '.join(MARKUP)} {''.join(CODES)}end"


def cleaned(words: str) -> str:
    """What :func:`hostile` text looks like once its terminal codes are taken out."""
    return f"{words} {' '.join(MARKUP)} end"


def hostile_name(words: str) -> str:
    """A pseudonym-length trap (pseudonyms are at most 40 characters): a live markup
    action and every terminal code."""
    return f"{words} {MARKUP[1]} {''.join(CODES)}end"


def cleaned_name(words: str) -> str:
    """What :func:`hostile_name` text looks like once its terminal codes are taken out."""
    return f"{words} {MARKUP[1]} end"


@dataclass
class Hostile:
    """What the tests need to find again."""

    store: ConsultationStore
    session_id: str
    ash: str
    quote_id: str


def hostile_consultation(services: Services) -> Hostile:
    """A consultation with markup and terminal codes in every field, ready to export.

    Everyone agreed to be recorded and approved their transcript; Ash's quote
    is approved with the word "come" redacted, so it reads "I [redacted] here".
    """
    store, session = painting_session(services)
    people = {p.pseudonym: p for p in store.participants()}
    ash, birch = people["Ash"], people["Birch"]
    first = segment(0, hostile("I come here"), ash.id)
    second = segment(20, hostile("The bus runs twice"), birch.id)
    store.save_segments(session.id, [first, second])
    codebook = store.consultation().codebook
    quote = make_quote(store, session.id, [first.id], theme_ids=[codebook.themes[0].id])

    # Saved straight into the store, as a hand edit would be.
    consultation = store.consultation()
    consultation.title = hostile("Day services")
    consultation.question = hostile("What helps?")
    theme = consultation.codebook.themes[0]
    theme.name = hostile("Acceptance")
    theme.description = hostile("Being accepted")
    store.save_consultation(consultation)
    session = store.session(session.id)
    session.title = hostile("Painting")
    session.venue = hostile("The Hub")
    session.plan[0].title = hostile("Welcome")
    session.plan[0].prompts = [hostile("Say hello")]
    store.save_session(session)
    ash.pseudonym = hostile("Ash")
    # Real names are hidden from exports; this one shares no word with a pseudonym.
    ash.real_name = "Dave" + "".join(CODES) + "Smith"
    ash.contribution[session.id] = ContributionReview(ContributionState.APPROVED, "t")
    store.save_participant(ash)
    birch.contribution[session.id] = ContributionReview(ContributionState.APPROVED, "t")
    store.save_participant(birch)
    for person in store.participants():
        store.set_recording_consent(person.id, session.id, RecordingConsent.YES)

    quote = store.quote(quote.id)
    quote.memo = hostile("Memo")
    approved, event = decide(quote, Decision.REDACT, "2024-05-17T10:00:00+00:00", redactions=[1])
    store.save_quote(approved)
    store.append_audit(event)
    return Hostile(store, session.id, ash.id, quote.id)
