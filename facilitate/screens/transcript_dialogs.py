"""Small dialogs of the transcript screen: edit a segment, pick a speaker, pick a model."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

UNKNOWN = "-unknown-"


class EditTextScreen(ModalScreen[str | None]):
    """Correct a segment's text; the model's version is shown beneath."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, text: str, original: str) -> None:
        super().__init__()
        self.text = text
        self.original = original

    def compose(self) -> ComposeResult:
        """The text to edit, and what the model heard."""
        with Vertical(id="dialog"):
            yield Label("Correct the text (enter saves, escape cancels)", classes="title")
            yield Input(self.text, id="text")
            if self.original and self.original != self.text:
                yield Label(f"The model heard: {self.original}", id="original")

    @on(Input.Submitted)
    def _save(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """Pick one of a few named choices (speakers, models); number keys pick at once."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        """``choices`` are (id, label) pairs."""
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        """A title and the numbered choices."""
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="title")
            yield OptionList(
                *(Option(f"{i}  {label}" if i < 10 else f"   {label}", id=key)
                  for i, (key, label) in enumerate(self.choices, start=1)),
                id="choices",
            )

    def on_key(self, event: events.Key) -> None:
        """1-9 choose directly."""
        key = event.character
        if key and key.isdigit() and 1 <= int(key) <= min(9, len(self.choices)):
            # Handled here only: the screen beneath binds digits too.
            event.stop()
            event.prevent_default()
            self.dismiss(self.choices[int(key) - 1][0])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
