"""Bringing audio into a session and turning it into an attributed transcript."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models import Recording, Segment, Session, SessionStatus
from models.attribution import attribute_speakers
from sessions.atomic import remove_stale_temps, temp_path
from sessions.audio import load_audio, probe_audio, silence_spans, write_flac
from sessions.clock import now_iso
from sessions.consent import session_off_record, silence_recording
from sessions.errors import FacilitateError, storage_error
from sessions.interrupted import transcription_claim
from sessions.locations import id_for_path
from sessions.store import ConsultationStore, refuse_if_recorded
from sessions.transcript_merge import TranscriptUpdate, save_transcript
from sessions.vocabulary import transcriber_terms

if TYPE_CHECKING:
    import numpy as np

    from sessions.transcriber import Progress, Transcriber

#: Recordings are kept as 16 kHz mono FLAC: what Whisper hears, lossless, and small.
STORED_RATE = 16_000


def import_audio(store: ConsultationStore, session_id: str, source: Path) -> Recording:
    """Copy ``source`` into the session as its recording; return the recording.

    The file is checked first (a bad file raises AudioError and changes
    nothing), then stored as 16 kHz mono FLAC in the consultation's audio folder,
    with every span already off the record (strikes, speech marked as anyone who
    is not recorded) exact silence, as in a live recording; marks made later
    silence the stored file again (:func:`sessions.consent.silence_recording`).
    A session keeps the one recording it has: its transcript, quotes and
    participants' decisions all point into it, so a second one is refused.
    """
    source = Path(source).expanduser()
    probe_audio(source)
    refuse_second_recording(store.session(session_id))
    # Claimed before the long work: of two imports at once, the second stops here.
    with store.recording_claim(session_id):
        session = store.session(session_id)
        samples = load_audio(source, STORED_RATE)
        # What is already off the record (strikes, marked speech of anyone who said no)
        # is silenced before the audio reaches the disk, as a live recording is.
        spans = session_off_record(store, session, len(samples) / STORED_RATE)
        if spans:
            samples = silence_spans(samples, STORED_RATE, spans)
        target = store.audio_dir / f"{id_for_path(session.id)}.flac"
        remove_stale_temps(target.parent)  # a copy left by an import that was killed
        return _store_recording(store, session_id, source, target, samples)


def _store_recording(
    store: ConsultationStore, session_id: str, source: Path, target: Path, samples: np.ndarray
) -> Recording:
    """Write the recording beside ``target``, then move it in and save the session together."""
    staged = temp_path(target)
    try:
        write_flac(staged, samples, STORED_RATE)
    except OSError as error:  # a full disk: one line, and nothing saved is changed
        with contextlib.suppress(OSError):
            staged.unlink()
        raise storage_error(error, target, "save") from error
    recording = Recording(
        file=target.name,
        duration_s=round(len(samples) / STORED_RATE, 3),
        sample_rate=STORED_RATE,
        channels=1,
        source="imported",
        original_name=source.name,
        created_at=now_iso(),
    )
    try:
        with store.transaction():
            # Checked again where it counts: a file already there is never replaced.
            session = store.session(session_id)
            refuse_second_recording(session)
            try:
                os.replace(staged, target)
            except OSError as error:
                raise storage_error(error, target, "save") from error
            session.recording = recording
            session.status = SessionStatus.RECORDED
            store.save_session(session)
    finally:
        with contextlib.suppress(OSError):
            staged.unlink()
    # Marks or answers saved while the file was being written are silenced now.
    silence_recording(store, session_id)
    return recording


def refuse_second_recording(session: Session) -> None:
    """Raise a one-line error (AlreadyRecorded) if ``session`` already has its recording."""
    refuse_if_recorded(session)


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
    silenced before the model hears them, so they are never transcribed. Work
    on an earlier transcript is carried over (see
    :func:`transcribe_session_keeping_edits`, which also says what could not be).
    """
    return transcribe_session_keeping_edits(
        store, session_id, transcriber, on_progress=on_progress, cancelled=cancelled
    ).segments


def transcribe_session_keeping_edits(
    store: ConsultationStore,
    session_id: str,
    transcriber: Transcriber,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: threading.Event | None = None,
    mark_transcribing: bool = True,
) -> TranscriptUpdate:
    """Transcribe the session's recording and save it over any earlier transcript.

    Redactions, speakers, corrections, quote links and contribution approvals
    are carried over by :func:`sessions.transcript_merge.save_transcript`; the
    update returned says what was carried and what could not be. With
    ``mark_transcribing`` the session shows as transcribing meanwhile (a failed
    or cancelled run puts the status back); the old transcript is untouched
    until the new one is complete either way.
    """
    session = store.session(session_id)
    audio = store.audio_path(session)
    if audio is None or session.recording is None:
        raise FacilitateError("This session has no recording yet; record or import one first.")
    if not audio.exists():
        raise FacilitateError(f"The recording {audio} is missing; import the audio again.")
    # The stored file is kept as silent as the transcript, whatever saved the marks.
    silence_recording(store, session)
    spans = session_off_record(store, session, session.recording.duration_s)
    # The consultation's own words (venues, names...) steer the model; they stay here.
    vocabulary = transcriber_terms(store)
    previous = session.status
    # While it runs the session's marker is held, so a kill is seen as an interruption.
    claim = (
        transcription_claim(store, session_id, previous)
        if mark_transcribing
        else contextlib.nullcontext()
    )
    with claim:
        if mark_transcribing:
            _set_status(store, session_id, SessionStatus.TRANSCRIBING)
        try:
            segments = transcriber.transcribe(
                audio, on_progress=on_progress, cancelled=cancelled, off_record=spans,
                vocabulary=vocabulary,
            )
            # Speakers from the marks first; the facilitator's own choices then win.
            segments = attribute_speakers(segments, session.markers)
            # Inside the try: a transcript file that cannot be read puts the status back too.
            return save_transcript(store, session_id, segments, transcriber.model_name)
        except BaseException:
            if mark_transcribing:
                done = (SessionStatus.TRANSCRIBED, SessionStatus.REVIEWED)
                _set_status(
                    store, session_id, previous if previous in done else SessionStatus.RECORDED
                )
            raise


def _set_status(store: ConsultationStore, session_id: str, status: SessionStatus) -> None:
    with store.lock:
        session = store.session(session_id)
        session.status = status
        store.save_session(session)
