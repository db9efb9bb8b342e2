"""Setting up consultations, sessions and the people in them.

Everything typed here is kept as text: control characters and terminal escape
sequences are taken out before it is saved (see :func:`models.text.clean_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from models import ActivityKind, Participant, PlanStep, Role, Session, new_id
from models.participant import pseudonym_problem, speaker_numbers
from models.plans import plan_for
from models.text import clean_text
from sessions.clock import now_iso
from sessions.store import ConsultationStore, Workspace


def one_line(text: str) -> str:
    """A single-line field as saved: cleaned, with runs of spaces made one."""
    return " ".join(clean_text(text).split())


def create_consultation(
    workspace: Workspace, title: str, question: str = "", codebook: str = "ten-characteristics",
    passphrase: str | None = None,
) -> ConsultationStore:
    """Make a new consultation with a cleaned title and question; return its store.

    With a ``passphrase`` it is encrypted from the start (see ``store.recovery_key``).
    """
    return workspace.create_consultation(
        one_line(title), clean_text(question, multiline=True).strip(), codebook,
        passphrase=passphrase,
    )


def create_session(
    store: ConsultationStore,
    title: str,
    *,
    venue: str = "",
    activity: ActivityKind = ActivityKind.DISCUSSION,
    date: str = "",
    facilitators: Sequence[str] = (),
    participants: Sequence[str] = (),
) -> Session:
    """Create a session with the plan template for its activity.

    ``participants`` are pseudonyms; someone already in the consultation under
    that pseudonym joins as themselves rather than as a new person.
    """
    title = one_line(title)
    if not title:
        raise ValueError("A session needs a title.")
    for name in (*facilitators, *participants):
        # Checked before anything is saved: a refused name leaves no half-made session.
        problem = pseudonym_problem(one_line(name)) if one_line(name) else None
        if problem:
            raise ValueError(problem)
    consultation = store.consultation()
    session = Session(
        id=new_id("s"),
        consultation_id=consultation.id,
        title=title,
        venue=one_line(venue),
        activity=activity,
        date=one_line(date) or now_iso()[:10],
        plan=plan_for(activity),
        facilitators=[one_line(f) for f in facilitators if one_line(f)],
        created_at=now_iso(),
    )
    store.save_session(session)
    for name in facilitators:
        if one_line(name):
            add_participant(store, session.id, name, role=Role.FACILITATOR)
    for pseudonym in participants:
        if one_line(pseudonym):
            add_participant(store, session.id, pseudonym)
    return store.session(session.id)


def add_participant(
    store: ConsultationStore,
    session_id: str,
    pseudonym: str,
    role: Role = Role.PARTICIPANT,
    real_name: str = "",
) -> Participant:
    """Add someone to a session (and the consultation, if new); return them."""
    pseudonym = one_line(pseudonym)
    if not pseudonym:
        raise ValueError("A participant needs a pseudonym.")
    problem = pseudonym_problem(pseudonym)
    if problem:
        raise ValueError(problem)
    with store.lock:
        session = store.session(session_id)
        existing = next(
            (p for p in store.participants() if p.pseudonym.casefold() == pseudonym.casefold()),
            None,
        )
        real = one_line(real_name)
        if existing is not None and real and existing.real_name.strip():
            if " ".join(existing.real_name.split()).casefold() != real.casefold():
                # Another person, not the same one: merging them would lose this real
                # name (it would not be hidden in exports) and join two people's words.
                raise ValueError(
                    f"{existing.pseudonym} in this consultation has another real name; "
                    "choose another pseudonym for someone new."
                )
        participant = existing or Participant(
            id=new_id("p"), pseudonym=pseudonym, role=role, real_name=real
        )
        if existing is None:
            store.save_participant(participant)
        elif real and not existing.real_name.strip():
            # The same person, whose real name is known only now: it is hidden from now on.
            existing.real_name = real
            store.save_participant(existing)
        if participant.id not in session.participant_ids:
            session.participant_ids.append(participant.id)
            store.save_session(session)
    return participant


def session_people(store: ConsultationStore, session: Session) -> list[Participant]:
    """The people in ``session``, in the order they joined it."""
    by_id = {p.id: p for p in store.participants()}
    return [by_id[pid] for pid in session.participant_ids if pid in by_id]


def session_speakers(store: ConsultationStore, session: Session) -> list[Participant]:
    """The people in ``session`` numbered as the speaker keys 1-9 number them everywhere."""
    return speaker_numbers(session_people(store, session))


def clean_plan(steps: Sequence[PlanStep]) -> list[PlanStep]:
    """Copies of ``steps`` with their titles and prompts cleaned (empty prompts dropped)."""
    return [
        PlanStep(
            one_line(step.title) or "Untitled step",
            step.minutes,
            [one_line(p) for p in step.prompts if one_line(p)],
            step.kind,
        )
        for step in steps
    ]


def save_plan(store: ConsultationStore, session_id: str, steps: Sequence[PlanStep]) -> Session:
    """Replace the session's plan with ``steps`` (cleaned); return the saved session."""
    with store.transaction():
        session = store.session(session_id)
        session.plan = clean_plan(steps)
        store.save_session(session)
    return session
