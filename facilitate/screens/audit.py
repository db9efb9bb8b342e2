"""The audit view: every consent decision about one participant, oldest first.

For the facilitator only; participant review mode never links here.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from facilitate.plain_text import fill, plain, rich_plain, shown
from models.audit import Actor, AuditEvent
from models.participant import Role
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore

ACTOR_LABELS = {
    Actor.PARTICIPANT: ("participant", "bold green"),
    Actor.FACILITATOR: ("facilitator", ""),
    Actor.ON_BEHALF: ("facilitator, on their behalf", "bold yellow"),
    Actor.SYSTEM: ("system", "dim"),
}


def describe_value(value: Any) -> str:
    """An audit before/after value in a few words."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        parts = []
        if "state" in value:
            parts.append(str(value["state"]))
        if value.get("redactions"):
            count = len(value["redactions"])
            parts.append(f"{count} word{'s' if count != 1 else ''} hidden")
        elif "redactions" in value and "state" not in value:
            parts.append("nothing hidden")
        return ", ".join(parts) or "—"
    return str(value)


def format_time(at: str) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM:SS``."""
    return at.replace("T", " ")[:19]


class AuditScreen(Screen[None]):
    """Time, who decided, what, and what changed, for one participant."""

    CSS_PATH = "audit.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, store: ConsultationStore, participant_id: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.participant_id = participant_id

    def compose(self) -> ComposeResult:
        """Who, then their events."""
        yield Header()
        people = [
            (plain(p.pseudonym), p.id)
            for p in self.store.participants()
            if p.role is Role.PARTICIPANT
        ]
        yield Select[str](
            people,
            value=self.participant_id if self.participant_id else Select.NULL,
            prompt="Choose a participant…",
            id="audit-participant",
        )
        table: DataTable[str | Text] = DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="no-events", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the events."""
        table = self.query_one("#audit", DataTable)
        table.add_column("Time", key="time")
        table.add_column("Who decided", key="actor")
        table.add_column("Action", key="action")
        table.add_column("About", key="about")
        table.add_column("Before → after", key="change")
        self.reload()
        if self.participant_id is None:
            # Nothing to read until someone is chosen: the picker has the keys.
            self.query_one("#audit-participant", Select).focus()
        else:
            table.focus()

    def subject(self, event: AuditEvent, quotes: dict[str, str], sessions: dict[str, str]) -> str:
        """What the event is about, in a few words."""
        if event.subject_kind == "quote":
            text = quotes.get(event.subject_id, "a quote")
            return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"
        if event.subject_kind == "session":
            return sessions.get(event.subject_id, "a session")
        if event.subject_kind == "segment":
            return "transcript words"
        return event.subject_kind

    def reload(self) -> None:
        """Read the participant's events again."""
        table = self.query_one("#audit", DataTable)
        table.clear()
        empty = self.query_one("#no-events", Static)
        if self.participant_id is None:
            self.sub_title = "Audit"
            empty.update("Choose a participant to see every decision about their words.")
            table.display, empty.display = False, True
            return
        try:
            events = self.store.audit(self.participant_id)
            name = self.store.participant(self.participant_id).pseudonym
            quotes = {q.id: q.redacted_text for q in self.store.quotes(fresh=False)}
            sessions = {s.id: s.title for s in self.store.sessions()}
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the audit log", severity="error")
            return
        self.sub_title = shown(f"Audit: {name}")
        for event in events:
            label, style = ACTOR_LABELS.get(event.actor, (str(event.actor), ""))
            table.add_row(
                Text(format_time(event.at), style="dim"),
                Text(label, style=style),
                rich_plain(event.action),
                rich_plain(self.subject(event, quotes, sessions)),
                rich_plain(f"{describe_value(event.before)} → {describe_value(event.after)}"),
                key=event.id,
            )
        empty.update(fill("No decisions about $name's words yet.", name=name))
        table.display, empty.display = bool(events), not events

    @on(Select.Changed, "#audit-participant")
    def _participant_changed(self, event: Select.Changed) -> None:
        self.participant_id = None if event.value is Select.NULL else str(event.value)
        self.reload()

    def action_back(self) -> None:
        """Back to where the audit was opened from."""
        self.dismiss()
