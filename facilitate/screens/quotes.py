"""The quotes screen: a session's (or the consultation's) quotes, filtered, tagged, decided.

The text shown is always the redacted form. A facilitator may record a
participant's decision given by phone or on paper; that is audited as made
"on the participant's behalf", never as the participant's own.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static
from textual.widgets.data_table import ColumnKey

from facilitate.plain_text import plain, rich_plain, shown
from facilitate.screens.dialogs import ConfirmDialog, TextPrompt, ThemesDialog, codebook_order
from facilitate.screens.forms import FormScreen
from models import format_clock
from models.audit import Actor
from models.participant import Role
from models.quote import Decision, Quote, QuoteState, deletion_refused
from sessions.errors import FacilitateError
from sessions.quotes import delete_quote, list_quotes, set_memo, tag
from sessions.review import apply_decision
from sessions.store import ConsultationStore

#: How each state reads in the list.
STATE_LABELS = {
    QuoteState.PENDING: ("pending", "yellow"),
    QuoteState.APPROVED: ("approved", "green"),
    QuoteState.APPROVED_REDACTED: ("redacted", "green"),
    QuoteState.WITHDRAWN: ("withdrawn", "red"),
}

THEMES_WIDTH = 18
STATE_WIDTH = 9

#: The decisions a facilitator may record on a participant's behalf.
ON_BEHALF_CHOICES: list[tuple[str, str]] = [
    ("They said yes: use it", Decision.APPROVE.value),
    ("They said no: withdraw it", Decision.WITHDRAW.value),
    ("Not decided yet: back to pending", Decision.RESET.value),
]


def state_text(state: QuoteState) -> Text:
    """A quote's state as a short coloured word."""
    label, colour = STATE_LABELS[state]
    return Text(label, style=colour)


class OnBehalfDialog(FormScreen[Decision]):
    """Record a decision the participant gave by phone or on paper, saying so plainly."""

    heading = "Record a decision on their behalf"
    submit_label = "Record on their behalf"

    def __init__(self, quote: Quote, pseudonym: str) -> None:
        super().__init__()
        self.quote = quote
        self.pseudonym = pseudonym

    def compose_fields(self) -> ComposeResult:
        """The quote, the choice, and what the audit log will say."""
        # Shown as the participant's words: "[redacted]" and "[laughs]" stay visible.
        yield Static(plain(f"“{self.quote.redacted_text}”"), classes="dialog-note quote-preview")
        yield from self.field(
            f"What did {self.pseudonym} decide?",
            Select(ON_BEHALF_CHOICES, prompt="Choose…", id="decision"),
            "decision",
        )
        yield Static(
            Text.assemble(
                "Only use this when ",
                (shown(self.pseudonym), "bold"),
                " told you their decision themselves, by phone or on paper. It is recorded "
                "in the audit log as made by the facilitator ",
                ("on the participant's behalf", "bold"),
                ".",
            ),
            classes="dialog-note",
            id="on-behalf-warning",
        )

    def collect(self) -> Decision | None:
        """The decision chosen."""
        value = self.query_one("#decision", Select).value
        if value is Select.NULL:
            self.show_error("decision", "Choose what they decided.")
            return None
        return Decision(str(value))


class QuotesScreen(Screen[None]):
    """Quotes of one session or the whole consultation, with filters and editing."""

    CSS_PATH = "quotes.tcss"
    BINDINGS = [
        Binding("t", "themes", "Themes"),
        Binding("m", "memo", "Memo"),
        Binding("o", "on_behalf", "On their behalf"),
        Binding("s", "scope", "Session / all"),
        Binding("A", "audit", "Audit", key_display="A"),
        Binding("delete", "delete_quote", "Delete quote", key_display="del"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, store: ConsultationStore, session_id: str | None = None,
                 select: str | None = None) -> None:
        """``select``: a quote to open on (the one just made)."""
        super().__init__()
        self.select = select
        self.store = store
        #: The session this screen was opened from (None: opened for the consultation).
        self.home_session_id = session_id
        #: The session shown (None: every session of the consultation).
        self.session_id = session_id
        self.quotes: list[Quote] = []

    def compose(self) -> ComposeResult:
        """Filters, the quotes, the highlighted quote in full."""
        yield Header()
        with Horizontal(id="filters"):
            yield Select[str]([], prompt="Any theme", id="theme-filter")
            yield Select[str]([], prompt="Anyone", id="participant-filter")
            yield Select[str](
                [(label, state.value) for state, (label, _) in STATE_LABELS.items()],
                prompt="Any state",
                id="state-filter",
            )
        table: DataTable[str | Text] = DataTable(id="quotes", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="no-quotes", classes="empty")
        yield Static("", id="quote-detail")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, filter options, the quotes."""
        table = self.query_one("#quotes", DataTable)
        table.add_column("When", key="when", width=7)
        table.add_column("Who", key="who", width=10)
        table.add_column("Quote", key="text", width=40)
        table.add_column("Themes", key="themes", width=THEMES_WIDTH)
        table.add_column("State", key="state", width=STATE_WIDTH)
        self.fill_filters()
        self.reload()
        ids = [q.id for q in self.quotes]
        if self.select in ids:
            table.move_cursor(row=ids.index(self.select), animate=False)
            self.show_detail()
        table.focus()

    def on_resize(self) -> None:
        """Give the quote column whatever width the others leave."""
        table = self.query_one("#quotes", DataTable)
        spare = table.scrollable_content_region.width or table.size.width
        fixed = 7 + 10 + THEMES_WIDTH + STATE_WIDTH + 2 * table.cell_padding * 5 + 2
        column = table.columns[ColumnKey("text")]
        column.width = max(20, spare - fixed)
        column.auto_width = False
        if self.quotes:
            self.reload()

    def on_screen_resume(self) -> None:
        """Codebook edits elsewhere change names and counts."""
        self.fill_filters()
        self.reload()

    # -- reading -------------------------------------------------------------

    @property
    def names(self) -> dict[str, str]:
        """Participant id to pseudonym."""
        return {p.id: p.pseudonym for p in self.store.participants()}

    def fill_filters(self) -> None:
        """Theme and participant options from the store, keeping what was chosen."""
        codebook = self.store.consultation().codebook
        themes = [
            (plain(t.name if t.parent_id is None else f"  └ {t.name}"), t.id)
            for t in codebook_order(codebook.themes)
        ]
        people = [
            (plain(p.pseudonym), p.id)
            for p in self.store.participants()
            if p.role is Role.PARTICIPANT
        ]
        for select_id, options in (("#theme-filter", themes), ("#participant-filter", people)):
            select = self.query_one(select_id, Select)
            keep = select.value
            with select.prevent(Select.Changed):
                select.set_options(options)
                if keep is not Select.NULL and any(v == keep for _, v in options):
                    select.value = keep

    def filter_value(self, select_id: str) -> str | None:
        """The chosen value of a filter, or None for "any"."""
        value = self.query_one(select_id, Select).value
        return None if value is Select.NULL else str(value)

    def reload(self) -> None:
        """Read the quotes again with the current filters and show them."""
        state = self.filter_value("#state-filter")
        try:
            self.quotes = list_quotes(
                self.store,
                session_id=self.session_id,
                theme_id=self.filter_value("#theme-filter"),
                participant_id=self.filter_value("#participant-filter"),
                state=QuoteState(state) if state else None,
            )
            codebook = self.store.consultation().codebook
            names = self.names
            sessions = {s.id: s.title for s in self.store.sessions()}
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the quotes", severity="error")
            return
        scope = sessions.get(self.session_id or "", "") if self.session_id else "all sessions"
        self.sub_title = shown(f"Quotes: {scope}")
        table = self.query_one("#quotes", DataTable)
        keep = self.highlighted_id
        table.clear()
        theme_names = {t.id: t.name for t in codebook.themes}
        for quote in self.quotes:
            table.add_row(
                Text(format_clock(quote.start), style="dim"),
                rich_plain(names.get(quote.participant_id, "?"), style="bold"),
                rich_plain(quote.redacted_text),
                rich_plain(
                    ", ".join(theme_names.get(t, "?") for t in quote.theme_ids), style="italic"
                ),
                state_text(quote.state),
                height=None,
                key=quote.id,
            )
        ids = [q.id for q in self.quotes]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
        empty = self.query_one("#no-quotes", Static)
        empty.update(
            "No quotes match these filters."
            if any(self.filter_value(f) for f in ("#theme-filter", "#participant-filter",
                                                  "#state-filter"))
            else "No quotes yet. To make one: open the session's transcript (t on the "
            "session), go to a line and press Q (or w to quote some of its words)."
        )
        table.display = bool(self.quotes)
        empty.display = not self.quotes
        self.show_detail()

    @property
    def highlighted_id(self) -> str | None:
        """The id of the quote under the cursor."""
        table = self.query_one("#quotes", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @property
    def highlighted(self) -> Quote | None:
        """The quote under the cursor."""
        wanted = self.highlighted_id
        return next((q for q in self.quotes if q.id == wanted), None)

    def show_detail(self) -> None:
        """The highlighted quote in full: who, state, themes, memo."""
        detail = self.query_one("#quote-detail", Static)
        quote = self.highlighted
        if quote is None:
            detail.update("")
            detail.display = False
            return
        detail.display = True
        codebook = self.store.consultation().codebook
        themes = ", ".join(
            t.name for t in (codebook.theme(tid) for tid in quote.theme_ids) if t
        ) or "none yet (t adds)"
        text = Text.assemble(
            (shown(f"“{quote.redacted_text}”"), "bold"),
            "\n",
            (shown(self.names.get(quote.participant_id, "?")), "bold"),
            " · ",
            state_text(quote.state),
            "\nThemes: ",
            (shown(themes), "italic"),
            "\nMemo: ",
            (shown(quote.memo, multiline=True) or "none (m adds one)", "" if quote.memo else "dim"),
        )
        detail.update(text)

    @on(DataTable.RowHighlighted, "#quotes")
    def _highlighted(self) -> None:
        self.show_detail()

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys about a quote dim when there is none."""
        if action in ("themes", "memo", "on_behalf", "audit", "delete_quote"):
            return self.highlighted is not None or None
        if action == "scope":
            return self.home_session_id is not None or None
        return True

    # -- actions -------------------------------------------------------------

    def action_back(self) -> None:
        """Back to where the screen was opened from."""
        self.dismiss()

    def action_scope(self) -> None:
        """Switch between this session's quotes and the whole consultation's."""
        self.session_id = None if self.session_id else self.home_session_id
        self.reload()

    def action_themes(self) -> None:
        """Tick the highlighted quote's themes."""
        quote = self.highlighted
        if quote is None:
            return
        codebook = self.store.consultation().codebook

        def save(themes: list[str] | None) -> None:
            if themes is None:
                return
            try:
                tag(self.store, quote.id, themes)
            except FacilitateError as error:
                self.notify(str(error), severity="error")
            self.reload()

        self.app.push_screen(
            ThemesDialog(codebook, quote.theme_ids, quote.redacted_text), callback=save
        )

    def action_memo(self) -> None:
        """Write the highlighted quote's memo."""
        quote = self.highlighted
        if quote is None:
            return

        def save(memo: str | None) -> None:
            if memo is None:
                return
            try:
                set_memo(self.store, quote.id, memo)
            except FacilitateError as error:
                self.notify(str(error), severity="error")
            self.reload()

        self.app.push_screen(
            TextPrompt("Memo", "Why this quote matters", quote.memo, allow_empty=True),
            callback=save,
        )

    def action_on_behalf(self) -> None:
        """Record the participant's own decision, given by phone or on paper."""
        quote = self.highlighted
        if quote is None:
            return
        pseudonym = self.names.get(quote.participant_id, "the participant")

        def record(decision: Decision | None) -> None:
            if decision is None:
                return
            try:
                apply_decision(self.store, quote.id, decision, actor=Actor.ON_BEHALF)
            except (FacilitateError, ValueError) as error:
                self.notify(str(error), severity="error")
                return
            self.notify(f"Recorded on {pseudonym}'s behalf.", title="Decision")
            self.reload()

        self.app.push_screen(OnBehalfDialog(quote, pseudonym), callback=record)

    def action_delete_quote(self) -> None:
        """Delete the highlighted quote (made by mistake), after a confirm; audited."""
        quote = self.highlighted
        if quote is None:
            return
        refused = deletion_refused(quote)
        if refused is not None:
            self.notify(refused, severity="warning", title="Quote kept")
            return
        who = self.names.get(quote.participant_id, "?")
        words = quote.redacted_text
        short = words if len(words) <= 60 else words[:59] + "…"

        def delete(sure: bool | None) -> None:
            if not sure:
                return
            try:
                delete_quote(self.store, quote.id)
            except FacilitateError as error:
                self.notify(str(error), severity="error")
                return
            self.notify(f"Deleted 1 quote of {who}'s; the transcript keeps its words.",
                        title="Quote")
            self.reload()

        themes = len(quote.theme_ids)
        self.app.push_screen(
            ConfirmDialog(
                "Delete quote",
                f"Delete 1 quote of {who}'s ({STATE_LABELS[quote.state][0]}, "
                f"{themes} theme{'s' if themes != 1 else ''}): “{short}”? "
                "The transcript keeps its words; the audit log notes the deletion.",
                submit_label="Delete",
            ),
            callback=delete,
        )

    def action_audit(self) -> None:
        """The audit trail of the highlighted quote's participant."""
        from facilitate.screens.audit import AuditScreen

        quote = self.highlighted
        if quote is not None:
            self.app.push_screen(AuditScreen(self.store, quote.participant_id))

