"""Small dialogs of the run screen: yes/no questions, strikes, which microphone.

Recording goes on while any of them is open, so the run screen's marking keys
go on working too: ``1``-``9`` (who is speaking) and ``m`` (mark a moment) reach
the run screen underneath and the dialog stays up, and ``space`` (someone asks
to stop) closes the dialog with its safe answer and pauses. A person who said no to
being recorded is silenced from the moment their key is pressed, whatever is
on screen. None of these dialogs has a text field, so those keys never have
another meaning here.

The strike dialogs show, live, the exact span they strike: from a fixed start
(so many seconds before the strike key was pressed) until now, the time the
dialog is open included, in whole seconds rounded up. Confirming strikes
exactly the span on screen at that moment.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from models.text import clean_text
from sessions.recorder import InputDevice, format_duration

ResultT = TypeVar("ResultT")
#: A span of recording time to strike: (start, end) in seconds.
StrikeSpan = tuple[float, float]
#: How often a strike dialog recomputes the span it shows.
STRIKE_REFRESH_S = 0.1
#: The lengths the "strike how much?" dialog offers, counting back from the key press.
STRIKE_CHOICES_S = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: The choice highlighted first, when the recording is that long already.
STRIKE_CHOICE_DEFAULT_S = 60.0
#: What the dialogs say about the keys that still work.
MARK_KEYS_NOTE = "1-9 who is speaking · m mark a moment: both still work here"


def length_words(seconds: float) -> str:
    """A length in words a facilitator reads at a glance: "45 s", "2 min 5 s"."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, rest = divmod(total, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


class RunDialog(ModalScreen[ResultT]):
    """A dialog over the run screen: ``1``-``9`` and ``m`` still mark, and it stays up.

    ``space`` is someone asking to stop, at any moment: the dialog closes with
    its safe answer (nothing struck, nothing stopped) and the run screen pauses
    and shows its calm screen.
    """

    CSS_PATH = "run.tcss"
    BINDINGS = [
        *(Binding(str(n), f"speaker({n})", "Who is speaking", show=False) for n in range(1, 10)),
        Binding("m", "moment", "Mark moment", show=False),
        Binding("space", "ask_to_stop", "Stop for someone", show=False),
    ]
    #: What the dialog answers when it is closed because someone asks to stop.
    SAFE_ANSWER: object = None

    def _marking_screen(self) -> Screen[object] | None:
        """The screen beneath the dialogs: the run screen that takes the marks."""
        for screen in reversed(self.app.screen_stack):
            if not isinstance(screen, RunDialog):
                return screen
        return None

    async def _forward(self, action: str) -> None:
        # run_action asks the run screen's check_action first, exactly as its own
        # key would: marks only while recording.
        screen = self._marking_screen()
        if screen is not None:
            await screen.run_action(action)

    async def action_speaker(self, number: int) -> None:
        """Mark who is speaking now, on the run screen beneath."""
        await self._forward(f"speaker({number})")

    async def action_moment(self) -> None:
        """Mark this moment, on the run screen beneath."""
        await self._forward("moment")

    async def action_ask_to_stop(self) -> None:
        """Someone asks to stop: close with the safe answer, then pause and calm down."""
        screen = self._marking_screen()
        self.dismiss(self.SAFE_ANSWER)  # type: ignore[arg-type]
        if screen is not None:
            await screen.run_action("ask_to_stop")


class ConfirmScreen(RunDialog[bool]):
    """A question with Yes and No; y/enter say yes, n/escape say no."""

    SAFE_ANSWER = False

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No",
                 safe_default: bool = False) -> None:
        """``safe_default``: the question destroys or ends something, so No is focused."""
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.safe_default = safe_default

    def compose(self) -> ComposeResult:
        """The question and two buttons."""
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        """Enter answers the focused button: No when the question ends something."""
        self.query_one("#no" if self.safe_default else "#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)


def stop_dialog(elapsed_s: float) -> ConfirmScreen:
    """Ask before stopping, saying how much is recorded; Keep recording is the default."""
    return ConfirmScreen(
        f"Stop recording and save it? {format_duration(elapsed_s)} recorded so far.",
        "Stop", "Keep recording", safe_default=True,
    )


class StrikeDialog(RunDialog[StrikeSpan | None]):
    """Ask before a strike, showing live the exact span it strikes; closes with that span.

    The span starts :meth:`back_s` seconds before the key press (never before the
    recording) and ends now, rounded up to a whole second, so the time the dialog
    is open is struck as well. It is recomputed every :data:`STRIKE_REFRESH_S`
    seconds; confirming strikes the span on screen then, exactly.
    """

    BINDINGS = [
        Binding("y", "strike", "Strike"),
        Binding("n", "keep", "Keep"),
        Binding("escape", "keep", "Keep", show=False),
    ]

    #: The key that opened the dialog, as the text names it.
    key = "s"

    def __init__(self, pressed_s: float, now: Callable[[], float]) -> None:
        """``pressed_s``: the recording time when the key was pressed; ``now`` reads it."""
        super().__init__()
        self.pressed_s = pressed_s
        self.now = now
        #: The span on screen: what confirming strikes.
        self.shown: StrikeSpan = (pressed_s, pressed_s)
        #: Set once answered: what is on screen then stays, as it was answered.
        self.answered = False

    def back_s(self) -> float:
        """Seconds before the key press to strike from."""
        raise NotImplementedError

    def span_now(self) -> StrikeSpan:
        """The span to strike if confirmed now: whole seconds, reaching at least now."""
        start = max(0.0, self.pressed_s - self.back_s())
        length = max(1, math.ceil(self.now() - start - 1e-6))
        return start, start + length

    def show_span(self) -> None:
        """Recompute the span and show it (a few times a second while open)."""
        if self.answered:
            return
        self.shown = start, end = self.span_now()
        question = self.query_one("#strike-question", Static)
        question.update(Text.assemble(
            "Strike ", (f"{format_duration(start)}–{format_duration(end)}", "bold"),
            " (", (length_words(end - start), "bold"), ") off the record?",
        ))
        before = self.pressed_s - start
        since = length_words(max(0.0, end - self.pressed_s))
        what = (f"The {length_words(before)} before you pressed {self.key}"
                if start > 0 else f"Everything before you pressed {self.key}")
        self.query_one("#strike-detail", Static).update(
            f"{what}, and the {since} since: that audio becomes silence and is "
            "never transcribed.")

    def compose_choice(self) -> ComposeResult:
        """Anything the dialog asks before the question (nothing by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        """Any choice, the span it strikes, the buttons and the keys that still work."""
        with Vertical(classes="dialog"):
            yield from self.compose_choice()
            yield Static("", id="strike-question", classes="question")
            yield Static("", id="strike-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Strike (y)", variant="error", id="strike")
                yield Button("Keep (n)", id="keep")
            yield Label(MARK_KEYS_NOTE, classes="dialog-keys")

    def on_mount(self) -> None:
        """Show the span now and keep it current."""
        self.show_span()
        self.set_interval(STRIKE_REFRESH_S, self.show_span)

    @on(Button.Pressed, "#strike")
    def action_strike(self) -> None:
        """Strike the span on screen."""
        if not self.answered:
            self.answered = True
            self.dismiss(self.shown)

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        """Keep the audio: strike nothing."""
        if not self.answered:
            self.answered = True
            self.dismiss(None)


class StrikeScreen(StrikeDialog):
    """``s``: strike from :attr:`back` seconds before the key press until now."""

    def __init__(self, pressed_s: float, now: Callable[[], float], back: float) -> None:
        """Strike back ``back`` seconds from ``pressed_s``; ``now`` reads the recording time."""
        super().__init__(pressed_s, now)
        self.back = back

    def back_s(self) -> float:
        """The fixed length before the key press."""
        return self.back

    def on_mount(self) -> None:
        """Keep is focused: a strike cannot be undone, so a stray enter keeps the audio."""
        super().on_mount()
        self.query_one("#keep", Button).focus()


class StrikeSpanScreen(StrikeDialog):
    """``S``: choose how far before the key press to strike from, until now.

    A list rather than a number to type, so the digit keys keep marking speakers.
    """

    key = "S"

    def __init__(self, pressed_s: float, now: Callable[[], float]) -> None:
        """The choices are the lengths the recording already holds, then everything."""
        super().__init__(pressed_s, now)
        self.choices = [s for s in STRIKE_CHOICES_S if s < pressed_s]
        self.choices.append(pressed_s)  # everything so far

    def compose_choice(self) -> ComposeResult:
        """How far before the key press."""
        yield Label("Strike from how long before you pressed S?", classes="heading")
        options = [Option(f"the {length_words(s)} before") for s in self.choices[:-1]]
        options.append(Option(f"everything so far ({format_duration(self.pressed_s)})"))
        yield OptionList(*options, id="strike-choices")

    def back_s(self) -> float:
        """The highlighted choice."""
        row = self.query_one("#strike-choices", OptionList).highlighted
        return self.choices[row if row is not None else -1]

    def on_mount(self) -> None:
        """Start on one minute when there is that much, else on everything."""
        choices = self.query_one("#strike-choices", OptionList)
        default = STRIKE_CHOICE_DEFAULT_S
        choices.highlighted = (self.choices.index(default) if default in self.choices[:-1]
                               else len(self.choices) - 1)
        choices.focus()
        super().on_mount()

    @on(OptionList.OptionHighlighted)
    def _chosen(self) -> None:
        self.show_span()

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        self.show_span()  # enter on a row strikes that row's span, shown first
        self.action_strike()


class MicrophoneScreen(RunDialog[InputDevice | None]):
    """Choose the microphone to record from; enter picks, escape keeps the one chosen."""

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
