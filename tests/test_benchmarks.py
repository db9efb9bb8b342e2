"""Each benchmark runs once on small input, so the scripts cannot rot.

Timing goals live in the benchmarks themselves (they print figures); here we
only check that each runs to the end and prints what it promises.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_model, require_portaudio

ROOT = Path(__file__).parent.parent
BENCHMARKS = ROOT / "benchmarks"

#: Small arguments for each benchmark, and a word its report must contain.
SMALL_RUNS: dict[str, tuple[list[str], str]] = {
    "transcribe.py": (["--small", "--repeats", "1"], "ratio"),
    "record.py": (["--seconds", "3"], "overflows"),
    "quotes.py": (["--sessions", "2", "--quotes", "100", "--repeat", "2"], "approve"),
    "export.py": (
        ["--sessions", "2", "--quotes", "100", "--segments", "50", "--images", "2"], "goal"
    ),
    "live.py": (["--minutes", "0.25", "--speed", "4", "--segments", "300"], "stop to transcript"),
    "privacy.py": (["--quotes", "200", "--sequences", "5"], "goal"),
    "vocabulary.py": (["--voices", "1", "--sentences", "2", "--no-general"], "keyword recall"),
    "crypto.py": (
        ["--seconds", "5", "--mic-seconds", "2", "--repeat", "1", "--sessions", "1",
         "--quotes", "50"],
        "overhead",
    ),
    "reach.py": (["--sessions", "10", "--participants", "50", "--repeats", "2"], "goal"),
    "playback_speed.py": (["--seconds", "5"], "goal"),
    "retention.py": (
        ["--consultations", "2", "--sessions", "2", "--segments", "50", "--quotes", "50",
         "--minutes", "0.5", "--repeats", "2"],
        "goal",
    ),
}


def test_every_benchmark_has_a_small_run() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_")}
    helpers = {"virtual_mic.py"}
    assert scripts - helpers <= set(SMALL_RUNS), scripts - set(SMALL_RUNS)


@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_on_small_input(script: str) -> None:
    path = BENCHMARKS / script
    if not path.exists():
        pytest.skip(f"{script} is not written yet")
    if script in {"transcribe.py", "record.py", "live.py", "vocabulary.py"}:
        require_model()
    if script in {"record.py", "live.py"}:
        require_portaudio()
    args, promise = SMALL_RUNS[script]
    result = subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert promise in result.stdout.lower(), result.stdout
