"""Crash-test helper: write to a store in a loop, saying when each write is complete.

Usage: python tests/store_writer.py WORKSPACE CONSULTATION_ID COUNT

Each round saves participant ``p-<i>`` and then records their recording consent
(the participant and its audit event, written together), then prints
``done <i>``. The test kills this process with SIGKILL part way through.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Participant, RecordingConsent  # noqa: E402
from sessions.store import Workspace  # noqa: E402


def main() -> None:
    root, consultation_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Workspace(Path(root)).open(consultation_id)
    for i in range(count):
        # Padding makes each write big enough to be caught half done.
        store.save_participant(Participant(id=f"p-{i}", pseudonym=f"P{i}", notes="x" * 2000))
        store.set_recording_consent(f"p-{i}", "s-1", RecordingConsent.YES)
        print(f"done {i}", flush=True)


if __name__ == "__main__":
    main()
