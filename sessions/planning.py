"""Setting up sessions and the people in them."""

from __future__ import annotations

from collections.abc import Sequence

from models import ActivityKind, Participant, Role, Session, new_id
from models.plans import plan_for
from sessions.clock import now_iso
from sessions.store import ConsultationStore


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
    title = title.strip()
    if not title:
        raise ValueError("A session needs a title.")
    consultation = store.consultation()
    session = Session(
        id=new_id("s"),
        consultation_id=consultation.id,
        title=title,
        venue=venue.strip(),
        activity=activity,
        date=date.strip() or now_iso()[:10],
        plan=plan_for(activity),
        facilitators=[f.strip() for f in facilitators if f.strip()],
        created_at=now_iso(),
    )
    store.save_session(session)
    for name in facilitators:
        if name.strip():
            add_participant(store, session.id, name, role=Role.FACILITATOR)
    for pseudonym in participants:
        if pseudonym.strip():
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
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValueError("A participant needs a pseudonym.")
    with store.lock:
        session = store.session(session_id)
        existing = next(
            (p for p in store.participants() if p.pseudonym.casefold() == pseudonym.casefold()),
            None,
        )
        participant = existing or Participant(
            id=new_id("p"), pseudonym=pseudonym, role=role, real_name=real_name.strip()
        )
        if existing is None:
            store.save_participant(participant)
        if participant.id not in session.participant_ids:
            session.participant_ids.append(participant.id)
            store.save_session(session)
    return participant


def session_people(store: ConsultationStore, session: Session) -> list[Participant]:
    """The people in ``session``, in the order they joined it."""
    by_id = {p.id: p for p in store.participants()}
    return [by_id[pid] for pid in session.participant_ids if pid in by_id]
