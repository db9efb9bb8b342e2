"""Only regular files are audio: odd things given to the real command line fail fast, on one line.

A named pipe would block an open for ever, ``/dev/zero`` never ends, a link
loop is not "missing", and a newline in a name must not split the message.
Each case runs ``facilitate transcribe`` and ``facilitate import`` as real
processes on real files of each kind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessions.audio import shown
from sessions.planning import create_session
from sessions.services import Services

#: Every odd case must be answered within this many seconds.
LIMIT_S = 5.0


def odd_path(kind: str, folder: Path) -> Path:
    """Make one odd thing of ``kind`` in ``folder`` and return its path."""
    if kind == "fifo":
        path = folder / "pipe.wav"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "socket":
        path = folder / "sock.wav"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()  # the socket file stays; nothing listens
    elif kind == "folder":
        path = folder / "folder.wav"
        path.mkdir()
    elif kind == "loop":
        path = folder / "loop.wav"
        path.symlink_to(path.name)
    elif kind == "newline":
        path = folder / "first line\nsecond line.wav"
        path.write_bytes(b"not audio at all, just words")
    else:
        raise AssertionError(kind)
    return path


#: What the one line must say for each kind.
EXPECTED = {
    "fifo": "is a named pipe (FIFO), not an audio file",
    "device": "is a device, not an audio file",
    "socket": "is a socket, not an audio file",
    "folder": "is a folder, not an audio file",
    "loop": "is a link that points to itself (a loop)",
    "newline": "first line\\nsecond line.wav is not an audio file",
}


@pytest.fixture
def session_id() -> str:
    """A session in a fresh consultation, with no recording yet."""
    store = Services.from_root().workspace.create_consultation("Library services")
    return create_session(store, "Drop-in", participants=["Sam"]).id


def run_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the installed ``facilitate`` script; return its result and how long it took."""
    script = Path(sys.executable).with_name("facilitate")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "facilitate"]
    started = time.monotonic()
    result = subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, env=os.environ.copy()
    )
    return result, time.monotonic() - started


@pytest.fixture
def odd_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "odd"
    folder.mkdir()
    yield folder


@pytest.mark.parametrize("command", ["transcribe", "import"])
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_odd_files_get_one_line_fast(
    kind: str, command: str, odd_folder: Path, session_id: str
) -> None:
    path = odd_path(kind, odd_folder)
    args = [command, str(path)] + (["--session", session_id] if command == "import" else [])
    result, took = run_cli(*args)
    assert took < LIMIT_S, f"{kind}: took {took:.1f} s"
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert EXPECTED[kind] in lines[0]
    assert lines[0].startswith("facilitate: ")
    if command == "import":  # nothing was imported
        store, session = Services.from_root().workspace.find_session(session_id)
        assert session.recording is None
        assert not list((store.folder / "audio").glob("*.flac"))


def test_names_are_shown_on_one_line() -> None:
    assert shown("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert shown("esc\x1b[31mred") == "esc\\x1b[31mred"
    assert shown("right\u202eleft") == "right\\u202eleft"
    assert shown("para\u2029graph") == "para\\u2029graph"
    assert shown(os.fsdecode(b"bad\xffbyte")) == "bad\\udcffbyte"
    assert shown("Café ünïcode 日本 ok.wav") == "Café ünïcode 日本 ok.wav"
