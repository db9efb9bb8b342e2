"""A facilitator marking speakers while the microphone and the disk stall, for test_marks_clock.

Runs in its own process: PortAudio reads the ALSA configuration once, and the
virtual microphone's must be in place before sounddevice is first imported. The
"facilitator" presses a speaker key the moment the speech at each planned point
has come out of the microphone; each mark must land there in the audio.
Events go to stdout as JSON lines.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorder_child import say  # noqa: E402
from virtual_mic import VirtualMic, load_speech  # noqa: E402

from models import RecordingConsent  # noqa: E402
from sessions.consent import record_answer  # noqa: E402
from sessions.planning import create_session  # noqa: E402
from sessions.run import start_recording  # noqa: E402
from sessions.services import Services  # noqa: E402


def stall_the_disk(after_s: float, for_s: float) -> None:
    """The recorder's first fsync ``after_s`` wall seconds from now takes ``for_s`` longer."""
    real_fsync = os.fsync
    due = time.monotonic() + after_s
    stalled = threading.Event()

    def slow_fsync(fd: int) -> None:
        if (not stalled.is_set() and time.monotonic() >= due
                and threading.current_thread().name.startswith("recorder-")):
            stalled.set()
            time.sleep(for_s)
        real_fsync(fd)

    os.fsync = slow_fsync  # type: ignore[assignment]


def main() -> int:
    """Record, marking at the planned points of the audio, then stop and report."""
    plan = json.loads(sys.argv[1])
    speech = load_speech(Path(plan["speech"]))[: int(plan["seconds"] * 16000)]
    mic = VirtualMic(Path(plan["mic"]), speech, speed=plan["speed"],
                     stalls={float(k): v for k, v in plan["mic_stalls"].items()})
    mic.install_env()
    services = Services.from_root(plan["home"])
    store = services.workspace.create_consultation("Marks")
    session = create_session(store, "Stalls", participants=["Sam", "Alex"])
    people = [p.id for p in store.participants()]
    for pid in people:
        record_answer(store, session.id, pid, RecordingConsent.YES)
    with mic:
        run = start_recording(store, session.id)
        mic.go()
        stall_the_disk(*plan["disk_stall"])
        for n, point in enumerate(plan["marks"]):
            while mic.fed_s < point:
                time.sleep(0.002)
            heard = mic.fed_s
            marker = run.mark_speaker(people[n % 2])
            say("marked", point=heard, at_s=marker.at_s, written_s=run.recorder.elapsed_s)
        while mic.fed_s < plan["seconds"]:
            time.sleep(0.01)
        recording = run.stop()
    say("stopped", duration_s=recording.duration_s, overflows=run.recorder.overflows,
        level=float(np.float32(run.recorder.level)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
