"""The report's frame (context, key messages, what we heard per theme) in the store.

Each edit is saved with its audit event in one atomic store write, under the
store's lock, like every other decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.audit import Actor
from models.report_frame import ReportFrame, edit_frame
from models.serial import SchemaError, from_dict, to_dict
from sessions.clock import now_iso
from sessions.errors import StoreDamaged
from sessions.store import ConsultationStore

TABLE = "report_frame"


def load_frame(store: ConsultationStore) -> ReportFrame:
    """The consultation's report frame (empty until the facilitator writes one)."""
    with store.lock:
        doc = store.db.table(TABLE).get(doc_id=1)
    if doc is None:
        return ReportFrame()
    try:
        return from_dict(ReportFrame, dict(doc))
    except SchemaError as error:
        raise StoreDamaged(store.folder, str(error)) from error


def save_part(
    store: ConsultationStore, part: str, text: str, actor: Actor = Actor.FACILITATOR
) -> ReportFrame:
    """Set one part of the frame (a consultation part or a theme id); audited when it changed."""
    with store.transaction():
        frame, event = edit_frame(load_frame(store), part, text, now_iso(), actor)
        if event is not None:
            table = store.db.table(TABLE)
            data = to_dict(frame)
            if table.get(doc_id=1) is None:
                table.insert(data)
            else:
                table.update(_replace_with(data), doc_ids=[1])
            store.append_audit(event)
    return frame


def _replace_with(data: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A tinydb update that replaces the whole document (a plain update merges keys)."""

    def change(doc: dict[str, Any]) -> None:
        doc.clear()
        doc.update(data)

    return change
