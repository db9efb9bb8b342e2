"""The workspace and each consultation's tinydb store.

Layout of a workspace::

    <root>/consultations/<consultation id>/store.json          consultation, participants,
                                                               sessions, quotes, audit
    <root>/consultations/<consultation id>/transcripts/<session id>.json
    <root>/consultations/<consultation id>/audio/<session id>.flac
    <root>/models/<model name>/                                 extra Whisper models

Transcripts live in their own file per session so that a consent decision (a
small write) never rewrites hours of segments. Every write is atomic, and every
read-modify-write holds the consultation's lock, which other processes (a second
window, the command line) respect too (see :mod:`sessions.store_lock`); files
are private to the user. A file that cannot be read raises
:class:`~sessions.errors.StoreUnreadable` and is never written over; a file that
cannot be written raises a one-line :class:`~sessions.errors.StorageError` and
what was saved before stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from models import (
    SCHEMA_VERSION,
    Actor,
    AuditEvent,
    Consultation,
    Participant,
    Quote,
    RecordingConsent,
    SchemaError,
    Segment,
    Session,
    default_codebook,
    empty_codebook,
    from_dict,
    new_id,
    set_recording_consent,
    to_dict,
)
from models.transcript import aligned
from sessions.atomic import atomic_write_bytes, remove_stale_temps
from sessions.clock import now_iso
from sessions.encryption import (
    create_key_file,
    finish_encryption,
    folder_key,
    is_encrypted,
    is_unlocked,
    read_sealed,
    seal_for,
)
from sessions.errors import (
    AlreadyRecorded,
    FacilitateError,
    NotFound,
    StorageError,
    StoreDamaged,
    StoreTooNew,
    StoreUnreadable,
    storage_error,
)
from sessions.locations import (
    PRIVATE_FILE,
    consultations_dir,
    ensure_private_dir,
    id_for_path,
    models_dir,
    recording_file_for_path,
)
from sessions.sealed import is_sealed
from sessions.store_lock import StoreLock

T = TypeVar("T")

STORE_FILE = "store.json"


class AtomicJSONStorage(Storage):
    """A tinydb storage that never leaves a torn file and refuses damaged ones."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        #: The consultation's lock; every write tells it first (see StoreLock.note_write).
        self.guard: StoreLock | None = None
        #: Called whenever the file is parsed afresh (tinydb's remembered ids are stale).
        self.on_reload: Callable[[], None] | None = None
        #: Tables written inside :meth:`batch`, not yet on disk.
        self._pending: dict[str, Any] | None = None
        self._depth = 0
        self._dirty = False
        # The parsed file and the (inode, mtime, size) it was parsed from. Parsing a
        # big store on every read made each click cost hundreds of ms; the stat check
        # still sees a file replaced by another process (every write is a new inode).
        self._cache: dict[str, Any] | None = None
        self._cache_key: tuple[int, int, int] | None = None
        #: Each document's JSON text and that text decoded, by (table, doc id).
        self._encoded: dict[tuple[str, str], tuple[str, Any]] = {}

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Gather every write inside the block into one atomic file write.

        If the block raises, nothing it wrote reaches the file. Callers hold
        the store's lock, so no other thread sees the pending tables.
        """
        if self._depth == 0:
            # tinydb edits the tables it reads in place, so the pending tables are
            # the cached ones: the cache is dropped below unless the write succeeds.
            self._pending = self._read_file() or {}
            self._dirty = False
        self._depth += 1
        try:
            yield
            if self._depth == 1 and self._dirty:
                self._write_file(self._pending)
        except BaseException:
            if self._depth == 1:
                self.forget()
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._pending = None
                self._dirty = False

    def read(self) -> dict[str, Any] | None:
        """Return the stored tables, None for a file not yet written."""
        if self._pending is not None:
            return self._pending
        return self._read_file()

    def forget(self) -> None:
        """Drop the cached copy: the next read parses the file on disk."""
        self._cache = None
        self._cache_key = None


    def _file_key(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _write_file(self, data: dict[str, Any]) -> None:
        self.forget()
        text = self._encode(data)
        if self.guard is not None:
            self.guard.note_write()
        try:
            atomic_write_json(self.path, _EncodedTables(data, text))
        except OSError as error:
            # The old file is still there, whole: say why in one line.
            raise storage_error(error, self.path, "save") from error
        self._cache, self._cache_key = data, self._file_key()

    def _encode(self, data: dict[str, Any]) -> str:
        """JSON for ``data``, re-encoding only documents that changed since the last write.

        Encoding a 2.5 MB store took ~80 ms per write; most writes change one
        document. A document's old text is reused only if the document equals
        that text decoded, so an in-place edit anywhere inside it is never missed.
        (Equality treats 1, 1.0 and True alike; every stored path keeps one type,
        and audit documents, the only free-form ones, are never changed.)
        """
        fresh: dict[tuple[str, str], tuple[str, Any]] = {}
        tables = []
        for name, table in data.items():
            docs = []
            for doc_id, doc in table.items():
                key = (str(name), str(doc_id))
                hit = self._encoded.get(key)
                if hit is None or hit[1] != doc:
                    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                    hit = (text, json.loads(text))
                fresh[key] = hit
                docs.append(f"{json.dumps(key[1])}:{hit[0]}")
            tables.append(f"{json.dumps(str(name), ensure_ascii=False)}:{{{','.join(docs)}}}")
        self._encoded = fresh
        return "{" + ",".join(tables) + "}"

    def _read_file(self) -> dict[str, Any] | None:
        key = self._file_key()
        if key is not None and key == self._cache_key and self._cache is not None:
            return self._cache
        self.forget()
        if self.on_reload is not None:
            self.on_reload()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM):
                raise storage_error(error, self.path, "read") from error
            raise StoreDamaged(self.path, error.strerror or str(error)) from error
        if is_sealed(raw):
            # An encrypted consultation: Locked (no passphrase yet) or damaged, one line each.
            raw = read_sealed(self.path, raw)
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise StoreDamaged(self.path, "not valid JSON") from error
        except RecursionError as error:
            raise StoreDamaged(self.path, "nested too deeply to be a facilitate store") from error
        if not isinstance(data, dict) or not all(_is_table(t) for t in data.values()):
            raise StoreDamaged(self.path, "not a facilitate store")
        # Keyed by the stat taken before reading: if the file changed in between, the
        # next read sees a new key and parses again.
        self._cache, self._cache_key = data, key
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file atomically with ``data`` (at the end of a batch, if in one)."""
        if self._pending is not None:
            self._pending = data
            self._dirty = True
            return
        self._write_file(data)

    def close(self) -> None:
        """Nothing to release: files are opened only for the length of a read or write."""


class _EncodedTables(dict[str, Any]):
    """Tables with their JSON text already made (by the storage's per-document cache)."""

    def __init__(self, tables: dict[str, Any], text: str) -> None:
        super().__init__(tables)
        self.text = text


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace the store file ``path`` with ``data`` as JSON, atomically."""
    text = data.text if isinstance(data, _EncodedTables) else json.dumps(
        data, ensure_ascii=False, separators=(",", ":")
    )
    atomic_write_bytes(path, seal_for(path, text.encode("utf-8")))


def _is_table(table: Any) -> bool:
    """True for a tinydb table: documents (mappings) keyed by integer ids."""
    if not isinstance(table, dict):
        return False
    return all(
        key.isdigit() and isinstance(doc, dict) for key, doc in table.items()
    )


class _StoreTable(Table):
    """A tinydb table whose next document id can be forgotten."""

    def forget_next_id(self) -> None:
        """Take the next id from the file again: another process may have added documents."""
        self._next_id = None
        self.clear_cache()


class _StoreDB(TinyDB):
    """TinyDB with tables that can forget their next id."""

    table_class = _StoreTable


def _open_db(path: Path, guard: StoreLock) -> TinyDB:
    db = _StoreDB(path, storage=AtomicJSONStorage)
    storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
    storage.guard = guard

    def forget_ids() -> None:
        for table in db._tables.values():  # tinydb keeps one Table object per name
            if isinstance(table, _StoreTable):
                table.forget_next_id()

    storage.on_reload = forget_ids
    # Read once now so a damaged file is reported on open, before any write.
    with guard:
        storage.read()
    return db


class ConsultationStore:
    """One consultation's folder: its store file, transcripts and audio.

    Safe to share between the UI and worker threads, and with other processes
    (a second window, the command line): every read and write holds ``lock``,
    which is also an OS file lock, and each hold starts from the files on disk
    when another process has written since.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._transcripts: dict[str, TinyDB] = {}
        self.db: TinyDB | None = None
        self.lock = StoreLock(folder, self._files_changed)
        # Copies a killed writer left behind may hold words since withdrawn.
        remove_stale_temps(folder, folder / "transcripts", folder / "audio")
        self.db = _open_db(folder / STORE_FILE, self.lock)
        with self.lock:
            meta = self.db.table("meta").get(doc_id=1)
        version = meta.get("schema_version", 0) if meta else 0
        if not isinstance(version, int):
            raise StoreDamaged(folder / STORE_FILE, "its schema version is unreadable")
        if version > SCHEMA_VERSION:
            raise StoreTooNew(folder / STORE_FILE, version)
        #: The recovery key of a consultation just encrypted, to show once (else None).
        self.recovery_key: str | None = None
        #: Loaded quotes by tinydb doc id, with the document they were loaded from:
        #: reading 2,000 quotes through from_dict took ~300 ms; unchanged ones are reused.
        self._quote_cache: dict[int, tuple[dict[str, Any], Quote]] = {}

    # -- paths -------------------------------------------------------------

    @property
    def id(self) -> str:
        """The consultation id, which is also the folder name."""
        return self.folder.name

    @property
    def audio_dir(self) -> Path:
        """The folder holding this consultation's recordings (created private)."""
        return ensure_private_dir(self.folder / "audio")

    @property
    def transcripts_dir(self) -> Path:
        """The folder holding one transcript file per session (created private)."""
        return ensure_private_dir(self.folder / "transcripts")

    def audio_path(self, session: Session) -> Path | None:
        """The absolute path of a session's recording, or None if it has none."""
        if session.recording is None:
            return None
        return self.audio_dir / recording_file_for_path(session.recording.file)

    # -- generic helpers -------------------------------------------------------

    def forget_cached_files(self) -> None:
        """Read every file afresh at the next read (they were rewritten, say sealed)."""
        with self.lock:
            self._files_changed()

    def _files_changed(self) -> None:
        """Another process wrote: read every file afresh, ids included."""
        for db in (self.db, *self._transcripts.values()):
            if db is not None:
                storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
                storage.forget()
                if storage.on_reload is not None:
                    storage.on_reload()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # One lock, and one atomic file write for everything in the block, so
        # a consent answer and its audit event are saved together or not at all.
        with self.lock, self.db.storage.batch():
            yield

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Hold the lock and save every write in the block in one atomic file write.

        Services use it to save an entity with its audit event, or a codebook
        edit with every quote it re-tags: all of it reaches the file, or none.
        """
        return self._writing()

    def _read_all(self, table: str, cls: type[T]) -> list[T]:
        with self.lock:
            docs = self.db.table(table).all()
        return [self._load(cls, doc) for doc in docs]

    def _read_one(self, table: str, cls: type[T], entity_id: str) -> T | None:
        with self.lock:
            doc = self.db.table(table).get(Query().id == entity_id)
        return self._load(cls, doc) if doc is not None else None

    def _load(self, cls: type[T], doc: Any) -> T:
        try:
            return from_dict(cls, dict(doc))
        except SchemaError as error:
            raise StoreDamaged(self.folder / STORE_FILE, str(error)) from error
        except RecursionError as error:
            raise StoreDamaged(self.folder / STORE_FILE, "nested too deeply to read") from error

    def _upsert(self, table: Table, entity: Any) -> None:
        table.upsert(to_dict(entity), Query().id == entity.id)

    # -- consultation ----------------------------------------------------------

    def consultation(self) -> Consultation:
        """The consultation this folder holds."""
        with self.lock:
            doc = self.db.table("consultation").get(doc_id=1)
        if doc is None:
            raise StoreDamaged(self.folder / STORE_FILE, "it holds no consultation")
        return self._load(Consultation, doc)

    def save_consultation(self, consultation: Consultation) -> None:
        """Store ``consultation`` (its title, codebook, hide list, PIN)."""
        with self._writing():
            table = self.db.table("consultation")
            if table.get(doc_id=1) is None:
                table.insert(to_dict(consultation))
            else:
                table.update(to_dict(consultation), doc_ids=[1])
            self.db.table("meta").upsert({"schema_version": SCHEMA_VERSION}, Query().noop())

    # -- participants -------------------------------------------------------

    def participants(self) -> list[Participant]:
        """Everyone in the consultation, in the order they were added."""
        return self._read_all("participants", Participant)

    def participant(self, participant_id: str) -> Participant:
        """The participant with ``participant_id``."""
        found = self._read_one("participants", Participant, participant_id)
        if found is None:
            raise NotFound(f"No participant {participant_id} in this consultation.")
        return found

    def save_participant(self, participant: Participant) -> None:
        """Add or update a participant."""
        with self._writing():
            self._upsert(self.db.table("participants"), participant)

    def set_recording_consent(
        self,
        participant_id: str,
        session_id: str,
        answer: RecordingConsent,
        actor: Actor = Actor.FACILITATOR,
    ) -> AuditEvent:
        """Record a recording-consent answer and its audit event together."""
        with self._writing():
            participant = self.participant(participant_id)
            event = set_recording_consent(participant, session_id, answer, now_iso(), actor)
            self.save_participant(participant)
            self.append_audit(event)
        return event

    # -- sessions ------------------------------------------------------------

    def sessions(self) -> list[Session]:
        """The consultation's sessions, in the order they were created."""
        return self._read_all("sessions", Session)

    def session(self, session_id: str) -> Session:
        """The session with ``session_id``."""
        found = self._read_one("sessions", Session, session_id)
        if found is None:
            raise NotFound(f"No session {session_id} in this consultation.")
        return found

    def save_session(self, session: Session) -> None:
        """Add or update a session (its plan, status, recording and marks)."""
        with self._writing():
            self._upsert(self.db.table("sessions"), session)

    @contextmanager
    def recording_claim(self, session_id: str) -> Iterator[None]:
        """Hold the right to give a session its one recording, for the length of the block.

        Taken under the consultation's lock: a session that already has a
        recording, or whose recording another import (in any process) is
        storing now, raises :class:`~sessions.errors.AlreadyRecorded` (one line)
        and nothing is touched. The claim is an OS lock on a hidden file in the
        audio folder, so a killed import leaves no claim behind.
        """
        path = self.audio_dir / f".{id_for_path(session_id)}.importing"
        with self.lock:
            refuse_if_recorded(self.session(session_id))
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
            except OSError as error:
                raise storage_error(error, path.parent, "save to") from error
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                os.close(fd)
                if isinstance(error, BlockingIOError):
                    raise AlreadyRecorded(
                        f"Session {session_id} already has a recording being imported; "
                        "nothing was changed. Let that import finish, or make a new "
                        "session for this audio."
                    ) from error
                raise storage_error(error, path, "lock") from error
        try:
            yield
        finally:
            # Removed while still held, under the consultation's lock, so no one can
            # take a claim on the file that is going away.
            with self.lock:
                with contextlib.suppress(OSError):
                    path.unlink()
                os.close(fd)

    # -- transcripts ---------------------------------------------------------

    def _transcript_db(self, session_id: str) -> TinyDB:
        db = self._transcripts.get(session_id)
        if db is None:
            # Not made here: reading a read-only workspace must not need a new folder.
            name = f"{id_for_path(session_id)}.json"
            db = _open_db(self.folder / "transcripts" / name, self.lock)
            self._transcripts[session_id] = db
        return db

    def segments(self, session_id: str) -> list[Segment]:
        """The session's transcript segments in time order."""
        with self.lock:
            doc = self._transcript_db(session_id).table("transcript").get(doc_id=1)
        if doc is None:
            return []
        try:
            # Transcripts saved before words followed corrections are aligned as
            # they are read, the same way every time (see models.transcript.aligned).
            return [aligned(from_dict(Segment, item)) for item in doc["segments"]]
        except (KeyError, TypeError, SchemaError, RecursionError) as error:
            path = self.folder / "transcripts" / f"{session_id}.json"
            raise StoreDamaged(path, "its segments cannot be read") from error

    def save_segments(self, session_id: str, segments: list[Segment]) -> None:
        """Replace the session's transcript with ``segments``."""
        doc = {"segments": [to_dict(s) for s in sorted(segments, key=lambda s: s.start)]}
        with self._writing():
            ensure_private_dir(self.folder / "transcripts")
            table = self._transcript_db(session_id).table("transcript")
            if table.get(doc_id=1) is None:
                table.insert(doc)
            else:
                table.update(doc, doc_ids=[1])

    # -- quotes ----------------------------------------------------------------

    def quotes(self, session_id: str | None = None, fresh: bool = True) -> list[Quote]:
        """All quotes, or those of one session.

        Callers may change the quotes and their lists (not the Word objects,
        which are shared), unless ``fresh`` is False: then the quotes themselves
        are shared with the store's cache and must only be read (counting).
        """
        quotes: list[Quote] = []
        with self.lock:
            docs = self.db.table("quotes").all()
            cache = self._quote_cache
            for doc in docs:
                hit = cache.get(doc.doc_id)
                if hit is not None and hit[0] == doc:
                    quote = hit[1]
                else:
                    quote = self._load(Quote, doc)
                    # A shallow snapshot is enough: tinydb replaces a document's
                    # values on update, it never edits them in place.
                    cache[doc.doc_id] = (dict(doc), quote)
                if session_id is None or quote.session_id == session_id:
                    quotes.append(_fresh(quote) if fresh else quote)
        return quotes

    def quote(self, quote_id: str) -> Quote:
        """The quote with ``quote_id``."""
        found = self._read_one("quotes", Quote, quote_id)
        if found is None:
            raise NotFound(f"No quote {quote_id} in this consultation.")
        return found

    def save_quote(self, quote: Quote) -> None:
        """Add or update a quote."""
        with self._writing():
            changed = self.db.table("quotes").upsert(to_dict(quote), Query().id == quote.id)
            # Its words as loaded before (perhaps since redacted or erased) leave memory.
            for doc_id in changed:
                self._quote_cache.pop(doc_id, None)

    def remove_quote(self, quote_id: str) -> None:
        """Take a quote out of the consultation (its transcript words stay)."""
        self.remove_quotes([quote_id])

    def remove_quotes(self, quote_ids: Iterable[str]) -> None:
        """Take quotes out of the consultation, from the file and from memory."""
        with self._writing():
            for doc_id in self.db.table("quotes").remove(Query().id.one_of(list(quote_ids))):
                self._quote_cache.pop(doc_id, None)

    # -- audit -------------------------------------------------------------------

    def append_audit(self, event: AuditEvent) -> None:
        """Append one audit event. Events are never changed or removed."""
        with self._writing():
            self.db.table("audit").insert(to_dict(event))

    def audit(self, participant_id: str | None = None) -> list[AuditEvent]:
        """The audit trail, oldest first, optionally for one participant."""
        events = self._read_all("audit", AuditEvent)
        if participant_id is not None:
            events = [e for e in events if e.participant_id == participant_id]
        return events


def refuse_if_recorded(session: Session) -> None:
    """Raise :class:`~sessions.errors.AlreadyRecorded` if ``session`` has its recording."""
    if session.recording is not None:
        existing = session.recording.original_name or session.recording.file
        raise AlreadyRecorded(
            f"Session {session.id} already has a recording ({existing}); "
            "make a new session for this audio."
        )


def _fresh(quote: Quote) -> Quote:
    """A copy of a cached quote whose lists the caller may change.

    The Word objects inside are shared with the cache, not copied: copying
    26,000 words took longer than the 50 ms a listing may take. Words are values
    (nothing edits a quote's words in place; a quote is remade from its segments).
    """
    copy = object.__new__(Quote)
    copy.__dict__.update(
        {key: list(value) if type(value) is list else value for key, value in vars(quote).items()}
    )
    return copy


class Workspace:
    """The folder of consultations and models; one store object per consultation."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        ensure_private_dir(self.root)
        ensure_private_dir(consultations_dir(self.root))
        self._stores: dict[str, ConsultationStore] = {}
        self._lock = threading.Lock()

    @property
    def models_dir(self) -> Path:
        """Where the user may put extra CTranslate2 Whisper model folders."""
        return models_dir(self.root)

    def consultation_ids(self) -> list[str]:
        """Ids of every consultation folder, oldest first.

        A folder facilitate may not look into is listed too, so that opening it
        reports why instead of it silently disappearing.
        """
        where = consultations_dir(self.root)
        try:
            folders = [p for p in where.iterdir() if p.is_dir() and _holds_store(p)]
            return [p.name for p in sorted(folders, key=lambda p: (p.stat().st_mtime, p.name))]
        except OSError as error:
            raise storage_error(error, where, "read") from error

    def locked(self) -> list[Path]:
        """Folders of encrypted consultations this process has no passphrase for yet.

        Those a FACILITATE_PASSPHRASE opened are unlocked once listed; one it does not
        open (a mistyped variable, another consultation's passphrase) stays here, so
        the app can still ask for its own.
        """
        where = consultations_dir(self.root)
        return [
            where / cid for cid in self.consultation_ids()
            if is_encrypted(where / cid) and not is_unlocked(where / cid)
        ]

    def open(self, consultation_id: str) -> ConsultationStore:
        """The store of ``consultation_id``; raises NotFound or StoreDamaged."""
        with self._lock:
            store = self._stores.get(consultation_id)
            if store is not None:
                return store
            folder = consultations_dir(self.root) / consultation_id
            try:
                (folder / STORE_FILE).stat()
            except FileNotFoundError:
                folder = None
            except OSError as error:
                raise storage_error(error, folder, "read") from error
            if folder is None:
                raise NotFound(
                    f"No consultation {consultation_id!r}; 'facilitate sessions' lists them."
                )
            if is_encrypted(folder):
                # Before anything is opened or locked: a wrong passphrase changes no byte.
                folder_key(folder)
            store = ConsultationStore(folder)
            if is_encrypted(folder):
                # An encryption a kill cut short: seal what it left plain.
                finish_encryption(store)
            # A file that parses but holds no consultation is as damaged as one
            # that does not parse: refuse it here, before anyone lists it.
            store.consultation()
            self._stores[consultation_id] = store
            return store

    def stores(self) -> list[ConsultationStore]:
        """Every consultation's store that can be read (see :meth:`damaged` for the rest)."""
        return self.readable()[0]

    def damaged(self) -> list[str]:
        """One line per consultation store that cannot be read, and why."""
        return [str(error) for error in self.readable()[1]]

    def readable(self) -> tuple[list[ConsultationStore], list[FacilitateError]]:
        """The stores that can be read, and one error for each that cannot.

        Damaged, too new, or not ours to read: a listing shows these errors
        (one line each) beside the consultations it can show.
        """
        stores: list[ConsultationStore] = []
        problems: list[FacilitateError] = []
        for consultation_id in self.consultation_ids():
            try:
                store = self.open(consultation_id)
                store.consultation()
            except UNREADABLE as error:
                problems.append(error)
            else:
                stores.append(store)
        return stores, problems

    def create_consultation(
        self, title: str, question: str = "", codebook: str = "ten-characteristics",
        passphrase: str | None = None,
    ) -> ConsultationStore:
        """Make a new consultation folder and store; return its store.

        With a ``passphrase`` it is encrypted from its first byte; its recovery
        key, to be shown once, is then in the store's ``recovery_key``.
        """
        title = title.strip()
        if not title:
            raise ValueError("A consultation needs a title.")
        consultation = Consultation(
            id=new_id("c"),
            title=title,
            question=question.strip(),
            codebook=default_codebook() if codebook == "ten-characteristics" else empty_codebook(),
            created_at=now_iso(),
        )
        folder = consultations_dir(self.root) / consultation.id
        try:
            ensure_private_dir(folder)
            code = create_key_file(folder, passphrase)[1] if passphrase is not None else None
            store = ConsultationStore(folder)
            store.recovery_key = code
            store.save_consultation(consultation)
        except BaseException:
            # A folder without its store would be listed as nothing; leave none behind.
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            self._stores[consultation.id] = store
        return store

    def find_session(self, session_id: str) -> tuple[ConsultationStore, Session]:
        """The store and session for a session id from anywhere in the workspace."""
        stores, problems = self.readable()
        for store in stores:
            for session in store.sessions():
                if session.id == session_id:
                    return store, session
        if problems:
            # It may be in a store that cannot be read: say so rather than "no such session".
            where = (
                "the consultation that cannot be read:" if len(problems) == 1
                else f"one of the {len(problems)} consultations that cannot be read; the first:"
            )
            raise NotFound(f"Session {session_id!r} may be in {where} {problems[0]}")
        raise NotFound(
            f"No session {session_id!r} in the workspace; "
            "'facilitate sessions' lists the session ids."
        )


#: What keeps one consultation's store from opening; listings report it and go on.
UNREADABLE = (StoreUnreadable, StorageError)


def _holds_store(folder: Path) -> bool:
    """True if ``folder`` has a store file, or may have one but facilitate may not look."""
    try:
        (folder / STORE_FILE).stat()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # open() reports why it cannot be read
    return True
