"""A session's transcript as a table: time, speaker pseudonym, what was said."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from facilitate.plain_text import rich_plain
from models import Segment, format_clock

TIME_WIDTH = 7
UNKNOWN_SPEAKER = "?"


class TranscriptTable(DataTable[str | Text]):
    """Segments, one row each, with the text column wrapped to the table's width.

    The row key is the segment id.
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._segments: list[Segment] = []
        self._names: dict[str, str] = {}

    def on_mount(self) -> None:
        """Set up the columns once; the text column's width follows the table's."""
        self.add_column("Time", key="time", width=TIME_WIDTH)
        self.add_column("Speaker", key="speaker", width=len("Speaker"))
        self.add_column("Text", key="text", width=20)

    def show(self, segments: list[Segment], names: dict[str, str]) -> None:
        """Replace the rows with ``segments``; ``names`` maps participant ids to pseudonyms."""
        self._segments = list(segments)
        self._names = dict(names)
        self._rebuild()

    def speaker(self, segment: Segment) -> str:
        """The pseudonym of who said ``segment``, or "?" when unknown."""
        if segment.speaker_id is None:
            return UNKNOWN_SPEAKER
        return self._names.get(segment.speaker_id, UNKNOWN_SPEAKER)

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap the text column to the new width."""
        if self._segments:
            self._rebuild()
        else:
            self._fit_columns()

    def _fit_columns(self) -> None:
        speakers = [self.speaker(s) for s in self._segments]
        speaker_width = max([len("Speaker"), *(len(s) for s in speakers)])
        speaker_width = min(speaker_width, 16)
        padding = 2 * self.cell_padding * 3
        # Leave room for the vertical scrollbar so rows never scroll sideways.
        spare = self.scrollable_content_region.width or self.size.width
        text_width = max(20, spare - TIME_WIDTH - speaker_width - padding - 2)
        for key, width in (("speaker", speaker_width), ("text", text_width)):
            column = self.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False

    def _rebuild(self) -> None:
        cursor = self.cursor_row
        self.clear()
        self._fit_columns()
        for segment in self._segments:
            speaker = self.speaker(segment)
            self.add_row(
                Text(format_clock(segment.start), style="dim"),
                rich_plain(speaker, style="dim italic" if speaker == UNKNOWN_SPEAKER else "bold"),
                rich_plain(segment.text.strip()),
                height=None,
                key=segment.id,
            )
        if self._segments:
            self.move_cursor(row=min(cursor, len(self._segments) - 1), animate=False)
