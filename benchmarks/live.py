"""Benchmark: live transcription of a recording in progress, and opening a long transcript.

The demo consultation, repeated to ``--minutes``, is recorded through real
PortAudio (the virtual microphone, tests/virtual_mic.py, at ``--speed`` times
real time) by the run service in a subprocess (tests/run_live_child.py), with
live transcription on (one-thread, low-priority model; two one-thread models
share the tail at stop; the newest 30 s always held back for strikes). Prints the time from the stop
call to the saved, attributed transcript (goal < 3 s), the live real-time
factor (model seconds over audio seconds), and the recorder's input
overflows and dropped blocks (goal 0 on 2 cores). Then opens a 1,500-segment
transcript in the app (Pilot) and prints how long until the table is filled
(goal < 1 s).

    python benchmarks/live.py                  # 10 minutes at real time
    python benchmarks/live.py --minutes 0.5    # CI
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DEMO = ROOT / "facilitate" / "demo"
CHILD = ROOT / "tests" / "run_live_child.py"
RATE = 16000
LATENCY_GOAL_S = 3.0
OPEN_GOAL_S = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of speech")
    parser.add_argument("--speed", type=float, default=1.0, help="times real time")
    parser.add_argument("--segments", type=int, default=1500,
                        help="segments in the transcript opened")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a goal is missed (goals are only printed otherwise)")
    return parser.parse_args(argv)


def live_run(minutes: float, speed: float) -> dict[str, float]:
    """Record a session through the run service with live transcription; the figures."""
    from virtual_mic import VirtualMic, load_speech

    from models import RecordingConsent
    from sessions.consent import record_answer
    from sessions.planning import create_session
    from sessions.services import Services

    demo = load_speech(DEMO / "consultation_demo.flac")
    repeats = max(1, int(np.ceil(minutes * 60 * RATE / len(demo))))
    speech = np.tile(demo, repeats)[: int(minutes * 60 * RATE)]
    home = tempfile.mkdtemp(prefix="facilitate-bench-")
    services = Services.from_root(home)
    store = services.workspace.create_consultation("Benchmark")
    session = create_session(store, "Live", facilitators=["Facilitator"],
                             participants=["Sam", "Alex", "Jo"])
    for person in store.participants():
        record_answer(store, session.id, person.id, RecordingConsent.YES)
    with tempfile.TemporaryDirectory() as tmp, VirtualMic(Path(tmp) / "mic", speech,
                                                          speed=speed) as mic:
        plan = {"home": home, "session_id": session.id, "until": len(speech) / RATE}
        child = subprocess.Popen([sys.executable, str(CHILD), json.dumps(plan)], env=mic.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 cwd=ROOT)
        assert child.stdout is not None
        began = time.perf_counter()
        stopped: dict[str, object] = {}
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "started":
                mic.go()
                began = time.perf_counter()
            if event["event"] in ("stopped", "start_error", "stop_error"):
                stopped = event
                break
        child.wait(timeout=120)
        if stopped.get("event") != "stopped" or not stopped.get("live"):
            raise SystemExit(f"recording or live transcription failed: {stopped}")
        wall = time.perf_counter() - began
    audio_s = len(speech) / RATE
    return {
        "audio_s": audio_s, "wall_s": wall,
        "latency_s": float(str(stopped["stop_to_transcript_s"])),
        "tail_s": audio_s - float(str(stopped["live_done_at_stop_s"])),
        "rtf": float(str(stopped["busy_s"])) / audio_s,
        "pieces": float(str(stopped["pieces"])), "segments": float(str(stopped["segments"])),
        "overflows": float(str(stopped.get("overflows", 0) or 0)),
        "max_lag_ms": float(str(stopped.get("max_lag_ms", 0) or 0)),
    }


async def open_time(count: int) -> float:
    """Seconds from pressing t on the session screen until the transcript table is filled."""
    from facilitate.app import FacilitateApp
    from facilitate.widgets.transcript_view import TranscriptView
    from models import Segment, Word
    from sessions.demo import create_demo, read_turns
    from sessions.services import Services

    os.environ["FACILITATE_HOME"] = tempfile.mkdtemp(prefix="facilitate-bench-")
    services = Services.from_root(None)
    store, session_id = create_demo(services.workspace, DEMO / "consultation_demo.flac",
                                    DEMO / "consultation_demo.json")
    turns = read_turns(DEMO / "consultation_demo.json")
    segments = []
    for i in range(count):
        turn = turns[i % len(turns)]
        shift = 70.0 * (i // len(turns))
        tokens = turn.text.split()
        step = (turn.end - turn.start) / len(tokens)
        words = [Word(turn.start + shift + k * step, turn.start + shift + (k + 1) * step,
                      f" {t}", 0.9) for k, t in enumerate(tokens)]
        segments.append(Segment(turn.start + shift, turn.end + shift, turn.text, words,
                                original_text=turn.text))
    store.save_segments(session_id, segments)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=(120, 40)) as pilot:
        # Let the session screen finish laying out its own table first.
        session_began = time.perf_counter()
        for _ in range(3):
            await pilot.pause()
            await asyncio.sleep(0.5)
        print(f"session screen with {count} segments settled within "
              f"{time.perf_counter() - session_began:.1f} s")
        began = time.perf_counter()
        await pilot.press("t")
        while not (app.screen.query(TranscriptView)
                   and app.screen.query_one(TranscriptView).row_count == count):
            await asyncio.sleep(0.005)
        await pilot.pause()
        opened = time.perf_counter() - began
        view = app.screen.query_one(TranscriptView)
        began = time.perf_counter()
        for _ in range(50):
            await pilot.press("pagedown")
        await pilot.pause()
        scroll = (time.perf_counter() - began) / 50
    print(f"scroll: {scroll * 1000:.1f} ms per page down (row {view.cursor_row})")
    return opened


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print them with their goals."""
    args = parse_args(argv)
    figures = live_run(args.minutes, args.speed)
    print(f"live: {figures['audio_s']:.0f} s of speech at {args.speed:g}x in "
          f"{figures['wall_s']:.1f} s; {figures['pieces']:.0f} pieces, "
          f"{figures['segments']:.0f} segments")
    print(f"stop to transcript: {figures['latency_s']:.2f} s (goal < {LATENCY_GOAL_S:g} s), "
          f"{figures['tail_s']:.0f} s of audio left to transcribe at stop")
    print(f"live real-time factor (one thread): {figures['rtf']:.3f}")
    print(f"input overflows: {figures['overflows']:.0f} (goal 0); "
          f"writer max lag {figures['max_lag_ms']:.0f} ms")
    opened = asyncio.run(open_time(args.segments))
    print(f"open a {args.segments}-segment transcript: {opened:.2f} s (goal < {OPEN_GOAL_S:g} s)")
    ok = figures["latency_s"] < LATENCY_GOAL_S and figures["overflows"] == 0
    ok = ok and opened < OPEN_GOAL_S
    if not ok:
        print("goal missed")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
