"""Offline transcription with faster-whisper, with progress, cancel and strikes.

The model loads on first use (seconds) and is then kept; one Transcriber can
serve many recordings, from any thread. Struck and non-consenting speech is
silenced before the model hears it, so it is never transcribed at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.attribution import drop_off_record, merge_spans
from models.transcript import Segment, Word
from models.vocabulary import hint_text
from sessions.audio import load_audio, silence_spans
from sessions.errors import AudioError, Cancelled, ModelError, one_line
from sessions.whisper_models import ModelInfo, import_faster_whisper, import_onnxruntime

if TYPE_CHECKING:
    import numpy as np

#: Whisper hears 16 kHz mono; arrays given to ``transcribe`` must be that.
SAMPLE_RATE = 16000

#: How the model runs: on the CPU of an ordinary laptop, quantised to int8 (the
#: bundled model is float16 and CTranslate2 converts it at load).
DEVICE = "cpu"
COMPUTE_TYPE = "int8"

#: A stretch this long without a word, in a hinted transcript, is heard again unhinted.
GAP_S = 2.0

#: Decoding options; the benchmark passes the same ones to raw faster-whisper.
#: VAD skips silence (including struck spans), word times let quotes be cut precisely.
WHISPER_OPTIONS: dict[str, Any] = {"vad_filter": True, "word_timestamps": True}


def hint_options(vocabulary: Sequence[str]) -> dict[str, Any]:
    """The decoding options that steer the model towards a consultation's own words.

    Given as ``hotwords``: faster-whisper puts them before every 30 s window, so
    they help all through a long recording, where an ``initial_prompt`` only
    reaches the first minute. Each window is then not conditioned on the text
    before it: hints and that text together made tiny.en three times slower and
    led it to copy earlier sentences (measured with ``benchmarks/vocabulary.py``;
    without the carried text, recall of the words rose as much and the time
    hardly changed). No vocabulary: no options, the model runs as before.
    """
    hint = hint_text(vocabulary)
    return {"hotwords": hint, "condition_on_previous_text": False} if hint else {}


@dataclass(frozen=True)
class Progress:
    """How far a transcription has got: a fraction of the recording, and an ETA."""

    fraction: float
    done_s: float
    total_s: float
    eta_s: float | None
    segments: int


class Transcriber:
    """Turns a recording into :class:`~models.transcript.Segment` objects with one model."""

    def __init__(self, model: ModelInfo, cpu_threads: int = 0) -> None:
        """Remember the model; it loads on first use. ``cpu_threads`` 0 means the default."""
        self.model = model
        self.cpu_threads = cpu_threads
        self._whisper: Any = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """The name of the model, as the facilitator chose it."""
        return self.model.name

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._whisper is not None

    def load(self) -> Any:
        """Load the model now (it is otherwise loaded on first use) and return it.

        Raises :class:`ModelError` (one line) when the folder cannot be loaded.
        """
        if self._whisper is not None:
            return self._whisper
        with self._lock:
            if self._whisper is None:
                self._whisper = self._load()
        return self._whisper

    def _load(self) -> Any:
        path = Path(self.model.path)
        if not (path / "tokenizer.json").is_file():
            # Without it faster-whisper fetches a tokenizer from the internet.
            raise ModelError(
                f"The model folder {path} has no tokenizer.json; copy it in from the "
                "model's source (facilitate never downloads anything)."
            )
        faster_whisper = import_faster_whisper()
        try:
            # faster-whisper's voice detector runs on onnxruntime, imported only when
            # it first runs; import it now, so its telemetry is off before it starts.
            import_onnxruntime()
            return faster_whisper.WhisperModel(
                str(path),
                device=DEVICE,
                compute_type=COMPUTE_TYPE,
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        except Exception as error:
            raise ModelError(
                f"Cannot load the Whisper model {self.model.name} from {path}: "
                f"{one_line(error)}"
            ) from None

    def transcribe(
        self,
        audio: Path | np.ndarray,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        cancelled: threading.Event | None = None,
        off_record: Sequence[tuple[float, float]] = (),
        language: str | None = None,
        vocabulary: Sequence[str] = (),
    ) -> list[Segment]:
        """Transcribe a file, or 16 kHz mono float32 samples, into segments with word times.

        ``on_progress`` is called after each segment and once more at the end with
        fraction 1.0. Setting ``cancelled`` stops the work between segments with
        :class:`Cancelled`. ``off_record`` spans (seconds) are silenced before the
        model hears them and any word touching them is dropped. ``language`` None
        means English for ``*.en`` models and detection for others. ``vocabulary``
        (the consultation's own words, see :mod:`models.vocabulary`) steers the model.
        Raises :class:`AudioError` for unreadable audio, :class:`ModelError` for a bad model.
        """
        started = time.perf_counter()
        if cancelled is not None and cancelled.is_set():
            raise Cancelled()
        samples = self._samples(audio)
        spans = merge_spans([(float(s), float(e)) for s, e in off_record])
        if spans:
            samples = silence_spans(samples, SAMPLE_RATE, spans)
        total_s = float(samples.shape[0] / SAMPLE_RATE)
        if language is None and self.model.english_only:
            language = "en"
        whisper = self.load()
        if cancelled is not None and cancelled.is_set():
            raise Cancelled()

        hints = hint_options(vocabulary)
        segments: list[Segment] = []
        if total_s > 0:
            pieces, _info = whisper.transcribe(
                samples, language=language, **WHISPER_OPTIONS, **hints
            )
            for piece in pieces:
                # Hinted, tiny.en says "Thank you." over the silence at the end of
                # a recording: the live path's test for text over a pause drops it.
                if not (hints and _over_a_pause(piece)):
                    segments.append(_segment(piece))
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled()
                if on_progress is not None:
                    on_progress(_progress(piece.end, total_s, len(segments), started))
            if hints:
                segments = hear_gaps_again(whisper, samples, segments, language, cancelled)
        if on_progress is not None:
            on_progress(Progress(1.0, total_s, total_s, 0.0, len(segments)))
        # The model never heard struck speech, but a word's time can straddle the
        # edge of a span; drop such words too rather than trust the timing.
        return drop_off_record(segments, spans)

    @staticmethod
    def _samples(audio: Path | np.ndarray) -> np.ndarray:
        """The audio as 16 kHz mono float32 samples."""
        import numpy as np

        if isinstance(audio, np.ndarray):
            samples = np.asarray(audio, dtype=np.float32)
            if samples.ndim == 2:
                samples = samples.mean(axis=1, dtype=np.float32)  # frames x channels
            if samples.ndim != 1:
                raise AudioError(f"Samples must be mono or frames x channels, not {samples.shape}")
            return samples
        if isinstance(audio, (str, Path)):
            return load_audio(Path(audio), SAMPLE_RATE)
        raise AudioError(f"Cannot transcribe {type(audio).__name__}: give a file path or samples")


def _over_a_pause(piece: Any) -> bool:
    """True for a segment that is no speech at all (see :func:`sessions.live._over_a_pause`)."""
    from sessions.live import _over_a_pause as over_a_pause

    return over_a_pause(piece)


def _segment(piece: Any) -> Segment:
    """Turn a faster-whisper segment into a domain Segment (words keep their leading space).

    Times arrive as numpy floats; plain floats keep the store's JSON simple.
    """
    text = piece.text.strip()
    words = [
        Word(start=float(w.start), end=float(w.end), text=w.word, probability=float(w.probability))
        for w in (piece.words or ())
    ]
    return Segment(
        start=float(piece.start), end=float(piece.end), text=text, words=words, original_text=text
    )


def hear_gaps_again(
    whisper: Any,
    samples: np.ndarray,
    segments: list[Segment],
    language: str | None,
    cancelled: threading.Event | None,
) -> list[Segment]:
    """``segments`` with what the hinted model skipped heard again, without hints.

    Hinted, tiny.en sometimes ends a window early and claims its last segment
    ran to the window's end: on the demo, 22 s of speech were lost that way.
    Every stretch of :data:`GAP_S` or more without a word (a "word" that long
    is the model stretching one over speech it skipped) is transcribed again
    as it would be without a vocabulary. Silence costs next to nothing: the
    voice detector leaves nothing to decode.
    """
    total_s = samples.shape[0] / SAMPLE_RATE
    times = [(w.start, w.end) for s in segments for w in s.words if w.end - w.start < GAP_S]
    edges = [0.0, *(t for pair in times for t in pair), total_s]
    found: list[Segment] = []
    for gap_start, gap_end in zip(edges[::2], edges[1::2], strict=True):
        if gap_end - gap_start < GAP_S:
            continue
        if cancelled is not None and cancelled.is_set():
            raise Cancelled()
        lo, hi = round(gap_start * SAMPLE_RATE), round(gap_end * SAMPLE_RATE)
        pieces, _info = whisper.transcribe(
            samples[lo:hi], language=language, **WHISPER_OPTIONS
        )
        found += [
            _shifted(_segment(piece), gap_start)
            for piece in pieces
            if not _over_a_pause(piece)
        ]
    if not found:
        return segments
    # A segment that claimed the skipped time keeps only its words' span.
    kept = [_trimmed(segment) for segment in segments if segment.words]
    return sorted([*kept, *found], key=lambda segment: segment.start)


def _shifted(segment: Segment, offset: float) -> Segment:
    """``segment`` moved ``offset`` seconds later, its words with it."""
    words = [
        Word(start=w.start + offset, end=w.end + offset, text=w.text, probability=w.probability)
        for w in segment.words
    ]
    return Segment(
        start=segment.start + offset, end=segment.end + offset, text=segment.text,
        words=words, original_text=segment.original_text,
    )


def _trimmed(segment: Segment) -> Segment:
    """``segment`` ending with its last word, not at a time the model claimed past it."""
    segment.start = min(segment.start, segment.words[0].start)
    segment.end = segment.words[-1].end
    return segment


def _progress(done_s: float, total_s: float, count: int, started: float) -> Progress:
    """Progress after a segment ending at ``done_s``; the ETA assumes the pace so far holds."""
    done_s = min(max(float(done_s), 0.0), total_s)
    elapsed = time.perf_counter() - started
    eta = elapsed / done_s * (total_s - done_s) if done_s > 0 else None
    return Progress(done_s / total_s, done_s, total_s, eta, count)
