"""Test helper: write to a store in a loop, saying when each write is complete.

Usage: python tests/store_writer.py WORKSPACE CONSULTATION_ID COUNT [TAG [SECONDS]]

Each round saves participant ``<TAG>-<i>`` (TAG defaults to ``p``) and then
records their recording consent (the participant and its audit event, written
together), then prints ``done <i>``. It stops after COUNT rounds or, given
SECONDS, once that long has passed. The crash test kills this process with
SIGKILL part way through; the sharing test runs two of them on one
consultation at once and counts what each reported.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Participant, RecordingConsent  # noqa: E402
from sessions.store import Workspace  # noqa: E402


def main() -> None:
    root, consultation_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tag = sys.argv[4] if len(sys.argv) > 4 else "p"
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else None
    store = Workspace(Path(root)).open(consultation_id)
    stop = time.monotonic() + seconds if seconds is not None else None
    for i in range(count):
        if stop is not None and time.monotonic() > stop:
            break
        # Padding makes each write big enough to be caught half done.
        store.save_participant(Participant(id=f"{tag}-{i}", pseudonym=f"P{i}", notes="x" * 2000))
        store.set_recording_consent(f"{tag}-{i}", "s-1", RecordingConsent.YES)
        print(f"done {i}", flush=True)


if __name__ == "__main__":
    main()
