"""Crash-test helper: start a real write, then stop dead just before its rename.

Usage: python tests/leftover_writer_child.py KIND WORKSPACE CONSULTATION_ID [ARG]

KIND is ``store`` (save a participant), ``import`` (ARG is
``<session id>:<audio file>``: import that file into that session) or
``export`` (export a report into the folder ARG).

Everything up to the write runs as usual. Then ``os.replace`` is swapped for a
function that prints ``temp <path>`` (the finished, fsynced temporary file) and
sleeps, so the test can SIGKILL this process at exactly the moment a real kill
would leave the temporary copy on disk.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Participant  # noqa: E402
from sessions.store import Workspace  # noqa: E402


def _stop_before_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    print(f"temp {os.fspath(src)}", flush=True)
    time.sleep(600)


def main() -> None:
    kind, root, consultation_id = sys.argv[1], sys.argv[2], sys.argv[3]
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    store = Workspace(Path(root)).open(consultation_id)
    if kind == "import":
        from sessions.audio import load_audio
        from sessions.importer import import_audio

        session_id, audio = arg.split(":", 1)
        load_audio(Path(audio))  # the decoder loads before os.replace is swapped
        os.replace = _stop_before_rename
        import_audio(store, session_id, Path(audio))
    elif kind == "export":
        from sessions.export import export_all

        os.replace = _stop_before_rename
        export_all(store, Path(arg), ["report-md"])
    else:
        os.replace = _stop_before_rename
        store.save_participant(Participant(id="p-secret", pseudonym="Withdrawn words"))
    print("finished", flush=True)  # never reached: the test kills this process first


if __name__ == "__main__":
    main()
