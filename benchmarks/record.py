"""Benchmark: record from the virtual microphone while Whisper transcribes another file.

The recording goes through real PortAudio (ALSA's file plugin reading a FIFO that
tests/virtual_mic.py fills at real-time pace), in this process, while a
``sessions.Transcriber`` transcribes the demo consultation over and over on
another thread, the load the app puts on a laptop when it transcribes live.
Prints input overflows (goal 0), the writer's lag behind the microphone, peak
memory, and how much transcription got done meanwhile.

Then two costs that grow with the length of a session, measured without waiting
for it (each as many minutes as ``--seconds`` seconds, an hour at most, unless given):

* silencing ahead of a participant who said no, marked as speaking the whole
  time: the run service ticks every 0.3 s, each tick striking a little further
  ahead (a real sidecar, written with fsync). Goal: constant cost per tick, one
  span in the sidecar however long they speak.
* playing back a long recording: the longest stall of an asyncio event loop
  (as the app's) while it starts playback at places across the file and changes
  speed, as ``space``, ``[`` and ``]`` do. Goal < 100 ms.

    python benchmarks/record.py               # 60 s of recording; an hour of ticks, a 1-hour file
    python benchmarks/record.py --seconds 5   # CI
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "facilitate" / "demo" / "consultation_demo.flac"
TO_TRANSCRIBE = ROOT / "tests" / "data" / "jfk.flac"

LAG_GOAL_MS = 500.0
STALL_GOAL_MS = 100.0
#: How often the run screen ticks.
TICK_S = 0.3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds to record")
    parser.add_argument("--audio", type=Path, default=TO_TRANSCRIBE,
                        help="file transcribed meanwhile")
    parser.add_argument("--threads", type=int, default=0,
                        help="Whisper CPU threads (0: default)")
    parser.add_argument("--no-transcribe", action="store_true",
                        help="record only, for comparison")
    parser.add_argument("--strike-minutes", type=float, default=None,
                        help="minutes a refuser is marked speaking (default: --seconds, <= 60)")
    parser.add_argument("--playback-minutes", type=float, default=None,
                        help="length of the recording played back (default: --seconds, <= 60)")
    return parser.parse_args(argv)


def strike_cost(minutes: float, folder: Path) -> dict[str, float]:
    """Tick the run service for ``minutes`` with a refuser marked speaking; the costs."""
    from models import RecordingConsent
    from sessions.atomic import atomic_write_json
    from sessions.consent import record_answer
    from sessions.locations import ensure_private_dir
    from sessions.planning import create_session
    from sessions.recorder import Recorder
    from sessions.run import start_recording
    from sessions.services import Services

    class ClockedRecorder(Recorder):
        """A recorder without a microphone whose clock the benchmark moves."""

        now = 0.0

        @property
        def elapsed_s(self) -> float:
            return self.now

        def start(self) -> None:
            ensure_private_dir(self.folder)
            self._started = True
            self._meta = {"version": 1, "name": self.name, "format": "s16le",
                          "sample_rate": self.sample_rate, "channels": 1,
                          "state": "recording", "struck": []}
            atomic_write_json(self.sidecar_path, self._meta)

    services = Services.from_root(folder / "workspace")
    store = services.workspace.create_consultation("Strike benchmark")
    session = create_session(store, "Ticks", facilitators=["Facilitator"],
                             participants=["Sam", "Jo"])
    people = {p.pseudonym: p.id for p in store.participants()}
    for name, pid in people.items():
        no = RecordingConsent.NO if name == "Jo" else RecordingConsent.YES
        record_answer(store, session.id, pid, no)
    made: list[ClockedRecorder] = []

    def factory(where: Path, name: str, device: int | str | None) -> Recorder:
        made.append(ClockedRecorder(where, name, device))
        return made[-1]

    run = start_recording(store, session.id, recorder_factory=factory)
    recorder = made[0]
    recorder.now = 1.0
    run.mark_speaker(people["Jo"])
    costs: list[float] = []
    for _ in range(max(2, round(minutes * 60 / TICK_S))):
        recorder.now += TICK_S
        began = time.perf_counter()
        run.tick()
        costs.append(time.perf_counter() - began)
    import json

    spans = len(json.loads(recorder.sidecar_path.read_text())["struck"])
    window = max(1, min(len(costs) // 4, round(300 / TICK_S)))  # 5 minutes, or a quarter
    first = float(np.mean(costs[:window])) * 1000
    last = float(np.mean(costs[-window:])) * 1000
    return {"ticks": float(len(costs)), "spans": float(spans), "first_ms": first,
            "last_ms": last, "sidecar_bytes": float(recorder.sidecar_path.stat().st_size),
            "window_min": window * TICK_S / 60}


def playback_stall(minutes: float, folder: Path) -> dict[str, float]:
    """The longest event-loop stall while playback of a ``minutes`` long file starts and
    changes speed, at places across it; and how long each ``play`` call took."""
    import asyncio

    import soundfile
    from virtual_mic import load_speech

    from sessions import playback
    from sessions.errors import DeviceError

    demo = load_speech(DEMO)
    frames = int(minutes * 60 * 16000)
    path = folder / "long.flac"
    with soundfile.SoundFile(str(path), "w", 16000, 1, "PCM_16", format="FLAC") as sound:
        for start in range(0, frames, len(demo)):
            sound.write(demo[: min(len(demo), frames - start)])
    duration = frames / 16000
    player = playback.Player()
    stand_in = ""
    try:
        player.play(path, 0.0)
        player.stop()
    except DeviceError as error:  # no sound output here: a paced stand-in pulls the audio
        stand_in = str(error)
        _pace_output(playback)
    places = [duration * f for f in (0.0, 0.25, 0.5, 0.75, 0.98)]
    speeds = [1.0, 1.5, 2.0, 0.75]
    calls: list[float] = []

    async def measure() -> float:
        worst = 0.0
        done = asyncio.Event()

        async def watch() -> None:
            nonlocal worst
            while not done.is_set():
                began = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - began - 0.005)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.05)
        for place in places:
            for speed in speeds:  # space, then [ and ] while it plays
                began = time.perf_counter()
                player.play(path, place, speed=speed)
                calls.append(time.perf_counter() - began)
                await asyncio.sleep(0.3)
        player.stop()
        done.set()
        await watcher
        return worst

    worst = asyncio.run(measure())
    return {"stall_ms": worst * 1000, "play_ms": max(calls) * 1000,
            "minutes": duration / 60, "stand_in": stand_in}  # type: ignore[dict-item]


def _pace_output(playback: Any) -> None:
    """Replace the sound output with a thread that pulls audio at real-time pace."""

    class PacedStream:
        def __init__(self, callback: Any, rate: int) -> None:
            self.callback, self.rate = callback, rate
            self.stopped = threading.Event()

        def start(self) -> None:
            threading.Thread(target=self._pull, daemon=True).start()

        def _pull(self) -> None:
            frames = 512
            buffer = np.zeros((frames, 1), dtype=np.float32)
            while not self.stopped.is_set():
                try:
                    self.callback(buffer, frames, None, None)
                except Exception:  # CallbackStop: the span has ended
                    return
                time.sleep(frames / self.rate)

        def stop(self) -> None:
            self.stopped.set()

        def close(self) -> None:
            self.stopped.set()

    def paced_open(self: Any, sd: Any, rate: int) -> tuple[PacedStream, int]:
        return PacedStream(self._callback, rate), rate

    playback._import_sounddevice = lambda: None
    playback.Player._open = paced_open


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print labelled figures; exit 0 whatever the figures are."""
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "tests"))  # the virtual microphone lives with the tests
    from virtual_mic import VirtualMic, load_speech

    from sessions.locations import models_dir, workspace_root
    from sessions.recorder import Recorder
    from sessions.transcriber import Transcriber
    from sessions.whisper_models import resolve_model

    speech = load_speech(DEMO)
    needed = int((args.seconds + 5) * 16000)
    speech = np.tile(speech, needed // len(speech) + 1)[:needed]

    with tempfile.TemporaryDirectory(prefix="facilitate-bench-") as tmp:
        folder = Path(tmp)
        with VirtualMic(folder / "mic", speech, speed=1.0) as mic:
            # Before the first sounddevice import: PortAudio reads ALSA's config once.
            mic.install_env()

            transcribing = threading.Event()
            done_runs: list[float] = []
            problems: list[str] = []
            if not args.no_transcribe:
                model = resolve_model(None, models_dir(workspace_root()))
                transcriber = Transcriber(model, cpu_threads=args.threads)
                transcriber.load()  # loading is not what is measured here
                transcribing.set()

                def transcribe_meanwhile() -> None:
                    while transcribing.is_set():
                        started = time.perf_counter()
                        try:
                            transcriber.transcribe(args.audio)
                        except Exception as error:  # report, don't hide, a failure
                            problems.append(str(error))
                            return
                        done_runs.append(time.perf_counter() - started)

                worker = threading.Thread(target=transcribe_meanwhile, daemon=True)
                print(f"transcribing: {args.audio.name} with {model.name}, in a loop")
            recorder = Recorder(folder / "audio", "bench")
            recorder.start()
            mic.go()
            if not args.no_transcribe:
                worker.start()
            started = time.monotonic()
            lags: list[float] = []
            while recorder.elapsed_s < args.seconds and recorder.is_recording:
                lags.append(recorder.lag_ms)
                time.sleep(0.1)
            wall = time.monotonic() - started
            transcribing.clear()
            path = recorder.stop()
            if not args.no_transcribe:
                worker.join()

        import soundfile

        saved = soundfile.info(str(path)).duration
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = "ok" if recorder.overflows == 0 else "OVER GOAL"
        print(f"device:       {recorder.device_rate:.0f} Hz virtual microphone, fed in real time")
        print(f"recorded:     {saved:.2f} s saved in {wall:.2f} s wall")
        print(f"overflows:    {recorder.overflows} (goal 0: {verdict})")
        mean_lag = float(np.mean(lags)) if lags else 0.0
        verdict = "ok" if recorder.max_lag_ms <= LAG_GOAL_MS else "OVER GOAL"
        print(f"writer lag:   mean {mean_lag:.0f} ms, max {recorder.max_lag_ms:.0f} ms "
              f"(goal <= {LAG_GOAL_MS:.0f}: {verdict})")
        print(f"peak memory:  {peak_mb:.0f} MB (maxrss, whole process incl. model)")
        if not args.no_transcribe:
            print(f"transcribed:  {len(done_runs)} runs meanwhile"
                  + (f", {np.mean(done_runs):.2f} s each" if done_runs else "")
                  + (f"; FAILED: {problems[0]}" if problems else ""))
        if recorder.error:
            print(f"error:        {recorder.error}")

        minutes = args.strike_minutes
        if minutes is None:
            minutes = min(60.0, args.seconds)
        ticks = strike_cost(minutes, folder)
        growth = ticks["last_ms"] / max(ticks["first_ms"], 1e-6)
        verdict = "ok" if ticks["spans"] <= 1 and growth < 2.0 else "OVER GOAL"
        print(f"strike spans: {ticks['ticks']:.0f} ticks ({minutes:g} min) with a refuser "
              f"speaking: {ticks['spans']:.0f} span(s) in a {ticks['sidecar_bytes']:.0f}-byte "
              f"sidecar; {ticks['first_ms']:.2f} ms per tick in the first "
              f"{ticks['window_min']:.0f} min, {ticks['last_ms']:.2f} ms in the last "
              f"(goal: constant: {verdict})")

        minutes = args.playback_minutes
        if minutes is None:
            minutes = min(60.0, args.seconds)
        played = playback_stall(minutes, folder)
        verdict = "ok" if played["stall_ms"] < STALL_GOAL_MS else "OVER GOAL"
        print(f"playback:     {played['minutes']:.0f}-minute file, longest event-loop stall "
              f"{played['stall_ms']:.0f} ms (goal < {STALL_GOAL_MS:.0f}: {verdict}); slowest "
              f"play() {played['play_ms']:.0f} ms"
              + (f" (paced stand-in output: {played['stand_in']})" if played["stand_in"]
                 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
