"""Temporary copies a killed writer leaves behind are removed, and only those.

A process killed between writing a temporary file and renaming it leaves a
hidden copy of what it wrote: a store, a recording, an export. Those copies may
hold words a participant later withdrew, so the next open of the store, of the
session, or of the export folder removes every one whose writer is gone, and
never one a live process is still writing. These tests kill real processes
mid-write (see tests/leftover_writer_child.py).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import Participant
from sessions.atomic import (
    TEMP_PREFIX,
    atomic_write_bytes,
    process_alive,
    remove_stale_temps,
    temp_path,
    temp_writer,
)
from sessions.export import export_all
from sessions.planning import create_session
from sessions.recovery import pcm_to_flac
from sessions.run import recover_session
from sessions.store import STORE_FILE, ConsultationStore, Workspace

CHILD = Path(__file__).parent / "leftover_writer_child.py"


@pytest.fixture
def workspace(private_workspace: Path) -> Workspace:
    return Workspace(private_workspace)


@pytest.fixture
def store(workspace: Workspace) -> ConsultationStore:
    store = workspace.create_consultation("Day services", "What helps?")
    store.save_participant(Participant(id="p-1", pseudonym="Sam"))
    return store


def kill_mid_write(*args: str) -> Path:
    """Run the child writer, SIGKILL it once its temporary file is written; return that file."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while not line.startswith("temp ") and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline()
                if not line and proc.poll() is not None:
                    break
        assert line.startswith("temp "), f"the child never reached its rename: {line!r}"
        temp = Path(line[len("temp "):].strip())
        assert temp.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert temp.exists(), "the kill itself must leave the temporary copy behind"
    assert temp.name.startswith(f"{TEMP_PREFIX}{proc.pid}-")
    return temp


def dead_pid() -> int:
    """The id of a process that has finished (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def temps_in(*folders: Path) -> list[str]:
    return sorted(
        p.name for folder in folders if folder.is_dir() for p in folder.iterdir()
        if p.name.startswith(TEMP_PREFIX)
    )


# -- killed for real ------------------------------------------------------------------------


def test_a_store_write_killed_mid_way_is_cleaned_when_the_store_opens(
    workspace: Workspace, store: ConsultationStore
) -> None:
    temp = kill_mid_write("store", str(workspace.root), store.id)
    assert temp.parent == store.folder
    assert b"Withdrawn words" in temp.read_bytes()
    reopened = Workspace(workspace.root).open(store.id)
    assert not temp.exists()
    assert temps_in(store.folder) == []
    # The kill came before the rename: the store is the one from before it.
    assert [p.id for p in reopened.participants()] == ["p-1"]


def test_an_import_killed_mid_way_is_cleaned_when_the_session_opens(
    workspace: Workspace, store: ConsultationStore, data_dir: Path
) -> None:
    session = create_session(store, "Painting", participants=["Jo"])
    temp = kill_mid_write(
        "import", str(workspace.root), store.id, f"{session.id}:{data_dir / 'jfk.flac'}"
    )
    assert temp.parent == store.audio_dir
    assert temp.stat().st_size > 10_000  # the whole recording, fsynced
    # The session screen recovers its session on opening; that clears the audio folder.
    assert recover_session(store, session.id) is None
    assert not temp.exists()
    assert temps_in(store.audio_dir) == []
    assert store.session(session.id).recording is None


def test_an_import_killed_mid_way_is_cleaned_when_the_store_opens(
    workspace: Workspace, store: ConsultationStore, data_dir: Path
) -> None:
    session = create_session(store, "Painting", participants=["Jo"])
    temp = kill_mid_write(
        "import", str(workspace.root), store.id, f"{session.id}:{data_dir / 'jfk.flac'}"
    )
    Workspace(workspace.root).open(store.id)
    assert not temp.exists()


def test_an_export_killed_mid_way_is_cleaned_by_the_next_export_there(
    workspace: Workspace, store: ConsultationStore, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    temp = kill_mid_write("export", str(workspace.root), store.id, str(out))
    # An export is written whole in a hidden folder next to its target, then moved in.
    assert temp.parent == out.parent
    assert (temp / "report.md").exists()
    assert not out.exists()
    written = export_all(store, out, ["quotes-csv"])
    assert not temp.exists()
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in written]


# -- whose files are removed ------------------------------------------------------------------


def test_a_live_writers_temporary_files_are_left_alone(
    workspace: Workspace, store: ConsultationStore, tmp_path: Path
) -> None:
    session = create_session(store, "Painting", participants=["Jo"])
    out = tmp_path / "export"
    out.mkdir()
    folders = [store.folder, store.transcripts_dir, store.audio_dir, out]
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = [f / f"{TEMP_PREFIX}{writer.pid}-0badc0de-busy.tmp" for f in folders]
        mine = [temp_path(f / "also-busy") for f in folders]  # this process: alive too
        gone = [f / f"{TEMP_PREFIX}{dead_pid()}-0badc0de-left.tmp" for f in folders]
        for path in live + mine + gone:
            path.write_bytes(b"words")
        Workspace(workspace.root).open(store.id)
        recover_session(store, session.id)
        export_all(store, out, ["quotes-csv"])
        assert all(p.exists() for p in live + mine)
        assert not any(p.exists() for p in gone)
    finally:
        writer.kill()
        writer.wait()
    Workspace(workspace.root).open(store.id)
    export_all(store, out, ["quotes-csv"], overwrite=True)
    assert not any(p.exists() for p in live)
    assert all(p.exists() for p in mine)  # this process still runs


def test_a_killed_writer_not_yet_reaped_counts_as_gone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        assert process_alive(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while process_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not process_alive(proc.pid)  # a zombie until waited for
    finally:
        proc.wait()
    assert not process_alive(proc.pid)
    assert process_alive(os.getpid())


def test_names_from_earlier_versions_are_cleaned_and_nothing_else(tmp_path: Path) -> None:
    dead = dead_pid()
    old = [
        f".{STORE_FILE}.{dead}.tmp", f".{STORE_FILE}.{dead}.0badc0de.tmp", f".s-1.flac.{dead}.tmp"
    ]
    kept = [
        f".{STORE_FILE}.{os.getpid()}.0badc0de.tmp",  # this process: alive
        STORE_FILE, "notes.tmp", ".hidden", f"{TEMP_PREFIX}notapid-x.tmp",
        f"{TEMP_PREFIX}0-0badc0de-x.tmp",  # pid 0 is nobody's: never signalled, never removed
    ]
    for name in old + kept:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / f"{TEMP_PREFIX}{dead}-0badc0de-folder.tmp").mkdir()  # only files are removed
    removed = remove_stale_temps(tmp_path, tmp_path / "missing")
    assert sorted(p.name for p in removed) == sorted(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        kept + [f"{TEMP_PREFIX}{dead}-0badc0de-folder.tmp"]
    )


def test_every_writer_names_its_temporary_file_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def watch(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watch)
    atomic_write_bytes(tmp_path / "a.json", b"{}")
    partial = tmp_path / "s-1.pcm.partial"
    partial.write_bytes(b"\x01\x00" * 16000)
    pcm_to_flac(partial, tmp_path / "s-1.flac", 16000, 1, [])
    assert len(seen) == 2
    for name in seen:
        assert name.startswith(f"{TEMP_PREFIX}{os.getpid()}-") and name.endswith(".tmp")
        assert temp_writer(name) == os.getpid()
    long = temp_path(tmp_path / ("x" * 250))
    assert len(long.name) < 200  # a long export name still makes a legal temporary name
