"""The facilitator's corrections to a transcript, and keeping them when it is redone.

Every change reads the transcript, changes it and saves it inside one store
transaction, so two quick edits never undo each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from models import Segment, SessionStatus
from models.attribution import attribute_speakers, off_record_spans
from sessions.errors import FacilitateError, NotFound
from sessions.planning import session_people
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from sessions.transcriber import Progress, Transcriber

#: Two segments cover the same audio when both ends are this close (seconds).
SAME_SPAN_S = 0.3
#: A new segment takes an old one's speaker when they share this much of the new one.
SPEAKER_OVERLAP = 0.5


def edit_text(store: ConsultationStore, session_id: str, segment_id: str, text: str) -> Segment:
    """Correct what a segment says; the model's words stay in ``original_text``."""
    text = " ".join(text.split())
    if not text:
        raise FacilitateError("A segment cannot be empty; strike it instead.")
    with store.transaction():
        segments = store.segments(session_id)
        segment = _find(segments, segment_id)
        if not segment.original_text:
            segment.original_text = segment.text
        segment.text = text
        store.save_segments(session_id, segments)
    return segment


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
        for segment in changed:
            segment.speaker_id = speaker_id
        store.save_segments(session_id, segments)
    return changed


def _find(segments: list[Segment], segment_id: str) -> Segment:
    for segment in segments:
        if segment.id == segment_id:
            return segment
    raise NotFound("That segment is no longer in the transcript.")


def _overlap(a: Segment, b: Segment) -> float:
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def carry_edits(old: list[Segment], new: list[Segment]) -> list[Segment]:
    """Keep the facilitator's work on ``old`` in a fresh transcript ``new``.

    A new segment covering the same audio as an old one (both ends within
    :data:`SAME_SPAN_S`) keeps its id (so quotes still find it), its speaker and
    its redactions, and its corrected text if the facilitator edited it (the new
    model's words become ``original_text``). Any other new segment takes the
    speaker of the old segment it overlaps most, if that covers at least half of it.
    """
    result: list[Segment] = []
    used: set[str] = set()
    for segment in new:
        same = [
            o for o in old
            if o.id not in used
            and abs(o.start - segment.start) <= SAME_SPAN_S
            and abs(o.end - segment.end) <= SAME_SPAN_S
        ]
        # Prefer the old segment the model heard the same way.
        same.sort(key=lambda o: (o.original_text != segment.original_text,
                                 abs(o.start - segment.start)))
        if same:
            match = same[0]
            used.add(match.id)
            text = match.text if match.edited else segment.text
            keep_redactions = match.original_text == segment.original_text
            result.append(replace(
                segment,
                id=match.id,
                speaker_id=match.speaker_id,
                text=text,
                original_text=segment.original_text or segment.text,
                redactions=list(match.redactions) if keep_redactions else [],
            ))
            continue
        duration = max(segment.end - segment.start, 1e-6)
        best = max(old, key=lambda o: _overlap(o, segment), default=None)
        if best is not None and _overlap(best, segment) >= SPEAKER_OVERLAP * duration:
            segment = replace(segment, speaker_id=best.speaker_id)
        result.append(segment)
    return result


def retranscribe(
    store: ConsultationStore,
    session_id: str,
    transcriber: Transcriber,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: threading.Event | None = None,
) -> list[Segment]:
    """Transcribe the session again with ``transcriber``'s model, keeping the edits.

    The old transcript stays untouched until the new one is complete; a
    cancelled or failed run changes nothing.
    """
    session = store.session(session_id)
    audio = store.audio_path(session)
    if audio is None or session.recording is None:
        raise FacilitateError("This session has no recording to transcribe.")
    if not audio.exists():
        raise FacilitateError(f"The recording {audio} is missing; import the audio again.")
    spans = off_record_spans(
        session.markers, session_people(store, session), session.id, session.recording.duration_s
    )
    fresh = transcriber.transcribe(
        audio, on_progress=on_progress, cancelled=cancelled, off_record=spans
    )
    # Speakers from the marks first; the facilitator's own choices then win.
    fresh = attribute_speakers(fresh, session.markers)
    with store.transaction():
        segments = carry_edits(store.segments(session_id), fresh)
        store.save_segments(session_id, segments)
        session = store.session(session_id)
        session.transcribed_with = transcriber.model_name
        if session.status in (SessionStatus.RECORDED, SessionStatus.TRANSCRIBING):
            session.status = SessionStatus.TRANSCRIBED
        store.save_session(session)
    return segments
