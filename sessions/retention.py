"""Retention on disk: the settings, what is due, and deleting it once confirmed.

A consultation's :class:`~models.retention.RetentionPolicy` is kept in its
store (table ``retention``), so it is sealed with the rest of an encrypted
consultation. Every change and every deletion is audited in the consultation;
deleting a whole consultation leaves a line (its id, when, why; nothing said)
in the workspace's ``deletions.json``, since its own audit goes with it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from pathlib import Path

from models import Actor, AuditEvent, SessionStatus, from_dict, to_dict
from models.ids import is_id
from models.retention import (
    DueItem,
    RetentionError,
    RetentionPolicy,
    audio_due,
    consultation_due,
    parse_day,
    speakers_with_words,
)
from sessions.atomic import atomic_write_json, fsync_dir
from sessions.clock import now_iso
from sessions.errors import FacilitateError, storage_error
from sessions.locations import consultations_dir, id_for_path
from sessions.store import ConsultationStore, Workspace

#: The store table holding the consultation's retention policy (one document).
RETENTION_TABLE = "retention"
#: The workspace file that notes consultations deleted at their retention date.
DELETIONS_FILE = "deletions.json"


def retention_policy(store: ConsultationStore) -> RetentionPolicy:
    """The consultation's retention settings (none set: keep everything)."""
    with store.lock:
        doc = store.db.table(RETENTION_TABLE).get(doc_id=1)
    if doc is None:
        return RetentionPolicy()
    return from_dict(RetentionPolicy, dict(doc))


def _save(store: ConsultationStore, policy: RetentionPolicy) -> None:
    table = store.db.table(RETENTION_TABLE)
    if table.get(doc_id=1) is None:
        table.insert(to_dict(policy))
    else:
        table.update(to_dict(policy), doc_ids=[1])


def _event(action: str, kind: str, subject: str, before: object, after: object) -> AuditEvent:
    return AuditEvent(
        at=now_iso(),
        actor=Actor.FACILITATOR,
        action=action,
        subject_kind=kind,
        subject_id=subject,
        before=before,
        after=after,
    )


def set_keep_until(store: ConsultationStore, day: str) -> RetentionPolicy:
    """Keep the consultation until ``day`` (``YYYY-MM-DD``), or for good with ""; audited."""
    day = day.strip()
    if day:
        try:
            day = parse_day(day).isoformat()
        except RetentionError as error:
            raise FacilitateError(str(error)) from None
    with store.transaction():
        policy = retention_policy(store)
        before = policy.keep_until
        policy.keep_until = day
        _save(store, policy)
        store.append_audit(_event("retention date", "consultation", store.id, before, day))
    return policy


def set_audio_until_approved(
    store: ConsultationStore, session_id: str, on: bool
) -> RetentionPolicy:
    """Whether the session's raw audio goes once its transcript is approved; audited."""
    with store.transaction():
        store.session(session_id)  # an unknown session is an error, not a silent setting
        policy = retention_policy(store)
        before = session_id in policy.audio_until_approved
        chosen = [s for s in policy.audio_until_approved if s != session_id]
        if on:
            chosen.append(session_id)
        policy.audio_until_approved = chosen
        _save(store, policy)
        store.append_audit(
            _event("delete audio once approved", "session", session_id, before, on)
        )
    return policy


def due_in(store: ConsultationStore, today: dt.date) -> list[DueItem]:
    """What is due for deletion in one consultation on ``today``."""
    consultation = store.consultation()
    policy = retention_policy(store)
    if consultation_due(policy, today):
        return [DueItem(store.id, consultation.title, keep_until=policy.keep_until)]
    items: list[DueItem] = []
    if not policy.audio_until_approved:
        return items
    sessions = [
        s for s in store.sessions()
        if s.id in policy.audio_until_approved and s.recording is not None
    ]
    if not sessions:
        return items
    participants, quotes = store.participants(), store.quotes(fresh=False)
    for session in sessions:
        def speakers(session_id: str = session.id) -> set[str] | None:
            return _speakers(store, session_id)

        if audio_due(policy, session, participants, speakers, quotes):
            items.append(DueItem(store.id, consultation.title, session.id, session.title))
    return items


#: Who speaks in each transcript, by (file, inode, mtime, size): the home screen asks on
#: every refresh, and reading a long transcript each time froze it for seconds.
_SPEAKERS: dict[tuple[str, int, int, int], set[str] | None] = {}


def _speakers(store: ConsultationStore, session_id: str) -> set[str] | None:
    """Who the session's transcript gives words to; None when it has no transcript."""
    path = store.folder / "transcripts" / f"{id_for_path(session_id)}.json"
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
    if key not in _SPEAKERS:
        if len(_SPEAKERS) > 4096:
            _SPEAKERS.clear()
        _SPEAKERS[key] = _speakers_read(store, session_id)
    return _SPEAKERS[key]


def _speakers_read(store: ConsultationStore, session_id: str) -> set[str] | None:
    """Who speaks, from the stored segments as they are (no Segment built for each).

    Building every segment took ~40 ms per long session, seconds for a workspace;
    only each segment's speaker and whether it has words are needed here. Any
    shape this does not expect is read the usual way, which reports damage.
    """
    with store.lock:
        doc = store._transcript_db(session_id).table("transcript").get(doc_id=1)  # noqa: SLF001
    if doc is None:
        return None
    raw = doc.get("segments")
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        segments = store.segments(session_id)
        return speakers_with_words(segments) if segments else None
    if not raw:
        return None
    return {
        s["speaker_id"] for s in raw
        if isinstance(s.get("speaker_id"), str) and s.get("words")
    }


def due_items(workspace: Workspace, today: dt.date | None = None) -> list[DueItem]:
    """Everything due for deletion in the workspace today (unreadable stores are skipped)."""
    today = today or dt.date.today()
    finish_deletions(workspace)
    items: list[DueItem] = []
    for store in workspace.stores():
        with contextlib.suppress(FacilitateError):
            items.extend(due_in(store, today))
    return items


def delete_due(workspace: Workspace, item: DueItem) -> str:
    """Delete what ``item`` says is due (after the facilitator confirmed); return one line."""
    store = workspace.open(item.consultation_id)
    if item.whole_consultation:
        title = store.consultation().title
        delete_consultation(workspace, store, "its retention date passed")
        return f"Deleted {title}: it was kept until {item.keep_until}."
    return delete_raw_audio(store, item.session_id)


def delete_raw_audio(store: ConsultationStore, session_id: str) -> str:
    """Delete a session's recording (its transcript stays); audited. Returns one line."""
    with store.transaction():
        session = store.session(session_id)
        if session.status in (SessionStatus.RECORDING, SessionStatus.TRANSCRIBING):
            raise FacilitateError(
                f"{session.title} is {session.status.value} now; delete its audio once "
                "that has finished. Nothing was changed."
            )
        path = store.audio_path(session)
        if session.recording is None or path is None:
            return f"{session.title} has no recording to delete."
        # The session first: a kill after this leaves a file no session points to,
        # which 'facilitate doctor' lists; never a session pointing at nothing.
        seconds = session.recording.duration_s
        session.recording = None
        store.save_session(session)
        policy = retention_policy(store)
        policy.audio_deleted[session_id] = now_iso()
        _save(store, policy)
        store.append_audit(
            _event("raw audio deleted", "session", session_id, f"{seconds:.0f} s", None)
        )
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as error:
        raise storage_error(error, path, "delete") from error
    fsync_dir(path.parent)
    return f"Deleted the raw audio of {session.title}; its transcript stays."


def _deletions_path(workspace: Workspace) -> Path:
    return workspace.root / DELETIONS_FILE


def deletions(workspace: Workspace) -> list[dict[str, str]]:
    """The consultations deleted at their retention date: id, when, why (nothing said)."""
    try:
        data = json.loads(_deletions_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def delete_consultation(workspace: Workspace, store: ConsultationStore, why: str) -> None:
    """Delete a whole consultation folder, noting that it happened in ``deletions.json``.

    The note is written first and the store file removed next, so a kill at any
    point leaves the consultation either whole or no longer listed; a folder
    left half deleted is finished by :func:`finish_deletions`.
    """
    noted = [*deletions(workspace), {"consultation_id": store.id, "at": now_iso(), "why": why}]
    with store.lock:
        atomic_write_json(_deletions_path(workspace), noted)
        with contextlib.suppress(FileNotFoundError):
            (store.folder / "store.json").unlink()
    workspace._stores.pop(store.id, None)  # noqa: SLF001 - the workspace's cache of open stores
    shutil.rmtree(store.folder, ignore_errors=True)
    fsync_dir(store.folder.parent)


def finish_deletions(workspace: Workspace) -> None:
    """Remove what is left of consultation folders whose deletion a kill cut short."""
    where = consultations_dir(workspace.root)
    for note in deletions(workspace):
        name = note.get("consultation_id")
        if not is_id(name):
            continue  # a hand-edited note must never point outside the workspace
        folder = where / str(name)
        # A folder that still has its store was not deleted yet: it stays, and is due again.
        if folder.is_dir() and not (folder / "store.json").exists():
            shutil.rmtree(folder, ignore_errors=True)
