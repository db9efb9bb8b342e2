"""Write the report's frame: context, key messages, and "what we heard" for each theme.

The parts are listed on the left; the one chosen is edited in the middle,
and for a theme its approved quotes (as the report will print them) are on
the right, so the facilitator writes about what people actually said. A part
is saved, with its audit event, when the facilitator moves to another part,
presses ctrl+s, or leaves.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from facilitate.plain_text import plain, rich_plain
from models.report_frame import COMMISSIONED_BY, CONTEXT, KEY_MESSAGES, ReportFrame
from sessions.errors import FacilitateError
from sessions.report_frame import load_frame, save_part
from sessions.store import ConsultationStore

#: What each consultation part is for, shown above the editor.
HINTS = {
    COMMISSIONED_BY: "Who asked for this consultation (printed on the cover).",
    CONTEXT: "Why the consultation happened and whom it asked. Blank lines start paragraphs.",
    KEY_MESSAGES: "The messages a reader must not miss: one a line.",
}
THEME_HINT = "What we heard: your own framing of this theme, printed before its quotes."
LOADING = "Reading the approved quotes…"


class ReportFrameScreen(Screen[None]):
    """The facilitator's words around the quotes, per consultation and per theme."""

    CSS_PATH = "report_frame.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the part being written"),
        Binding("escape", "back", "Back", tooltip="Save and go back"),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        self.frame = ReportFrame()
        self.part = CONTEXT
        self.themes: dict[str, str] = {}
        #: Theme id -> its approved quotes as the report prints them; None until read.
        self.quotes: dict[str, list[tuple[str, str]]] | None = None
        #: Why the approved quotes could not be read, if they could not.
        self.unreadable = ""

    def compose(self) -> ComposeResult:
        """Parts, editor, approved quotes."""
        yield Header()
        with Horizontal(id="frame-body"):
            yield OptionList(id="frame-parts")
            with Vertical(id="frame-editor"):
                yield Static("", id="frame-title")
                yield Static("", id="frame-hint")
                yield TextArea(id="frame-text", soft_wrap=True, show_line_numbers=False)
            with VerticalScroll(id="frame-quotes"):
                yield Static("", id="frame-quotes-list")
        yield Footer()

    def on_mount(self) -> None:
        """List the parts, show the context, and read the approved quotes in the background."""
        self.sub_title = "Write the report"
        try:
            self.frame = load_frame(self.store)
            themes = self.store.consultation().codebook.themes
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the report", severity="error")
            themes = []
        self.themes = {t.id: t.name for t in themes}
        parts = self.query_one("#frame-parts", OptionList)
        parts.add_options(
            [Option(plain(name.capitalize()), id=name) for name in (COMMISSIONED_BY, CONTEXT,
                                                                      KEY_MESSAGES)]
            + [None, Option(plain("What we heard:"), disabled=True)]
            + [Option(plain(f"  {t.name}"), id=t.id) for t in themes]
        )
        parts.highlighted = 1
        self.show_part(CONTEXT)
        self.query_one(TextArea).focus()
        self.read_quotes()

    def read_quotes(self) -> None:
        """Read, off the UI thread, what the report will print under each theme.

        An app job, so a consultation the export cannot read (a lost artwork
        photo, a damaged file) says why in one line instead of "Reading…" for ever.
        """
        store = self.store

        def approved() -> dict[str, list[tuple[str, str]]]:
            from sessions.export import build_content, load_source

            content = build_content(load_source(store))
            return {
                theme.id: [(q.text, q.attribution) for q in content.quotes_for(theme.id)]
                for theme in content.themes
            }

        self.app.run_job(  # type: ignore[attr-defined]
            f"frame-quotes:{store.id}",
            approved,
            owner=self,
            title="Cannot show the approved quotes",
            on_success=self._quotes_read,
            on_failure=self._quotes_failed,
        )

    def _quotes_read(self, quotes: dict[str, list[tuple[str, str]]]) -> None:
        self.quotes = quotes
        self.unreadable = ""
        self.show_quotes()

    def _quotes_failed(self, line: str) -> None:
        self.unreadable = line
        self.show_quotes()

    def show_part(self, part: str) -> None:
        """Put ``part``'s text in the editor, with its title, hint and quotes."""
        self.part = part
        title = self.themes.get(part)
        self.query_one("#frame-title", Static).update(
            rich_plain(f"What we heard: {title}" if title else part.capitalize(), style="bold")
        )
        self.query_one("#frame-hint", Static).update(
            rich_plain(THEME_HINT if title else HINTS.get(part, ""))
        )
        self.query_one(TextArea).load_text(self.frame.text_of(part))
        self.show_quotes()

    def show_quotes(self) -> None:
        """The chosen theme's approved quotes, or what the column is for."""
        target = self.query_one("#frame-quotes-list", Static)
        if self.part not in self.themes:
            target.update(rich_plain("Choose a theme to see its approved quotes here."))
            return
        if self.quotes is None:
            target.update(rich_plain(self.unreadable or LOADING))
            return
        quotes = self.quotes.get(self.part, [])
        if not quotes:
            target.update(rich_plain("No approved quotes under this theme yet."))
            return
        # Line breaks go in apart from the words: cleaning a line of text removes them.
        lines = rich_plain(f"{len(quotes)} approved", style="bold")
        lines.append("\n\n")
        for text, attribution in quotes:
            lines.append_text(rich_plain(f"“{text}”"))
            lines.append("\n")
            lines.append_text(rich_plain(f"  — {attribution}", style="dim"))
            lines.append("\n\n")
        target.update(lines)

    def save(self) -> bool:
        """Save the part being written; False (and one line saying why) when it could not be."""
        text = self.query_one(TextArea).text
        if text.strip() == self.frame.text_of(self.part):
            return True
        try:
            self.frame = save_part(self.store, self.part, text)
        except FacilitateError as error:
            self.notify(str(error), title="Not saved", severity="error")
            return False
        return True

    @on(OptionList.OptionHighlighted, "#frame-parts")
    def _part_chosen(self, event: OptionList.OptionHighlighted) -> None:
        part = event.option.id
        if part is None or part == self.part:
            return
        if self.save():
            self.show_part(part)

    def action_save(self) -> None:
        """Save the part being written."""
        if self.save():
            self.notify("Saved.", timeout=2)

    def action_back(self) -> None:
        """Save, then go back."""
        if self.save():
            self.app.pop_screen()
