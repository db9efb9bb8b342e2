"""Running a session: recording it, with marks stored the moment they are made.

:func:`start_recording` checks consent, then records the session to
``<audio>/<session id>.flac`` with :class:`sessions.recorder.Recorder`. Every
mark (a moment, who is speaking, the next plan step, a strike) is one atomic
store write at the recorder's current time, so a crash loses none of them.

Off the record, in the saved file as well as in the transcript:

* a strike is exact silence from the moment it is made (the recorder zeroes
  what is on disk and what is still to come);
* while someone who said no (or was never asked) is marked as speaking, the
  audio is struck a little ahead of the recording as it goes, and the whole
  stretch once more at the next speaker mark, at pause and at stop;
* after a crash, :func:`recover_session` saves the partial file and silences
  every off-record span worked out from the stored marks.

Live transcription (optional: ``start_recording(..., transcriber=...)``): a
:class:`~sessions.live.LiveTranscriber` with its own one-thread, low-priority
model tails the recorder's partial file, so that at stop only the last stretch
is left to transcribe (:meth:`RunningSession.finish_transcript`). It keeps the
newest :data:`LIVE_HOLD_S` seconds back from the model, the length of the
"strike the last 30 seconds" key, and takes no more audio while a strike is
being decided (:meth:`RunningSession.begin_strike`), so a strike of the last
30 seconds never reaches audio the model has heard; every mark updates its
off-record spans, so struck and non-consenting speech is silenced before the
model hears it. Transcription never holds the recording up: if the model cannot
load or the live worker fails, live transcription turns itself off with one
line (:attr:`RunningSession.live_problem`), recording carries on, and the whole
file is transcribed at stop instead.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models import Marker, MarkerKind, Participant, Recording, Session, SessionStatus
from models.attribution import Span, off_record_spans
from sessions.atomic import remove_stale_temps
from sessions.audio import silence_spans
from sessions.clock import now_iso
from sessions.consent import consent_problem, session_off_record
from sessions.encryption import audio_source, write_file
from sessions.errors import AudioError, FacilitateError, one_line
from sessions.locations import id_for_path
from sessions.planning import session_people
from sessions.recorder import (
    SAMPLE_BYTES,
    SAMPLE_RATE,
    Recorder,
    format_duration,
    partial_path,
    recover,
    sidecar_path,
)
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from models.transcript import Segment
    from sessions.live import LiveTranscriber, LiveUpdate
    from sessions.transcriber import Progress, Transcriber

#: How far ahead of the recording a non-consenting speaker's audio is struck; the
#: overshoot into the next speaker is at most this, and a speaker mark is pressed
#: later than that anyway.
OFF_RECORD_AHEAD_S = 0.5
#: Disk needed per hour of recording: the raw partial file, plus the FLAC written
#: beside it at stop (about 60 % of the raw size for speech).
BYTES_PER_HOUR = SAMPLE_RATE * SAMPLE_BYTES * 3600 * 1.6
ALREADY_RECORDED = (
    "This session already has a recording; make a new session to record again."
)

#: Seconds the live transcriber keeps back from its model: the "strike the last
#: 30 seconds" key, so such a strike never reaches audio the model has heard.
LIVE_HOLD_S = 30.0
#: Where off-record spans of a speaker still talking end, while recording.
_OPEN_END_S = 1e9

#: Makes the recorder (folder, name, device); tests may pass their own.
RecorderFactory = Callable[[Path, str, int | str | None], Recorder]


def hours_left(folder: Path) -> float:
    """Hours of recording the free space in ``folder`` holds."""
    return shutil.disk_usage(folder).free / BYTES_PER_HOUR


class RunningSession:
    """One session being recorded: the recorder and the marks made meanwhile.

    Every method is quick and meant for the UI thread except :meth:`stop`,
    which writes the FLAC and belongs in a worker.
    """

    def __init__(
        self, store: ConsultationStore, session_id: str, recorder: Recorder, step_index: int = 0
    ) -> None:
        """Wrap a started ``recorder`` (see :func:`start_recording`)."""
        self.store = store
        self.session_id = session_id
        self.recorder = recorder
        session = store.session(session_id)
        self.plan = list(session.plan)
        self.step_index = step_index
        self.people: dict[str, Participant] = {
            p.id: p for p in session_people(store, session)
        }
        #: The participant id of the latest speaker mark.
        self.speaker_id: str | None = None
        #: While a person who is not recorded speaks: when they started, and how far
        #: the recorder has been told to silence so far.
        self._off_from: float | None = None
        self._off_to = 0.0
        self.recording: Recording | None = None
        #: Transcribing while recording, or None (off, or turned off by a failure).
        self.live: LiveTranscriber | None = None
        #: The app's shared transcriber: the fallback when live transcription fails.
        self.transcriber: Transcriber | None = None
        #: One line when live transcription could not start or stopped working.
        self.live_problem: str | None = None
        self._live_failed = False
        #: Held while a tick strikes and while stop begins, so that no tick strikes once
        #: stopping has begun (the recorder refuses strikes after its stop).
        self._control = threading.Lock()
        self._stopping = False

    # -- what the screen shows -------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        """Seconds recorded so far (pauses excluded): the time of every mark.

        The microphone's own sample count (what is written or queued to be), so a
        mark lands where its speech is in the audio even while the writer catches up.
        """
        return self.recorder.heard_s

    @property
    def level(self) -> float:
        """Input level, 0..1 RMS."""
        return self.recorder.level

    @property
    def is_recording(self) -> bool:
        """True until stopped or failed, paused or not."""
        return self.recorder.is_recording

    @property
    def is_paused(self) -> bool:
        """True while paused."""
        return self.recorder.is_paused

    @property
    def error(self) -> str | None:
        """One line when recording stopped by itself (e.g. a full disk)."""
        return self.recorder.error

    @property
    def stopped(self) -> bool:
        """True once the recording is saved."""
        return self.recording is not None

    def is_recorded(self, participant_id: str) -> bool:
        """True when this person said yes to being recorded in this session."""
        person = self.people.get(participant_id)
        return person is not None and person.is_recorded_in(self.session_id)

    # -- control -----------------------------------------------------------------

    def pause(self) -> None:
        """Close the microphone until :meth:`resume`."""
        self._close_off_record()
        self.recorder.pause()

    def resume(self) -> None:
        """Record again after a pause."""
        self.recorder.resume()
        if self._off_from is not None:
            self._off_to = self.elapsed_s
            self.tick()

    def tick(self) -> None:
        """Keep silencing ahead of a non-consenting speaker; call a few times a second.

        Also notices a live transcriber that has failed, and turns it off. Safe to call
        from a timer while :meth:`stop` runs in a worker: once stopping has begun it
        does nothing. The recorder extends its open span, so each tick costs the same
        however long the person speaks.
        """
        live = self.live
        if live is not None and live.error is not None:
            self._turn_off_live(live.error)
        with self._control:
            if (self._stopping or self._off_from is None or not self.is_recording
                    or self.is_paused):
                return
            now = self.elapsed_s
            if now + OFF_RECORD_AHEAD_S / 2 >= self._off_to:
                ahead = now + OFF_RECORD_AHEAD_S
                self.recorder.strike(min(self._off_to, now), ahead)
                self._off_to = ahead

    # -- marks -------------------------------------------------------------------

    def _add(self, marker: Marker) -> Marker:
        with self.store.transaction():
            session = self.store.session(self.session_id)
            session.markers.append(marker)
            self.store.save_session(session)
        self._sync_live(session.markers)
        return marker

    def mark_moment(self, label: str = "") -> Marker:
        """Bookmark this moment."""
        return self._add(Marker(MarkerKind.BOOKMARK, at_s=self.elapsed_s, label=label))

    def mark_speaker(self, participant_id: str) -> Marker:
        """Say who is speaking from now on; a person not recorded is silenced from here."""
        if participant_id not in self.people:
            raise FacilitateError("That person is not in this session.")
        at = self.elapsed_s
        marker = self._add(
            Marker(MarkerKind.SPEAKER, at_s=at, participant_id=participant_id)
        )
        self._close_off_record(until=at)
        self.speaker_id = participant_id
        if not self.is_recorded(participant_id):
            self._off_from, self._off_to = at, at
            self.tick()
        return marker

    def next_step(self) -> Marker | None:
        """Move to the next plan step and mark it; None after the last step."""
        if self.step_index + 1 >= len(self.plan):
            return None
        self.step_index += 1
        return self._mark_step()

    def _mark_step(self) -> Marker:
        step = self.plan[self.step_index]
        return self._add(
            Marker(MarkerKind.STEP, at_s=self.elapsed_s, step_index=self.step_index,
                   label=step.title)
        )

    def begin_strike(self) -> float:
        """The facilitator is deciding on a strike: the live model takes no more audio.

        Returns the recording time now, to strike back from. End with :meth:`strike`
        or :meth:`cancel_strike`.
        """
        if self.live is not None:
            self.live.pause_cutting()  # before reading the time: nothing can slip past
        return self.elapsed_s

    def cancel_strike(self) -> None:
        """The facilitator kept the audio after all: live transcription goes on."""
        if self.live is not None:
            self.live.resume_cutting()

    def strike(self, what: float | tuple[float, float] = 30.0) -> Marker:
        """Take the last ``what`` seconds, or the span ``(start, end)``, off the record."""
        self.begin_strike()  # the live model takes nothing more until it knows the span
        try:
            return self._strike(what)
        finally:
            self.cancel_strike()  # after _add has told the live model about the span

    def _strike(self, what: float | tuple[float, float]) -> Marker:
        now = self.elapsed_s
        if isinstance(what, tuple):
            start, end = float(what[0]), float(what[1])
        else:
            start, end = now - float(what), now
        start, end = max(0.0, start), max(0.0, end)
        if end <= start:
            raise FacilitateError("Nothing to strike: the span is empty.")
        # The recorder saves the span in its sidecar before anything else.
        self.recorder.strike(start, end)
        return self._add(Marker(MarkerKind.STRIKE, at_s=start, end_s=end, label="struck"))

    def _close_off_record(self, until: float | None = None) -> None:
        """Silence the whole stretch of a non-consenting speaker so far."""
        if self._off_from is None:
            return
        end = self.elapsed_s if until is None else until
        with contextlib.suppress(RuntimeError):  # the recorder already stopped
            self.recorder.strike(self._off_from, max(end, self._off_from + 1e-3))
        if until is not None:
            self._off_from = None

    # -- stop ----------------------------------------------------------------------

    def stop(self) -> Recording:
        """Stop and save the FLAC with every off-record span silenced; set the recording.

        Raises :class:`AudioError` when the FLAC cannot be written; the partial
        file is then kept and :func:`recover_session` saves it later.
        """
        if self.recording is not None:
            return self.recording
        with self._control:  # waits for a tick that is striking now; later ticks do nothing
            self._stopping = True
        if self.recorder.is_recording or self.recorder.error:
            session = self.store.session(self.session_id)
            people = list(self.people.values())
            spans = off_record_spans(session.markers, people, self.session_id, 1e9)
            with contextlib.suppress(RuntimeError):
                for start, end in spans:
                    self.recorder.strike(start, end)
        path = self.recorder.stop()
        duration = round(self.recorder.elapsed_s, 3)
        if self.live is not None:
            self._sync_live(self.store.session(self.session_id).markers, duration)
        recording = Recording(
            file=path.name, duration_s=duration, sample_rate=SAMPLE_RATE, channels=1,
            source="recorded", created_at=self.recorder.started_at or now_iso(),
        )
        with self.store.transaction():
            session = self.store.session(self.session_id)
            session.recording = recording
            session.status = SessionStatus.RECORDED
            self.store.save_session(session)
        self.recording = recording
        return recording

    # -- live transcription -------------------------------------------------------

    def start_live(self, transcriber: Transcriber,
                   on_update: Callable[[LiveUpdate], None] | None = None) -> None:
        """Transcribe while recording with ``transcriber``'s model (its own one-thread copies).

        The live transcriber's two one-thread models share the held-back tail at
        stop; ``transcriber`` itself (the app's shared one) transcribes the whole
        file if live transcription fails.
        Never raises: a problem turns live transcription off with one line.
        """
        from sessions.live import LiveTranscriber
        from sessions.vocabulary import transcriber_terms

        self.transcriber = transcriber
        try:
            live = LiveTranscriber.for_model(
                transcriber.model, hold_s=LIVE_HOLD_S, on_update=on_update,
                vocabulary=transcriber_terms(self.store),
            )
            self.live = live
            self._sync_live(self.store.session(self.session_id).markers)
            live.follow(partial_path(self.recorder.folder, self.recorder.name))
        except Exception as error:  # recording must go on whatever happens here
            self._turn_off_live(error)
            return

    @property
    def live_on(self) -> bool:
        """True while live transcription is working."""
        return self.live is not None and not self._live_failed

    @property
    def live_done_s(self) -> float:
        """Seconds of the recording the live model has been given so far."""
        return self.live.done_s if self.live is not None else 0.0

    def live_transcript(self) -> list[Segment]:
        """The live transcript so far, off-record words dropped, speakers from the marks."""
        from models.attribution import attribute_speakers

        if self.live is None:
            return []
        markers = self.store.session(self.session_id).markers
        return attribute_speakers(self.live.segments, markers)

    def _sync_live(self, markers: list[Marker], duration_s: float = _OPEN_END_S) -> None:
        """Tell the live model every off-record span known now (after each mark)."""
        if self.live is None:
            return
        spans = off_record_spans(markers, list(self.people.values()), self.session_id,
                                 duration_s)
        self.live.set_off_record(spans)

    def _turn_off_live(self, error: BaseException) -> None:
        """Stop live transcription after ``error``; the whole file is transcribed at stop."""
        if self._live_failed:
            return
        self._live_failed = True
        if self.live is not None:
            self.live.cancel()  # also stops its reader, so no audio piles up in memory
        self.live_problem = (
            f"Live transcription is off ({one_line(error)}); recording carries on, and the "
            "recording is transcribed when it stops."
        )

    def cancel_live(self) -> None:
        """Drop live transcription (the app is closing without finishing the transcript)."""
        if self.live is not None:
            self.live.cancel()

    def finish_transcript(
        self,
        *,
        on_stage: Callable[[str], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancelled: threading.Event | None = None,
    ) -> list[Segment] | None:
        """After :meth:`stop`: finish the live transcript and save it (status transcribed).

        Only the held-back tail is left to transcribe. If live transcription failed
        on the way, the whole recording is transcribed instead, with progress. None
        when live transcription was never on (nothing is saved then). Blocks: call
        it from a worker. Raises :class:`FacilitateError` when nothing could be saved.
        """
        from sessions.importer import transcribe_session
        from sessions.live import save_live_transcript

        if self.recording is None:
            raise FacilitateError("Stop the recording before finishing its transcript.")
        if self.transcriber is None:
            return None
        live = self.live
        if live is not None and not self._live_failed:
            if on_stage is not None:
                on_stage("Finishing the transcript…")
            try:
                segments = live.finish()
            except Exception as error:
                self._turn_off_live(error)
            else:
                return save_live_transcript(self.store, self.session_id, segments,
                                            self.transcriber.model_name)
        if on_stage is not None:
            on_stage("Live transcription stopped early; transcribing the whole recording…")
        return transcribe_session(self.store, self.session_id, self.transcriber,
                                  on_progress=on_progress, cancelled=cancelled)


def start_recording(
    store: ConsultationStore,
    session_id: str,
    device: int | str | None = None,
    *,
    step_index: int = 0,
    recorder_factory: RecorderFactory | None = None,
    transcriber: Transcriber | None = None,
    on_live_update: Callable[[LiveUpdate], None] | None = None,
) -> RunningSession:
    """Check consent, then start recording the session; return the running session.

    With a ``transcriber`` (the app's shared one) the session is also transcribed
    live with that model, ``on_live_update`` hearing of each new piece from the live
    worker thread (see :meth:`RunningSession.start_live`).
    Raises :class:`FacilitateError` with one line when someone has not answered,
    the session already has a recording, or the microphone cannot be used.
    """
    session = store.session(session_id)
    if session.recording is not None:
        raise FacilitateError(ALREADY_RECORDED)
    problem = consent_problem(store, session_id)
    if problem:
        raise FacilitateError(problem)
    # A leftover from a crash must be saved first, never overwritten.
    message = recover_session(store, session_id)
    if message:
        raise FacilitateError(f"{message} {ALREADY_RECORDED}")
    folder = store.audio_dir
    factory = recorder_factory or Recorder
    recorder = factory(folder, session.id, device)
    recorder.start()
    try:
        with store.transaction():
            session = store.session(session_id)
            session.status = SessionStatus.RECORDING
            store.save_session(session)
    except BaseException:
        # A recording the session does not know of must not run on (or be recovered).
        recorder.discard()
        raise
    running = RunningSession(store, session_id, recorder, step_index=step_index)
    if transcriber is not None:
        running.start_live(transcriber, on_live_update)
    if 0 <= step_index < len(running.plan):
        running._mark_step()
    return running


def _silence_file(path: Path, spans: list[Span]) -> None:
    """Rewrite the FLAC at ``path`` (atomically) with ``spans`` exact silence."""
    import soundfile

    with audio_source(path) as source:
        samples, rate = soundfile.read(source, dtype="int16")
    silenced = silence_spans(samples, rate, spans)
    if np.array_equal(silenced, samples):
        return
    buffer = io.BytesIO()
    soundfile.write(buffer, silenced, rate, format="FLAC", subtype="PCM_16")
    write_file(path, buffer.getvalue())  # sealed again in an encrypted consultation


def recover_session(store: ConsultationStore, session_id: str) -> str | None:
    """Save what a crash left of this session's recording; one line to show, or None.

    Nothing happens while the session is being recorded by this or another
    process (its partial file is locked), or when it already has a recording.
    """
    session = store.session(session_id)
    remove_stale_temps(store.audio_dir)  # copies a killed import, recording or silencing left
    if session.recording is not None:
        return None
    folder = store.audio_dir
    leftover = partial_path(folder, id_for_path(session.id)).exists() or sidecar_path(
        folder, session.id
    ).exists()
    if leftover:
        recover(folder)  # also saves other sessions' leftovers; they adopt them on opening
    flac = folder / f"{session.id}.flac"
    if session.status is not SessionStatus.RECORDING or not flac.exists():
        return None
    if partial_path(folder, session.id).exists():
        return None  # still being recorded
    import soundfile

    try:
        with audio_source(flac) as source:
            info = soundfile.info(source)
    except Exception as error:
        raise AudioError(f"Cannot read the recovered recording {flac.name}: {error}") from None
    return _adopt(store, session, flac, info.duration)


def _adopt(store: ConsultationStore, session: Session, flac: Path, duration: float) -> str:
    spans = session_off_record(store, session, duration)
    if spans:
        _silence_file(flac, spans)
    with store.transaction():
        current = store.session(session.id)
        current.recording = Recording(
            file=flac.name, duration_s=round(duration, 3), sample_rate=SAMPLE_RATE,
            channels=1, source="recorded", created_at=now_iso(),
        )
        current.status = SessionStatus.RECORDED
        store.save_session(current)
    return f"Recovered {format_duration(duration)} of recording after an unexpected stop."
