"""The transcript for review: marks, time, speaker and text, with unsure words shown.

The mark column shows a range selection (▌), a bookmark (★) and a segment
that is part of a quote (❝).

One DataTable row per segment. DataTable renders only the rows on screen, so a
two-hour transcript (1,500 rows) opens and scrolls without lag; a row is
redrawn alone (``update_cell``) when its text, speaker or playing word changes.
"""

from __future__ import annotations

from rich.text import Span, Text
from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from facilitate.plain_text import rich_plain, shown
from models import Marker, MarkerKind, Segment, format_clock

#: Words the model gave less than this probability are shown as unsure.
UNSURE = 0.5
UNKNOWN_SPEAKER = "?"
BOOKMARK = "★"
IN_RANGE = "▌"
EDITED = "✎"
QUOTED = "❝"
TIME_WIDTH = 7
MARK_WIDTH = 3


class TranscriptView(DataTable[str | Text]):
    """Segments for review; the row key is the segment id."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.segments: list[Segment] = []
        self.names: dict[str, str] = {}
        self.bookmarked: set[int] = set()
        #: Ids of segments that are part of a quote.
        self.quoted: set[str] = set()
        #: Where a range selection began (a row index), or None.
        self.anchor: int | None = None
        self.search: str = ""
        self.playing: tuple[int, int | None] | None = None  # (row, word index)
        self._width = 0

    def on_mount(self) -> None:
        """The columns; the text column's width follows the table's."""
        self.add_column("", key="mark", width=MARK_WIDTH)
        self.add_column("Time", key="time", width=TIME_WIDTH)
        self.add_column("Speaker", key="speaker", width=len("Speaker"))
        self.add_column("Text", key="text", width=20)

    # -- content ----------------------------------------------------------------

    def show(self, segments: list[Segment], names: dict[str, str],
             markers: list[Marker], quoted: set[str] | None = None) -> None:
        """Replace the rows: ``names`` maps participant ids to pseudonyms.

        ``quoted`` holds the ids of segments that are part of a quote.
        """
        self.segments = list(segments)
        self.names = dict(names)
        self.quoted = set(quoted or ())
        self.bookmarked = bookmarked_rows(self.segments, markers)
        self._rebuild()

    def update_segment(self, segment: Segment) -> None:
        """Redraw one changed segment (its text or its speaker)."""
        for row, old in enumerate(self.segments):
            if old.id == segment.id:
                self.segments[row] = segment
                self._refresh_row(row)
                return

    def mark_quoted(self, segment_ids: list[str]) -> None:
        """Show the quote mark on these segments."""
        self.quoted |= set(segment_ids)
        for row, segment in enumerate(self.segments):
            if segment.id in segment_ids:
                self._refresh_mark(row)

    def speaker(self, segment: Segment) -> str:
        """The pseudonym of who said ``segment``, or "?" when unknown."""
        if segment.speaker_id is None:
            return UNKNOWN_SPEAKER
        return self.names.get(segment.speaker_id, UNKNOWN_SPEAKER)

    @property
    def current(self) -> Segment | None:
        """The segment under the cursor."""
        if not self.segments or not 0 <= self.cursor_row < len(self.segments):
            return None
        return self.segments[self.cursor_row]

    @property
    def selected(self) -> list[Segment]:
        """The segments in the range selection, or the one under the cursor."""
        if self.current is None:
            return []
        if self.anchor is None:
            return [self.current]
        first, last = sorted((self.anchor, self.cursor_row))
        return self.segments[first:last + 1]

    # -- selection, search, playing ---------------------------------------------

    def toggle_range(self) -> None:
        """Start a range selection at the cursor, or end the one in progress."""
        old = self._range()
        self.anchor = None if self.anchor is not None else self.cursor_row
        for row in old | self._range():
            self._refresh_mark(row)

    def set_search(self, text: str) -> None:
        """Highlight ``text`` in every row that has it."""
        before = self.search
        self.search = text.strip().lower()
        for row, segment in enumerate(self.segments):
            low = segment.text.lower()
            if (before and before in low) or (self.search and self.search in low):
                self._refresh_text(row)

    def find(self, text: str, forward: bool = True) -> int | None:
        """The next row (after the cursor, wrapping) whose text holds ``text``."""
        needle = text.strip().lower()
        count = len(self.segments)
        if not needle or not count:
            return None
        start = self.cursor_row
        for step in range(1, count + 1):
            row = (start + step if forward else start - step) % count
            if needle in self.segments[row].text.lower():
                return row
        return None

    def row_at_time(self, seconds: float) -> int | None:
        """The row being said at ``seconds`` (the last one started by then)."""
        found = None
        for row, segment in enumerate(self.segments):
            if segment.start > seconds:
                break
            found = row
        return found

    def set_playing(self, seconds: float | None) -> int | None:
        """Show what is playing at ``seconds`` (None: nothing); return its row."""
        before = self.playing
        if seconds is None:
            self.playing = None
        else:
            row = self.row_at_time(seconds)
            if row is None:
                self.playing = None
            else:
                words = self.segments[row].words
                word = next((i for i, w in enumerate(words)
                             if w.start <= seconds < w.end), None)
                if word is None and before is not None and before[0] == row:
                    word = before[1]  # between words: keep the last one lit
                self.playing = (row, word)
        if before != self.playing:
            for state in (before, self.playing):
                if state is not None and state[0] < len(self.segments):
                    self._refresh_row(state[0])
        return self.playing[0] if self.playing else None

    def next_bookmark(self) -> int | None:
        """The next bookmarked row after the cursor, wrapping round."""
        if not self.bookmarked:
            return None
        later = sorted(r for r in self.bookmarked if r > self.cursor_row)
        return later[0] if later else min(self.bookmarked)

    # -- drawing ----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap the text column when the width changes (rows are built only once laid out)."""
        if event.size.width != self._width:
            self._width = event.size.width
            self._rebuild()

    def watch_cursor_row(self, old: int, new: int) -> None:
        """Extend the range selection as the cursor moves."""
        super().watch_cursor_row(old, new)
        if self.anchor is not None:
            lo, hi = sorted((old, new))
            for row in range(lo, hi + 1):
                self._refresh_mark(row)

    def _range(self) -> set[int]:
        if self.anchor is None:
            return set()
        first, last = sorted((self.anchor, self.cursor_row))
        return set(range(first, last + 1))

    def _fit_columns(self) -> None:
        speakers = {self.speaker(s) for s in self.segments}
        speaker_width = min(max([len("Speaker"), *(len(s) for s in speakers)]), 16)
        padding = 2 * self.cell_padding * 4
        spare = self.scrollable_content_region.width or self.size.width
        text_width = max(20, spare - MARK_WIDTH - TIME_WIDTH - speaker_width - padding - 2)
        for key, width in (("speaker", speaker_width), ("text", text_width)):
            column = self.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False

    def _rebuild(self) -> None:
        if not self.columns or not self._width:
            return  # not laid out yet: the first resize builds the rows, once
        cursor = self.cursor_row
        self.clear()
        self._fit_columns()
        width = self.columns[ColumnKey("text")].width
        for row, segment in enumerate(self.segments):
            height = row_height(segment.text, width, segment.edited)
            self.add_row(*self._cells(row, segment), height=height, key=segment.id)
        if self.segments:
            self.move_cursor(row=min(cursor, len(self.segments) - 1), animate=False)

    def _cells(self, row: int, segment: Segment) -> tuple[Text, Text, Text, Text]:
        speaker = self.speaker(segment)
        return (
            self._mark(row),
            Text(format_clock(segment.start), style="dim"),
            rich_plain(speaker, style="dim italic" if speaker == UNKNOWN_SPEAKER else "bold"),
            self._text(row, segment),
        )

    def _mark(self, row: int) -> Text:
        mark = Text()
        mark.append(IN_RANGE if row in self._range() else " ", style="bold cyan")
        mark.append(BOOKMARK if row in self.bookmarked else " ", style="bold yellow")
        quoted = 0 <= row < len(self.segments) and self.segments[row].id in self.quoted
        mark.append(QUOTED if quoted else " ", style="bold magenta")
        return mark

    def _text(self, row: int, segment: Segment) -> Text:
        playing_word = None
        if self.playing is not None and self.playing[0] == row:
            playing_word = self.playing[1]
        if segment.edited or not segment.words:
            text = rich_plain(segment.text.strip())
            if segment.edited:
                text.append(f" {EDITED}", style="bold cyan")
        else:
            # One string plus spans: appending word by word cost 0.1 s per 1,500 rows.
            tokens: list[str] = []
            spans: list[Span] = []
            at = 0
            for index, word in enumerate(segment.words):
                # Cleaned word by word, so the spans below fit what is shown.
                token = shown(word.text if index else word.text.lstrip())
                style = ""
                if index == playing_word:
                    style = "reverse bold"
                elif word.probability < UNSURE:
                    style = "underline yellow"
                if style:
                    lead = len(token) - len(token.lstrip())
                    spans.append(Span(at + lead, at + len(token), style))
                tokens.append(token)
                at += len(token)
            text = Text("".join(tokens), spans=spans)
        if self.playing is not None and self.playing[0] == row:
            text.stylize("bold")
        if self.search:
            text.highlight_words([self.search], style="black on yellow", case_sensitive=False)
        return text

    def _refresh_mark(self, row: int) -> None:
        if 0 <= row < len(self.segments):
            self.update_cell(RowKey(self.segments[row].id), "mark", self._mark(row))

    def _refresh_text(self, row: int) -> None:
        segment = self.segments[row]
        self.update_cell(RowKey(segment.id), "text", self._text(row, segment))

    def _refresh_row(self, row: int) -> None:
        segment = self.segments[row]
        key = RowKey(segment.id)
        for column, cell in zip(("mark", "time", "speaker", "text"),
                                self._cells(row, segment), strict=True):
            self.update_cell(key, column, cell)
        width = self.columns[ColumnKey("text")].width
        height = row_height(segment.text, width, segment.edited)
        if self.rows[key].height != height:
            self.rows[key].height = height
            self._require_update_dimensions = True
            self.refresh()


def row_height(text: str, width: int, edited: bool = False) -> int:
    """Lines ``text`` takes wrapped at ``width`` (words kept whole), with its edit mark."""
    lines, used = 1, 0
    for word in f"{text.strip()} {EDITED if edited else ''}".split():
        size = len(word)
        if used and used + 1 + size > width:
            lines, used = lines + 1, size
        else:
            used = used + (1 if used else 0) + size
        while used > width:
            lines, used = lines + 1, used - width
    return lines


def bookmarked_rows(segments: list[Segment], markers: list[Marker]) -> set[int]:
    """Rows whose segment was being said (or was next) when a bookmark was pressed."""
    rows: set[int] = set()
    starts = [s.start for s in segments]
    for marker in markers:
        if marker.kind is not MarkerKind.BOOKMARK or not segments:
            continue
        row = 0
        for index, start in enumerate(starts):
            if start <= marker.at_s:
                row = index
        rows.add(row)
    return rows
