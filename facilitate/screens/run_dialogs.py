"""Small dialogs of the run screen: yes/no questions and "strike how much?"."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from facilitate.screens.forms import FormScreen


class ConfirmScreen(ModalScreen[bool]):
    """A question with Yes and No; y/enter say yes, n/escape say no."""

    CSS_PATH = "run.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        """The question and two buttons."""
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        """Enter on the focused Yes button answers yes."""
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)


class StrikeSpanScreen(FormScreen[float]):
    """Ask how many of the last seconds to take off the record."""

    compact_below = 20
    heading = "Strike from the record"
    submit_label = "Strike"

    def __init__(self, elapsed_s: float) -> None:
        super().__init__()
        self.elapsed_s = elapsed_s

    def compose_fields(self) -> ComposeResult:
        """One number of seconds."""
        yield from self.field(
            "Seconds to strike, counting back from now",
            Input("60", id="seconds", type="number"),
            "seconds",
        )
        yield Static(
            "That stretch becomes silence in the recording and is never transcribed.",
            classes="dialog-note",
        )

    def collect(self) -> float | None:
        """A positive number of seconds."""
        try:
            seconds = float(self.value("seconds"))
        except ValueError:
            seconds = 0.0
        if seconds <= 0:
            self.show_error("seconds", "Type a number of seconds above zero.")
            return None
        return min(seconds, self.elapsed_s) if self.elapsed_s > 0 else seconds
