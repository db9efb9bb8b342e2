"""Where and when this consultation's material was exported.

An export is what the facilitator chose to release, so it leaves the app's
hands: it cannot be recalled. When someone later asks to be forgotten, the
facilitator is shown every folder exported before (path and date) so they can
delete those copies by hand. Each export is noted in the consultation's store
(table ``exports``): the folder, the time, the files, the session if only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sessions.clock import now_iso
from sessions.store import ConsultationStore

#: The store table that lists exports.
EXPORTS_TABLE = "exports"


@dataclass(frozen=True)
class ExportRecord:
    """One export: the folder it went to, when, and how many files."""

    folder: str
    at: str
    files: int
    session_id: str = ""

    @property
    def still_there(self) -> bool:
        """True while the folder still exists on this laptop (or a disk it can see)."""
        return Path(self.folder).exists()

    def line(self) -> str:
        """One line for the facilitator: date, folder, and whether it is still there."""
        where = "" if self.still_there else " (no longer there)"
        return f"{self.at[:16].replace('T', ' ')}  {self.folder}{where}"


def record_export(
    store: ConsultationStore, paths: list[Path], session_id: str | None = None
) -> ExportRecord | None:
    """Note an export that wrote ``paths``; None when it wrote nothing.

    Raises a one-line :class:`~sessions.errors.FacilitateError` when the store
    cannot be written; the export itself is done by then, so callers say so
    (:func:`unnoted_line`) rather than report the export as failed.
    """
    if not paths:
        return None
    folder = Path(paths[0]).parent.absolute()
    record = ExportRecord(str(folder), now_iso(), len(paths), session_id or "")
    with store.transaction():
        store.db.table(EXPORTS_TABLE).insert(
            {
                "folder": record.folder,
                "at": record.at,
                "files": record.files,
                "session_id": record.session_id,
            }
        )
    return record


def unnoted_line(folder: Path, error: BaseException) -> str:
    """What to tell the facilitator when an export was written but could not be noted."""
    return (
        f"The export in {folder} is complete, but it could not be noted in the consultation "
        f"({error}); keep a note of that folder yourself, in case someone asks to be erased."
    )


def export_records(store: ConsultationStore) -> list[ExportRecord]:
    """Every export of this consultation noted so far, oldest first."""
    with store.lock:
        docs = store.db.table(EXPORTS_TABLE).all()
    records = [
        ExportRecord(
            str(doc.get("folder", "")),
            str(doc.get("at", "")),
            int(doc.get("files", 0) or 0),
            str(doc.get("session_id", "") or ""),
        )
        for doc in docs
        if isinstance(doc.get("folder"), str)
    ]
    return sorted(records, key=lambda r: r.at)
