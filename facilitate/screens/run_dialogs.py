"""Small dialogs of the run screen: yes/no questions, "strike how much?", which microphone."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitate.screens.forms import FormScreen
from models.text import clean_text
from sessions.recorder import InputDevice


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


class MicrophoneScreen(ModalScreen[InputDevice | None]):
    """Choose the microphone to record from; enter picks, escape keeps the one chosen."""

    CSS_PATH = "run.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, devices: list[InputDevice], chosen: int | None) -> None:
        """``devices`` as PortAudio lists them; ``chosen`` is the index in use (None: default)."""
        super().__init__()
        self.devices = devices
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        """A title, the inputs (the default marked), and the keys."""
        with Vertical(classes="dialog"):
            yield Label("Which microphone?", classes="question")
            options = []
            for device in self.devices:
                prompt = Text(clean_text(device.name), style="bold")
                if device.is_default:
                    prompt.append("  (default)", style="dim")
                in_use = device.index == self.chosen or (
                    self.chosen is None and device.is_default)
                if in_use:
                    prompt.append("  ✓ in use", style="green")
                options.append(Option(prompt, id=str(device.index)))
            yield OptionList(*options, id="devices")
            yield Label("↑ ↓ choose · enter records from it · escape keeps the one in use",
                        classes="dialog-keys")

    def on_mount(self) -> None:
        """Start on the microphone in use."""
        devices = self.query_one(OptionList)
        for row, device in enumerate(self.devices):
            if device.index == self.chosen or (self.chosen is None and device.is_default):
                devices.highlighted = row
        devices.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.devices[event.option_index])

    def action_cancel(self) -> None:
        """Close, keeping the microphone in use."""
        self.dismiss(None)
