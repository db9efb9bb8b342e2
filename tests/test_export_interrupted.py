"""An export appears whole or not at all: killed at any moment, it never leaves part of a set.

A child process exports a consultation with content (two sessions, quotes in
every state: the ``store`` fixture of tests/test_export_files.py) and is
SIGKILLed at several moments, some timed, some just after it reports a file.
The target folder then holds nothing or every file; the next export removes
what the killed one left next to it.
"""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_export_files import store  # noqa: F401  (the fixture: a store with content)

from sessions.atomic import TEMP_PREFIX
from sessions.errors import FacilitateError
from sessions.export import INCOMPLETE_NOTE, export_all, remove_stale_exports
from sessions.store import ConsultationStore

ROOT = Path(__file__).parent.parent

#: The child: export everything, printing a line after each file it has written.
CHILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from sessions.export import export_all\n"
    "from sessions.store import Workspace\n"
    "store = Workspace(Path(sys.argv[1])).open(sys.argv[2])\n"
    "print('start', flush=True)\n"
    "export_all(store, Path(sys.argv[3]),\n"
    "           on_progress=lambda p: print(f'file {p.done}', flush=True))\n"
    "print('finished', flush=True)\n"
)


def kill_export(root: Path, consultation_id: str, out: Path, *, after_file: int | None,
                delay: float) -> str:
    """Run the child export into ``out`` and SIGKILL it; return the last line it printed.

    ``after_file`` N: kill ``delay`` seconds after it reports its N-th file;
    None: ``delay`` seconds after it starts.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), consultation_id, str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stdout is not None
    last = ""
    try:
        deadline = time.monotonic() + 120
        while after_file is not None and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if not ready:
                continue
            line = proc.stdout.readline()
            if not line:
                break
            last = line.strip()
            if last == f"file {after_file}":
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    return last


def staged_next_to(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(TEMP_PREFIX))


#: (kill after the Nth file or None for a timed kill, delay in seconds)
MOMENTS = [(None, 0.05), (None, 0.4), (None, 0.8), (1, 0.0), (4, 0.0), (9, 0.0),
           (12, 0.0), (12, 0.05), (None, 1.5)]


def test_a_killed_export_leaves_nothing_or_everything(
    store: ConsultationStore, tmp_path: Path  # noqa: F811
) -> None:
    reference = tmp_path / "reference"
    expected = sorted(p.name for p in export_all(store, reference))
    assert len(expected) > 10
    outcomes = []
    for number, (after_file, delay) in enumerate(MOMENTS):
        out = tmp_path / "exports" / f"run-{number}"
        last = kill_export(store.folder.parent.parent, store.id, out,
                           after_file=after_file, delay=delay)
        present = sorted(p.name for p in out.iterdir()) if out.exists() else []
        outcomes.append((after_file, delay, last, len(present)))
        assert present in ([], expected), outcomes
    partial = [o for o in outcomes if o[2].startswith("file ") and o[3] == 0]
    assert partial, f"no kill landed part-way through an export: {outcomes}"
    # What the kills left next to the targets is hidden, and goes with the next export.
    exports = tmp_path / "exports"
    assert all(name.startswith(TEMP_PREFIX) for name in staged_next_to(exports / "x"))
    written = export_all(store, exports / "run-0", overwrite=True)
    assert sorted(p.name for p in written) == expected
    assert staged_next_to(exports / "x") == []
    assert sorted(p.name for p in (exports / "run-0").iterdir()) == expected


def test_the_same_target_killed_again_and_again_then_finished(
    store: ConsultationStore, tmp_path: Path  # noqa: F811
) -> None:
    out = tmp_path / "export"
    root = store.folder.parent.parent
    for after_file in (2, 7):
        kill_export(root, store.id, out, after_file=after_file, delay=0.0)
        assert not out.exists()
    written = export_all(store, out)
    assert len(written) > 10
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    assert staged_next_to(out) == []


def test_an_empty_folder_is_filled_whole_and_keeps_its_permissions(
    store: ConsultationStore, tmp_path: Path  # noqa: F811
) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    os.chmod(out, 0o750)
    written = export_all(store, out, ["report-md", "quotes-csv"])
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert staged_next_to(out) == []


def test_a_folder_with_other_files_says_when_a_move_was_cut_short(
    store: ConsultationStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "mine.txt").write_text("the facilitator's own notes")
    real_replace = os.replace
    moved: list[str] = []

    def stop_after_two(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).parent == out and Path(dst).name != INCOMPLETE_NOTE:
            if len(moved) == 2:
                raise OSError(5, "Input/output error")  # as a kill would stop it
            moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", stop_after_two)
    with pytest.raises(OSError):
        export_all(store, out)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (out / INCOMPLETE_NOTE).exists()
    assert "Export again" in (out / INCOMPLETE_NOTE).read_text()
    assert (out / "mine.txt").read_text() == "the facilitator's own notes"
    assert staged_next_to(out) == []  # the failed export tidied its own folder
    # A smaller export does not clear the note: those files are still a mix.
    export_all(store, out, ["report-md"], overwrite=True)
    assert (out / INCOMPLETE_NOTE).exists()
    written = export_all(store, out, overwrite=True)
    assert not (out / INCOMPLETE_NOTE).exists()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*(p.name for p in written), "mine.txt"])


def test_a_refused_export_writes_nothing(
    store: ConsultationStore, tmp_path: Path  # noqa: F811
) -> None:
    out = tmp_path / "out"
    export_all(store, out, ["report-md"])
    with pytest.raises(FacilitateError, match="report.md already exists"):
        export_all(store, out)
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]
    assert staged_next_to(out) == []


def test_a_live_writers_export_folder_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f"{TEMP_PREFIX}{sleeper.pid}-0badc0de-out.tmp"
        live.mkdir()
        (live / "report.md").write_text("words")
        assert remove_stale_exports(tmp_path) == []
        assert live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_exports(tmp_path) == [live]
    assert not live.exists()
