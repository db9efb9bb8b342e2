"""The consent gate: who is here, and whether each person may be recorded.

Each answer is saved (timestamped and audited) the moment it is given. The
screen closes with True only when everyone marked as here has answered, which
is what lets recording start.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from facilitate.plain_text import plain, rich_plain
from facilitate.screens.forms import FormScreen
from models import RecordingConsent, Role
from models.participant import pseudonym_problem
from sessions.consent import ConsentRow, consent_rows, record_answer, set_present
from sessions.errors import FacilitateError
from sessions.planning import add_participant, one_line
from sessions.store import ConsultationStore

ASK = (
    "Ask each person: [b]may we record what you say today?[/b] Anyone may say no; "
    "their words are then never recorded or transcribed. [b]y[/b] yes · [b]n[/b] no · "
    "[b]space[/b] here / not here · [b]a[/b] add someone · [b]enter[/b] done"
)


class AddPersonScreen(FormScreen[tuple[str, str]]):
    """Ask for the pseudonym (and, if given, the real name) of someone who has just arrived."""

    compact_below = 20
    heading = "Add someone who is here"
    submit_label = "Add"

    def compose_fields(self) -> ComposeResult:
        """The pseudonym, and the real name to keep out of every export."""
        yield from self.field(
            "Pseudonym (the name shown everywhere)",
            Input(placeholder="e.g. Cedar", id="pseudonym"),
            "pseudonym",
        )
        yield from self.field(
            "Real name (optional: stays on this laptop, never exported)",
            Input(placeholder="e.g. Cedric Jones", id="real-name"),
            "real-name",
        )

    def collect(self) -> tuple[str, str] | None:
        """A pseudonym is required; the real name is not."""
        name = self.value("pseudonym")
        problem = pseudonym_problem(name)
        self.show_error("pseudonym", problem or "")
        return None if problem else (name, self.value("real-name"))


def answer_text(row: ConsentRow, here: bool) -> Text:
    """The answer cell: green yes, red "not recorded", amber while unasked."""
    if not here:
        return Text("not here", style="dim")
    if row.answer is RecordingConsent.YES:
        return Text("✔ yes, recorded", style="bold green")
    if row.answer is RecordingConsent.NO:
        return Text("✘ no, not recorded", style="bold red")
    return Text("? not asked yet", style="bold yellow")


class ConsentScreen(Screen[bool]):
    """Recording consent for everyone here; dismisses True when all have answered."""

    CSS_PATH = "consent.tcss"
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes, record"),
        Binding("n", "answer('no')", "No, not recorded"),
        Binding("space", "toggle_here", "Here / not here"),
        Binding("a", "add_person", "Add someone"),
        Binding("enter", "done", "Done", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: ConsultationStore, session_id: str) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.rows: list[ConsentRow] = []
        #: Participant ids marked as not here (everyone is here until said otherwise).
        self.absent: set[str] = set()
        #: What still stops recording, or that nothing does.
        self.gate_text = ""

    def compose(self) -> ComposeResult:
        """The question, the people, and what still stops recording."""
        yield Header()
        yield Static(ASK, id="ask")
        yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
        yield Label("", id="gate")
        yield Footer()

    def on_mount(self) -> None:
        """Show everyone in the session."""
        self.sub_title = "Recording consent"
        table = self.query_one(DataTable)
        table.add_columns("Here", "Pseudonym", "Role", "Recording", "Answered at")
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read everyone's answers again and redraw."""
        try:
            self.rows = consent_rows(self.store, self.session_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        table = self.query_one(DataTable)
        row_index = table.cursor_row
        table.clear()
        for row in self.rows:
            here = row.participant.id not in self.absent
            table.add_row(
                Text("✔" if here else "–", style="green" if here else "dim"),
                rich_plain(row.pseudonym, style="bold" if here else "dim"),
                "facilitator" if row.participant.role is Role.FACILITATOR else "participant",
                answer_text(row, here),
                row.at[11:16] if row.at else "",
                key=row.participant.id,
            )
        if self.rows:
            table.move_cursor(row=min(max(row_index, 0), len(self.rows) - 1))
        self._show_gate()

    @property
    def waiting(self) -> list[str]:
        """Pseudonyms of the people here who have not answered."""
        return [
            r.pseudonym
            for r in self.rows
            if r.participant.id not in self.absent and r.answer is RecordingConsent.UNASKED
        ]

    def _show_gate(self) -> None:
        here = [r for r in self.rows if r.participant.id not in self.absent]
        if not here:
            self.gate_text = "Nobody is marked as here: press a to add who is."
        elif self.waiting:
            self.gate_text = (
                f"Recording cannot start yet: waiting for {', '.join(self.waiting)}."
            )
        else:
            refused = [r.pseudonym for r in here if r.answer is RecordingConsent.NO]
            note = f" ({', '.join(refused)}: not recorded)" if refused else ""
            self.gate_text = f"Everyone here has answered{note}: enter to go on."
        gate = self.query_one("#gate", Label)
        # The line names people by pseudonym: text, never markup.
        gate.update(plain(self.gate_text))
        gate.set_class(bool(here) and not self.waiting, "-ready")

    def _current(self) -> ConsentRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    # -- actions -----------------------------------------------------------------

    def action_answer(self, answer: str) -> None:
        """Save the highlighted person's answer (it also marks them here)."""
        row = self._current()
        if row is None:
            return
        self.absent.discard(row.participant.id)
        try:
            record_answer(self.store, self.session_id, row.participant.id,
                          RecordingConsent(answer))
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.reload()
        table = self.query_one(DataTable)
        if table.cursor_row + 1 < table.row_count:
            table.move_cursor(row=table.cursor_row + 1)

    def action_toggle_here(self) -> None:
        """Mark the highlighted person as here or not here."""
        row = self._current()
        if row is None:
            return
        self.absent ^= {row.participant.id}
        self.reload()

    def action_add_person(self) -> None:
        """Add someone who has just arrived, then ask them."""
        self.app.push_screen(AddPersonScreen(), callback=self._add)

    def _add(self, answer: tuple[str, str] | None) -> None:
        if not answer:
            return
        pseudonym, real_name = answer
        wanted = one_line(pseudonym).casefold()
        here = next((i for i, r in enumerate(self.rows) if r.pseudonym.casefold() == wanted), None)
        if here is not None:
            # Nothing to add: say so, and show who it is rather than a silent no-op.
            self.notify(f"{self.rows[here].pseudonym} is already in this session; choose "
                        "another pseudonym for someone new.", severity="warning")
            self.query_one(DataTable).move_cursor(row=here)
            return
        known = {p.pseudonym.casefold() for p in self.store.participants()}
        try:
            person = add_participant(self.store, self.session_id, pseudonym, real_name=real_name)
        except (FacilitateError, ValueError) as error:
            self.notify(str(error), severity="error")
            return
        self.absent.discard(person.id)
        self.reload()
        table = self.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(person.id))
        if person.pseudonym.casefold() in known:
            self.notify(f"{person.pseudonym} was in an earlier session of this consultation: "
                        "added to this one as the same person.")

    def action_done(self) -> None:
        """Close when everyone here has answered; people not here leave the session."""
        if self.waiting or not self.rows:
            self.notify(self.gate_text, severity="warning")
            return
        present = [r.participant.id for r in self.rows if r.participant.id not in self.absent]
        if not present:
            self.notify("Nobody is marked as here.", severity="warning")
            return
        try:
            set_present(self.store, self.session_id, present)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.dismiss(True)

    def action_back(self) -> None:
        """Close without changing who is here (answers given are kept)."""
        self.dismiss(False)
