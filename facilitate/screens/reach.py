"""Who the consultation reaches: counts per group beside a reference population.

Counts are suppressed as every export suppresses them (1 to 4 shows as "<5",
and a few others are hidden so none can be worked out). ``p`` records a
person's own description of themselves (each answer optional, "Prefer not to
say" always offered), ``r`` enters the reference shares for one question.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static

from facilitate.plain_text import plain, shown
from facilitate.screens.forms import FormScreen
from facilitate.screens.wellbeing import participants_or_say
from models import Actor, Participant
from models.reach import (
    ATTRIBUTES,
    ETHNIC_GROUP,
    FEW,
    HIDDEN,
    NOT_GIVEN,
    POSTCODE_DISTRICT,
    PREFER_NOT,
    ReachAnswerError,
    ReachTable,
    categories_for,
    check_answer,
)
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore
from sessions.wellbeing import consultation_reach, set_reach_answer, set_reference

#: Who gave the answers, as the form offers it.
GIVEN_BY = (
    ("The participant, about themselves", Actor.PARTICIPANT.value),
    ("Me, as the participant told me", Actor.ON_BEHALF.value),
)


def field_id(text: str) -> str:
    """A widget id for an attribute or category (ids allow letters, digits, - and _)."""
    return "f-" + "".join(c if c.isalnum() else "-" for c in text.casefold())


def reach_renderable(tables: list[ReachTable]) -> Group:
    """Every question's table, under-reached groups highlighted."""
    parts = []
    for table in tables:
        grid = Table(title=table.attribute.capitalize(), title_justify="left",
                     expand=False, show_edge=False, pad_edge=False)
        grid.add_column("Group")
        grid.add_column("People", justify="right")
        grid.add_column("Share", justify="right")
        grid.add_column("Reference", justify="right")
        grid.add_column("")
        for row in table.rows:
            style = "bold yellow" if row.under_reached else ""
            if row.count in (FEW, HIDDEN):
                style = style or "dim"
            reference = "" if row.reference is None else f"{row.reference:.0f}%"
            grid.add_row(Text(shown(row.category)), Text(row.count), Text(row.share),
                         Text(reference), Text("under-reached" if row.under_reached else ""),
                         style=style)
        grid.add_row(Text("Everyone reached", style="bold"), Text(table.total, style="bold"))
        parts += [grid, Text("")]
    return Group(*parts)


class ReachScreen(Screen[None]):
    """The consultation's reach view."""

    CSS_PATH = "wellbeing.tcss"
    BINDINGS = [
        Binding("p", "answers", "Someone's answers"),
        Binding("r", "reference", "Reference shares"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        #: The tables on screen, as counted last.
        self.tables: list[ReachTable] = []

    def compose(self) -> ComposeResult:
        """A note on small numbers, then the tables."""
        yield Header()
        yield Static(
            "Counts from 1 to 4 show as <5; a few others are hidden so none can be "
            "worked out. Shares are of everyone reached.",
            id="reach-note", classes="wellbeing-note",
        )
        with VerticalScroll(id="reach-tables"):
            yield Static("", id="reach")
        yield Footer()

    def on_mount(self) -> None:
        """Count."""
        self.sub_title = "Who we reach"
        self.refresh_view()

    def refresh_view(self) -> None:
        """Count again (after new answers or reference shares)."""
        try:
            tables = consultation_reach(self.store)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.tables = tables
        self.query_one("#reach", Static).update(reach_renderable(tables))

    def action_answers(self) -> None:
        """Record a participant's own answers."""
        people = participants_or_say(self, self.store)
        if people:
            self.app.push_screen(ReachAnswersScreen(people), callback=self._save_answers)

    def _save_answers(self, draft: ReachDraft | None) -> None:
        if draft is None:
            return
        try:
            for attribute, answer in draft.answers.items():
                set_reach_answer(self.store, draft.participant_id, attribute, answer,
                                 draft.given_by)
        except FacilitateError as error:
            self.notify(str(error), title="Not saved", severity="error")
            return
        self.refresh_view()

    def action_reference(self) -> None:
        """Enter reference shares for one question."""
        self.app.push_screen(ReferenceScreen(self.store), callback=self._save_reference)

    def _save_reference(self, draft: ReferenceDraft | None) -> None:
        if draft is None:
            return
        try:
            set_reference(self.store, draft.attribute, draft.shares)
        except FacilitateError as error:
            self.notify(str(error), title="Not saved", severity="error")
            return
        self.refresh_view()

    def action_back(self) -> None:
        """Back to the home screen."""
        self.dismiss(None)


@dataclass(frozen=True)
class ReachDraft:
    """One person's answers ("" forgets one), and who gave them."""

    participant_id: str
    answers: dict[str, str]
    given_by: Actor


class ReachAnswersScreen(FormScreen[ReachDraft]):
    """A person's own description of themselves: every answer optional."""

    heading = "Who we reach: someone's answers"
    submit_label = "Save"
    compact_below = 40

    def __init__(self, people: list[Participant]) -> None:
        super().__init__()
        self.people = people

    def compose_fields(self) -> ComposeResult:
        """Who, then one field per question, then who gave the answers."""
        options = [(plain(p.pseudonym), p.id) for p in self.people]
        yield from self.field("Who", Select(options, id="who", prompt="Choose a person"), "who")
        for attribute, answers in ATTRIBUTES.items():
            if attribute == POSTCODE_DISTRICT:
                widget: Input | Select[object] = Input(
                    placeholder="Only the first half, e.g. LS6", max_length=8,
                    id=field_id(attribute))
            else:
                listed = categories_for(attribute) if attribute != ETHNIC_GROUP else [
                    *answers, PREFER_NOT]
                choices = [(a, a) for a in listed if a != NOT_GIVEN]
                widget = Select(choices, id=field_id(attribute), prompt="Not given")
            yield from self.field(attribute.capitalize(), widget, field_id(attribute))
        yield from self.field("Given by", Select(GIVEN_BY, value=Actor.PARTICIPANT.value,
                                                 allow_blank=False, id="given-by"), "given-by")

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choosing a person fills in what they said before."""
        if event.select.id != "who" or event.value is Select.NULL:
            return
        person = next((p for p in self.people if p.id == event.value), None)
        if person is None:
            return
        for attribute in ATTRIBUTES:
            value = person.reach.get(attribute, "")
            if attribute == POSTCODE_DISTRICT:
                self.query_one(f"#{field_id(attribute)}", Input).value = value
            else:
                select = self.query_one(f"#{field_id(attribute)}", Select)
                select.value = value if value else Select.NULL

    def collect(self) -> ReachDraft | None:
        """A person is needed; every answer may be left out."""
        who = self.query_one("#who", Select).value
        if who is Select.NULL:
            self.show_error("who", "Choose whose answers these are.")
            return None
        answers = {}
        for attribute in ATTRIBUTES:
            if attribute == POSTCODE_DISTRICT:
                district = self.value(field_id(attribute))
                try:
                    answers[attribute] = check_answer(attribute, district) if district else ""
                except ReachAnswerError as error:
                    # Checked here, so nothing is saved until every answer is right.
                    self.show_error(field_id(attribute), str(error))
                    return None
            else:
                value = self.query_one(f"#{field_id(attribute)}", Select).value
                answers[attribute] = "" if value is Select.NULL else str(value)
        given = self.query_one("#given-by", Select).value
        return ReachDraft(str(who), answers, Actor(str(given)))


@dataclass(frozen=True)
class ReferenceDraft:
    """Reference shares in percent for one question."""

    attribute: str
    shares: dict[str, float]


class ReferenceScreen(FormScreen[ReferenceDraft]):
    """The reference population's shares (e.g. the district's census) for one question."""

    heading = "Reference shares (percent)"
    submit_label = "Save"
    compact_below = 40

    def __init__(self, store: ConsultationStore, attribute: str = "age band") -> None:
        super().__init__()
        self.store = store
        self.attribute = attribute

    def compose_fields(self) -> ComposeResult:
        """The question, then one field per group."""
        choices = [(a.capitalize(), a) for a in ATTRIBUTES if a != POSTCODE_DISTRICT]
        yield from self.field("Question", Select(choices, value=self.attribute,
                                                 allow_blank=False, id="attribute"),
                              "attribute")
        reference = self.store.consultation().reach_reference
        for attribute in ATTRIBUTES:
            if attribute == POSTCODE_DISTRICT:
                continue
            given = reference.get(attribute, {})
            for category in categories_for(attribute)[:-2]:
                value = given.get(category)
                box = Input("" if value is None else f"{value:g}", placeholder="%",
                            id=field_id(f"{attribute} {category}"), classes=field_id(attribute))
                yield from self.field(category, box, field_id(f"{attribute} {category}"))

    def on_mount(self) -> None:
        """Show the fields of the chosen question only."""
        self.show_question(self.attribute)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Another question: its fields."""
        if event.select.id == "attribute" and event.value is not Select.NULL:
            self.attribute = str(event.value)
            self.show_question(self.attribute)

    def show_question(self, attribute: str) -> None:
        """Hide the fields of every other question."""
        for other in ATTRIBUTES:
            for box in self.query(f"Input.{field_id(other)}"):
                if box.parent is not None:
                    box.parent.display = other == attribute

    def collect(self) -> ReferenceDraft | None:
        """Each share is a percentage or left empty."""
        shares = {}
        for category in categories_for(self.attribute)[:-2]:
            name = field_id(f"{self.attribute} {category}")
            text = self.value(name).rstrip("%").strip()
            if not text:
                continue
            try:
                share = float(text)
            except ValueError:
                self.show_error(name, "Give a percentage, such as 12.5, or leave it empty.")
                return None
            if not 0 <= share <= 100:
                self.show_error(name, "Give a percentage from 0 to 100.")
                return None
            shares[category] = share
        if sum(shares.values()) > 100.5:
            first = field_id(f"{self.attribute} {categories_for(self.attribute)[0]}")
            self.show_error(first, "These shares add up to more than 100%; check them.")
            return None
        return ReferenceDraft(self.attribute, shares)
