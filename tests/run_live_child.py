"""Records a session through the run service with live transcription, in its own process.

For tests/test_run_live.py and benchmarks/live.py. PortAudio reads the ALSA
configuration once per process, so the recording runs here with the virtual
microphone's environment. The plan comes as one JSON argument (the session, the
marks to make at given recording times, when to stop); events go to stdout as
JSON lines.

Every array any Whisper model is given in this process is logged (a class-level
wrap of ``Transcriber.load``) with where it starts in the recording (a wrap of
``LiveTranscriber._heard``, which gives each piece to a model: tail pieces overlap
and run side by side), so the test can check, sample by sample, that the model
never heard a struck span un-silenced.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorder_child import say  # noqa: E402

from sessions.errors import FacilitateError  # noqa: E402
from sessions.live import LiveTranscriber, LiveUpdate  # noqa: E402
from sessions.run import start_recording  # noqa: E402
from sessions.services import Services  # noqa: E402
from sessions.transcriber import Transcriber  # noqa: E402

RATE = 16000
#: Every array given to a Whisper model, with its start in the recording (samples).
HEARD: list[tuple[int, np.ndarray]] = []
_piece = threading.local()


class _Listening:
    """Stands in for a loaded faster-whisper model and logs what it is given."""

    def __init__(self, whisper: Any) -> None:
        self.whisper = whisper

    def transcribe(self, audio: Any, **options: Any) -> Any:
        HEARD.append((getattr(_piece, "start", 0), np.array(audio, dtype=np.float32, copy=True)))
        return self.whisper.transcribe(audio, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.whisper, name)


_load = Transcriber.load


def _listening_load(self: Transcriber) -> Any:
    return _Listening(_load(self))


Transcriber.load = _listening_load  # type: ignore[method-assign]

_heard = LiveTranscriber._heard


def _heard_at(self: LiveTranscriber, start: int, *args: Any) -> Any:
    _piece.start = start
    try:
        return _heard(self, start, *args)
    finally:
        _piece.start = 0


LiveTranscriber._heard = _heard_at  # type: ignore[method-assign]


def loudest_heard(span: tuple[float, float]) -> float:
    """The loudest sample any model heard inside ``span`` (recording seconds)."""
    loudest = 0.0
    first, last = round(span[0] * RATE), round(span[1] * RATE)
    for offset, piece in HEARD:
        lo, hi = max(first - offset, 0), min(last - offset, len(piece))
        if lo < hi:
            loudest = max(loudest, float(np.abs(piece[lo:hi]).max()))
    return loudest


def main() -> int:
    """Record the session in argv[1]'s plan with live transcription, then finish it."""
    plan = json.loads(sys.argv[1])
    services = Services.from_root(plan["home"])
    store, _session = services.workspace.find_session(plan["session_id"])
    emitted: list[str] = []  # every segment text the live worker ever reported

    def updated(update: LiveUpdate) -> None:
        emitted.extend(segment.text for segment in update.new)

    transcriber = services.transcriber() if plan.get("live", True) else None
    try:
        run = start_recording(store, plan["session_id"], transcriber=transcriber,
                              on_live_update=updated)
    except FacilitateError as error:
        say("start_error", kind=type(error).__name__, message=str(error))
        return 0
    say("started", live=run.live_on, problem=run.live_problem)
    # [at_s, what, *args]: "speaker" pid | "strike" seconds | "moment"
    actions = sorted(plan.get("actions", []), key=lambda a: a[0])
    until = float(plan["until"])
    struck: list[tuple[float, float]] = []  # each strike as made (a loaded machine is late)
    while run.is_recording and run.elapsed_s < until:
        run.tick()
        while actions and run.elapsed_s >= actions[0][0]:
            _at, what, *args = actions.pop(0)
            if what == "speaker":
                marker = run.mark_speaker(args[0])
                say("marked", what=what, at_s=marker.at_s)
            elif what == "strike":
                pressed = run.begin_strike()
                done = run.live_done_s
                marker = run.strike((pressed - float(args[0]), run.elapsed_s))
                struck.append((marker.at_s, float(marker.end_s or marker.at_s)))
                say("marked", what=what, at_s=marker.at_s, end_s=marker.end_s,
                    live_done_s=done, pressed_s=pressed)
            else:
                marker = run.mark_moment()
                say("marked", what=what, at_s=marker.at_s)
        time.sleep(0.005)
    run.tick()
    if run.error:
        say("error", message=run.error)
    overflows = run.recorder.overflows
    max_lag_ms = run.recorder.max_lag_ms
    before = run.live_done_s
    began = time.perf_counter()
    try:
        recording = run.stop()
        saved = time.perf_counter()
        segments = run.finish_transcript()
    except FacilitateError as error:
        say("stop_error", message=str(error))
        return 0
    finished = time.perf_counter()
    live = run.live
    say(
        "stopped", file=recording.file, duration_s=recording.duration_s,
        stop_to_transcript_s=finished - began, flac_s=saved - began,
        live_done_at_stop_s=before, live=run.live_on, problem=run.live_problem,
        segments=None if segments is None else len(segments),
        pieces=live.pieces if live is not None else 0,
        busy_s=live.busy_s if live is not None else 0.0,
        heard_s=max((start + len(piece) for start, piece in HEARD), default=0) / RATE,
        loudest_heard=[loudest_heard((float(a), float(b))) for a, b in plan.get("probe", [])],
        # Inside each strike as actually made, and the 15 s after it.
        loudest_struck=[loudest_heard((a + 0.01, b - 0.01)) for a, b in struck],
        loudest_after_struck=[loudest_heard((b + 0.5, min(b + 15.5, until - 0.5)))
                              for _a, b in struck],
        emitted=emitted, overflows=overflows, max_lag_ms=max_lag_ms,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
