"""Benchmark: record from the virtual microphone while Whisper transcribes another file.

The recording goes through real PortAudio (ALSA's file plugin reading a FIFO that
tests/virtual_mic.py fills at real-time pace), in this process, while a
``sessions.Transcriber`` transcribes the demo consultation over and over on
another thread, the load the app puts on a laptop when it transcribes live.
Prints input overflows (goal 0), the writer's lag behind the microphone, peak
memory, and how much transcription got done meanwhile.

    python benchmarks/record.py               # 60 s of recording
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "facilitate" / "demo" / "consultation_demo.flac"
TO_TRANSCRIBE = ROOT / "tests" / "data" / "jfk.flac"

LAG_GOAL_MS = 500.0


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
    return parser.parse_args(argv)


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
