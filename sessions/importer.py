"""Bringing audio into a session and turning it into an attributed transcript."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models import Recording, Segment, SessionStatus
from models.attribution import attribute_speakers, off_record_spans
from sessions.audio import load_audio, probe_audio, write_flac
from sessions.clock import now_iso
from sessions.errors import FacilitateError
from sessions.planning import session_people
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from sessions.transcriber import Progress, Transcriber

#: Recordings are kept as 16 kHz mono FLAC: what Whisper hears, lossless, and small.
STORED_RATE = 16_000


def import_audio(store: ConsultationStore, session_id: str, source: Path) -> Recording:
    """Copy ``source`` into the session as its recording; return the recording.

    The file is checked first (a bad file raises AudioError and changes
    nothing), then stored as 16 kHz mono FLAC in the consultation's audio folder.
    """
    source = Path(source).expanduser()
    probe_audio(source)
    session = store.session(session_id)
    samples = load_audio(source, STORED_RATE)
    target = store.audio_dir / f"{session.id}.flac"
    write_flac(target, samples, STORED_RATE)
    recording = Recording(
        file=target.name,
        duration_s=round(len(samples) / STORED_RATE, 3),
        sample_rate=STORED_RATE,
        channels=1,
        source="imported",
        original_name=source.name,
        created_at=now_iso(),
    )
    with store.lock:
        session = store.session(session_id)
        session.recording = recording
        session.status = SessionStatus.RECORDED
        store.save_session(session)
    return recording


def transcribe_session(
    store: ConsultationStore,
    session_id: str,
    transcriber: Transcriber,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: threading.Event | None = None,
) -> list[Segment]:
    """Transcribe the session's recording, attribute speakers from its marks, and save.

    Struck spans and the marked speech of anyone who did not consent are
    silenced before the model hears them, so they are never transcribed.
    """
    session = store.session(session_id)
    audio = store.audio_path(session)
    if audio is None or session.recording is None:
        raise FacilitateError("This session has no recording yet; record or import one first.")
    if not audio.exists():
        raise FacilitateError(f"The recording {audio} is missing; import the audio again.")
    spans = off_record_spans(
        session.markers, session_people(store, session), session.id, session.recording.duration_s
    )
    _set_status(store, session_id, SessionStatus.TRANSCRIBING)
    try:
        segments = transcriber.transcribe(
            audio, on_progress=on_progress, cancelled=cancelled, off_record=spans
        )
    except BaseException:
        _set_status(store, session_id, SessionStatus.RECORDED)
        raise
    segments = attribute_speakers(segments, session.markers)
    with store.lock:
        store.save_segments(session_id, segments)
        session = store.session(session_id)
        session.status = SessionStatus.TRANSCRIBED
        session.transcribed_with = transcriber.model_name
        store.save_session(session)
    return segments


def _set_status(store: ConsultationStore, session_id: str, status: SessionStatus) -> None:
    with store.lock:
        session = store.session(session_id)
        session.status = status
        store.save_session(session)
