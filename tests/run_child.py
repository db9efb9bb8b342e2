"""Runs a session through the run service in its own process, for tests/test_run.py.

PortAudio reads the ALSA configuration once per process, so each recording runs
here with the virtual microphone's environment. The plan comes as one JSON
argument: the session, and the marks to make at given recording times. Events go
to stdout as JSON lines (the same ``say`` as tests/recorder_child.py).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorder_child import say  # noqa: E402

from sessions.errors import FacilitateError  # noqa: E402
from sessions.run import start_recording  # noqa: E402
from sessions.services import Services  # noqa: E402


def main() -> int:
    """Record the session in argv[1]'s plan, making its marks, then stop."""
    plan = json.loads(sys.argv[1])
    services = Services.from_root(plan["home"])
    store, _session = services.workspace.find_session(plan["session_id"])
    try:
        run = start_recording(store, plan["session_id"])
    except FacilitateError as error:
        say("start_error", kind=type(error).__name__, message=str(error))
        return 0
    say("started")
    # [at_s, what, *args]: "speaker" pid | "strike" start end | "moment" | "step"
    actions = sorted(plan.get("actions", []), key=lambda a: a[0])
    until = float(plan["until"])
    while run.is_recording and run.elapsed_s < until:
        run.tick()
        while actions and run.elapsed_s >= actions[0][0]:
            at, what, *args = actions.pop(0)
            if what == "speaker":
                marker = run.mark_speaker(args[0])
            elif what == "strike":
                marker = run.strike((float(args[0]), float(args[1])))
            elif what == "moment":
                marker = run.mark_moment()
            else:
                marker = run.next_step()
            say("marked", what=what, at_s=marker.at_s if marker else None)
        time.sleep(0.005)
    if run.error:
        say("error", message=run.error)
    try:
        recording = run.stop()
    except FacilitateError as error:
        say("stop_error", message=str(error))
        return 0
    say("stopped", file=recording.file, duration_s=recording.duration_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
