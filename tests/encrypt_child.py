"""Encrypts one consultation in its own process, for the kill test in tests/test_encryption.py.

argv: the workspace folder, the consultation id, the passphrase. Before sealing
each file it says so on stdout (one JSON line, flushed) and waits a moment, so
the test can kill it between any two files, or while a file is being sealed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sessions.encryption as encryption  # noqa: E402
from sessions.store import Workspace  # noqa: E402


def main() -> int:
    """Encrypt the consultation named in argv, announcing each file."""
    root, consultation_id, passphrase = sys.argv[1:4]
    store = Workspace(Path(root)).open(consultation_id)
    seal = encryption.seal_in_place

    def announced(path: Path, key: encryption.Key) -> None:
        print(json.dumps({"sealing": path.name}), flush=True)
        time.sleep(0.1)
        seal(path, key)

    encryption.seal_in_place = announced  # type: ignore[assignment]
    encryption.SCRYPT_N = 2**12  # a test: the cost of a guess is not what is checked here
    encryption.encrypt_consultation(store, passphrase)
    print(json.dumps({"done": True}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
