"""The table of a consultation's sessions on the home screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from facilitate.plain_text import rich_plain
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

#: The widest status, so a status is never cut off whichever it is.
STATUS_WIDTH = max(len(f"● {status.value}") for status in SessionStatus)
#: The narrowest the session title may get before the other columns give way.
MIN_TITLE = 10
#: The narrowest the venue may get.
MIN_VENUE = 6


def status_text(status: SessionStatus) -> Text:
    """A session status as coloured text, marked with a dot."""
    return Text(f"● {status.value}", style=STATUS_STYLES.get(status, ""))


def cell(text: str, style: str = "") -> Text:
    """One line of text that ends in … where its column is too narrow (never markup)."""
    return rich_plain(text, style=style, no_wrap=True, overflow="ellipsis")


@dataclass(frozen=True)
class ColumnWidths:
    """How wide each column's text is, in cells (padding not included)."""

    title: int
    date: int
    venue: int
    activity: int
    status: int = STATUS_WIDTH


def column_widths(sessions: list[Session], room: int, padding: int = 2) -> ColumnWidths:
    """Fit the columns into ``room`` cells: date, activity and status whole; title and
    venue share the rest (the title gets the larger part) and are ellipsised.

    ``padding`` is the space each column adds around its text.
    """
    date = max([len("Date"), *(len(s.date) for s in sessions)])
    activity = max([len("Activity"), *(len(s.activity.value) for s in sessions)])
    title_needs = max([len("Session"), *(len(s.title) for s in sessions)])
    venue_needs = max([len("Venue"), *(len(s.venue or "—") for s in sessions)])
    left = room - date - activity - STATUS_WIDTH - 5 * padding
    if title_needs + venue_needs <= left:
        return ColumnWidths(title_needs, date, venue_needs, activity)
    venue = min(venue_needs, max(MIN_VENUE, left * 2 // 5))
    title = max(MIN_TITLE, left - venue)
    if title > title_needs:  # The title needs less than its share: the venue gets it.
        venue = min(venue_needs, venue + title - title_needs)
        title = title_needs
    return ColumnWidths(title, date, venue, activity)


class SessionTable(DataTable[str | Text]):
    """Sessions of one consultation, one row each; the row key is the session id.

    The columns are sized to the table's width (see :func:`column_widths`), so
    the status always shows whole and the table never scrolls sideways.
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.sessions: list[Session] = []
        self.widths: ColumnWidths | None = None

    def on_mount(self) -> None:
        """Set up the columns once."""
        self._columns(column_widths([], self.room))

    @property
    def room(self) -> int:
        """The cells the columns may use: the width less a vertical scrollbar's room."""
        return max(0, self.size.width - self.styles.scrollbar_size_vertical)

    def _columns(self, widths: ColumnWidths) -> None:
        self.widths = widths
        self.add_column("Session", key="title", width=widths.title)
        self.add_column("Date", key="date", width=widths.date)
        self.add_column("Venue", key="venue", width=widths.venue)
        self.add_column("Activity", key="activity", width=widths.activity)
        self.add_column("Status", key="status", width=widths.status)

    def show(self, sessions: list[Session], keep: str | None = None) -> None:
        """Replace the rows with ``sessions``, keeping the cursor on ``keep`` if present."""
        self.sessions = list(sessions)
        widths = column_widths(self.sessions, self.room) if self.room else self.widths
        if widths is not None and widths != self.widths:
            self.clear(columns=True)
            self._columns(widths)
        else:
            self.clear()
        for session in sessions:
            self.add_row(
                cell(session.title, "bold"),
                cell(session.date),
                cell(session.venue) if session.venue else cell("—", "dim"),
                cell(session.activity.value),
                status_text(session.status),
                key=session.id,
            )
        ids = [s.id for s in sessions]
        if keep in ids:
            self.move_cursor(row=ids.index(keep))

    def on_resize(self, event: events.Resize) -> None:
        """Fit the columns to the new width."""
        if column_widths(self.sessions, self.room) != self.widths:
            self.show(self.sessions, keep=self.selected_id)

    @property
    def selected_id(self) -> str | None:
        """The id of the session under the cursor, or None if there are none."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
