"""Runs a Recorder in its own process for tests/test_recorder.py.

PortAudio reads the ALSA configuration once per process, and a crash test needs
a process to kill, so each recording runs here. The plan comes as one JSON
argument; every event goes to stdout as one JSON line, flushed at once.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessions.errors import FacilitateError  # noqa: E402
from sessions.recorder import Recorder, check_input, input_devices  # noqa: E402


def say(event: str, **fields: object) -> None:
    """Report one event to the test."""
    print(json.dumps({"event": event, **fields}), flush=True)


def main() -> int:
    """Follow the plan in argv[1]."""
    plan = json.loads(sys.argv[1])
    if plan.get("file_size_limit"):
        # Stands in for a full disk where a small tmpfs cannot be mounted: writes past
        # the limit fail with EFBIG (the signal that would kill us is ignored).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(plan["file_size_limit"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if plan.get("mode") == "check":
        try:
            devices = [d.name for d in input_devices()]
        except FacilitateError as error:
            devices = [f"error: {error}"]
        say("check", problem=check_input(), devices=devices)
    recorder = Recorder(Path(plan["folder"]), plan.get("name", "session"),
                        device=plan.get("device"), device_rates=plan.get("device_rates"))
    try:
        recorder.start()
    except FacilitateError as error:
        say("start_error", kind=type(error).__name__, message=str(error))
        return 0
    say("started", device_rate=recorder.device_rate)
    until = float(plan.get("until", 1e9))
    strikes = [list(s) for s in plan.get("strikes", [])]  # [at_s, start_s, end_s]
    pause_at = plan.get("pause_at")
    last_report = 0.0
    while recorder.is_recording and recorder.elapsed_s < until:
        elapsed = recorder.elapsed_s
        for strike in [s for s in strikes if elapsed >= s[0]]:
            strikes.remove(strike)
            recorder.strike(strike[1], strike[2])
            say("struck", start=strike[1], end=strike[2], elapsed=elapsed)
        if pause_at is not None and elapsed >= pause_at:
            pause_at = None
            recorder.pause()
            say("paused", elapsed=recorder.elapsed_s)
            time.sleep(0.3)
            settled = recorder.elapsed_s  # blocks queued before the pause are now written
            time.sleep(float(plan.get("pause_for", 1.0)))
            say("still_paused", settled=settled, elapsed=recorder.elapsed_s,
                paused=recorder.is_paused, level=recorder.level)
            recorder.resume()
            say("resumed", elapsed=recorder.elapsed_s)
        if time.monotonic() - last_report >= 0.05:
            last_report = time.monotonic()
            say("elapsed", s=recorder.elapsed_s, lag_ms=recorder.lag_ms)
        time.sleep(0.005)
    if recorder.error:
        say("error", message=recorder.error, elapsed=recorder.elapsed_s)
    elapsed = recorder.elapsed_s
    try:
        path = recorder.stop()
    except FacilitateError as error:
        say("stop_error", kind=type(error).__name__, message=str(error), elapsed=elapsed)
        return 0
    say("stopped", path=str(path), elapsed=recorder.elapsed_s, overflows=recorder.overflows,
        max_lag_ms=recorder.max_lag_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
