"""Keeping and erasing: one consultation's retention settings, and erasing a person.

The facilitator sets how long the consultation is kept, which sessions lose
their raw audio once the transcript is approved, deletes what is due, and
erases someone who asked to be forgotten. Every removal is asked about first,
with the numbers, and the answer that is focused is No.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from facilitate.plain_text import plain, rich_plain, shown
from facilitate.screens.dialogs import ConfirmDialog, TextPrompt
from facilitate.screens.forms import FormScreen
from models.erasure import ErasurePlan
from models.retention import DueItem
from models.wording import plural
from sessions.erasure import ErasureReport, erase_participant, erasure_plan
from sessions.errors import FacilitateError
from sessions.retention import (
    delete_due,
    due_in,
    retention_policy,
    set_audio_until_approved,
    set_keep_until,
)
from sessions.services import Services
from sessions.store import ConsultationStore


class ErasedDialog(FormScreen[bool]):
    """What an erasure removed, and the earlier exports to delete by hand."""

    compact_below = 20
    submit_label = "Close"

    def __init__(self, report: ErasureReport) -> None:
        super().__init__()
        self.report = report
        self.heading = f"Erased {report.pseudonym}"

    def compose_fields(self) -> ComposeResult:
        """The report, line by line (scrolls when the list of exports is long)."""
        yield Static(plain("\n".join(self.report.lines()), multiline=True), id="erased")

    def on_mount(self) -> None:
        """Only one answer here: close."""
        self.query_one("#cancel").display = False
        self.query_one("#submit").focus()

    def collect(self) -> bool | None:
        """Read."""
        return True


class KeepingScreen(Screen[None]):
    """How long this consultation is kept, whose audio goes when, and erasing someone."""

    CSS_PATH = "keeping.tcss"
    BINDINGS = [
        Binding("k", "keep_until", "Keep until…"),
        Binding("a", "toggle_audio", "Audio once approved"),
        Binding("X", "erase", "Erase person", key_display="X"),
        Binding("D", "delete_due", "Delete what is due", key_display="D"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services: Services, store: ConsultationStore) -> None:
        super().__init__()
        self.services = services
        self.store = store
        self.due: list[DueItem] = []

    def compose(self) -> ComposeResult:
        """The retention date, the sessions' audio, the people, and what was erased."""
        yield Header()
        yield Static("", id="keep-until")
        yield Static("", id="due")
        yield Label("Sessions: raw audio", classes="pane-title")
        yield DataTable(id="audio", cursor_type="row", zebra_stripes=True)
        yield Label("People", classes="pane-title")
        yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the consultation as it is now."""
        self.sub_title = "Keeping and erasing"
        self.query_one("#audio", DataTable).add_columns("Session", "Recording", "Raw audio")
        self.query_one("#people", DataTable).add_columns("Pseudonym", "Sessions", "Quotes")
        self.reload()
        self.query_one("#people", DataTable).focus()

    def reload(self) -> None:
        """Read the settings, sessions and people again."""
        try:
            policy = retention_policy(self.store)
            sessions = self.store.sessions()
            people = self.store.participants()
            quotes = self.store.quotes(fresh=False)
            self.due = due_in(self.store, dt.date.today())
        except FacilitateError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        until = policy.keep_until or "no date set (kept until you delete it)"
        self.query_one("#keep-until", Static).update(
            plain(f"Kept until: {until}.  k changes it.")
        )
        due = self.query_one("#due", Static)
        due.display = bool(self.due)
        due.update(plain("Due for deletion (D): " + "; ".join(i.line() for i in self.due)))
        audio = self.query_one("#audio", DataTable)
        keep_row = audio.cursor_row
        audio.clear()
        for session in sessions:
            if session.id in policy.audio_deleted:
                state = Text("deleted", style="dim")
            elif session.id in policy.audio_until_approved:
                state = Text("goes once the transcript is approved", style="bold yellow")
            else:
                state = Text("kept")
            recording = (
                f"{session.recording.duration_s / 60:.0f} min" if session.recording else "none"
            )
            audio.add_row(rich_plain(session.title), recording, state, key=session.id)
        if sessions:
            audio.move_cursor(row=min(max(keep_row, 0), len(sessions) - 1))
        table = self.query_one("#people", DataTable)
        keep_row = table.cursor_row
        table.clear()
        for person in people:
            in_sessions = sum(1 for s in sessions if person.id in s.participant_ids)
            theirs = sum(1 for q in quotes if q.participant_id == person.id)
            table.add_row(rich_plain(person.pseudonym), str(in_sessions), str(theirs),
                          key=person.id)
        if people:
            table.move_cursor(row=min(max(keep_row, 0), len(people) - 1))
        self.refresh_bindings()

    def _row_key(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if table.row_count == 0 or table.cursor_row < 0:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim the keys with nothing to act on."""
        if action == "delete_due":
            return bool(self.due) or None
        if action == "erase":
            return self.query_one("#people", DataTable).row_count > 0 or None
        if action == "toggle_audio":
            return self.query_one("#audio", DataTable).row_count > 0 or None
        return True

    # -- actions -------------------------------------------------------------------

    def action_keep_until(self) -> None:
        """Ask for the last day the consultation is kept (empty: no date)."""

        def apply(text: str) -> str | None:
            try:
                set_keep_until(self.store, text)
            except FacilitateError as error:
                return str(error)
            return None

        self.app.push_screen(
            TextPrompt(
                "Keep this consultation until",
                "Last day (YYYY-MM-DD)",
                retention_policy(self.store).keep_until,
                placeholder="e.g. 2027-03-31",
                allow_empty=True,
                note="After that day you are asked to delete the whole consultation: "
                "recordings, transcripts, quotes and people. Leave empty to keep it.",
                apply=apply,
            ),
            callback=lambda _answer: self.reload(),
        )

    def action_toggle_audio(self) -> None:
        """Switch "delete the raw audio once the transcript is approved" for the session."""
        session_id = self._row_key("#audio")
        if session_id is None:
            return
        on = session_id not in retention_policy(self.store).audio_until_approved
        try:
            set_audio_until_approved(self.store, session_id, on)
        except FacilitateError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.reload()
        self.notify(
            "Its raw audio goes once the transcript is approved (you are asked first)."
            if on else "Its raw audio is kept.",
            title="Retention",
        )

    def action_erase(self) -> None:
        """Count what erasing the highlighted person removes (off the UI thread), then ask."""
        person_id = self._row_key("#people")
        if person_id is None:
            return
        # Counting reads every transcript and quote: half a second for a big consultation.
        self.app.run_job(  # type: ignore[attr-defined]
            "count erasure",
            lambda: erasure_plan(self.store, person_id),
            owner=self,
            title="Erase",
            on_success=self._ask_to_erase,
        )

    def _ask_to_erase(self, plan: ErasurePlan) -> None:
        """Ask, with the numbers, before erasing; No is focused."""
        person_id = plan.participant.id
        name = plan.participant.pseudonym
        message = "\n".join(
            [f"Erasing {shown(name)} removes, for good:"]
            + [f"• {line}" for line in plan.summary()]
            + ["Exports made before are listed afterwards, to delete by hand."]
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.run_job(  # type: ignore[attr-defined]
                    "erase participant",
                    lambda: erase_participant(self.store, person_id),
                    owner=self,
                    title="Erase",
                    on_success=self._erased,
                )

        self.app.push_screen(
            ConfirmDialog(f"Erase {shown(name)}?", message, submit_label="Erase"),
            callback=answered,
        )

    def _erased(self, report: ErasureReport) -> None:
        self.reload()
        self.app.push_screen(ErasedDialog(report))

    def action_delete_due(self) -> None:
        """Delete what is due, one item at a time, each only on a yes."""
        if not self.due:
            self.notify("Nothing is due for deletion.")
            return

        def done(item: DueItem) -> None:
            if item.whole_consultation:
                self.dismiss()
            else:
                self.reload()

        ask_to_delete(self, self.services, self.due, done)

    def action_back(self) -> None:
        """Back to the consultations."""
        self.dismiss()


def ask_to_delete(
    screen: Screen[object], services: Services, due: list[DueItem], done: Callable[[DueItem], None]
) -> None:
    """Ask (No focused) before deleting the first of ``due``; ``done`` is called once it is gone.

    The home screen's reminder and the keeping screen both delete through here.
    """
    item = due[0]
    more = len(due) - 1
    message = f"{item.line()}.\nThis cannot be undone." + (
        f"\n({plural(more, 'more item')} due after this one.)" if more else ""
    )

    def answered(yes: bool | None) -> None:
        if not yes:
            screen.notify("Nothing was deleted.", title="Retention")
            return
        try:
            line = delete_due(services.workspace, item)
        except FacilitateError as error:
            screen.notify(str(error), severity="error", markup=False)
            return
        screen.notify(line, title="Retention", markup=False)
        done(item)

    screen.app.push_screen(
        ConfirmDialog("Delete what is due?", message, submit_label="Delete"), callback=answered
    )
