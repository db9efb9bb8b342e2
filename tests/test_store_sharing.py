"""One consultation open in several processes at once: the app, a second window, the CLI.

Real processes on real files: every write a process reports is on disk
afterwards, a long-lived store sees what another process wrote and goes on
writing, and of two imports into one session exactly one wins.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA

from models import Participant, RecordingConsent, Segment
from sessions.consent import record_answer
from sessions.planning import create_session
from sessions.store import STORE_FILE, Workspace
from sessions.store_lock import LOCK_FILE

WRITER = Path(__file__).parent / "store_writer.py"
FACILITATE = Path(sys.executable).parent / "facilitate"
#: How long each of the two writers keeps writing.
WRITE_SECONDS = 4.0


@pytest.fixture
def workspace(private_workspace: Path) -> Workspace:
    return Workspace(private_workspace)


def start_writer(root: Path, consultation_id: str, tag: str, count: int = 1_000_000,
                 seconds: float | None = WRITE_SECONDS) -> subprocess.Popen[str]:
    args = [sys.executable, str(WRITER), str(root), consultation_id, str(count), tag]
    if seconds is not None:
        args.append(str(seconds))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def reported_writes(proc: subprocess.Popen[str], tag: str) -> set[str]:
    """The participant ids a writer said were saved; it must have ended cleanly."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return {f"{tag}-{line.split()[1]}" for line in out.splitlines() if line.startswith("done ")}


def test_two_processes_writing_one_consultation_lose_no_write(workspace: Workspace) -> None:
    store = workspace.create_consultation("Shared")
    writers = {tag: start_writer(workspace.root, store.id, tag) for tag in ("a", "b")}
    reported = {tag: reported_writes(proc, tag) for tag, proc in writers.items()}
    everything = reported["a"] | reported["b"]
    # Both made progress side by side, not one after the other.
    assert len(reported["a"]) >= 5 and len(reported["b"]) >= 5, reported

    fresh = Workspace(workspace.root).open(store.id)
    saved = {p.id for p in fresh.participants()}
    consented = {p.id for p in fresh.participants() if p.is_recorded_in("s-1")}
    audited = [e.participant_id for e in fresh.audit()]
    assert everything - saved == set(), f"lost {len(everything - saved)} of {len(everything)}"
    assert everything <= consented
    assert everything <= set(audited)
    assert len(audited) == len(set(audited)), "an audit event was written twice"
    # tinydb document ids stayed unique across both writers.
    raw = json.loads((store.folder / STORE_FILE).read_bytes())
    assert len(raw["audit"]) == len(audited)
    print(f"two writers: {len(everything)} reported writes, 0 lost")


def test_a_long_lived_store_sees_another_process_and_goes_on_writing(
    workspace: Workspace,
) -> None:
    # As the app holds it: opened once, written to, kept open.
    app_store = workspace.create_consultation("Open in the app")
    session = create_session(app_store, "Drop-in", participants=["Sam", "Alex"])
    sam, alex = session.participant_ids
    record_answer(app_store, session.id, sam, RecordingConsent.YES)
    assert len(app_store.audit()) == 1  # tinydb now remembers the audit table's next id

    other = start_writer(workspace.root, app_store.id, "cli", count=3, seconds=None)
    assert len(reported_writes(other, "cli")) == 3

    # The other process's events are seen, and the next answer is saved after them
    # (no "Document with ID ... already exists").
    assert {e.participant_id for e in app_store.audit()} == {sam, "cli-0", "cli-1", "cli-2"}
    record_answer(app_store, session.id, alex, RecordingConsent.NO)
    audit = Workspace(workspace.root).open(app_store.id).audit()
    assert [e.participant_id for e in audit] == [sam, "cli-0", "cli-1", "cli-2", alex]
    raw = json.loads((app_store.folder / STORE_FILE).read_bytes())
    assert sorted(map(int, raw["audit"])) == [1, 2, 3, 4, 5]
    assert {p.id for p in app_store.participants()} >= {sam, alex, "cli-0", "cli-2"}


CHILD_SAVES_SEGMENTS = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from models import Segment
from sessions.store import Workspace
store = Workspace(Path(sys.argv[1])).open(sys.argv[2])
segments = store.segments("s-1")
store.save_segments("s-1", [*segments, Segment(10.0, 11.0, "from the other window")])
"""


def test_transcripts_are_shared_between_processes_too(workspace: Workspace) -> None:
    store = workspace.create_consultation("Transcripts")
    store.save_segments("s-1", [Segment(0.0, 1.0, "first")])
    assert [s.text for s in store.segments("s-1")] == ["first"]
    root = str(Path(__file__).resolve().parent.parent)
    subprocess.run(
        [sys.executable, "-c", CHILD_SAVES_SEGMENTS, str(workspace.root), store.id, root],
        check=True, timeout=60,
    )
    assert [s.text for s in store.segments("s-1")] == ["first", "from the other window"]
    store.save_segments("s-1", [*store.segments("s-1"), Segment(20.0, 21.0, "third")])
    fresh = Workspace(workspace.root).open(store.id)
    assert [s.text for s in fresh.segments("s-1")] == ["first", "from the other window", "third"]


def test_the_lock_is_a_private_file_beside_the_store(workspace: Workspace) -> None:
    store = workspace.create_consultation("Lock")
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    lock = store.folder / LOCK_FILE
    assert lock.is_file() and (lock.stat().st_mode & 0o777) == 0o600
    assert Workspace(workspace.root).consultation_ids() == [store.id]


def test_a_write_waits_for_another_process_holding_the_lock(workspace: Workspace) -> None:
    store = workspace.create_consultation("Waiting")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a+')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "time.sleep(0.6)\n",
         str(store.folder / LOCK_FILE)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.2, "the write went ahead while another process held the lock"
    assert store.participant("p-1").pseudonym == "Robin"


# -- two imports into one session ------------------------------------------------------


def run_import(audio: Path, session_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FACILITATE), "import", str(audio), "--session", session_id, "--no-transcribe"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )


def test_two_simultaneous_imports_into_one_session_one_wins(workspace: Workspace) -> None:
    store = workspace.create_consultation("Imports")
    session = create_session(store, "Drop-in", participants=["Sam"])
    record_answer(store, session.id, session.participant_ids[0], RecordingConsent.YES)
    sources = [DATA / "jfk.flac", DATA / "librispeech_1089-134686-0001.wav"]
    procs = [run_import(source, session.id) for source in sources]
    results = [(proc.wait(timeout=120), *proc.communicate()) for proc in procs]

    winners = [i for i, (code, _, _) in enumerate(results) if code == 0]
    assert len(winners) == 1, results
    winner, loser = winners[0], 1 - winners[0]
    assert "Imported" in results[winner][2]
    code, _, err = results[loser]
    assert code != 0 and "Imported" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"Session {session.id} already has a recording" in lines[0]

    # What was kept is the winner's audio, whole; nothing else is in the audio folder.
    saved = Workspace(workspace.root).open(store.id).session(session.id)
    assert saved.recording is not None
    assert saved.recording.original_name == sources[winner].name
    audio = store.folder / "audio"
    assert sorted(p.name for p in audio.iterdir()) == [f"{session.id}.flac"]
    from sessions.audio import probe_audio

    stored = probe_audio(audio / f"{session.id}.flac").duration_s
    assert abs(stored - saved.recording.duration_s) < 0.01


def test_an_import_while_another_holds_the_claim_is_refused(
    workspace: Workspace, data_dir: Path
) -> None:
    from sessions.errors import AlreadyRecorded
    from sessions.importer import import_audio

    store = workspace.create_consultation("Claims")
    session = create_session(store, "Drop-in", participants=["Sam"])
    other = Workspace(workspace.root).open(store.id)  # as a second window would
    with other.recording_claim(session.id):
        with pytest.raises(AlreadyRecorded) as caught:
            import_audio(store, session.id, data_dir / "jfk.flac")
    message = str(caught.value)
    assert "being imported" in message and "\n" not in message
    assert store.session(session.id).recording is None
    assert [p.name for p in (store.folder / "audio").iterdir()] == []
    # The claim ends with the import that held it.
    recording = import_audio(store, session.id, data_dir / "jfk.flac")
    assert store.session(session.id).recording == recording


def test_a_lock_held_too_long_is_one_line_not_a_hang(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sessions.store_lock
    from sessions.errors import StoreBusy

    store = workspace.create_consultation("Held")
    before = (store.folder / STORE_FILE).read_bytes()
    monkeypatch.setattr(sessions.store_lock, "WAIT_SECONDS", 0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a+')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "time.sleep(5)\n",
         str(store.folder / LOCK_FILE)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy) as caught:
            store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    finally:
        holder.kill()
        holder.wait(timeout=10)
    message = str(caught.value)
    assert "\n" not in message and "nothing was changed" in message
    assert (store.folder / STORE_FILE).read_bytes() == before
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))  # free again
