"""Erase a participant from a consultation, on disk, everywhere the app keeps them.

:mod:`models.erasure` decides what goes; this module does it, in an order a
kill cannot spoil: the sessions first (their marks now strike the person's
audio), then the audio silenced through :func:`sessions.consent.silence_recording`,
then the transcripts, then, in one store write, their record, quotes and audit
trail with the one entry that says an erasure happened. Until that last write
the person is still listed, so erasing them again finishes the job.

Afterwards the temporary files a killed writer left and the workspace's logs
are cleaned of them too. Exports made earlier cannot be recalled: they are
listed (folder and date) for the facilitator to delete by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import Query

from models import Participant, SessionStatus
from models.anonymise import build_anonymiser
from models.erasure import ErasurePlan, erasure_event, plan_erasure, telling_words
from models.vocabulary import forget_terms
from sessions.atomic import atomic_write_text, remove_stale_temps
from sessions.clock import now_iso
from sessions.consent import silence_recording
from sessions.errors import FacilitateError
from sessions.export_history import EXPORTS_TABLE, ExportRecord, export_records
from sessions.store import ConsultationStore, Workspace

#: Tables whose documents are the consultation's own, not about one person (one document
#: may hold everyone's settings: never removed whole).
_OWN_TABLES = frozenset(
    {"consultation", "meta", "sessions", EXPORTS_TABLE, "retention", "report_frame", "vocabulary"}
)
#: Tables erasure edits by rule; any other table loses every document naming the person.
_RULED_TABLES = frozenset({"participants", "quotes", "audit"})
#: The artwork records' table, and the folder of their photos (see sessions.artwork).
ARTWORK_TABLE = "artwork"
ARTWORK_FOLDER = "artwork"
#: How the facilitator is told about records kept in a table.
_SHOWN_AS = {ARTWORK_TABLE: "artwork photo"}
#: Statuses during which another job is writing the session's audio or transcript.
_BUSY = (SessionStatus.RECORDING, SessionStatus.TRANSCRIBING)
#: How a log entry starts: ``2026-01-31 12:00:00,123 LEVEL``.
_LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.M)


@dataclass
class ErasureReport:
    """What an erasure removed, for the facilitator to read, and what only they can remove."""

    pseudonym: str
    removed: list[str]
    #: Exports made before, which may hold their approved words: for the facilitator to delete.
    exports: list[ExportRecord] = field(default_factory=list)
    #: Log and leftover files cleaned of them.
    files_cleaned: list[Path] = field(default_factory=list)
    #: True when their real name stays on the names to hide: others' words say it.
    name_kept: bool = False

    def lines(self) -> list[str]:
        """The whole report, one line each."""
        lines = [f"Erased {self.pseudonym}. Removed:"]
        lines += [f"  - {line}" for line in self.removed]
        if self.files_cleaned:
            lines.append(f"  - their mentions in {len(self.files_cleaned)} log or leftover files")
        if self.name_kept:
            lines.append(
                "Their real name is said in other people's words, so it stays on the names "
                "to hide (H on the home screen), still hidden in exports; take it off once "
                "those words are edited."
            )
        if self.exports:
            lines.append(
                "Exports made before cannot be recalled; delete these folders by hand "
                "if they hold anything of theirs:"
            )
            lines += [f"  {record.line()}" for record in self.exports]
        else:
            lines.append("No exports were made before, so no copies are outside the app.")
        return lines


def find_participant(
    workspace: Workspace, participant_id: str
) -> tuple[ConsultationStore, Participant]:
    """The store and record of ``participant_id``, from anywhere in the workspace."""
    stores, problems = workspace.readable()
    for store in stores:
        for person in store.participants():
            if person.id == participant_id:
                return store, person
    if problems:
        # A locked (encrypted) or damaged consultation may hold them: say so, not "no one".
        raise FacilitateError(
            f"No participant {participant_id!r} in the consultations that can be read; "
            f"they may be in one that cannot: {problems[0]}"
        )
    raise FacilitateError(
        f"No participant {participant_id!r} in the workspace; "
        "'facilitate erase --list' lists everyone with their ids."
    )


def erasure_plan(store: ConsultationStore, participant_id: str) -> ErasurePlan:
    """What erasing ``participant_id`` would remove, without changing anything."""
    with store.lock:
        participant = store.participant(participant_id)
        sessions = store.sessions()
        busy = [s for s in sessions if s.status in _BUSY]
        if busy:
            raise FacilitateError(
                f"{busy[0].title} is {busy[0].status.value} now; erase "
                f"{participant.pseudonym} once it has finished. Nothing was changed."
            )
        transcripts = {s.id: store.segments(s.id) for s in sessions}
        plan = plan_erasure(participant, sessions, transcripts, store.quotes(), store.audit())
        plan.elsewhere = {
            _SHOWN_AS.get(name, f"{name} record"): len(ids)
            for name, ids in _records_elsewhere(store, participant_id).items()
        }
        return plan


def _records_elsewhere(store: ConsultationStore, participant_id: str) -> dict[str, list[int]]:
    """Documents naming the person in tables erasure has no rule for (follow-ups, artwork...)."""
    db = store.db
    found: dict[str, list[int]] = {}
    for name in sorted(db.tables() - _OWN_TABLES - _RULED_TABLES):
        ids = [doc.doc_id for doc in db.table(name).all() if _names(doc, participant_id)]
        if ids:
            found[name] = ids
    return found


def _artwork_files(store: ConsultationStore, doc_ids: list[int]) -> list[Path]:
    """The photo files of the artwork records ``doc_ids``."""
    table = store.db.table(ARTWORK_TABLE)
    files = []
    for doc_id in doc_ids:
        doc = table.get(doc_id=doc_id)
        name = doc.get("file") if doc is not None else None
        if isinstance(name, str) and Path(name).name:
            files.append(store.folder / ARTWORK_FOLDER / Path(name).name)
    return files


def erase_participant(store: ConsultationStore, participant_id: str) -> ErasureReport:
    """Erase ``participant_id`` from the consultation and return what was removed.

    Holds the consultation's lock throughout, so no other window or command
    adds to what is being removed. Raises a one-line FacilitateError (nothing
    changed) while a session is recording or transcribing, and AudioError when
    a recording cannot be rewritten (then the person is still listed: erase
    again once the disk has room).
    """
    with store.lock:
        plan = erasure_plan(store, participant_id)
        others_said = [
            text
            for part in plan.sessions
            for seg in part.segments or []
            for text in (seg.text, seg.original_text)
        ]
        # 1. Sessions: their marks name nobody; what is theirs is struck.
        with store.transaction():
            for part in plan.sessions:
                store.save_session(part.session)
        # 2. Audio: every strike, theirs included, made exact silence in the file.
        for part in plan.sessions:
            if part.spans:
                silence_recording(store, part.session.id)
        # 3. Transcripts, every version of their words gone; photos of their artwork.
        for part in plan.sessions:
            if part.transcript_changed and part.segments is not None:
                store.save_segments(part.session.id, part.segments)
        elsewhere = _records_elsewhere(store, participant_id)
        for photo in _artwork_files(store, elsewhere.get(ARTWORK_TABLE, [])):
            # Before their records go: a kill in between leaves records erasing again finds.
            photo.unlink(missing_ok=True)
        # 4. Their record, quotes and trail, and the one entry that says it happened.
        with store.transaction():
            db = store.db
            name_kept = _keep_hiding_name(store, plan, others_said)
            _forget_in_vocabulary(store, plan)
            db.table("participants").remove(Query().id == participant_id)
            if plan.quote_ids:
                store.remove_quotes(plan.quote_ids)
            for quote in plan.quotes_trimmed:
                store.save_quote(quote)
            if plan.audit_ids:
                db.table("audit").remove(Query().id.one_of(plan.audit_ids))
            for name, doomed in elsewhere.items():
                # Whatever else is kept about people (artwork, follow-ups): theirs goes.
                db.table(name).remove(doc_ids=doomed)
            store.append_audit(erasure_event(participant_id, now_iso()))
        cleaned = _clean_leftovers(store, plan, others_said)
        return ErasureReport(
            pseudonym=plan.participant.pseudonym,
            removed=plan.summary(),
            exports=export_records(store),
            files_cleaned=cleaned,
            name_kept=name_kept,
        )


def _forget_in_vocabulary(store: ConsultationStore, plan: ErasurePlan) -> None:
    """Their names typed into the transcriber's vocabulary, or left out of it, go too.

    A name still on the names to hide is still listened for (the vocabulary
    suggests them); only what was stored of them in the vocabulary goes. Call
    inside the store transaction.
    """
    person = plan.participant
    consultation = store.consultation()
    names = [name for name in (person.real_name, person.pseudonym) if name.strip()]
    vocabulary = forget_terms(consultation.vocabulary, names)
    if vocabulary != consultation.vocabulary:
        consultation.vocabulary = vocabulary
        store.save_consultation(consultation)


def _keep_hiding_name(store: ConsultationStore, plan: ErasurePlan, others_said: list[str]) -> bool:
    """Keep their real name on the names to hide if other people's words still say it.

    Their record held the name that exports hid; once it is gone, someone else's
    "I came with Sarah" would show it. Only then is the name kept (on the
    consultation's list, where the facilitator can see and remove it). Call
    inside the store transaction. True when the name was kept.
    """
    person = plan.participant
    if not person.real_name.strip():
        return False
    hide = build_anonymiser([], [person], use_pseudonyms=False)
    said = others_said + [q.text for q in plan.quotes_trimmed]
    if all(hide(text) == text for text in said if text):
        return False
    consultation = store.consultation()
    if person.real_name.strip() not in consultation.hide_names:
        consultation.hide_names.append(person.real_name.strip())
        store.save_consultation(consultation)
    return True


def _names(value: Any, participant_id: str, owned: bool = False) -> bool:
    """True when ``value`` (a stored document) is about ``participant_id``.

    Only fields that say whose a record is count (``participant_id``,
    ``person_id``, ``maker_id``, at any depth), so a document that lists them
    beside others (a group's ids) is never removed whole.
    """
    if isinstance(value, str):
        return owned and value == participant_id
    if isinstance(value, dict):
        return any(
            _names(v, participant_id, owned or str(k) in _OWNER_FIELDS) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_names(v, participant_id, owned) for v in value)
    return False


#: Fields that say whose a record is.
_OWNER_FIELDS = frozenset({"participant_id", "person_id", "maker_id"})


def workspace_root_of(store: ConsultationStore) -> Path:
    """The workspace folder a consultation's folder lies in (``<root>/consultations/<id>``)."""
    return store.folder.parent.parent


def _clean_leftovers(
    store: ConsultationStore, plan: ErasurePlan, others_said: list[str]
) -> list[Path]:
    """Remove killed writers' copies, and log entries that mention them; return files changed."""
    folder = store.folder
    cleaned = remove_stale_temps(folder, folder / "transcripts", folder / "audio")
    person = plan.participant
    whole = {text for text in plan.words if len(text.split()) >= 3}
    telling = telling_words(plan.words, others_said)
    names = {
        re.compile(rf"(?<!\w){re.escape(n.casefold())}(?!\w)")
        for n in (person.pseudonym, person.real_name, person.id)
        if n.strip()
    }
    logs = workspace_root_of(store) / "logs"
    try:
        files = sorted(p for p in logs.iterdir() if p.is_file())
    except OSError:
        return cleaned
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        kept = _without_mentions(text, whole, telling, names)
        if kept != text:
            atomic_write_text(path, kept)
            cleaned.append(path)
    return cleaned


def _without_mentions(
    text: str, whole: set[str], telling: set[str], names: set[re.Pattern[str]]
) -> str:
    """``text`` (a log) without the entries that quote them or name them."""
    starts = [m.start() for m in _LOG_ENTRY.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    entries = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    kept = []
    for entry in entries:
        folded = entry.casefold()
        tokens = set(re.findall(r"[\w']+", folded))
        if (
            any(w.casefold() in folded for w in whole)
            or any(n.search(folded) for n in names)
            or not tokens.isdisjoint(telling)
        ):
            continue
        kept.append(entry)
    return "".join(kept)
