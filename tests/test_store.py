"""The tinydb store on real files: entities, audit, privacy, damage and crashes."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sessions.atomic
import sessions.store
from models import (
    SCHEMA_VERSION,
    Actor,
    AuditEvent,
    Participant,
    PlanStep,
    QuoteState,
    Recording,
    RecordingConsent,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
)
from models.quote import Decision
from sessions.errors import NotFound, StoreDamaged, StoreTooNew
from sessions.locations import workspace_root
from sessions.store import STORE_FILE, ConsultationStore, Workspace

WRITER = Path(__file__).parent / "store_writer.py"


@pytest.fixture
def workspace(private_workspace: Path) -> Workspace:
    return Workspace(workspace_root())


@pytest.fixture
def store(workspace: Workspace) -> ConsultationStore:
    return workspace.create_consultation("Day services", "What makes a good service?")


def store_file(store: ConsultationStore) -> Path:
    return store.folder / STORE_FILE


def a_session(store: ConsultationStore, sid: str = "s-1", **extra: object) -> Session:
    return Session(id=sid, consultation_id=store.id, title=f"Session {sid}", **extra)  # type: ignore[arg-type]


def words(n: int, start: float = 0.0) -> list[Word]:
    return [Word(start + i, start + i + 0.5, f" w{i}") for i in range(n)]


# -- consultations ---------------------------------------------------------------


def test_workspace_uses_facilitate_home(private_workspace: Path, workspace: Workspace) -> None:
    assert workspace.root == private_workspace
    assert private_workspace.is_dir()


def test_create_and_reopen_a_consultation(workspace: Workspace, store: ConsultationStore) -> None:
    consultation = store.consultation()
    assert consultation.title == "Day services"
    assert consultation.question == "What makes a good service?"
    assert len(consultation.codebook.themes) == 10
    assert consultation.id == store.id and consultation.created_at
    assert workspace.consultation_ids() == [store.id]
    reopened = Workspace(workspace.root).open(store.id)
    assert reopened.consultation() == consultation
    assert workspace.open(store.id) is store


def test_create_with_an_empty_codebook_and_list_them(workspace: Workspace) -> None:
    first = workspace.create_consultation("  One  ", codebook="empty")
    second = workspace.create_consultation("Two")
    assert first.consultation().title == "One"
    assert first.consultation().codebook.themes == []
    assert set(workspace.consultation_ids()) == {first.id, second.id}
    assert {s.id for s in workspace.stores()} == {first.id, second.id}


def test_consultation_needs_a_title(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="title"):
        workspace.create_consultation("   ")
    assert workspace.consultation_ids() == []


def test_save_consultation_updates_it(store: ConsultationStore) -> None:
    consultation = store.consultation()
    consultation.hide_names.append("Dr Smith")
    consultation.codebook.themes.pop()
    store.save_consultation(consultation)
    assert store.consultation() == consultation
    data = json.loads(store_file(store).read_bytes())
    assert len(data["consultation"]) == 1
    assert list(data["meta"].values()) == [{"schema_version": SCHEMA_VERSION}]


def test_unknown_consultation_is_not_found(workspace: Workspace) -> None:
    with pytest.raises(NotFound, match="c-nope"):
        workspace.open("c-nope")


def test_folder_without_a_store_is_not_a_consultation(workspace: Workspace) -> None:
    (workspace.root / "consultations" / "c-stray").mkdir(parents=True)
    assert workspace.consultation_ids() == []


# -- participants, sessions, segments, quotes ------------------------------------------


def test_participants_are_added_in_order_and_updated(store: ConsultationStore) -> None:
    for name in ("Robin", "Sky", "Ash"):
        store.save_participant(Participant(id=f"p-{name}", pseudonym=name))
    robin = store.participant("p-Robin")
    robin.follow_up = True
    robin.reach["age band"] = "25-34"
    store.save_participant(robin)
    assert [p.pseudonym for p in store.participants()] == ["Robin", "Sky", "Ash"]
    assert store.participant("p-Robin") == robin
    with pytest.raises(NotFound) as caught:
        store.participant("p-ghost")
    assert "p-ghost" in str(caught.value) and "\n" not in str(caught.value)


def test_sessions_round_trip(store: ConsultationStore) -> None:
    session = a_session(
        store,
        plan=[PlanStep("Welcome", 10, ["Hi"])],
        recording=Recording("s-1.flac", 12.5, 16000),
    )
    store.save_session(session)
    store.save_session(a_session(store, "s-2"))
    session.title = "Renamed"
    store.save_session(session)
    assert [s.id for s in store.sessions()] == ["s-1", "s-2"]
    assert store.session("s-1") == session
    assert store.audio_path(session) == store.folder / "audio" / "s-1.flac"
    assert store.audio_path(store.session("s-2")) is None
    with pytest.raises(NotFound, match="s-nope"):
        store.session("s-nope")


def test_segments_live_in_their_own_file(store: ConsultationStore) -> None:
    assert store.segments("s-1") == []
    late = Segment(5, 6, "w0", words(1, 5))
    early = Segment(0, 2, "w0 w1", words(2), speaker_id="p-1")
    store.save_segments("s-1", [late, early])
    assert store.segments("s-1") == [early, late]
    store.save_segments("s-1", [late])
    assert store.segments("s-1") == [late]
    assert store.segments("s-2") == []
    assert (store.folder / "transcripts" / "s-1.json").is_file()
    assert "segments" not in store_file(store).read_text()
    reopened = ConsultationStore(store.folder)
    assert reopened.segments("s-1") == [late]


def test_quotes_filter_by_session_and_update(store: ConsultationStore) -> None:
    q1 = new_quote("s-1", "p-1", words(3), created_at="t")
    q2 = new_quote("s-2", "p-1", words(2))
    store.save_quote(q1)
    store.save_quote(q2)
    approved, _ = decide(q1, Decision.REDACT, "t", redactions=[1])
    store.save_quote(approved)
    assert [q.id for q in store.quotes()] == [q1.id, q2.id]
    assert store.quotes("s-1") == [approved]
    assert store.quotes("s-1")[0].state is QuoteState.APPROVED_REDACTED
    assert store.quotes("s-none") == []


# -- audit -------------------------------------------------------------------------------


def event(pid: str | None, action: str) -> AuditEvent:
    return AuditEvent(at="t", actor=Actor.SYSTEM, action=action, subject_kind="quote",
                      subject_id="q", participant_id=pid, before={"a": 1}, after=[1, 2])


def test_audit_is_append_only_and_filters_by_participant(store: ConsultationStore) -> None:
    events = [event("p-1", "one"), event("p-2", "two"), event("p-1", "three"), event(None, "x")]
    for e in events:
        store.append_audit(e)
    store.append_audit(events[0])  # the same event twice is two entries, never an update
    assert [e.action for e in store.audit()] == ["one", "two", "three", "x", "one"]
    assert [e.action for e in store.audit("p-1")] == ["one", "three", "one"]
    assert store.audit()[1] == events[1]
    assert not hasattr(store, "delete_audit") and not hasattr(store, "update_audit")


def test_recording_consent_writes_participant_and_audit(store: ConsultationStore) -> None:
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    first = store.set_recording_consent("p-1", "s-1", RecordingConsent.YES)
    second = store.set_recording_consent("p-1", "s-1", RecordingConsent.NO, Actor.PARTICIPANT)
    again = Workspace(store.folder.parent.parent).open(store.id)
    assert again.participant("p-1").consent_for("s-1") is RecordingConsent.NO
    assert again.participant("p-1").consent["s-1"].at
    assert again.audit("p-1") == [first, second]
    assert (first.before, first.after) == ("unasked", "yes")
    assert (second.before, second.after) == ("yes", "no")
    assert second.actor is Actor.PARTICIPANT


def test_recording_consent_is_one_atomic_write(
    store: ConsultationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    writes: list[dict] = []
    real = sessions.store.atomic_write_json

    def counting(path: Path, data: dict) -> None:
        writes.append(json.loads(json.dumps(data)))
        real(path, data)

    monkeypatch.setattr(sessions.store, "atomic_write_json", counting)
    store.set_recording_consent("p-1", "s-1", RecordingConsent.YES)
    assert len(writes) == 1
    assert writes[0]["audit"] and writes[0]["participants"]["1"]["consent"]["s-1"]


def test_failed_consent_writes_nothing(store: ConsultationStore) -> None:
    before = store_file(store).read_bytes()
    with pytest.raises(NotFound):
        store.set_recording_consent("p-ghost", "s-1", RecordingConsent.YES)
    assert store_file(store).read_bytes() == before
    assert store.audit() == []


# -- find_session ----------------------------------------------------------------------


def test_find_session_across_consultations(workspace: Workspace) -> None:
    one = workspace.create_consultation("One")
    two = workspace.create_consultation("Two")
    one.save_session(a_session(one, "s-a"))
    two.save_session(a_session(two, "s-b"))
    found_store, session = Workspace(workspace.root).find_session("s-b")
    assert found_store.id == two.id and session.id == "s-b"
    assert workspace.find_session("s-a")[0] is one
    with pytest.raises(NotFound) as caught:
        workspace.find_session("s-nope")
    message = str(caught.value)
    assert "s-nope" in message and "facilitate sessions" in message and "\n" not in message


# -- privacy ---------------------------------------------------------------------------


def test_files_are_0600_and_folders_0700(workspace: Workspace, store: ConsultationStore) -> None:
    os.umask(0o022)
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    store.save_segments("s-1", [Segment(0, 1, "hi")])
    assert store.audio_dir.is_dir()
    paths = [workspace.root, *workspace.root.rglob("*")]
    assert len(paths) >= 6
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"


# -- damaged stores ----------------------------------------------------------------------

DAMAGE = {
    "garbage bytes": b"\x00\xff\xfe garbage \x89PNG",
    "truncated json": b'{"consultation": {"1": {"id": "c-1", "title": "Da',
    "json list": b'[{"consultation": {}}]',
    "table not an object": b'{"consultation": [1, 2]}',
    "document not an object": b'{"participants": {"1": "Robin"}}',
    "bad document id": b'{"participants": {"first": {"id": "p", "pseudonym": "R"}}}',
    "empty file": b"",
}


def damage(store: ConsultationStore, raw: bytes) -> Path:
    path = store_file(store)
    path.write_bytes(raw)
    return path


def assert_one_line_naming(error: BaseException, path: Path) -> None:
    message = str(error)
    assert str(path) in message and "\n" not in message
    assert "damaged" in message


@pytest.mark.parametrize("raw", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_store_is_refused_and_left_alone(
    workspace: Workspace, store: ConsultationStore, raw: bytes
) -> None:
    path = damage(store, raw)
    with pytest.raises(StoreDamaged) as caught:
        Workspace(workspace.root).open(store.id)
    assert_one_line_naming(caught.value, path)
    assert caught.value.path == path
    assert path.read_bytes() == raw


@pytest.mark.parametrize("raw", DAMAGE.values(), ids=DAMAGE.keys())
def test_writing_to_a_store_damaged_after_opening_changes_nothing(
    store: ConsultationStore, raw: bytes
) -> None:
    path = damage(store, raw)
    attempts = [
        lambda: store.save_participant(Participant(id="p-1", pseudonym="Robin")),
        lambda: store.save_session(a_session(store)),
        lambda: store.append_audit(event("p-1", "x")),
        lambda: store.save_consultation(store.consultation()),
        lambda: store.set_recording_consent("p-1", "s-1", RecordingConsent.YES),
        lambda: store.save_quote(new_quote("s-1", "p-1", words(1))),
    ]
    for attempt in attempts:
        with pytest.raises(StoreDamaged) as caught:
            attempt()
        assert_one_line_naming(caught.value, path)
    assert path.read_bytes() == raw
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_unreadable_document_is_reported_as_damage(store: ConsultationStore) -> None:
    path = store_file(store)
    data = json.loads(path.read_bytes())
    data["participants"] = {"1": {"id": "p-1", "pseudonym": "R", "role": "king"}}
    raw = json.dumps(data).encode()
    path.write_bytes(raw)
    with pytest.raises(StoreDamaged) as caught:
        store.participants()
    assert_one_line_naming(caught.value, path)
    assert path.read_bytes() == raw


def test_damaged_transcript_is_refused(store: ConsultationStore) -> None:
    path = store.transcripts_dir / "s-1.json"
    path.write_bytes(b"{oops")
    with pytest.raises(StoreDamaged) as caught:
        store.segments("s-1")
    assert_one_line_naming(caught.value, path)
    with pytest.raises(StoreDamaged):
        store.save_segments("s-1", [Segment(0, 1, "hi")])
    assert path.read_bytes() == b"{oops"


def test_workspace_reports_damage_and_opens_the_rest(workspace: Workspace) -> None:
    good = workspace.create_consultation("Good")
    bad = workspace.create_consultation("Bad")
    good.save_session(a_session(good, "s-good"))
    path = damage(bad, b"not json at all")
    fresh = Workspace(workspace.root)
    problems = fresh.damaged()
    assert len(problems) == 1
    assert str(path) in problems[0] and "\n" not in problems[0]
    assert [s.id for s in fresh.stores()] == [good.id]
    assert fresh.open(good.id).consultation().title == "Good"
    assert fresh.find_session("s-good")[0].id == good.id
    # A store opened before the damage is reported too.
    assert len(workspace.damaged()) == 1
    assert path.read_bytes() == b"not json at all"


def test_newer_schema_is_refused(workspace: Workspace, store: ConsultationStore) -> None:
    path = store_file(store)
    data = json.loads(path.read_bytes())
    data["meta"] = {"1": {"schema_version": SCHEMA_VERSION + 1}}
    raw = json.dumps(data).encode()
    path.write_bytes(raw)
    with pytest.raises(StoreTooNew) as caught:
        Workspace(workspace.root).open(store.id)
    message = str(caught.value)
    assert f"made by a newer facilitate (schema {SCHEMA_VERSION + 1})" in message
    assert "upgrade facilitate" in message and "damaged" not in message
    assert str(path) in message and "\n" not in message
    assert path.read_bytes() == raw


def test_same_or_missing_schema_opens(workspace: Workspace, store: ConsultationStore) -> None:
    path = store_file(store)
    data = json.loads(path.read_bytes())
    del data["meta"]
    path.write_bytes(json.dumps(data).encode())
    assert Workspace(workspace.root).open(store.id).consultation().title == "Day services"


# -- temporary files and crashes ------------------------------------------------------------


def test_stale_temporary_files_do_not_break_opening(
    workspace: Workspace, store: ConsultationStore
) -> None:
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    folder = store.folder
    for name in (f".{STORE_FILE}.{os.getpid()}.tmp", f".{STORE_FILE}.99999.tmp",
                 f".{STORE_FILE}.{os.getpid()}.0badc0de.tmp"):
        (folder / name).write_bytes(b'{"half a wri')
    fresh = Workspace(workspace.root)
    assert fresh.consultation_ids() == [store.id]
    reopened = fresh.open(store.id)
    assert [p.id for p in reopened.participants()] == ["p-1"]
    reopened.save_participant(Participant(id="p-2", pseudonym="Sky"))
    assert [p.id for p in Workspace(workspace.root).open(store.id).participants()] == ["p-1", "p-2"]


def test_atomic_write_leaves_no_temporary_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "folder-in-the-way"
    target.mkdir()
    (target / "x").write_text("keeps the folder non-empty")
    with pytest.raises(OSError):
        sessions.atomic.atomic_write_bytes(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder-in-the-way"]


def test_atomic_write_is_private_even_over_a_public_file(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("old")
    path.chmod(0o644)
    sessions.atomic.atomic_write_json(path, {"a": "é"})
    assert json.loads(path.read_text("utf-8")) == {"a": "é"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def run_writer_and_kill(root: Path, consultation_id: str, after: int, delay: float) -> int:
    """Start the writer, kill it after ``after`` complete rounds (+ ``delay``); return rounds."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(root), consultation_id, "100000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    done = -1
    try:
        for line in proc.stdout:
            done = int(line.split()[1])
            if done + 1 >= after:
                break
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the writer must still be running when killed"
    return done + 1


@pytest.mark.parametrize(("after", "delay"), [(1, 0.0), (7, 0.003), (19, 0.0), (33, 0.011)])
def test_kill_mid_write_loses_no_completed_write(
    workspace: Workspace, after: int, delay: float
) -> None:
    store = workspace.create_consultation("Crash test")
    path = store_file(store)
    reported = run_writer_and_kill(workspace.root, store.id, after, delay + random.random() / 200)
    assert reported >= after
    data = json.loads(path.read_bytes())  # valid JSON, never torn
    assert isinstance(data, dict)
    reopened = Workspace(workspace.root).open(store.id)
    ids = {p.id for p in reopened.participants()}
    assert {f"p-{i}" for i in range(reported)} <= ids
    # Consent and its audit event are saved together or not at all.
    consented = {p.id for p in reopened.participants() if p.is_recorded_in("s-1")}
    audited = {e.participant_id for e in reopened.audit()}
    assert consented == audited
    assert {f"p-{i}" for i in range(reported)} <= consented
    # The store still takes writes after the crash.
    reopened.save_participant(Participant(id="p-after", pseudonym="After"))
    assert reopened.participant("p-after").pseudonym == "After"
