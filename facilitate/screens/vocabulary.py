"""Vocabulary: the consultation's own words, which the transcriber listens out for.

The facilitator adds towns and their short names, venues, services and
nicknames; venues, activities, pseudonyms, theme names and names to hide are
listed already, and any of them can be left out. The list is saved at once
(under the store's lock, so ``facilitate vocabulary`` can change it too) and is
used the next time the model runs: live, at stop, on import and when
transcribing again. It stays on this laptop and is never exported.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitate.plain_text import shown
from facilitate.screens.export_parts import error_line
from models.vocabulary import hinted_terms, parse_terms, term_key
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore
from sessions.vocabulary import (
    add_to_vocabulary,
    remove_from_vocabulary,
    suggestions,
    transcriber_terms,
)

INTRO = (
    "Words the transcriber listens out for: towns and their short names, venues, "
    "services, nicknames. They stay on this laptop and are never exported. A real "
    "name helps too: add it to Names to hide (H on the home screen), and it is "
    "listened for and hidden in every export."
)


class VocabularyScreen(Screen[None]):
    """Edit the words the transcriber listens out for in one consultation."""

    CSS_PATH = "vocabulary.tcss"
    BINDINGS = [
        Binding("delete", "remove", "Leave out", key_display="del",
                tooltip="Stop listening for the highlighted word"),
        Binding("escape", "back", "Back", tooltip="Back to the consultations"),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        #: Every term used, in the order the transcriber is given them.
        self.terms: list[str] = []
        #: Suggested terms the facilitator left out (Enter brings one back).
        self.left_out: list[str] = []

    def compose(self) -> ComposeResult:
        """Intro, the add row, then the list."""
        yield Header()
        yield Static(INTRO, id="intro", markup=False)
        with Horizontal(id="add-row"):
            yield Input(placeholder="Words to listen for (commas for several)", id="new-term")
            yield Button("Add", id="add", variant="primary")
        yield Label("Listened for, most wanted first", classes="section-title")
        yield OptionList(id="terms")
        yield Static("", id="vocabulary-note")
        yield Footer()

    def on_mount(self) -> None:
        """Show the list, ready to type."""
        self.sub_title = "Vocabulary"
        self.reload()
        self.query_one("#new-term", Input).focus()

    def on_resize(self, event: events.Resize) -> None:
        """One-line fields in a short terminal, so the list keeps its room."""
        compact = event.size.height < 30
        self.set_class(compact, "-short")
        for widget in self.query("#add-row > *"):
            widget.compact = compact  # type: ignore[attr-defined]

    def reload(self, highlight: int | None = None) -> None:
        """Read the vocabulary again and show it."""
        try:
            consultation = self.store.consultation()
            self.terms = transcriber_terms(self.store)
            offered = {term_key(t) for t in suggestions(self.store)}
        except (FacilitateError, OSError) as error:
            self.notify(error_line(error, None), title="Cannot read the vocabulary",
                        severity="error", markup=False)
            return
        own = {term_key(t) for t in consultation.vocabulary.words}
        self.left_out = [t for t in consultation.vocabulary.left_out if term_key(t) in offered]
        given = len(hinted_terms(self.terms))
        options: list[Option] = []
        for index, term in enumerate(self.terms):
            where = "yours" if term_key(term) in own else "from the consultation"
            if index >= given:
                where += "; past the length the model is given"
            options.append(Option(Content.assemble(f"{shown(term)}  ", (where, "italic")),
                                  id=f"term-{index}"))
        for index, term in enumerate(self.left_out):
            options.append(Option(
                Content.assemble((shown(term), "dim strike"), "  ",
                                 ("left out: Enter listens for it again", "italic")),
                id=f"out-{index}",
            ))
        listing = self.query_one("#terms", OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = min(highlight or 0, len(options) - 1)
        note = self.query_one("#vocabulary-note", Static)
        if not self.terms:
            note.update("Nothing to listen for yet: type a word above.")
        elif given < len(self.terms):
            note.update(f"The model is given the first {given} of {len(self.terms)}: "
                        "a long list slows it down. Put the words that matter first.")
        else:
            note.update("Used the next time this consultation is transcribed.")

    @on(Input.Submitted, "#new-term")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        field = self.query_one("#new-term", Input)
        terms = parse_terms(field.value)
        if not terms:
            self.notify("Type a word or phrase to listen for first.", severity="warning")
            return
        if not self._save(lambda: add_to_vocabulary(self.store, terms)):
            return
        field.value = ""
        self.reload()
        self.notify(f"Listening for: {', '.join(terms)}.", markup=False)

    @on(OptionList.OptionSelected, "#terms")
    def _bring_back(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if not option_id.startswith("out-"):
            return
        term = self.left_out[int(option_id.removeprefix("out-"))]
        if self._save(lambda: add_to_vocabulary(self.store, [term])):
            self.reload()
            self.notify(f"Listening for {term} again.", markup=False)

    def action_remove(self) -> None:
        """Leave out the highlighted word (the facilitator's own is deleted)."""
        listing = self.query_one("#terms", OptionList)
        if not listing.has_focus:
            # From the Add button del would take the first word, which the facilitator
            # did not choose (their own is deleted, not left out): choose in the list.
            listing.focus()
            self.notify("Highlight the word to leave out in the list, then press del.",
                        severity="warning")
            return
        index = listing.highlighted
        if index is None or index >= len(self.terms):
            self.notify("Highlight a word that is listened for first.", severity="warning")
            return
        term = self.terms[index]
        if self._save(lambda: remove_from_vocabulary(self.store, [term])):
            self.reload(highlight=index)
            self.notify(f"No longer listening for {term}.", markup=False)

    def _save(self, change: Callable[[], object]) -> bool:
        """Run a change of the stored vocabulary; one line and False if it failed."""
        try:
            change()
        except (FacilitateError, OSError) as error:
            self.notify(error_line(error, None), title="Not saved", severity="error",
                        markup=False)
            return False
        return True

    def action_back(self) -> None:
        """Back to where the vocabulary was opened from."""
        self.dismiss()
