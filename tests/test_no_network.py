"""Nothing is sent anywhere, and nothing is written outside the workspace.

The real command line runs under ``strace`` with a fresh, empty home folder.
The trace must show no attempt to reach the network (a connection or a
datagram to an IPv4/IPv6 address; local Unix sockets are fine) and no file
created, written, renamed or removed outside the workspace, the temporary
folder the test gives it and the Python installation. Dependencies are the
usual culprits: onnxruntime (faster-whisper's voice detector) otherwise queues
telemetry under ``~/.cache/Microsoft`` and calls Microsoft's collector.

Without strace these tests skip on a laptop; ``FACILITATE_STRICT=1`` (CI)
turns that skip into a failure, as for the model.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DATA, require_model, skip_or_fail

#: System calls traced: every way to reach the network or change a file.
#: A leading ``?`` lets strace ignore names this architecture lacks.
TRACED = (
    "network",
    "?open",
    "openat",
    "?openat2",
    "?creat",
    "?mkdir",
    "mkdirat",
    "?rename",
    "renameat",
    "?renameat2",
    "?unlink",
    "unlinkat",
    "?link",
    "linkat",
    "?symlink",
    "symlinkat",
)

#: Environment variables that switch telemetry or network access off. The test
#: removes them so that it proves facilitate sets them itself.
SWITCHES = (
    "ORT_DISABLE_TELEMETRY",
    "HF_HUB_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
    "HF_HUB_DISABLE_UPDATE_CHECK",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN",
    "TRANSFORMERS_OFFLINE",
    "DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
)

#: Where per-user caches and settings would go if these were set; unset, they
#: fall back to the fresh home folder, where any write is caught.
USER_DIRS = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "HF_HOME")

WRITE_FLAGS = re.compile(r"\bO_(WRONLY|RDWR|CREAT|TRUNC|APPEND)\b")
#: A path argument, with the directory fd before it when the call has one
#: (``-y`` prints that fd's path in angle brackets).
PATH_ARG = re.compile(r'(?:(AT_FDCWD|\d+)(?:<([^>]*)>)?,\s*)?"((?:[^"\\]|\\.)*)"')
CALL = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(.*)$")
INET = re.compile(r"\bAF_INET6?\b")
#: The traced calls that can change a file (the rest of TRACED is the network).
FILE_CALLS = {name.lstrip("?") for name in TRACED if name != "network"}

#: How long the open-app test keeps its process alive after transcribing (seconds).
OPEN_FOR_S = 15

#: Calls on a socket that reach out (or get ready to be reached).
SENDS = {"connect", "sendto", "sendmsg", "sendmmsg", "bind", "listen"}


@dataclass
class Trace:
    """What a traced run tried: network attempts, and files it changed."""

    network: list[str]
    writes: list[tuple[str, Path]]


def require_strace() -> str:
    """The strace command; skips (or fails under FACILITATE_STRICT=1) when it cannot trace."""
    strace = shutil.which("strace")
    if strace is None:
        skip_or_fail("strace is not installed (apt-get install strace)")
    probe = subprocess.run(
        [strace, "-f", "-o", os.devnull, "true"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        skip_or_fail(f"strace cannot trace processes here: {probe.stderr.strip()}")
    return strace


def merged_calls(text: str) -> list[str]:
    """The trace's lines, each call whole: strace -f splits calls that threads interleave."""
    pending: dict[str, str] = {}
    calls: list[str] = []
    for line in text.splitlines():
        pid, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            continue
        resumed = re.match(r"<\.\.\. \w+ resumed>(.*)$", rest)
        if resumed:
            rest = pending.pop(pid, "") + resumed.group(1)
        calls.append(f"{pid} {rest}")
    return calls


def parse_trace(text: str, cwd: Path) -> Trace:
    """Find network attempts and file changes in an ``strace -f -y`` log."""
    network: list[str] = []
    writes: list[tuple[str, Path]] = []
    inet_fds: set[str] = set()
    for line in merged_calls(text):
        match = CALL.match(line)
        if match is None:
            continue
        _pid, name, args, result, _tail = match.groups()
        failed = result.startswith("-")
        if name == "socket" and not failed:
            fd = result
            if INET.match(args.strip()):
                inet_fds.add(fd)
            else:
                inet_fds.discard(fd)
            continue
        if name in SENDS:
            fd = re.match(r"\s*(\d+)", args)
            # Any attempt counts, answered or not: the promise is that none is made.
            if INET.search(args) or (fd is not None and fd.group(1) in inet_fds):
                network.append(line)
            continue
        if failed or name not in FILE_CALLS:
            continue  # A file that was not changed, or a call that changes none.
        for path in changed_paths(name, args, cwd):
            writes.append((name, path))
    return Trace(network, writes)


def changed_paths(name: str, args: str, cwd: Path) -> list[Path]:
    """The paths a successful file call created, wrote, renamed or removed."""
    if name in ("open", "openat", "openat2") and not WRITE_FLAGS.search(args):
        return []
    found: list[Path] = []
    for dirfd, dirpath, raw in PATH_ARG.findall(args):
        path = raw.encode().decode("unicode_escape")
        if dirpath:
            base = Path(dirpath)  # The directory fd's path, as ``-y`` prints it.
        elif dirfd and dirfd != "AT_FDCWD":
            base = Path(f"<fd {dirfd}>")  # Unknown: reported as outside.
        else:
            base = cwd
        found.append(Path(os.path.normpath(base / path)))
    if name in ("symlink", "symlinkat"):
        found = found[1:]  # The target is only text; the link is what is made.
    return found


def python_roots() -> list[Path]:
    """The Python installation and virtual environment (byte-code caches go there)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {sysconfig.get_paths()[key] for key in ("purelib", "platlib", "stdlib")}
    return [Path(os.path.realpath(p)) for p in paths]


def outside(writes: list[tuple[str, Path]], allowed: list[Path]) -> list[str]:
    """The file changes outside ``allowed`` folders (ephemeral system files aside)."""
    repo = Path(__file__).resolve().parent.parent
    roots = [Path(os.path.realpath(p)) for p in allowed] + python_roots()
    bad: list[str] = []
    for name, path in writes:
        real = Path(os.path.realpath(path))
        if any(real == root or root in real.parents for root in roots):
            continue
        if str(real) == os.devnull:
            continue
        # POSIX semaphores (multiprocessing locks): made and unlinked at once, in memory.
        if real.parent == Path("/dev/shm") and real.name.startswith("sem."):
            continue
        # Byte-code caches of the source tree, when it is installed in place.
        if repo in real.parents and "__pycache__" in real.parts:
            continue
        bad.append(f"{name} {path}")
    return bad


def facilitate_command() -> list[str]:
    """The installed ``facilitate`` command, as a user runs it."""
    script = Path(sys.executable).with_name("facilitate")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "facilitate"]


@dataclass
class Folders:
    """The folders a traced run is given: a fresh home, the workspace, and temp."""

    home: Path
    workspace: Path
    temp: Path


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    """Fresh, empty folders for one traced run."""
    made = Folders(tmp_path / "home", tmp_path / "workspace", tmp_path / "temp")
    for folder in (made.home, made.workspace, made.temp):
        folder.mkdir()
    return made


def clean_env(folders: Folders) -> dict[str, str]:
    """The environment of a user with a fresh home: no telemetry switches set for us."""
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES + USER_DIRS}
    env.update(
        HOME=str(folders.home),
        FACILITATE_HOME=str(folders.workspace),
        TMPDIR=str(folders.temp),
    )
    return env


def traced_run(strace: str, args: list[str], folders: Folders) -> tuple[str, Trace]:
    """Run facilitate ARGS under strace; return its output and what it tried."""
    log = folders.temp.parent / "strace.log"
    command = [strace, "-f", "-y", "-o", str(log), "-e", "trace=" + ",".join(TRACED), "--"]
    result = subprocess.run(
        command + facilitate_command() + args,
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(folders),
        cwd=folders.temp,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, parse_trace(log.read_text(errors="replace"), folders.temp)


def assert_private(trace: Trace, folders: Folders) -> None:
    """No network attempt, no change outside the workspace, nothing left in home or temp."""
    problems = [f"network attempt: {line}" for line in trace.network]
    bad = outside(trace.writes, [folders.workspace, folders.temp])
    problems += [f"changed outside the workspace: {line}" for line in bad]
    if (folders.home / ".cache" / "Microsoft").exists():
        problems.append("~/.cache/Microsoft exists (onnxruntime's telemetry queue)")
    problems += [f"left in home: {p}" for p in sorted(folders.home.rglob("*"))]
    # Temporary files are the app's own business while it runs, but none may stay
    # (a telemetry session file would).
    problems += [f"left in temp: {p}" for p in sorted(folders.temp.rglob("*"))]
    assert problems == [], "\n".join(problems)


@pytest.mark.needs_model
def test_transcribe_sends_nothing_and_writes_only_the_workspace(folders: Folders) -> None:
    """`facilitate transcribe` reaches no network and writes nothing outside the workspace."""
    require_model()
    strace = require_strace()
    out, trace = traced_run(
        strace,
        ["--data-dir", str(folders.workspace), "transcribe", str(DATA / "jfk.flac")],
        folders,
    )
    assert "ask not what your country" in out.lower()
    assert_private(trace, folders)


@pytest.mark.needs_model
def test_demo_sends_nothing_and_writes_only_the_workspace(folders: Folders) -> None:
    """`facilitate demo --no-app` (prepare and transcribe the demo) stays private too."""
    require_model()
    strace = require_strace()
    out, trace = traced_run(
        strace, ["--data-dir", str(folders.workspace), "demo", "--no-app"], folders
    )
    assert "is ready" in out
    assert (folders.workspace / "consultations").is_dir()
    assert_private(trace, folders)


@pytest.mark.needs_model
def test_transcriber_kept_open_sends_nothing(folders: Folders) -> None:
    """The Transcriber the app and live transcription use, kept open as the app is.

    onnxruntime's uploader first reaches out some ten seconds after it starts,
    later than a short command takes, so this process waits a while after
    transcribing. It is traced when strace is here; without strace (on a laptop)
    it still checks that nothing is left in the home or temporary folders.
    """
    require_model()
    script = (
        "import time\n"
        "from pathlib import Path\n"
        "from sessions.transcriber import Transcriber\n"
        "from sessions.whisper_models import resolve_model\n"
        "model = resolve_model(None, Path('models'))\n"
        f"segments = Transcriber(model).transcribe(Path({str(DATA / 'jfk.flac')!r}))\n"
        "print(' '.join(s.text for s in segments), flush=True)\n"
        f"time.sleep({OPEN_FOR_S})\n"
    )
    strace = shutil.which("strace")
    log = folders.temp.parent / "strace.log"
    command = [sys.executable, "-c", script]
    if strace is not None:
        command = [strace, "-f", "-y", "-o", str(log), "-e", "trace=" + ",".join(TRACED), "--"]
        command += [sys.executable, "-c", script]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(folders),
        cwd=folders.temp,
    )
    assert result.returncode == 0, result.stderr
    assert "ask not what your country" in result.stdout.lower()
    if strace is not None:
        assert_private(parse_trace(log.read_text(errors="replace"), folders.temp), folders)
    else:
        assert not (folders.home / ".cache" / "Microsoft").exists()
        assert sorted(folders.home.rglob("*")) == []
        assert sorted(folders.temp.rglob("*")) == []


def test_loading_faster_whisper_switches_telemetry_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing faster-whisper the app's way sets every switch its dependencies honour."""
    from sessions.whisper_models import import_faster_whisper

    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)
    import_faster_whisper()
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert os.environ.get("HF_HUB_DISABLE_TELEMETRY") == "1"
    assert os.environ.get("DO_NOT_TRACK") == "1"


def test_trace_parser_finds_network_and_writes(tmp_path: Path) -> None:
    """The strace reading itself: inet attempts and file changes are found, the rest is not."""
    log = "\n".join(
        [
            '10 openat(AT_FDCWD</w>, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3</etc/hosts>',
            '10 openat(AT_FDCWD, "rel.txt", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3',
            '10 openat(6</h/.cache/x>, "deviceid.tmp", O_WRONLY|O_CREAT|O_EXCL, 0600) = 7',
            '10 mkdir("/h/.cache", 0700) = 0',
            '10 mkdir("/h/.exists", 0700) = -1 EEXIST (File exists)',
            '10 renameat2(AT_FDCWD, "/w/a.tmp", AT_FDCWD, "/w/a", 0) = 0',
            "10 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 4",
            '10 connect(4<socket:[1]>, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0',
            "11 socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, IPPROTO_IP <unfinished ...>",
            "12 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 9",
            "11 <... socket resumed>) = 8",
            '11 sendto(8, "Y\\27\\1", 50, MSG_NOSIGNAL, NULL, 0) = 50',
            "13 connect(5, {sa_family=AF_INET, sin_port=htons(443), "
            'sin_addr=inet_addr("1.2.3.4")}, 16) = -1 ENETUNREACH (Network is unreachable)',
        ]
    )
    trace = parse_trace(log, tmp_path)
    assert len(trace.network) == 2
    assert "sendto(8" in trace.network[0] and "inet_addr" in trace.network[1]
    assert trace.writes == [
        ("openat", tmp_path / "rel.txt"),
        ("openat", Path("/h/.cache/x/deviceid.tmp")),
        ("mkdir", Path("/h/.cache")),
        ("renameat2", Path("/w/a.tmp")),
        ("renameat2", Path("/w/a")),
    ]
    assert outside(trace.writes, [tmp_path, Path("/w")]) == [
        "openat /h/.cache/x/deviceid.tmp",
        "mkdir /h/.cache",
    ]
