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

How one bad piece stays one bad piece: each piece is conditioned on the text
before it, so a hallucination that reached the transcript would be carried on
into the pieces after it. Left alone, one "Thank you." that Whisper heard in the
last fifth of a second of a piece became ". . . ." in the next, then a prompt of
nothing but dots, and from then on every piece came out as dots: after about 17
minutes of the demo, the rest of an hour-long session was lost, each piece slower
than the last. So segments that are hallucinations over a pause (Whisper thinks
them no speech, is unsure of them, and crams their words into a moment) and text
with no word in it are dropped; a piece that repeats itself, or that decoding
only got through by sampling at a high temperature, is transcribed once more
without the context, and the context starts afresh after it, as faster-whisper
does within one file.

How it stays out of the recorder's way: the worker thread lowers its own
scheduling priority (Linux nice is per thread) before it loads the model, so
CTranslate2's threads, created there, inherit it; a live transcriber should use
its own one-thread model (:meth:`LiveTranscriber.for_model`). A lowered priority
cannot be raised again without privileges, so the helper model, which only works
once recording has stopped and the facilitator is waiting, is loaded by a thread
of its own at the caller's priority: on a busy laptop the tail is not starved.

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
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models import SessionStatus
from models.attribution import attribute_speakers, drop_off_record, merge_spans
from models.transcript import Segment, Word
from sessions.encryption import key_for
from sessions.errors import FacilitateError
from sessions.sealed import HEADER_SIZE, SealedFile

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
#: A piece Whisper only got through by sampling this hot (its greedy decode kept
#: failing) is not trusted as context, as faster-whisper's own
#: ``prompt_reset_on_temperature`` does within one file...
RESET_ON_TEMPERATURE = 0.5
#: ...nor is one whose text repeats itself this much (zlib ratio, Whisper's own test).
REPETITIVE_RATIO = 2.4
#: Whisper hears this much at a time: a piece and the lead-in before it fit in it.
WINDOW_S = 30.0
#: A segment Whisper itself thinks is probably not speech (``no_speech_prob``)...
NOT_SPEECH = 0.6
#: ...and is unsure of (``avg_logprob``)...
UNSURE_LOGPROB = -0.3
#: ...with its words crammed into less than this each is a hallucination over a pause
#: ("Thank you.", ". . . .", typically in the last fraction of a second of a piece).
CRAMMED_S = 0.25
#: Seconds of the audio before it that a tail piece transcribed out of order hears
#: first (its words are dropped): without them Whisper can miss the piece's first turn.
LEAD_S = 10.0
#: A tail piece whose first word comes this long after its start is checked again.
GAP_S = 2.0
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
        helper: Transcriber | None = None,
        vocabulary: Sequence[str] = (),
    ) -> None:
        """Prepare; nothing runs until :meth:`start`. ``sample_rate`` must be 16 kHz.

        ``helper`` (a second one-thread model) shares the tail with ``transcriber``
        once :meth:`finish` is called; it loads in the worker, after the first model.
        ``vocabulary`` is the consultation's own words, which steer every piece.
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
        self.helper = helper
        self.vocabulary = list(vocabulary)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._cutting = threading.Lock()  # held while a piece is cut off
        self._in_hand = 0  # samples of the piece the worker is transcribing now
        #: The audio of the worker's latest piece: the lead-in of the tail's first.
        self._last_taken = np.zeros(0, dtype=np.float32)
        self._blocks: list[np.ndarray] = []  # fed, not yet taken into a piece
        self._buffer = np.zeros(0, dtype=np.float32)  # taken, not yet cut off
        self._buffer_start = 0  # absolute sample index of _buffer[0]
        self._fed = 0  # samples fed in all
        self._segments: list[Segment] = []
        #: Recording seconds from which the transcript is context for the next piece
        #: (moved past a piece that could not be trusted).
        self._context_from = 0.0
        self._off_record: list[tuple[float, float]] = []
        self._closing = False
        self._stopped = threading.Event()
        self._error: BaseException | None = None
        self._worker: threading.Thread | None = None
        self._helper_loader: threading.Thread | None = None
        self._threads_before: set[int] = set()  # this process's threads before start()
        self._helper_error: BaseException | None = None
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
        """A live transcriber with its own one-thread models, so the recorder keeps a core.

        The second model (the helper) only works once recording stopped.
        """
        from sessions.transcriber import Transcriber

        return cls(Transcriber(model, cpu_threads=1),  # type: ignore[arg-type]
                   helper=Transcriber(model, cpu_threads=1), **options)

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
            self._threads_before = _thread_ids()
            if self.helper is not None:
                # Started from here, not from the worker: at this thread's priority.
                self._helper_loader = threading.Thread(target=self._load_helper,
                                                       name="live-helper-load", daemon=True)
                self._helper_loader.start()
            self._worker = threading.Thread(target=self._work, name="live-transcriber",
                                            daemon=True)
            self._worker.start()
        return self

    def _raise_priority(self) -> None:
        """Give the worker's threads (and its model's) the caller's priority back, if allowed.

        Recording has stopped, so they need no longer give way; they finish the piece
        in hand and half the tail. Linux lets a process lower a thread's priority but
        raise it again only with privilege or a generous ``RLIMIT_NICE``; where it
        refuses, the helper (loaded at the caller's priority) still takes its half.
        """
        try:
            mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        except (OSError, AttributeError):
            return
        for tid in _thread_ids() - self._threads_before:
            with contextlib.suppress(OSError):
                if os.getpriority(os.PRIO_PROCESS, tid) > mine:
                    os.setpriority(os.PRIO_PROCESS, tid, mine)

    def _load_helper(self) -> None:
        assert self.helper is not None
        try:
            self.helper.load()
        except BaseException as error:  # the worker raises it
            self._helper_error = error

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
            self._wake.notify_all()
        # The tail runs here, at the caller's priority, not in the worker (whose lowered
        # priority would starve it on a busy machine while the facilitator waits).
        if self._error is None and not self._stopped.is_set():
            self._raise_priority()
            try:
                self._finish_tail(self._tail_pieces(), timeout)
            except BaseException as error:
                self._error = self._error or error
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
            sealed = self._sealed_view(partial, fd)
            if sealed is False:
                return
            offset = 0
            while True:
                # Read first, then check for the end: a finish() after the recorder
                # stopped still gets the last samples (the open fd outlives unlink).
                finishing = self._follow_done.is_set()
                if sealed is None:
                    size = os.fstat(fd).st_size
                elif finishing or self._stopped.is_set():
                    size = sealed.size()
                else:
                    # The recorder still rewrites its last chunk as it grows: wait for it.
                    size = sealed.settled_size()
                whole = (size // 2) * 2
                if whole > offset:
                    if sealed is None:
                        data = os.pread(fd, whole - offset, offset)
                    else:
                        data = sealed.read_at(offset, whole - offset, whole)
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

    def _sealed_view(self, partial: Path, fd: int) -> SealedFile | None | bool:
        """The decrypting view of an encrypted recording in progress; None for a plain one.

        False when following ended before the recorder wrote the file's header.
        """
        key = key_for(partial)
        if key is None:
            return None
        while os.fstat(fd).st_size < HEADER_SIZE:
            if self._follow_done.wait(POLL_S) or self._stopped.is_set():
                if os.fstat(fd).st_size < HEADER_SIZE:
                    return False
        return SealedFile(fd, key, lenient=True, where=str(partial))

    # -- the worker -------------------------------------------------------------

    def _work(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            # Linux nice values are per thread; threads started from here inherit it.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)
        try:
            self.transcriber.load()
            if self._helper_loader is not None:
                self._helper_loader.join()
            if self._helper_error is not None:
                raise self._helper_error
            while not self._stopped.is_set():
                piece, closing = self._next_piece()
                if closing:
                    return  # finish() transcribes the rest
                if piece is not None:
                    self._in_hand, self._last_taken = len(piece[1]), piece[1]
                    try:
                        self._transcribe(*piece)
                    finally:
                        self._in_hand = 0
        except BaseException as error:
            self._error = error

    def _tail_pieces(self) -> list[tuple[int, np.ndarray]]:
        """All audio not yet taken, cut as while recording (call once closing)."""
        pieces: list[tuple[int, np.ndarray]] = []
        while not self._stopped.is_set():
            piece, _closing = self._next_piece(tail=True)
            if piece is None:
                break
            pieces.append(piece)
        return pieces

    def _join_worker(self, timeout: float | None) -> None:
        """Wait for the piece the worker has in hand; raise what stopped it, if anything."""
        if self._worker is not None:
            self._worker.join(timeout)
        if self._error is not None:
            raise self._error

    def _finish_tail(self, pieces: list[tuple[int, np.ndarray]],
                     timeout: float | None = None) -> None:
        """Transcribe all that is left once recording stopped, the pieces side by side.

        The tail is at least ``hold_s`` long and the facilitator is waiting for it.
        The recorder no longer needs a core, so the pieces (cut as while recording)
        go to this model and the helper's at once, each on one thread: on two cores
        that is about twice as quick as one after the other, and quicker than one
        model on two threads. This model takes the first half in order, conditioned
        on the transcript before the tail; the helper takes the second half in
        order, its first piece hearing the audio before it. Whichever finishes its
        half first takes the other's last pieces but its next (each with the audio before it), so
        the tail is shared whatever each model's speed: on a busy machine this
        model, at a lowered priority, may get little time, the helper more. The
        results keep the pieces' order. The helper starts at once; this model first
        finishes the piece the worker had in hand when recording stopped.
        """
        if self._helper_loader is not None:
            self._helper_loader.join(timeout)
        if self._helper_error is not None:
            raise self._helper_error
        # The helper runs at the priority of whoever started this: it finishes alone
        # quicker than this model would (the pieces keep their order and context).
        tail_model = self.helper or self.transcriber
        helper = self.helper if (os.cpu_count() or 1) > 1 else None
        if helper is None or len(pieces) < 2:
            self._join_worker(timeout)
            for start, samples in pieces:
                self._transcribe(start, samples, tail_model)
            return
        found: dict[int, list[Segment]] = {}
        suspect: set[int] = set()  # pieces whose words may be a hallucination
        errors: list[BaseException] = []
        # This model first finishes the worker's piece in hand: the helper takes more.
        half = _balanced(pieces, round(LEAD_S * self.sample_rate), self._in_hand)
        halves = (deque(range(half)), deque(range(half, len(pieces))))
        taking = threading.Lock()

        def run(model: Transcriber, side: int, context: str, lead: int = 0) -> None:
            mine, theirs = halves[side], halves[1 - side]
            try:
                if side == 0:  # in order after the worker's last piece: its context
                    self._join_worker(timeout)
                    context = self._prompt_text()
                while True:
                    with taking:
                        if mine:
                            index = mine.popleft()
                        elif len(theirs) > 1:
                            # From the end, never the other's next piece: that one keeps
                            # its context, and a short tail is cut and shared the same
                            # way however busy the machine is.
                            index = theirs.pop()
                            context, lead = "", round(LEAD_S * self.sample_rate)
                        else:
                            return
                    start, samples = pieces[index]
                    # The lead-in and the piece fit one Whisper window: a longer input
                    # is heard as two, and words at the seam can be lost.
                    lead = min(lead, round(WINDOW_S * self.sample_rate) - len(samples))
                    if lead > 0:
                        before = self._audio_before(pieces, index, lead, self._last_taken)
                        heard, trusted = self._heard(start - len(before),
                                                     np.concatenate([before, samples]), model,
                                                     context)
                        found[index] = _from(heard, start / self.sample_rate)
                    else:
                        found[index], trusted = self._heard(start, samples, model, context)
                    lead = 0
                    if not trusted:
                        suspect.add(index)
                        context = ""  # never carry a hallucination on
                        continue
                    context = " ".join([context, *(s.text for s in found[index])])
                    context = context[-PROMPT_CHARS:].strip()
            except BaseException as error:  # raised below, in the worker
                errors.append(error)

        other = threading.Thread(target=run, args=(helper, 1, "",
                                                   round(LEAD_S * self.sample_rate)),
                                 name="live-tail", daemon=True)
        other.start()
        run(self.transcriber, 0, "")
        other.join()
        if errors:
            raise errors[0]
        for index, (start, samples) in enumerate(pieces):
            if index in suspect:
                # Heard once more, in order, with the transcript before it as context.
                found[index], _trusted = self._heard(start, samples, tail_model,
                                                     self._prompt_text())
            missed = self._missed(start, samples, found[index], tail_model)
            if missed:  # the stretched words give way to what was heard again
                found[index] = [_less(s, missed) for s in found[index]]
            self._add(sorted(missed + [s for s in found[index] if s.words or s.text],
                             key=lambda s: s.start),
                      start + len(samples))

    def _missed(self, start: int, samples: np.ndarray, found: list[Segment],
                model: Transcriber) -> list[Segment]:
        """What Whisper skipped in a piece transcribed out of order.

        Tiny models sometimes leave out a whole turn of a piece when they did not
        hear what led up to it. Every stretch of :data:`GAP_S` or more without a word
        is transcribed again, now with the transcript before it as context (silence
        costs next to nothing: the VAD leaves nothing to decode).
        """
        rate = self.sample_rate
        offset = start / rate
        # A "word" that long is Whisper stretching one over speech it skipped.
        times = [(w.start, w.end) for s in found for w in s.words if w.end - w.start < GAP_S]
        edges = [offset, *(t for pair in times for t in pair), offset + len(samples) / rate]
        extra: list[Segment] = []
        for gap_start, gap_end in zip(edges[::2], edges[1::2], strict=True):
            if gap_end - gap_start < GAP_S:
                continue
            lo = max(0, round((gap_start - offset) * rate))
            hi = round((gap_end - offset) * rate)
            heard, trusted = self._heard(start + lo, samples[lo:hi], model,
                                         self._prompt_text())
            if trusted:  # a hallucination over a pause is no word recovered
                extra.extend(heard)
        return extra

    def _next_piece(self, tail: bool = False) -> tuple[tuple[int, np.ndarray] | None, bool]:
        """Wait for enough audio and cut off the next piece: (start sample, samples).

        Once closing, only the tail (``tail``: :meth:`finish`) takes pieces. One
        caller at a time cuts, so the worker and the tail never take the same audio.
        """
        with self._cutting:
            return self._cut_next(tail)

    def _cut_next(self, tail: bool) -> tuple[tuple[int, np.ndarray] | None, bool]:
        rate = self.sample_rate
        with self._wake:
            while True:
                if self._blocks:
                    self._buffer = np.concatenate([self._buffer, *self._blocks])
                    self._blocks = []
                closing = self._closing
                if self._stopped.is_set() or (closing and not tail):
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
        heard, trusted = self._heard(start, samples, model or self.transcriber,
                                     self._prompt_text())
        if not trusted:
            with self._lock:
                self._context_from = (start + len(samples)) / self.sample_rate
        self._add(heard, start + len(samples))

    @staticmethod
    def _audio_before(pieces: list[tuple[int, np.ndarray]], index: int, count: int,
                      earlier: np.ndarray | None = None) -> np.ndarray:
        """Up to ``count`` samples just before ``pieces[index]``, from the pieces before it
        (and ``earlier``, the audio just before the first piece)."""
        parts: list[np.ndarray] = []
        while index > 0 and count > 0:
            index -= 1
            part = pieces[index][1][-count:]
            parts.insert(0, part)
            count -= len(part)
        if index == 0 and count > 0 and earlier is not None and len(earlier):
            parts.insert(0, earlier[-count:])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def _prompt_text(self) -> str:
        """The end of the transcript so far (off-record words left out): the next context.

        Only text after the latest piece that could not be trusted counts.
        """
        with self._lock:
            since = self._context_from
        texts: list[str] = []
        for segment in self.segments:
            # A line said twice over is kept once: repeats are what Whisper carries on.
            if segment.start >= since and (not texts or segment.text != texts[-1]):
                texts.append(segment.text)
        return " ".join(texts)[-PROMPT_CHARS:].strip()

    def _heard(self, start: int, samples: np.ndarray, model: Transcriber,
               prompt: str) -> tuple[list[Segment], bool]:
        """Transcribe one piece: its segments in recording time, and whether to trust them.

        A piece that came out untrustworthy with a context prompt is heard again
        without one (the prompt may be what led the model astray); whatever that
        gives is kept, and is trusted only if it passes on its own.
        """
        offset = start / self.sample_rate
        end = offset + len(samples) / self.sample_rate
        with self._lock:
            spans = [(s - offset, e - offset) for s, e in self._off_record
                     if e > offset and s < end]
        began = time.perf_counter()
        found, trusted = self._whisper(model, samples, spans, prompt)
        if prompt and (not trusted or not found):
            found, trusted = self._whisper(model, samples, spans, "")
        with self._lock:
            self.busy_s += time.perf_counter() - began
            self.pieces += 1
        return [_shifted(segment, offset) for segment in found], trusted

    def _add(self, new: list[Segment], end: int) -> None:
        with self._lock:
            self._segments.extend(new)
        if self.on_update is not None:
            self.on_update(LiveUpdate(new, self.segments, end / self.sample_rate))

    def _whisper(self, model: Transcriber, samples: np.ndarray,
                 spans: list[tuple[float, float]], prompt: str) -> tuple[list[Segment], bool]:
        """Transcribe one piece as :meth:`Transcriber.transcribe` does, with a context prompt.

        Also says whether the result can be trusted: no segment needed a hot fallback
        decode, and none repeats itself (see :data:`RESET_ON_TEMPERATURE`).
        """
        from sessions.audio import silence_spans
        from sessions.transcriber import (
            WHISPER_OPTIONS,
            _segment,
            hear_gaps_again,
            hint_options,
        )

        spans = merge_spans(spans)
        if spans:
            samples = silence_spans(samples, self.sample_rate, spans)
        language = "en" if model.model.english_only else None
        whisper = model.load()
        pieces, _info = whisper.transcribe(
            samples, language=language, initial_prompt=prompt or None, **WHISPER_OPTIONS,
            **hint_options(self.vocabulary),
        )
        raw = [piece for piece in pieces if not _over_a_pause(piece)]
        trusted = all(_trusted(piece) for piece in raw)
        found = [_segment(piece) for piece in raw]
        if self.vocabulary:
            # What the hinted model skipped is heard again without the hints.
            found = hear_gaps_again(whisper, samples, found, language, None)
        return drop_off_record(found, spans), trusted


def _thread_ids() -> set[int]:
    """This process's thread ids (Linux); empty where they cannot be listed."""
    try:
        return {int(name) for name in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def _trusted(piece: Any) -> bool:
    """False for a faster-whisper segment that looks hallucinated (see RESET_ON_TEMPERATURE)."""
    temperature = float(getattr(piece, "temperature", 0.0) or 0.0)
    ratio = float(getattr(piece, "compression_ratio", 0.0) or 0.0)
    return temperature <= RESET_ON_TEMPERATURE and ratio <= REPETITIVE_RATIO


def _over_a_pause(piece: Any) -> bool:
    """True for a faster-whisper segment that is no speech at all (see NOT_SPEECH).

    Text without a letter or digit is never a word. Otherwise it takes all three
    signs at once, so a real but quiet or unclear turn is kept.
    """
    text = str(getattr(piece, "text", ""))
    if not any(ch.isalnum() for ch in text):
        return True
    no_speech = float(getattr(piece, "no_speech_prob", 0.0) or 0.0)
    logprob = float(getattr(piece, "avg_logprob", 0.0) or 0.0)
    if no_speech <= NOT_SPEECH or logprob >= UNSURE_LOGPROB:
        return False
    count = len(getattr(piece, "words", None) or text.split())
    duration = float(getattr(piece, "end", 0.0)) - float(getattr(piece, "start", 0.0))
    return duration < CRAMMED_S * max(1, count)


def _from(segments: list[Segment], start: float) -> list[Segment]:
    """``segments`` less the words heard before ``start`` (a lead-in), by their middle."""
    kept: list[Segment] = []
    for segment in segments:
        words = [w for w in segment.words if (w.start + w.end) / 2 >= start]
        if not segment.words and segment.start >= start:
            kept.append(segment)
        elif len(words) == len(segment.words) and words:
            kept.append(segment)
        elif words:
            text = "".join(w.text for w in words).strip()
            kept.append(Segment(start=words[0].start, end=segment.end, text=text, words=words,
                                original_text=text))
    return kept


def _less(segment: Segment, heard: list[Segment]) -> Segment:
    """``segment`` without the words that overlap anything in ``heard``."""
    spans = [(s.start, s.end) for s in heard]
    words = [w for w in segment.words
             if not any(w.start < e and w.end > s for s, e in spans)]
    if len(words) == len(segment.words):
        return segment
    text = "".join(w.text for w in words).strip()
    return Segment(start=words[0].start if words else segment.start, end=segment.end,
                   text=text, words=words, original_text=text)


def _balanced(pieces: Sequence[tuple[int, np.ndarray]], lead: int = 0,
              busy: int = 0) -> int:
    """Where to split ``pieces`` into two runs of about equal work (at least one each).

    The second run also hears ``lead`` samples before its first piece; the first
    has ``busy`` samples to transcribe before it can start.
    """
    total = sum(len(samples) for _start, samples in pieces)
    best, best_work, before = 1, float("inf"), 0
    for index in range(1, len(pieces)):
        before += len(pieces[index - 1][1])
        work = max(busy + before, total - before + min(lead, before))
        if work < best_work:
            best, best_work = index, work
    return best


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
    from sessions.consent import session_off_record

    session = store.session(session_id)
    if session.recording is None:
        raise FacilitateError("This session has no recording yet; save it before its transcript.")
    spans = session_off_record(store, session, session.recording.duration_s)
    segments = attribute_speakers(drop_off_record(segments, spans), session.markers)
    with store.lock:
        store.save_segments(session_id, segments)
        session = store.session(session_id)
        session.status = SessionStatus.TRANSCRIBED
        session.transcribed_with = model_name
        store.save_session(session)
    return segments
