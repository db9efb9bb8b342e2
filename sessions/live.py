"""Transcription while the session is recorded, so the transcript is ready when it ends.

How audio reaches it: :meth:`LiveTranscriber.follow` tails the recorder's growing
``<name>.pcm.partial`` file (16 kHz mono int16, see :mod:`sessions.recorder`) from
a reader thread. Tailing keeps the two apart: the recorder's writer never waits
on transcription, a crash of either leaves the other's file intact, and nothing
new is needed from the recorder. The file is kept open, so audio written just
before ``Recorder.stop()`` removes it is still read by :meth:`LiveTranscriber.finish`.
Audio from anywhere else (a benchmark, a test) can be given with :meth:`feed`.

How it is cut: a worker thread waits until about ``target_s`` of audio has
gathered, then cuts it at the latest pause (a run of quiet frames, judged
against the recording's own noise floor), or, with no pause in ``max_s``, at
the quietest moment. Each piece goes to Whisper on its own and its times are
shifted by where it began, so a word is never split across two pieces, and
pieces never overlap, so no word is lost or heard twice at a join.

How it stays out of the recorder's way: the worker thread lowers its own
scheduling priority (Linux nice is per thread) before it loads the model, so
CTranslate2's threads, created there, inherit it; a live transcriber should use
its own one-thread model (:meth:`LiveTranscriber.for_model`).

Off the record: :meth:`set_off_record` gives the struck and non-consenting
spans known so far (call it again whenever they change). Audio inside them is
silenced before the model hears it, words inside them are dropped, and a span
added later (a strike of the last minute) removes what was already transcribed.
``hold_s`` keeps the newest audio back from the model for that long, for a
session that must be sure a later strike is never heard by the model at all;
:meth:`pause_cutting` stops it taking any more audio while the facilitator is
still deciding on a strike, so the time a confirm dialog is open cannot let the
model catch up with the span about to be struck.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models import SessionStatus
from models.attribution import attribute_speakers, drop_off_record, merge_spans
from models.transcript import Segment, Word
from sessions.errors import FacilitateError

if TYPE_CHECKING:
    from sessions.store import ConsultationStore
    from sessions.transcriber import Transcriber
    from sessions.whisper_models import ModelInfo

#: What the recorder writes and Whisper hears.
SAMPLE_RATE = 16000
#: Aim for pieces this long. Whisper hears 30 s at a time and guesses better with
#: more context (on the demo, 8 s pieces missed twice as many words as 20 s ones),
#: while the piece still untranscribed when recording stops must be quick to finish.
TARGET_S = 20.0
#: Never let a piece grow past this: Whisper hears 30 s at a time.
MAX_S = 29.0
#: Characters of the transcript so far given to Whisper as context for the next
#: piece, as a whole-file pass conditions each 30 s window on the one before.
PROMPT_CHARS = 400
#: A pause must last this long to cut in it.
PAUSE_S = 0.3
#: Loudness is judged in frames of this length.
FRAME_S = 0.03
#: A frame this much louder than the recording's noise floor is speech.
SPEECH_ABOVE_FLOOR_DB = 12.0
#: ...but a frame quieter than this is never speech, whatever the floor.
QUIET_DB = -55.0
#: How much nicer (lower priority) than the app the worker runs.
NICENESS = 10
#: How often the partial file is checked for new audio.
POLL_S = 0.1


@dataclass(frozen=True)
class LiveUpdate:
    """What a newly transcribed piece added, and the whole transcript so far."""

    new: list[Segment]
    transcript: list[Segment]
    #: Seconds of the recording transcribed so far.
    done_s: float


def find_cut(samples: np.ndarray, rate: int, *, min_s: float, pause_s: float = PAUSE_S,
             must: bool = False) -> int | None:
    """Where to cut ``samples``: the middle of the latest pause after ``min_s``.

    With no such pause, None, or (when ``must``) the quietest moment after
    ``min_s``. Quiet is judged against the noise floor of ``samples`` itself,
    so a hum in the room is a pause and digital silence is too.
    """
    frame = max(1, round(FRAME_S * rate))
    count = len(samples) // frame
    if count == 0:
        return None
    frames = samples[: count * frame].astype(np.float32).reshape(count, frame)
    db = 10 * np.log10(np.mean(np.square(frames), axis=1) + 1e-10)
    floor = float(np.percentile(db, 10))
    threshold = max(floor + SPEECH_ABOVE_FLOOR_DB, min(QUIET_DB, floor + 30.0))
    # With no real silence the floor is speech itself: a pause must still be well
    # below the typical frame.
    threshold = min(threshold, float(np.median(db)) - 10.0)
    quiet = db < threshold
    first = int(np.ceil(min_s * rate / frame))
    need = max(1, round(pause_s * rate / frame))
    # Runs of quiet frames, scanning backwards for the latest one long enough.
    end = count
    while end > first:
        if not quiet[end - 1]:
            end -= 1
            continue
        start = end
        while start > 0 and quiet[start - 1]:
            start -= 1
        if end - start >= need:
            middle = (max(start, first) + end) // 2
            if middle >= first:
                return middle * frame
        end = start
    if not must or first >= count:
        return None
    # No pause: cut at the quietest 0.1 s, away from both ends.
    window = max(1, round(0.1 * rate / frame))
    smooth = np.convolve(db, np.ones(window) / window, mode="same")
    return (first + int(np.argmin(smooth[first:]))) * frame


class LiveTranscriber:
    """Transcribes a recording piece by piece while it is being made.

    Start with :meth:`start` (or :meth:`follow`, which starts too), give audio
    with :meth:`feed` or let :meth:`follow` read it, and call :meth:`finish`
    after the recording stops. ``on_update`` is called from the worker thread
    with a :class:`LiveUpdate` after each piece (Textual screens should
    ``post_message`` from it). Errors in the worker are kept and raised by
    :meth:`finish`.
    """

    def __init__(
        self,
        transcriber: Transcriber,
        sample_rate: int = SAMPLE_RATE,
        *,
        on_update: Callable[[LiveUpdate], None] | None = None,
        target_s: float = TARGET_S,
        max_s: float = MAX_S,
        hold_s: float = 0.0,
        niceness: int = NICENESS,
        tail_transcriber: Transcriber | None = None,
    ) -> None:
        """Prepare; nothing runs until :meth:`start`. ``sample_rate`` must be 16 kHz.

        ``tail_transcriber`` (e.g. the app's all-cores one) transcribes what is left
        once :meth:`finish` is called: the recorder has stopped, so speed matters more.
        """
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"Live transcription needs {SAMPLE_RATE} Hz audio, not {sample_rate}")
        self.transcriber = transcriber
        self.sample_rate = sample_rate
        self.on_update = on_update
        self.target_s = target_s
        self.max_s = max_s
        self.hold_s = hold_s
        self.niceness = niceness
        self.tail_transcriber = tail_transcriber
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._blocks: list[np.ndarray] = []  # fed, not yet taken into a piece
        self._buffer = np.zeros(0, dtype=np.float32)  # taken, not yet cut off
        self._buffer_start = 0  # absolute sample index of _buffer[0]
        self._fed = 0  # samples fed in all
        self._segments: list[Segment] = []
        self._off_record: list[tuple[float, float]] = []
        self._closing = False
        self._stopped = threading.Event()
        self._error: BaseException | None = None
        self._worker: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._follow_fd: int | None = None
        self._follow_done = threading.Event()
        self._waiting_for_pause = False
        self._cutting_paused = False
        #: Seconds spent in Whisper, for the benchmark.
        self.busy_s = 0.0
        #: How many pieces were transcribed.
        self.pieces = 0

    @classmethod
    def for_model(cls, model: ModelInfo, **options: object) -> LiveTranscriber:
        """A live transcriber with its own one-thread model, so the recorder keeps a core."""
        from sessions.transcriber import Transcriber

        return cls(Transcriber(model, cpu_threads=1), **options)  # type: ignore[arg-type]

    # -- state -------------------------------------------------------------------

    @property
    def fed_s(self) -> float:
        """Seconds of audio received so far."""
        return self._fed / self.sample_rate

    @property
    def done_s(self) -> float:
        """Seconds of audio already transcribed (everything before the current piece)."""
        return self._buffer_start / self.sample_rate

    @property
    def segments(self) -> list[Segment]:
        """The transcript so far, in time order, off-record words removed."""
        with self._lock:
            return drop_off_record(list(self._segments), list(self._off_record))

    @property
    def error(self) -> BaseException | None:
        """What stopped the worker, if anything did."""
        return self._error

    # -- input ------------------------------------------------------------------

    def feed(self, samples: np.ndarray) -> None:
        """Add recorded audio: 16 kHz mono, int16 or float in -1..1. Cheap; any thread."""
        block = np.asarray(samples)
        if block.ndim == 2:
            block = block.mean(axis=1)
        if block.dtype == np.int16:
            block = block.astype(np.float32) / 32768.0
        else:
            block = block.astype(np.float32, copy=False)
        if block.size == 0:
            return
        with self._wake:
            self._blocks.append(block)
            self._fed += len(block)
            self._wake.notify()

    def set_off_record(self, spans: Sequence[tuple[float, float]]) -> None:
        """Replace the off-record spans (recording seconds): strikes and non-consenting speech."""
        with self._lock:
            self._off_record = merge_spans([(float(s), float(e)) for s, e in spans])

    def pause_cutting(self) -> None:
        """Give the model no more audio until :meth:`resume_cutting` (a strike is pending).

        A piece already being transcribed carries on; it ends where :attr:`done_s` is.
        """
        with self._wake:
            self._cutting_paused = True

    def resume_cutting(self) -> None:
        """Undo :meth:`pause_cutting` (call after :meth:`set_off_record` for a strike)."""
        with self._wake:
            self._cutting_paused = False
            self._wake.notify()

    def follow(self, partial: Path) -> LiveTranscriber:
        """Tail the recorder's ``.pcm.partial`` file from a reader thread, and start."""
        self.start()
        self._reader = threading.Thread(
            target=self._follow, args=(Path(partial),), name="live-reader", daemon=True
        )
        self._reader.start()
        return self

    # -- running ------------------------------------------------------------------

    def start(self) -> LiveTranscriber:
        """Start the worker thread (once)."""
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="live-transcriber",
                                            daemon=True)
            self._worker.start()
        return self

    def finish(self, timeout: float | None = None) -> list[Segment]:
        """Transcribe what is left and return the whole transcript (absolute times).

        Call after the recording stopped. Raises the worker's error, if it had one,
        as a :class:`FacilitateError`-derived error or the original exception.
        """
        self.start()
        if self._reader is not None:
            self._follow_done.set()
            self._reader.join(timeout)
        with self._wake:
            self._closing = True
            self._wake.notify()
        assert self._worker is not None
        self._worker.join(timeout)
        if self._error is not None:
            raise self._error
        return self.segments

    def cancel(self) -> None:
        """Stop without transcribing the rest (the recording was abandoned)."""
        self._stopped.set()
        self._follow_done.set()
        with self._wake:
            self._closing = True
            self._wake.notify()

    # -- the reader -------------------------------------------------------------

    def _follow(self, partial: Path) -> None:
        fd = None
        try:
            while fd is None:
                try:
                    fd = os.open(partial, os.O_RDONLY)
                except FileNotFoundError:
                    if self._follow_done.wait(POLL_S):
                        return
            self._follow_fd = fd
            offset = 0
            while True:
                # Read first, then check for the end: a finish() after the recorder
                # stopped still gets the last samples (the open fd outlives unlink).
                finishing = self._follow_done.is_set()
                size = os.fstat(fd).st_size
                whole = (size // 2) * 2
                if whole > offset:
                    data = os.pread(fd, whole - offset, offset)
                    offset += len(data)
                    self.feed(np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2"))
                    continue
                if finishing or self._stopped.is_set():
                    return
                self._follow_done.wait(POLL_S)
        except BaseException as error:  # the worker reports it through finish()
            self._error = error
        finally:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    # -- the worker -------------------------------------------------------------

    def _work(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            # Linux nice values are per thread; threads started from here inherit it.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)
        try:
            self.transcriber.load()
            while not self._stopped.is_set():
                piece, closing = self._next_piece()
                if closing:
                    self._finish_tail(piece)
                    return
                if piece is not None:
                    self._transcribe(*piece)
        except BaseException as error:
            self._error = error

    def _finish_tail(self, first: tuple[int, np.ndarray] | None) -> None:
        """Transcribe all that is left once recording stopped, piece by piece.

        The tail is at least ``hold_s`` long and the facilitator is waiting for it,
        so it goes to the tail model (all cores) when there is one and there are
        more than two cores.
        Pieces are cut as while recording: one pass over the whole tail was tried,
        and Whisper then skipped a whole turn of the demo more often.
        """
        # On two cores a small model is no quicker on both than on one, and slower
        # beside the recorder's threads (measured: 3-4 s against 4.5-7.5 s for 30 s).
        wide = (os.cpu_count() or 1) > 2
        tail = self.tail_transcriber if wide and self.tail_transcriber else self.transcriber
        piece = first
        while piece is not None and not self._stopped.is_set():
            self._transcribe(*piece, model=tail)
            piece, _closing = self._next_piece()

    def _next_piece(self) -> tuple[tuple[int, np.ndarray] | None, bool]:
        """Wait for enough audio and cut off the next piece: (start sample, samples)."""
        rate = self.sample_rate
        with self._wake:
            while True:
                if self._blocks:
                    self._buffer = np.concatenate([self._buffer, *self._blocks])
                    self._blocks = []
                closing = self._closing
                if self._stopped.is_set():
                    return None, True
                held = 0 if closing else int(self.hold_s * rate)
                usable = 0 if self._cutting_paused and not closing else len(self._buffer) - held
                if closing or usable >= self.target_s * rate + (
                        self.max_s - self.target_s) * rate * self._waiting_for_pause:
                    break
                self._wake.wait(0.5)
        if usable <= 0:
            return None, closing
        # Cuts depend on the audio alone, never on how far the worker has got, so the
        # same recording is always cut (and transcribed) the same way.
        window = self._buffer[:usable]
        target, longest = int(self.target_s * rate), int(self.max_s * rate)
        cut: int | None
        if closing and usable <= longest:
            cut = usable
        else:
            cut = find_cut(window[:target], rate, min_s=self.target_s / 2)
            if cut is None and (closing or usable >= longest):
                cut = find_cut(window[:longest], rate, min_s=self.target_s / 2, must=True)
            if cut is None:
                self._waiting_for_pause = True
                return None, False  # no pause yet: wait for more audio
        self._waiting_for_pause = False
        cut = max(1, min(cut, usable))
        with self._lock:
            start = self._buffer_start
            piece = self._buffer[:cut]
            self._buffer = self._buffer[cut:]
            self._buffer_start += cut
        return (start, piece), closing

    def _transcribe(self, start: int, samples: np.ndarray,
                    model: Transcriber | None = None) -> None:
        offset = start / self.sample_rate
        end = offset + len(samples) / self.sample_rate
        with self._lock:
            spans = [(s - offset, e - offset) for s, e in self._off_record
                     if e > offset and s < end]
        prompt = " ".join(s.text for s in self.segments)[-PROMPT_CHARS:].strip()
        began = time.perf_counter()
        found = self._whisper(model or self.transcriber, samples, spans, prompt)
        new = [_shifted(segment, offset) for segment in found]
        with self._lock:
            self.busy_s += time.perf_counter() - began
            self.pieces += 1
            self._segments.extend(new)
        if self.on_update is not None:
            self.on_update(LiveUpdate(new, self.segments, end))


    def _whisper(self, model: Transcriber, samples: np.ndarray,
                 spans: list[tuple[float, float]], prompt: str) -> list[Segment]:
        """Transcribe one piece as :meth:`Transcriber.transcribe` does, with a context prompt."""
        from sessions.audio import silence_spans
        from sessions.transcriber import WHISPER_OPTIONS, _segment

        spans = merge_spans(spans)
        if spans:
            samples = silence_spans(samples, self.sample_rate, spans)
        language = "en" if model.model.english_only else None
        whisper = model.load()
        pieces, _info = whisper.transcribe(
            samples, language=language, initial_prompt=prompt or None, **WHISPER_OPTIONS
        )
        return drop_off_record([_segment(piece) for piece in pieces], spans)


def _shifted(segment: Segment, offset: float) -> Segment:
    """``segment`` with its times (and its words' times) moved by ``offset`` seconds."""
    words = [Word(w.start + offset, w.end + offset, w.text, w.probability)
             for w in segment.words]
    return Segment(
        start=segment.start + offset, end=segment.end + offset, text=segment.text, words=words,
        speaker_id=segment.speaker_id, original_text=segment.original_text,
        redactions=list(segment.redactions), id=segment.id,
    )


def save_live_transcript(
    store: ConsultationStore, session_id: str, segments: list[Segment], model_name: str
) -> list[Segment]:
    """Attribute speakers from the session's marks, drop off-record words, and save.

    For the run screen, once the recording is saved and :meth:`LiveTranscriber.finish`
    returned: the session becomes TRANSCRIBED, as after a whole-file pass.
    """
    from models.attribution import off_record_spans
    from sessions.planning import session_people

    session = store.session(session_id)
    if session.recording is None:
        raise FacilitateError("This session has no recording yet; save it before its transcript.")
    spans = off_record_spans(session.markers, session_people(store, session), session.id,
                             session.recording.duration_s)
    segments = attribute_speakers(drop_off_record(segments, spans), session.markers)
    with store.lock:
        store.save_segments(session_id, segments)
        session = store.session(session_id)
        session.status = SessionStatus.TRANSCRIBED
        session.transcribed_with = model_name
        store.save_session(session)
    return segments
