"""The facilitator's corrections to a transcript, and keeping them when it is redone.

Every change reads the transcript, changes it and saves it inside one store
transaction, so two quick edits never undo each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from models import Actor, ContributionState, Segment
from models.quote import follow_correction
from models.review import review_contribution
from models.text import clean_text
from models.transcript import correct_segment, word_keys
from sessions.clock import now_iso
from sessions.errors import FacilitateError, NotFound
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from sessions.transcriber import Progress, Transcriber
    from sessions.transcript_merge import TranscriptUpdate


def edit_text(store: ConsultationStore, session_id: str, segment_id: str, text: str) -> Segment:
    """Correct what a segment says; the model's words stay in ``original_text``.

    The corrected text is aligned to the words it replaces, so every decision
    made on those words (quotes, redactions, withdrawals) follows them; a quote
    approved before its words changed is asked about again.
    """
    text = " ".join(clean_text(text).split())
    if not text:
        raise FacilitateError(
            "A segment's text cannot be empty. To take speech off the record, strike it "
            "while recording, or ask the participant to redact it in their review."
        )
    with store.transaction():
        segments = store.segments(session_id)
        segment = _find(segments, segment_id)
        updated, correction = correct_segment(segment, text)
        segments[segments.index(segment)] = updated
        store.save_segments(session_id, segments)
        at = now_iso()
        old_ids = {w.id for w in segment.words}
        for quote in store.quotes(session_id):
            if segment_id not in quote.segment_ids and old_ids.isdisjoint(
                w.id for w in quote.words
            ):
                continue
            followed, event = follow_correction(quote, segments, correction, at)
            if followed != quote:
                store.save_quote(followed)
            if event is not None:
                store.append_audit(event)
        if segment.speaker_id is not None and word_keys(segment.words) != word_keys(
            updated.words
        ):
            ask_again(store, session_id, segment.speaker_id, at,
                       "the facilitator corrected words attributed to them")
    return updated


def ask_again(
    store: ConsultationStore, session_id: str, participant_id: str, at: str, why: str
) -> bool:
    """A transcript approval rests on the words approved: if they changed, ask again.

    Only an approval is reset (a withdrawal stays a withdrawal); audited with
    ``why``. True when an approval was reset.
    """
    try:
        participant = store.participant(participant_id)
    except NotFound:
        return False
    if participant.contribution_for(session_id) is not ContributionState.APPROVED:
        return False
    updated, event = review_contribution(
        participant, session_id, ContributionState.PENDING, at, actor=Actor.SYSTEM
    )
    store.save_participant(updated)
    store.append_audit(replace(event, note=f"{why}, so their approval is asked for again"))
    return True


def set_speaker(
    store: ConsultationStore, session_id: str, segment_ids: Iterable[str], speaker_id: str | None
) -> list[Segment]:
    """Say who said the segments (None: unknown); return the changed segments."""
    wanted = set(segment_ids)
    with store.transaction():
        segments = store.segments(session_id)
        changed = [s for s in segments if s.id in wanted]
        if len(changed) != len(wanted):
            raise NotFound("Some of those segments are no longer in the transcript.")
        gaining = speaker_id is not None and any(
            s.speaker_id != speaker_id and s.words for s in changed
        )
        for segment in changed:
            segment.speaker_id = speaker_id
        store.save_segments(session_id, segments)
        if gaining:
            # Words newly given to someone who approved their transcript were
            # never part of what they approved.
            ask_again(store, session_id, speaker_id, now_iso(),  # type: ignore[arg-type]
                       "words said by someone else were attributed to them")
    return changed


def _find(segments: list[Segment], segment_id: str) -> Segment:
    for segment in segments:
        if segment.id == segment_id:
            return segment
    raise NotFound("That segment is no longer in the transcript.")


def retranscribe(
    store: ConsultationStore,
    session_id: str,
    transcriber: Transcriber,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: threading.Event | None = None,
) -> TranscriptUpdate:
    """Transcribe the session again with ``transcriber``'s model, keeping everyone's work.

    The old transcript stays untouched until the new one is complete; a
    cancelled or failed run changes nothing. What was carried over, and what
    could not be, is in the returned update (see :mod:`sessions.transcript_merge`).
    """
    from sessions.importer import transcribe_session_keeping_edits

    return transcribe_session_keeping_edits(
        store, session_id, transcriber, on_progress=on_progress, cancelled=cancelled,
        mark_transcribing=False,
    )
