"""Looking after people: check-in, a follow-up note, the calm screen, the follow-up list.

The run screen opens the first three: ``w`` asks each person in turn how they
are (a face or a word, or rather not say), ``f`` puts someone on the follow-up
list with a short note, and ``space`` (someone asks to stop) pauses the
recording and shows a calm screen. The home screen opens the follow-up list
(``u``): who needs a call, why, by when; done with a note; and people who came
before and have stopped coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static

from facilitate.plain_text import plain, rich_plain, shown
from facilitate.screens.dialogs import TextPrompt
from facilitate.screens.forms import FormScreen
from models import Participant, PlanStep, Role
from models.session import StepKind
from models.wellbeing import Feeling, Moment, Raised
from models.wording import plural
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore
from sessions.wellbeing import (
    add_follow_up,
    check_in,
    consultation_attendance,
    follow_up_done,
    follow_up_list,
    set_missed_threshold,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sessions.run import RunningSession

#: The check-in answers, in the order of their keys 1-6.
FEELINGS = tuple(Feeling)
#: When a call is due, as the follow-up form offers it: (label, days).
DUE_CHOICES = (("Tomorrow", 1), ("Within a week", 7), ("Within two weeks", 14))


def feeling_label(feeling: Feeling) -> str:
    """A face and a word, as a person sees them: "😀 Good"."""
    word = feeling.value.capitalize()
    return f"{feeling.face} {word}" if feeling.face else word


class CheckInScreen(ModalScreen[int]):
    """Ask each person in turn how they are; dismiss with how many answered.

    Keys ``1``-``6`` answer for the person shown, ``s`` skips them, and escape
    ends the round. Each answer is saved at once: a distressed one puts the
    person on the follow-up list, and the facilitator is told. On the run screen
    ``space`` still stops for someone: "how are you?" is when someone may ask to.
    """

    CSS_PATH = "wellbeing.tcss"
    BINDINGS = [
        *(Binding(str(n), f"answer({n})", "Answer", key_display="1-6", show=n == 1)
          for n in range(1, len(FEELINGS) + 1)),
        Binding("s", "skip", "Skip"),
        Binding("escape", "finish", "Done"),
        Binding("space", "stop_for_someone", "Stop for someone", key_display="space"),
    ]

    def __init__(
        self, store: ConsultationStore, session_id: str, people: list[Participant],
        moment: Moment, stop: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.people = people
        self.moment = moment
        #: The run screen's "stop for someone" (pause at once, calm screen), if any.
        self.stop = stop
        self.index = 0
        self.answered = 0

    def compose(self) -> ComposeResult:
        """Whose turn it is, and one button per answer."""
        with Vertical(id="check-in", classes="wellbeing-card") as card:
            card.border_title = f"Wellbeing {self.moment.value}"
            yield Label("", id="check-in-who")
            with Horizontal(id="feelings"):
                for n, feeling in enumerate(FEELINGS, start=1):
                    button = Button(f"{n} {feeling_label(feeling)}", id=f"feeling-{n}",
                                    compact=True)
                    # Answered by its number or a click only: a focused button would take
                    # an Enter pressed at the wrong moment as "Good" from someone who
                    # said nothing.
                    button.can_focus = False
                    yield button
            note = "No one has to answer: s skips · escape ends the round"
            yield Static(note + (" · space stops" if self.stop is not None else ""),
                         classes="wellbeing-note")

    def on_mount(self) -> None:
        """Show the first person."""
        self.show_person()

    def show_person(self) -> None:
        """Whose turn it is, or close when everyone has had one."""
        if self.index >= len(self.people):
            self.dismiss(self.answered)
            return
        person = self.people[self.index]
        who = self.query_one("#check-in-who", Label)
        who.update(Text.assemble(
            (f"{self.index + 1} of {len(self.people)}  ", "dim"),
            (shown(person.pseudonym), "bold"),
            ": how are you?",
        ))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("feeling-"):
            self.action_answer(int(event.button.id.removeprefix("feeling-")))

    def action_answer(self, number: int) -> None:
        """Save the answer for the person shown and go to the next."""
        if self.index >= len(self.people) or not 1 <= number <= len(FEELINGS):
            return
        person = self.people[self.index]
        feeling = FEELINGS[number - 1]
        try:
            _, raised = check_in(self.store, person.id, self.session_id, self.moment, feeling)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.answered += 1
        if raised:
            self.notify(f"{shown(person.pseudonym)} is on the follow-up list (due tomorrow).",
                        title="Follow-up", markup=False)
        self.index += 1
        self.show_person()

    def action_skip(self) -> None:
        """Go to the next person without an answer."""
        self.index += 1
        self.show_person()

    def action_finish(self) -> None:
        """End the round now."""
        self.dismiss(self.answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stopping for someone only where there is a recording to pause."""
        return self.stop is not None if action == "stop_for_someone" else True

    def action_stop_for_someone(self) -> None:
        """End the round and stop for someone: the recording pauses at once."""
        stop = self.stop
        self.dismiss(None)  # no count of answers over the calm screen (they are saved)
        if stop is not None:
            stop()



def participants_or_say(screen: Screen, store: ConsultationStore) -> list[Participant]:
    """The consultation's participants; empty (and said on ``screen``) when none can be asked."""
    try:
        people = [p for p in store.participants() if p.role is Role.PARTICIPANT]
    except FacilitateError as error:
        screen.notify(str(error), severity="error")
        return []
    if not people:
        screen.notify("No participants yet: add people to a session first.",
                      severity="warning")
    return people

@dataclass(frozen=True)
class FollowUpDraft:
    """Who to call, why, and in how many days."""

    participant_id: str
    reason: str
    days: int


class FollowUpScreen(FormScreen[FollowUpDraft]):
    """Put someone on the follow-up list with a short note."""

    heading = "Follow up"
    submit_label = "Add to the list"
    compact_below = 24

    def __init__(self, people: list[Participant], chosen: str | None = None) -> None:
        super().__init__()
        self.people = people
        self.chosen = chosen

    def compose_fields(self) -> ComposeResult:
        """Who, a short note, and by when."""
        options = [(plain(p.pseudonym), p.id) for p in self.people]
        start = self.chosen if any(p.id == self.chosen for p in self.people) else Select.NULL
        yield from self.field("Who", Select(options, value=start, id="who",
                                            prompt="Choose a person"), "who")
        yield from self.field(
            "Why (a few words, kept on this laptop only)",
            Input(placeholder="e.g. upset about the move", max_length=200, id="reason"),
            "reason",
        )
        yield from self.field(
            "By when", Select(DUE_CHOICES, value=7, allow_blank=False, id="due"), "due"
        )

    def collect(self) -> FollowUpDraft | None:
        """A person is needed; the note may be short."""
        who = self.query_one("#who", Select).value
        if who is Select.NULL:
            self.show_error("who", "Choose who needs a call.")
            self.query_one("#who", Select).focus()
            return None
        days = self.query_one("#due", Select).value
        return FollowUpDraft(str(who), self.value("reason"),
                             int(days) if isinstance(days, int) else 7)


class CalmScreen(Screen[bool]):
    """Someone asked to stop: the recording is paused and the screen goes quiet.

    Dismissed with True when the facilitator resumes the recording from here (r,
    as the screen says), False when they go back with it still paused.
    """

    CSS_PATH = "wellbeing.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back to the session"),
        Binding("r", "resume", "Resume recording"),
    ]

    def __init__(self, paused: bool) -> None:
        super().__init__()
        self.paused = paused

    def compose(self) -> ComposeResult:
        """A few calm words, and nothing else."""
        recording = (
            "Recording is paused. Nothing more is recorded until the facilitator "
            "presses r."
            if self.paused else "Nothing is being recorded."
        )
        with Vertical(id="calm"):
            yield Static("We have stopped.", id="calm-title")
            yield Static("Take all the time you need.\n\n" + recording
                         + "\n\nWould you like some water, some air, or a word with someone?",
                         id="calm-text")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """r only when there is a paused recording to resume."""
        return self.paused if action == "resume" else True

    def action_back(self) -> None:
        """Back to the run screen; the recording stays paused."""
        self.dismiss(False)

    def action_resume(self) -> None:
        """Back to the run screen, recording again."""
        self.dismiss(True)


class FollowUpListScreen(Screen[None]):
    """The consultation's follow-up list: calls to make, and people who stopped coming."""

    CSS_PATH = "wellbeing.tcss"
    BINDINGS = [
        Binding("d", "done", "Done…"),
        Binding("n", "new", "New…"),
        Binding("h", "history", "History"),
        Binding("plus", "missed(1)", "Missed +1", key_display="+"),
        Binding("minus", "missed(-1)", "Missed -1", key_display="-"),
        Binding("t", "attendance", "Attendance"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        self.missed = 2
        #: Whether calls already made show too, with what came of them.
        self.history = False

    def compose(self) -> ComposeResult:
        """Open calls on top, suggestions below."""
        yield Header()
        with Vertical(id="follow-up-pane"):
            yield DataTable(id="follow-ups", cursor_type="row", zebra_stripes=True)
            yield Static("", id="no-follow-ups", classes="wellbeing-note")
        with Vertical(id="suggested-pane"):
            yield DataTable(id="suggested", cursor_type="row")
            yield Static("", id="no-suggested", classes="wellbeing-note")
        yield Footer()

    def on_mount(self) -> None:
        """Read the list."""
        self.sub_title = "Follow-ups"
        calls = self.query_one("#follow-ups", DataTable)
        # A note may be 200 characters: it wraps in a column of its own width, so
        # "By when" and what came of a call stay in view beside it.
        room = max(34, self.app.size.width - 50)
        calls.add_column("Who")
        calls.add_column("Why", width=room * 3 // 5)
        calls.add_column("By when")
        calls.add_column("From")
        calls.add_column("Done", width=room * 2 // 5)
        self.query_one("#suggested", DataTable).add_columns("Who", "Missed", "Since")
        self.query_one("#follow-up-pane").border_title = "Calls to make"
        self.refresh_list()

    def refresh_list(self) -> None:
        """Read the follow-ups and suggestions again."""
        try:
            listed = follow_up_list(self.store)
            titles = {s.id: s.title for s in self.store.sessions()}
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.missed = listed.missed
        table = self.query_one("#follow-ups", DataTable)
        table.clear()
        for row in listed.open:
            table.add_row(
                rich_plain(row.pseudonym), rich_plain(row.entry.reason),
                rich_plain(row.entry.due),
                row.entry.raised.value, "", key=f"{row.participant_id}/{row.entry.id}",
                height=None,
            )
        for row in listed.done if self.history else ():
            entry = row.entry
            outcome = f"{entry.done_at[:10]}: {entry.done_note}" if entry.done_note else (
                entry.done_at[:10])
            table.add_row(
                rich_plain(row.pseudonym, style="dim"), rich_plain(entry.reason, style="dim"),
                rich_plain(entry.due, style="dim"), entry.raised.value, rich_plain(outcome),
                key=f"done/{entry.id}", height=None,
            )
        shown_rows = bool(listed.open) or (self.history and bool(listed.done))
        table.display = shown_rows
        self.query_one("#follow-up-pane").border_title = (
            "Calls to make, and calls made (h hides them)" if self.history else "Calls to make"
        )
        empty = self.query_one("#no-follow-ups", Static)
        empty.display = not shown_rows
        empty.update("No one to call. A low check-in answer, f on the run screen or n here "
                     "adds someone.")
        suggested = self.query_one("#suggested", DataTable)
        suggested.clear()
        for s in listed.suggested:
            suggested.add_row(rich_plain(s.pseudonym), str(s.missed),
                              rich_plain(titles.get(s.last_session_id, "")),
                              key=s.participant_id)
        suggested.display = bool(listed.suggested)
        pane = self.query_one("#suggested-pane")
        pane.border_title = (
            f"Came before, missed {plural(self.missed, 'session')} since (enter adds)"
            if self.missed else "Suggestions are off (+ turns them on)"
        )
        none = self.query_one("#no-suggested", Static)
        none.display = not listed.suggested
        none.update("No one has stopped coming." if self.missed else "")

    def action_done(self) -> None:
        """Mark the highlighted call done, with a note."""
        table = self.query_one("#follow-ups", DataTable)
        if not table.display or table.row_count == 0:
            self.notify("No call to mark done.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        participant_id, follow_up_id = key.split("/", 1)
        if participant_id == "done":
            self.notify("That call is already done.", severity="warning")
            return

        def done(note: str | None) -> None:
            if note is None:
                return
            try:
                follow_up_done(self.store, participant_id, follow_up_id, note)
            except FacilitateError as error:
                self.notify(str(error), severity="error")
                return
            self.refresh_list()
            self.notify("Marked done; it stays in the person's history.", title="Follow-up")

        self.app.push_screen(
            TextPrompt("Follow-up done", "What came of it? (kept on this laptop only)",
                       submit_label="Mark done", allow_empty=True),
            callback=done,
        )

    @on(DataTable.RowSelected, "#suggested")
    def add_suggested(self, event: DataTable.RowSelected) -> None:
        """Enter on a suggested person puts them on the list of calls."""
        person_id = event.row_key.value or ""
        missed = event.data_table.get_row(person_id)[1]
        try:
            add_follow_up(self.store, person_id, f"Missed {missed} sessions",
                          raised=Raised.MISSED)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.refresh_list()

    def action_missed(self, by: int) -> None:
        """Suggest people after one more (or one fewer) missed session."""
        try:
            set_missed_threshold(self.store, max(0, self.missed + by))
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.refresh_list()

    def action_history(self) -> None:
        """Show (or hide) the calls already made, with what came of them."""
        self.history = not self.history
        self.refresh_list()

    def action_new(self) -> None:
        """Put anyone in the consultation on the list (a call came in, a worry)."""
        people = participants_or_say(self, self.store)
        if not people:
            return

        def save(draft: FollowUpDraft | None) -> None:
            if draft is None:
                return
            try:
                add_follow_up(self.store, draft.participant_id, draft.reason, draft.days)
            except FacilitateError as error:
                self.notify(str(error), title="Not on the list", severity="error")
                return
            self.refresh_list()

        self.app.push_screen(FollowUpScreen(people), callback=save)

    def action_attendance(self) -> None:
        """Who came to which session."""
        self.app.push_screen(AttendanceScreen(self.store))

    def action_back(self) -> None:
        """Back to the home screen."""
        self.dismiss(None)


class AttendanceScreen(Screen[None]):
    """Who came to which session (from consent answers and check-ins)."""

    CSS_PATH = "wellbeing.tcss"
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        """One row per participant."""
        yield Header()
        yield DataTable(id="attendance", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Read attendance."""
        self.sub_title = "Attendance"
        table = self.query_one("#attendance", DataTable)
        table.add_columns("Who", "Came", "Missed since", "Sessions")
        try:
            rows = consultation_attendance(self.store)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        for row, titles in rows:
            listed = ", ".join(titles[-3:]) + (" …" if len(titles) > 3 else "")
            table.add_row(rich_plain(row.pseudonym), str(row.came),
                          str(row.missed) if row.came else "", rich_plain(listed or "not yet"),
                          key=row.participant_id)

    def action_back(self) -> None:
        """Back to the follow-up list."""
        self.dismiss(None)


# -- what the run screen's keys call ----------------------------------------------------


def moment_for(plan: list[PlanStep], step_index: int, ended: bool = False) -> Moment:
    """Check-in or check-out, by the plan step (an activity step late in the plan: out).

    Once the recording has ended (``ended``) it is a check-out whatever the step:
    many facilitators never move the plan on, and the round at the end is a goodbye.
    """
    if ended:
        return Moment.CHECK_OUT
    if not plan:
        return Moment.CHECK_IN
    step = plan[min(step_index, len(plan) - 1)]
    if step.kind is StepKind.CHECK_IN:
        return Moment.CHECK_IN
    if step.kind is StepKind.CHECK_OUT:
        return Moment.CHECK_OUT
    return Moment.CHECK_OUT if step_index >= len(plan) / 2 else Moment.CHECK_IN


def check_in_round(
    screen: Screen[object], store: ConsultationStore, session_id: str,
    people: list[Participant], moment: Moment, stop: Callable[[], None] | None = None,
) -> None:
    """Ask each participant in the session how they are (facilitators are not asked).

    ``stop`` is the run screen's "stop for someone", which space calls mid-round.
    """
    consulted = [p for p in people if p.role is Role.PARTICIPANT]
    if not consulted:
        screen.notify("No participants in this session to check in.", severity="warning")
        return

    def finished(answered: int | None) -> None:
        if answered is None:
            return  # stopped for someone: the calm screen stays quiet
        screen.notify(f"{plural(answered, 'answer')} saved.", title=moment.value.capitalize())

    screen.app.push_screen(CheckInScreen(store, session_id, consulted, moment, stop),
                           callback=finished)


def follow_up_dialog(
    screen: Screen[object], store: ConsultationStore, session_id: str,
    people: list[Participant], chosen: str | None = None,
) -> None:
    """Ask who needs a follow-up and why, and put them on the list."""
    consulted = [p for p in people if p.role is Role.PARTICIPANT]
    if not consulted:
        screen.notify("No participants in this session to follow up.", severity="warning")
        return

    def save(draft: FollowUpDraft | None) -> None:
        if draft is None:
            return
        try:
            add_follow_up(store, draft.participant_id, draft.reason, draft.days, session_id)
        except FacilitateError as error:
            screen.notify(str(error), title="Not on the list", severity="error")
            return
        who = next((p.pseudonym for p in consulted if p.id == draft.participant_id), "")
        screen.notify(f"{shown(who)} is on the follow-up list.", title="Follow-up", markup=False)

    screen.app.push_screen(FollowUpScreen(consulted, chosen), callback=save)


def stop_for_someone(
    screen: Screen[object], run: RunningSession | None, resume: Callable[[], None] | None = None
) -> None:
    """Someone asks to stop: pause the recording at once, then show the calm screen.

    ``resume`` (the run screen's own record key) is called when the facilitator
    resumes from the calm screen, so the run screen shows recording again.
    """
    paused = False
    if run is not None and run.is_recording and not run.stopped:
        try:
            if not run.is_paused:
                run.pause()
            paused = True
        except FacilitateError as error:
            screen.notify(f"{error} Press r to pause by hand.", title="Microphone",
                          severity="error")

    def back(resumed: bool | None) -> None:
        if resumed and resume is not None and run is not None and run.is_paused:
            resume()

    screen.app.push_screen(CalmScreen(paused), callback=back)
