"""The table of a consultation's sessions on the home screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from models import Session, SessionStatus

#: Rich styles for each status, chosen to read on light and dark themes.
STATUS_STYLES: dict[SessionStatus, str] = {
    SessionStatus.PLANNED: "dim",
    SessionStatus.RECORDING: "bold red",
    SessionStatus.RECORDED: "yellow",
    SessionStatus.TRANSCRIBING: "bold cyan",
    SessionStatus.TRANSCRIBED: "green",
    SessionStatus.REVIEWED: "bold green",
}


def status_text(status: SessionStatus) -> Text:
    """A session status as coloured text, marked with a dot."""
    return Text(f"● {status.value}", style=STATUS_STYLES.get(status, ""))


class SessionTable(DataTable[str | Text]):
    """Sessions of one consultation, one row each; the row key is the session id."""

    def on_mount(self) -> None:
        """Set up the columns once."""
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("Session", key="title")
        self.add_column("Date", key="date")
        self.add_column("Venue", key="venue")
        self.add_column("Activity", key="activity")
        self.add_column("Status", key="status")

    def show(self, sessions: list[Session], keep: str | None = None) -> None:
        """Replace the rows with ``sessions``, keeping the cursor on ``keep`` if present."""
        self.clear()
        for session in sessions:
            self.add_row(
                Text(session.title, style="bold"),
                session.date,
                session.venue or Text("—", style="dim"),
                session.activity.value,
                status_text(session.status),
                key=session.id,
            )
        ids = [s.id for s in sessions]
        if keep in ids:
            self.move_cursor(row=ids.index(keep))

    @property
    def selected_id(self) -> str | None:
        """The id of the session under the cursor, or None if there are none."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
