"""Small dialogs of the transcript screen: edit a segment, pick a speaker or a model, pick words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitate.plain_text import fill, plain, shown

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
            # The cursor starts at the end with nothing selected: a correction is
            # usually a word or two, and a first Backspace must not wipe the segment.
            yield Input(shown(self.text), id="text", select_on_focus=False)
            if self.original and self.original != self.text:
                # All of it, wrapped: the facilitator compares it word by word.
                yield Static(fill("The model heard: $said", said=self.original), id="original")

    def on_mount(self) -> None:
        """Show the end of the text, where the cursor is, once the field has its width."""
        field = self.query_one("#text", Input)
        # A segment longer than the field opened showing its start with the cursor
        # out of sight at its end: typing then changed words the facilitator could not see.
        self.call_after_refresh(lambda: field.scroll_to(x=field.max_scroll_x, animate=False))

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
            yield Label(plain(self.title_text), classes="title")
            yield OptionList(
                *(Option(plain(f"{i}  {label}" if i < 10 else f"   {label}"), id=key)
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


class WordRange(Widget, can_focus=True):
    """The words of one segment; a run of them is chosen for a quote.

    ← → move; shift+← → (or space, then ← →) stretch the choice from where it
    began; enter accepts. The chosen words are highlighted, the cursor underlined.
    """

    BINDINGS: ClassVar = [
        Binding("left", "move(-1)", "Previous word", show=False),
        Binding("right", "move(1)", "Next word", show=False),
        Binding("shift+left", "extend(-1)", "Choose one more word back", show=False),
        Binding("shift+right", "extend(1)", "Choose one more word on", show=False),
        Binding("home", "move(-1000000)", "First word", show=False),
        Binding("end", "move(1000000)", "Last word", show=False),
        Binding("space", "anchor", "Start or end stretching the choice", show=False),
        Binding("enter", "accept", "Quote these words", show=False),
    ]

    @dataclass
    class Changed(Message):
        """The chosen words changed."""

        picker: WordRange

    @dataclass
    class Accepted(Message):
        """Enter: quote the chosen words."""

        picker: WordRange

    def __init__(self, words: list[str], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        # Shown as written (brackets and all), without any terminal codes.
        self.words = [shown(w.strip()) for w in words]
        self.cursor = 0
        #: Where the choice began (a word index), or None for just the cursor's word.
        self.anchor: int | None = None

    @property
    def chosen(self) -> tuple[int, int]:
        """The chosen words as ``(first, stop)``, a slice of :attr:`words`."""
        if self.anchor is None:
            return self.cursor, self.cursor + 1
        first, last = sorted((self.anchor, self.cursor))
        return first, last + 1

    @property
    def chosen_text(self) -> str:
        """The chosen words, joined."""
        first, stop = self.chosen
        return " ".join(self.words[first:stop])

    def render(self) -> Text:
        """The words, the chosen ones highlighted, the cursor's underlined."""
        first, stop = self.chosen
        text = Text()
        for index, word in enumerate(self.words):
            style = "bold black on #ffd166" if first <= index < stop else ""
            if index == self.cursor:
                style += " underline"
            text.append(word, style=style.strip())
            # The gap inside a chosen run is highlighted too, so the run reads as one.
            text.append(" ", style="on #ffd166" if first <= index < stop - 1 else "")
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """As many lines as the words need at this width."""
        return max(1, len(self.render().wrap(self.app.console, max(1, width))))

    def _moved(self) -> None:
        self.refresh(layout=True)
        self.post_message(self.Changed(self))

    def action_move(self, step: int) -> None:
        """Move the cursor (the choice stretches with it once space has started one)."""
        if self.words:
            self.cursor = max(0, min(len(self.words) - 1, self.cursor + step))
            self._moved()

    def action_extend(self, step: int) -> None:
        """Stretch the choice one word back or on."""
        if self.anchor is None:
            self.anchor = self.cursor
        self.action_move(step)

    def action_anchor(self) -> None:
        """Start stretching the choice at the cursor, or go back to one word."""
        self.anchor = self.cursor if self.anchor is None else None
        self._moved()

    def action_accept(self) -> None:
        """Quote the chosen words."""
        if self.words:
            self.post_message(self.Accepted(self))


class WordRangeScreen(ModalScreen[tuple[int, int] | None]):
    """Choose a run of words within one segment; dismisses with ``(first, stop)``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, words: list[str], speaker: str) -> None:
        """``words`` as the quote would hold them; ``speaker`` names who said them."""
        super().__init__()
        self.words = words
        self.speaker = speaker

    def compose(self) -> ComposeResult:
        """A title, the words, what is chosen, and the keys."""
        with Vertical(id="dialog"):
            yield Label(fill("Choose the words to quote ($who)", who=self.speaker), classes="title")
            yield WordRange(self.words, id="words")
            yield Static("", id="chosen")
            yield Label("← → move · shift+← → or space then ← → choose more · "
                        "enter quotes them · escape cancels", id="keys")

    def on_mount(self) -> None:
        """Say what is chosen at the start."""
        self._show(self.query_one(WordRange))

    @on(WordRange.Changed)
    def _changed(self, event: WordRange.Changed) -> None:
        self._show(event.picker)

    def _show(self, picker: WordRange) -> None:
        first, stop = picker.chosen
        count = stop - first
        self.query_one("#chosen", Static).update(Text(
            f"{count} word{'s' if count != 1 else ''}: “{picker.chosen_text}”"))

    @on(WordRange.Accepted)
    def _accepted(self, event: WordRange.Accepted) -> None:
        self.dismiss(event.picker.chosen)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
