"""Benchmark: the sessions Transcriber against raw faster-whisper, and CLI start-up.

Both transcribe the same file with the same model folder, device, compute type,
thread count and decoding options (VAD, word timestamps). Each model is loaded
once and warmed up once before timing, and the two are timed alternately, so
neither gains from running second. Goals: our real-time factor at most 1.10 x
raw; ``python -m facilitate --help`` under 0.5 s.

    python benchmarks/transcribe.py            # the 70 s demo consultation
    python benchmarks/transcribe.py --small    # a 3 s clip, for CI
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "facilitate" / "demo" / "consultation_demo.flac"
SMALL = ROOT / "tests" / "data" / "librispeech_1089-134686-0001.wav"

RATIO_GOAL = 1.10
STARTUP_GOAL_S = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", type=Path, default=DEMO, help="recording to transcribe")
    parser.add_argument("--small", action="store_true", help=f"use the short {SMALL.name}")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (best kept)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: default)")
    return parser.parse_args(argv)


def best_of(repeats: int, runs: dict[str, Callable[[], str]]) -> dict[str, list[float]]:
    """Time each run ``repeats`` times, alternating which goes first."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for _ in range(repeats):
        for name in order:
            started = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - started)
        order.reverse()
    return times


def time_cli_help(runs: int = 3) -> tuple[float, float] | str:
    """Seconds for ``python -m facilitate --help`` (first, best), or why it could not run."""
    seconds: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "facilitate", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return f"exit code {done.returncode}: {lines[-1] if lines else 'no output'}"
    return seconds[0], min(seconds)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print labelled figures; exit 0 whatever the figures are."""
    args = parse_args(argv)
    audio: Path = SMALL if args.small else args.audio
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

    from sessions.audio import probe_audio
    from sessions.locations import models_dir, workspace_root
    from sessions.transcriber import COMPUTE_TYPE, DEVICE, WHISPER_OPTIONS, Transcriber
    from sessions.whisper_models import import_faster_whisper, resolve_model

    duration = probe_audio(audio).duration_s
    model = resolve_model(None, models_dir(workspace_root()))
    language = "en" if model.english_only else None
    print(f"audio:        {audio.relative_to(ROOT) if audio.is_relative_to(ROOT) else audio}")
    print(f"duration:     {duration:.2f} s")
    print(f"model:        {model.name} ({model.source}) {DEVICE}/{COMPUTE_TYPE}, "
          f"threads={args.threads or 'default'}, options={WHISPER_OPTIONS}")

    started = time.perf_counter()
    ours = Transcriber(model, cpu_threads=args.threads)
    ours.load()
    ours_load = time.perf_counter() - started
    started = time.perf_counter()
    raw = import_faster_whisper().WhisperModel(
        str(model.path),
        device=DEVICE,
        compute_type=COMPUTE_TYPE,
        cpu_threads=args.threads,
        local_files_only=True,
    )
    raw_load = time.perf_counter() - started
    print(f"model load:   transcriber {ours_load:.2f} s, raw {raw_load:.2f} s (not timed below)")

    def run_ours() -> str:
        return " ".join(s.text for s in ours.transcribe(audio))

    def run_raw() -> str:
        segments, _info = raw.transcribe(str(audio), language=language, **WHISPER_OPTIONS)
        return " ".join(s.text.strip() for s in segments)

    # Warm-up: first runs pay for lazy imports, the VAD model load and allocator growth.
    same_text = run_ours() == run_raw()
    times = best_of(args.repeats, {"transcriber": run_ours, "raw": run_raw})

    best = {name: min(t) for name, t in times.items()}
    for name, label in (("raw", "raw faster-whisper"), ("transcriber", "sessions.Transcriber")):
        median = statistics.median(times[name])
        print(
            f"{label + ':':<22}best {best[name]:.3f} s  median {median:.3f} s"
            f"  RTF {best[name] / duration:.4f}"
        )
    ratio = best["transcriber"] / best["raw"]
    verdict = "ok" if ratio <= RATIO_GOAL else "OVER GOAL"
    print(f"RTF ratio:            {ratio:.3f} x raw (goal <= {RATIO_GOAL:.2f}: {verdict})")
    print(f"same text as raw:     {'yes' if same_text else 'NO'}")

    cli = time_cli_help()
    if isinstance(cli, str):
        print(f"facilitate --help:    n/a ({cli})")
    else:
        first, fastest = cli
        verdict = "ok" if fastest < STARTUP_GOAL_S else "OVER GOAL"
        print(
            f"facilitate --help:    best {fastest:.3f} s, first {first:.3f} s "
            f"(goal < {STARTUP_GOAL_S} s: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
