"""A store that cannot be written or read: one clear line, and nothing saved changes.

Full disks are real where the tests may mount a small tmpfs (as root), and an
injected ENOSPC everywhere else; a read-only workspace is a tmpfs remounted
read-only; a forbidden folder is mode 0000, and when the tests run as root the
child process gives up the capabilities that let root ignore modes.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import DATA

from models import SCHEMA_VERSION, RecordingConsent, Segment, Session
from sessions.consent import record_answer
from sessions.errors import (
    AccessDenied,
    DiskFull,
    FacilitateError,
    NotFound,
    ReadOnlyWorkspace,
    StoreDamaged,
)
from sessions.planning import create_session
from sessions.store import STORE_FILE, ConsultationStore, Workspace

FACILITATE = Path(sys.executable).parent / "facilitate"
#: Deep enough to exhaust any parser's recursion.
DEEP = 100_000


def consultation_with_people(workspace: Workspace) -> tuple[ConsultationStore, Session]:
    store = workspace.create_consultation("Day services")
    session = create_session(store, "Drop-in", participants=["Sam", "Alex"])
    return store, session


def store_bytes(store: ConsultationStore) -> bytes:
    return (store.folder / STORE_FILE).read_bytes()


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def assert_one_line(error: BaseException, *parts: str) -> None:
    message = str(error)
    assert "\n" not in message and message.strip() == message
    for part in parts:
        assert part in message, message


# -- a full disk --------------------------------------------------------------------------


def fill_writes_under(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write into a file under ``root`` fails as on a full disk."""
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = str(root)  # no /proc: treat every write as the store's
        if target.startswith(str(root)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_full_disk_on_a_consent_answer_is_one_line_and_changes_nothing(
    private_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace(private_workspace)
    store, session = consultation_with_people(workspace)
    sam, alex = session.participant_ids
    record_answer(store, session.id, sam, RecordingConsent.YES)
    before = store_bytes(store)
    with monkeypatch.context() as patch:
        fill_writes_under(private_workspace, patch)
        with pytest.raises(DiskFull) as caught:
            record_answer(store, session.id, alex, RecordingConsent.YES)
    assert isinstance(caught.value, FacilitateError) and isinstance(caught.value, OSError)
    assert_one_line(caught.value, "is full", "Free some space")
    assert store_bytes(store) == before
    assert temporary_files(store.folder) == []
    # Neither this object nor a fresh one believes the answer was saved.
    assert not store.participant(alex).is_recorded_in(session.id)
    assert len(store.audit()) == 1
    # With room again, the same answer is saved.
    record_answer(store, session.id, alex, RecordingConsent.YES)
    fresh = Workspace(private_workspace).open(store.id)
    assert fresh.participant(alex).is_recorded_in(session.id)
    assert len(fresh.audit()) == 2


def test_full_disk_when_creating_a_consultation_leaves_no_folder(
    private_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace(private_workspace)
    first = workspace.create_consultation("First")
    fill_writes_under(private_workspace, monkeypatch)
    with pytest.raises(DiskFull) as caught:
        workspace.create_consultation("Second")
    assert_one_line(caught.value, "is full")
    monkeypatch.undo()
    folders = [p.name for p in (private_workspace / "consultations").iterdir()]
    assert folders == [first.id]
    assert Workspace(private_workspace).damaged() == []


def mount_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small disk needs root")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real 2 MB disk (tmpfs) holding the workspace."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "2m")
    monkeypatch.setenv("FACILITATE_HOME", str(disk / "workspace"))
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; return the file that did it."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        chunk = b"\0" * 4096
        try:
            while True:
                out.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        try:
            while True:
                out.write(b"\0")
        except OSError:
            pass
    return filler


def test_a_really_full_disk_on_a_consent_answer_changes_nothing(small_disk: Path) -> None:
    workspace = Workspace(small_disk / "workspace")
    store, session = consultation_with_people(workspace)
    sam, alex = session.participant_ids
    record_answer(store, session.id, sam, RecordingConsent.YES)
    before = store_bytes(store)
    filler = fill(small_disk)
    with pytest.raises(DiskFull) as caught:
        record_answer(store, session.id, alex, RecordingConsent.YES)
    assert_one_line(caught.value, "is full")
    with pytest.raises(DiskFull):
        workspace.create_consultation("No room")
    assert store_bytes(store) == before
    assert temporary_files(small_disk) == []
    assert [p.name for p in (small_disk / "workspace" / "consultations").iterdir()] == [store.id]
    filler.unlink()
    record_answer(store, session.id, alex, RecordingConsent.YES)
    assert Workspace(small_disk / "workspace").open(store.id).participant(alex).is_recorded_in(
        session.id
    )


def test_a_read_only_workspace_is_read_and_refuses_writes_in_one_line(small_disk: Path) -> None:
    root = small_disk / "workspace"
    store, session = consultation_with_people(Workspace(root))
    store.save_segments(session.id, [Segment(0.0, 1.0, "hello")])
    before = store_bytes(store)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    workspace = Workspace(root)
    (reopened,) = workspace.stores()
    assert [s.id for s in reopened.sessions()] == [session.id]
    assert [s.text for s in reopened.segments(session.id)] == ["hello"]
    with pytest.raises(ReadOnlyWorkspace) as caught:
        record_answer(reopened, session.id, session.participant_ids[0], RecordingConsent.YES)
    assert_one_line(caught.value, "read-only")
    with pytest.raises(ReadOnlyWorkspace):
        workspace.create_consultation("Nowhere")
    assert store_bytes(store) == before


# -- files that cannot be read -------------------------------------------------------------


def deeply_nested(depth: int = DEEP) -> bytes:
    return b'{"participants": {"1": {"notes": ' + b"[" * depth + b"]" * depth + b"}}}"


def test_a_deeply_nested_store_is_damaged_in_one_line(private_workspace: Path) -> None:
    workspace = Workspace(private_workspace)
    store, _ = consultation_with_people(workspace)
    raw = deeply_nested()
    (store.folder / STORE_FILE).write_bytes(raw)
    with pytest.raises(StoreDamaged) as caught:
        Workspace(private_workspace).open(store.id)
    assert_one_line(caught.value, "nested too deeply", str(store.folder / STORE_FILE))
    fresh = Workspace(private_workspace)
    assert fresh.stores() == []
    (problem,) = fresh.damaged()
    assert "nested too deeply" in problem
    # The store object opened before the damage refuses writes the same way.
    with pytest.raises(StoreDamaged):
        store.save_session(Session(id="s-x", consultation_id=store.id, title="x"))
    assert (store.folder / STORE_FILE).read_bytes() == raw


def test_a_deeply_nested_transcript_is_damaged_in_one_line(private_workspace: Path) -> None:
    store, session = consultation_with_people(Workspace(private_workspace))
    path = store.transcripts_dir / f"{session.id}.json"
    raw = b'{"transcript": {"1": {"segments": ' + b"[" * DEEP + b"]" * DEEP + b"}}}"
    path.write_bytes(raw)
    with pytest.raises(StoreDamaged) as caught:
        store.segments(session.id)
    assert_one_line(caught.value, "nested too deeply")
    assert path.read_bytes() == raw


def test_a_session_in_a_damaged_store_is_not_called_missing(private_workspace: Path) -> None:
    store, session = consultation_with_people(Workspace(private_workspace))
    (store.folder / STORE_FILE).write_bytes(b"{not json")
    with pytest.raises(NotFound) as caught:
        Workspace(private_workspace).find_session(session.id)
    assert_one_line(caught.value, "cannot be read", "damaged")


def test_the_app_home_lists_unreadable_stores(private_workspace: Path) -> None:
    from facilitate.screens.home import read_workspace
    from sessions.services import Services

    good = Workspace(private_workspace).create_consultation("Good")
    bad, _ = consultation_with_people(Workspace(private_workspace))
    (bad.folder / STORE_FILE).write_bytes(deeply_nested())
    summaries, problems = read_workspace(Services.from_root(private_workspace))
    assert [s.consultation.id for s in summaries] == [good.id]
    assert len(problems) == 1 and "nested too deeply" in problems[0]


# -- the command line on stores it cannot read ----------------------------------------------

PR_CAPBSET_DROP = 24
#: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: what lets root ignore a folder's mode.
ROOT_IGNORES_MODES = (1, 2)


def as_an_ordinary_user() -> Callable[[], None] | None:
    """For a child process: give up root's power to ignore file modes (None if not root)."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for cap in ROOT_IGNORES_MODES:
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "cannot drop a capability")

    return drop


def facilitate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FACILITATE), *args], capture_output=True, text=True, timeout=120,
        env=os.environ.copy(), preexec_fn=as_an_ordinary_user(),
    )


def damage_nested(store: ConsultationStore) -> Path:
    path = store.folder / STORE_FILE
    path.write_bytes(deeply_nested())
    return path


def damage_future(store: ConsultationStore) -> Path:
    path = store.folder / STORE_FILE
    data = json.loads(path.read_bytes())
    data["meta"] = {"1": {"schema_version": SCHEMA_VERSION + 1}}
    path.write_bytes(json.dumps(data).encode())
    return path


def damage_forbidden(store: ConsultationStore) -> Path:
    store.folder.chmod(0o000)
    return store.folder


DAMAGES = {
    "nested": (damage_nested, "nested too deeply"),
    "future": (damage_future, f"made by a newer facilitate (schema {SCHEMA_VERSION + 1})"),
    "forbidden": (damage_forbidden, "Permission denied"),
}


@pytest.mark.parametrize("kind", DAMAGES)
def test_the_command_line_reports_an_unreadable_store_in_one_line(
    private_workspace: Path, tmp_path: Path, kind: str
) -> None:
    damage, expected = DAMAGES[kind]
    good = Workspace(private_workspace).create_consultation("Readable")
    store, session = consultation_with_people(Workspace(private_workspace))
    path = damage(store)
    before = path.read_bytes() if path.is_file() else None
    try:
        listing = facilitate("sessions")
        doctor = facilitate("doctor")
        export = facilitate("export", "--consultation", store.id, "--to", str(tmp_path / "out"))
        imported = facilitate(
            "import", str(DATA / "jfk.flac"), "--session", session.id, "--no-transcribe"
        )
    finally:
        store.folder.chmod(0o700)
    for result in (listing, doctor, export, imported):
        assert "Traceback" not in result.stderr + result.stdout, result.stderr

    # The listing shows the readable consultation, says why the other is missing,
    # and fails: something needs the user's attention.
    assert listing.returncode == 1
    assert f"[{good.id}]" in listing.stdout
    (problem,) = [line for line in listing.stderr.splitlines() if line.startswith("! ")]
    assert expected in problem
    # doctor names it as the thing to fix.
    assert "Consultations: " in doctor.stdout and expected in doctor.stdout
    # export and import: one line, a failing status.
    for result in (export, imported):
        assert result.returncode != 0
        (line,) = result.stderr.strip().splitlines()
        assert expected in line
        assert "does not exist" not in line and "No session" not in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    if before is not None:
        assert path.read_bytes() == before


def test_a_forbidden_folder_is_one_line_to_the_store_api(private_workspace: Path) -> None:
    store, _ = consultation_with_people(Workspace(private_workspace))
    child = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sessions.store import Workspace\n"
        "from sessions.errors import AccessDenied\n"
        "workspace = Workspace(Path(sys.argv[1]))\n"
        "print(workspace.consultation_ids())\n"
        "try:\n"
        "    workspace.open(sys.argv[2])\n"
        "except AccessDenied as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    store.folder.chmod(0o000)
    try:
        result = subprocess.run(
            [sys.executable, "-c", child, str(private_workspace), store.id],
            capture_output=True, text=True, timeout=60, preexec_fn=as_an_ordinary_user(),
            cwd=Path(__file__).resolve().parent.parent,
        )
    finally:
        store.folder.chmod(0o700)
    assert result.returncode == 0, result.stderr
    ids, error = result.stdout.strip().splitlines()
    assert ids == repr([store.id])
    assert error.startswith(AccessDenied.__name__) and "Permission denied" in error


def test_full_disk_on_import_is_one_line_and_leaves_no_recording(
    private_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessions.importer import import_audio

    store, session = consultation_with_people(Workspace(private_workspace))
    before = store_bytes(store)
    fill_writes_under(private_workspace, monkeypatch)
    with pytest.raises(DiskFull) as caught:
        import_audio(store, session.id, DATA / "jfk.flac")
    monkeypatch.undo()
    assert_one_line(caught.value, "is full")
    assert store_bytes(store) == before
    assert store.session(session.id).recording is None
    assert [p.name for p in (store.folder / "audio").iterdir()] == []
    # With room again the import goes ahead: the failed one held no claim.
    assert import_audio(store, session.id, DATA / "jfk.flac").duration_s > 10
