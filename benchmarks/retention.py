"""Benchmark: the home screen's retention check, and erasing one person.

A real workspace in a temporary folder:

- ``--consultations`` consultations of ``--sessions`` recorded sessions each,
  every session set to lose its raw audio once approved, each with a
  transcript of ``--segments`` segments and one speaker still to decide: how
  long the home screen's "what is due?" check takes. It runs off the UI thread
  on every refresh of the home screen; goal under 100 ms once the transcripts
  were read (the first check after start reads each once, and is shown too);
- one consultation with ``--quotes`` quotes among ``--people`` people and a
  recording of ``--minutes`` minutes: how long the erase confirmation takes to
  count what goes, and how long erasing one person takes, end to end (the
  transcript and store rewritten, their audio silenced in the file).

Run small in CI::

    python benchmarks/retention.py --consultations 2 --sessions 2 --quotes 50 --minutes 0.5
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from models import (  # noqa: E402
    ContributionState,
    Quote,
    Recording,
    Segment,
    Word,
    new_id,
    to_dict,
)
from sessions.audio import write_flac  # noqa: E402
from sessions.erasure import erase_participant, erasure_plan  # noqa: E402
from sessions.importer import import_audio  # noqa: E402
from sessions.planning import create_session  # noqa: E402
from sessions.retention import due_items, set_audio_until_approved  # noqa: E402
from sessions.review import review_contribution  # noqa: E402
from sessions.store import ConsultationStore, Workspace  # noqa: E402

DUE_GOAL_MS = 100.0
RATE = 16_000


def _transcript(speakers: list[str], count: int, seconds: float) -> list[Segment]:
    """``count`` segments of eight words, speakers in turn, spread over ``seconds``."""
    step = max(seconds / max(count, 1), 0.8)
    segments = []
    for i in range(count):
        start = i * step
        words = [
            Word(start + k * step / 10, start + (k + 1) * step / 10, f" word{i}x{k}")
            for k in range(8)
        ]
        segments.append(
            Segment(start, words[-1].end, "".join(w.text for w in words).strip(), words,
                    speakers[i % len(speakers)])
        )
    return segments


def _consultation(
    workspace: Workspace, people: int, sessions: int, segments: int, seconds: float,
    recorded: bool = False,
) -> ConsultationStore:
    store = workspace.create_consultation(f"Consultation {new_id('b')}")
    names = [f"P{i}" for i in range(people)]
    for index in range(sessions):
        session = create_session(store, f"Session {index}", participants=names)
        ids = session.participant_ids
        store.save_segments(session.id, _transcript(ids, segments, seconds))
        set_audio_until_approved(store, session.id, True)
        if not recorded:
            continue
        # The recording as the session knows it (no file needed to ask what is due).
        session = store.session(session.id)
        session.recording = Recording(f"{session.id}.flac", seconds, RATE)
        store.save_session(session)
        for pid in ids[1:]:
            review_contribution(store, pid, session.id, ContributionState.APPROVED)
    return store


def due_check(
    consultations: int, sessions: int, segments: int, repeats: int
) -> tuple[float, list[float]]:
    """Milliseconds of the first home-screen retention check, and of each one after."""
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder))
        for _ in range(consultations):
            _consultation(workspace, 6, sessions, segments, 600.0, recorded=True)
        workspace = Workspace(Path(folder))  # as the app starts: nothing read yet
        start = time.perf_counter()
        found = due_items(workspace, dt.date.today())
        first = (time.perf_counter() - start) * 1000
        assert not found, "one speaker in each session is still to decide"
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            due_items(workspace, dt.date.today())
            times.append((time.perf_counter() - start) * 1000)
    return first, times


def erasure(quotes: int, people: int, minutes: float) -> tuple[float, float, str]:
    """Seconds to count what erasing one person removes and to erase them; the summary."""
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder))
        seconds = minutes * 60
        store = _consultation(workspace, people, 1, max(quotes, 10), seconds)
        session = store.sessions()[0]
        source = Path(folder) / "recording.flac"
        noise = np.random.default_rng(1).uniform(-0.3, 0.3, int(RATE * seconds))
        write_flac(source, noise.astype(np.float32), RATE)
        import_audio(store, session.id, source)
        segments = store.segments(session.id)
        with store.transaction():
            table = store.db.table("quotes")
            for segment in segments[:quotes]:
                quote = Quote(new_id("q"), session.id, segment.speaker_id or "", segment.start,
                              segment.end, list(segment.words), segment_ids=[segment.id])
                table.insert(to_dict(quote))
        who = session.participant_ids[0]
        start = time.perf_counter()
        erasure_plan(store, who)
        counted = time.perf_counter() - start
        start = time.perf_counter()
        report = erase_participant(store, who)
        took = time.perf_counter() - start
    return counted, took, "; ".join(report.removed)


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultations", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    first, times = due_check(args.consultations, args.sessions, args.segments, args.repeats)
    median = statistics.median(times)
    verdict = "meets" if median < DUE_GOAL_MS else "MISSES"
    print(
        f"home retention check, {args.consultations} consultations x {args.sessions} recorded "
        f"sessions ({args.segments} segments each): first after start {first:.0f} ms, then "
        f"median {median:.1f} ms, worst {max(times):.1f} ms "
        f"({verdict} the goal of {DUE_GOAL_MS:.0f} ms)"
    )
    counted, took, summary = erasure(args.quotes, args.people, args.minutes)
    print(
        f"erasing 1 of {args.people} people ({args.quotes} quotes, {args.minutes:g} min "
        f"recording): counting what goes {counted * 1000:.0f} ms, erasing {took:.2f} s"
    )
    print(f"  removed: {summary}")


if __name__ == "__main__":
    main()
