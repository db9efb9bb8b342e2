"""The plan editor: a session's timed steps and their prompts, changed for this session."""

from __future__ import annotations

import copy

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from facilitate.plain_text import rich_plain, shown
from models import ActivityKind, PlanStep
from models.plans import plan_for
from models.session import StepKind
from sessions.errors import FacilitateError
from sessions.planning import save_plan
from sessions.store import ConsultationStore


def _kind_label(kind: StepKind) -> str:
    """What the steps table shows for a step's kind (nothing for an activity step)."""
    return "" if kind is StepKind.ACTIVITY else kind.value.removeprefix("wellbeing ")


def plan_summary(steps: list[PlanStep]) -> str:
    """"5 steps, 80 minutes"."""
    minutes = sum(step.minutes for step in steps)
    return f"{len(steps)} step{'s' if len(steps) != 1 else ''}, {minutes} minutes"


#: The longest a step may be, in minutes.
MAX_MINUTES = 600


def minutes_problem(text: str) -> str | None:
    """Why ``text`` is not a step's length in minutes, or None when it is."""
    text = text.strip()
    if not text:
        return f"Give the minutes: a whole number from 1 to {MAX_MINUTES}."
    try:
        minutes = int(text)
    except ValueError:
        return f"Minutes must be a whole number from 1 to {MAX_MINUTES}."
    if not 1 <= minutes <= MAX_MINUTES:
        return f"Minutes must be from 1 to {MAX_MINUTES}; {minutes} is not."
    return None


def template_name(activity: ActivityKind) -> str:
    """The name of the template for ``activity``."""
    if activity is ActivityKind.DISCUSSION:
        return "Discussion group"
    return f"Arts session: {activity.value}"


class TemplateScreen(ModalScreen[ActivityKind | None]):
    """Choose a plan template; it replaces the steps being edited."""

    CSS_PATH = "plan.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        """The templates, one per activity."""
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Apply a template (replaces the steps)"
            yield OptionList(
                *[Option(template_name(kind), id=kind.value) for kind in ActivityKind],
                id="templates",
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(ActivityKind(str(event.option_id)))

    def action_cancel(self) -> None:
        """Keep the plan as it is."""
        self.dismiss(None)


class PlanScreen(Screen[bool]):
    """Edit the session's plan; ctrl+s saves it to the session. Dismisses True if saved."""

    CSS_PATH = "plan.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("a", "add_step", "Add step"),
        Binding("d", "remove_step", "Remove step"),
        Binding("delete", "remove_step", "Remove step", show=False),
        Binding("u", "move(-1)", "Move up"),
        Binding("j", "move(1)", "Move down"),
        Binding("t", "template", "Template"),
        Binding("k", "step_kind", "Check-in/out", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: ConsultationStore, session_id: str) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.steps: list[PlanStep] = []
        self.activity = ActivityKind.DISCUSSION
        self.dirty = False
        self._leaving = False

    def compose(self) -> ComposeResult:
        """Steps on the left, the highlighted step's fields on the right."""
        yield Header()
        with Horizontal(id="plan-body"):
            with Vertical(id="steps-pane"):
                yield DataTable(id="steps", cursor_type="row", zebra_stripes=True)
                yield Label("", id="plan-total")
            with Vertical(id="editor"):
                yield Label("Title", classes="field-label")
                yield Input(id="step-title")
                yield Label("Minutes", classes="field-label")
                yield Input(id="step-minutes", type="integer")
                yield Static("", id="minutes-error")
                yield Label("Prompts, one per line", classes="field-label")
                yield TextArea(id="step-prompts", soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        """Load the session's plan."""
        try:
            session = self.store.session(self.session_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.sub_title = shown(f"Plan: {session.title}")
        self.activity = session.activity
        self.steps = copy.deepcopy(session.plan)
        table = self.query_one(DataTable)
        table.add_columns("#", "Step", "Min", "Wellbeing")
        self.redraw()
        table.focus()

    # -- drawing -----------------------------------------------------------------

    def redraw(self, row: int | None = None) -> None:
        """Redraw the steps table, keeping (or moving) the cursor."""
        table = self.query_one(DataTable)
        at = table.cursor_row if row is None else row
        table.clear()
        for index, step in enumerate(self.steps):
            table.add_row(str(index + 1), rich_plain(step.title), str(step.minutes),
                          _kind_label(step.kind))
        self.query_one("#plan-total", Label).update(
            plan_summary(self.steps) + (" · unsaved" if self.dirty else "")
        )
        if self.steps:
            table.move_cursor(row=min(max(at, 0), len(self.steps) - 1))
        self.load_editor()

    @property
    def index(self) -> int | None:
        """The highlighted step's index, or None when there are no steps."""
        if not self.steps:
            return None
        return min(max(self.query_one(DataTable).cursor_row, 0), len(self.steps) - 1)

    def load_editor(self) -> None:
        """Show the highlighted step in the fields."""
        index = self.index
        editor = self.query_one("#editor")
        editor.disabled = index is None
        step = self.steps[index] if index is not None else PlanStep("", 0)
        with self.prevent(Input.Changed, TextArea.Changed):
            self.query_one("#step-title", Input).value = shown(step.title)
            self.query_one("#step-minutes", Input).value = str(step.minutes) if step.title else ""
            self.query_one("#step-prompts", TextArea).text = shown(
                "\n".join(step.prompts), multiline=True
            )
        self.show_minutes_problem(None)

    def show_minutes_problem(self, problem: str | None) -> None:
        """Show (or clear) what is wrong with the minutes, under the field."""
        error = self.query_one("#minutes-error", Static)
        error.update(problem or "")
        error.display = bool(problem)
        self.query_one("#step-minutes", Input).set_class(bool(problem), "-invalid")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.load_editor()

    # -- editing -----------------------------------------------------------------

    def _changed(self) -> None:
        self.dirty = True
        index = self.index
        if index is None:
            return
        step = self.steps[index]
        table = self.query_one(DataTable)
        table.update_cell_at((index, 1), rich_plain(step.title))
        table.update_cell_at((index, 2), str(step.minutes))
        self.query_one("#plan-total", Label).update(plan_summary(self.steps) + " · unsaved")

    @on(Input.Changed, "#step-title")
    def _title(self, event: Input.Changed) -> None:
        if self.index is not None:
            self.steps[self.index].title = event.value.strip() or "Untitled step"
            self._changed()

    @on(Input.Changed, "#step-minutes")
    def _minutes(self, event: Input.Changed) -> None:
        """Take the minutes when they make sense; say under the field when they do not."""
        if self.index is None:
            return
        problem = minutes_problem(event.value)
        self.show_minutes_problem(problem)
        if problem is None:
            self.steps[self.index].minutes = int(event.value)
            self._changed()

    @on(TextArea.Changed, "#step-prompts")
    def _prompts(self, event: TextArea.Changed) -> None:
        if self.index is not None:
            lines = event.text_area.text.splitlines()
            self.steps[self.index].prompts = [line.strip() for line in lines if line.strip()]
            self._changed()

    def action_step_kind(self) -> None:
        """Make the highlighted step a wellbeing check-in, a check-out, or neither (k)."""
        index = self.index
        if index is None:
            return
        kinds = list(StepKind)
        step = self.steps[index]
        step.kind = kinds[(kinds.index(step.kind) + 1) % len(kinds)]
        self.dirty = True
        self.redraw(index)

    def action_add_step(self) -> None:
        """Add a step after the highlighted one and edit its title."""
        at = (self.index + 1) if self.index is not None else 0
        self.steps.insert(at, PlanStep("New step", 10, []))
        self.dirty = True
        self.redraw(at)
        self.query_one("#step-title", Input).focus()

    def action_remove_step(self) -> None:
        """Remove the highlighted step."""
        if self.index is None:
            return
        del self.steps[self.index]
        self.dirty = True
        self.redraw()

    def action_move(self, by: int) -> None:
        """Move the highlighted step up (-1) or down (1)."""
        index = self.index
        if index is None or not 0 <= index + by < len(self.steps):
            return
        self.steps[index], self.steps[index + by] = self.steps[index + by], self.steps[index]
        self.dirty = True
        self.redraw(index + by)

    def action_template(self) -> None:
        """Replace the steps with a template."""
        self.app.push_screen(TemplateScreen(), callback=self._apply_template)

    def _apply_template(self, activity: ActivityKind | None) -> None:
        if activity is None:
            return
        self.steps = plan_for(activity)
        self.dirty = True
        self.redraw(0)
        self.notify(f"{template_name(activity)} applied; ctrl+s saves it.")

    def action_save(self) -> None:
        """Save the plan to the session, unless the minutes being edited make no sense."""
        minutes = self.query_one("#step-minutes", Input)
        problem = minutes_problem(minutes.value) if self.index is not None else None
        if problem:
            self.show_minutes_problem(problem)
            minutes.focus()
            self.notify(problem, title="Plan not saved", severity="error")
            return
        try:
            # Titles and prompts are saved cleaned; the editor keeps what was saved.
            self.steps = copy.deepcopy(save_plan(self.store, self.session_id, self.steps).plan)
        except FacilitateError as error:
            self.notify(str(error), title="Plan not saved", severity="error")
            return
        self.dirty = False
        self.redraw()
        self.notify(f"Plan saved: {plan_summary(self.steps)}.")

    def action_back(self) -> None:
        """Back; unsaved changes need escape twice."""
        if self.dirty and not self._leaving:
            self._leaving = True
            self.notify("The plan has unsaved changes: ctrl+s saves, escape again discards.",
                        severity="warning")
            return
        self.dismiss(not self.dirty)
