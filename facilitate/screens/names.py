"""Names to hide: the consultation's hide list, and suggestions to confirm one by one.

Every name on the list becomes [name] in every export. Participants' real names
are on it automatically (each becomes that participant's pseudonym); they are
shown greyed and are changed with the participant, not here. Suggestions come
from the words that would be exported (approved quotes, consented
transcripts); nothing is added until the facilitator confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitate.plain_text import plain, shown
from facilitate.screens.export_parts import error_line
from facilitate.screens.forms import split_names
from models.anonymise import build_anonymiser, hide_list, name_conflicts, suggest_names
from models.export_rules import KeptSegment, consented_transcript, exportable_quotes
from models.participant import Participant
from models.text import clean_text
from sessions.errors import FacilitateError
from sessions.export import load_source
from sessions.store import ConsultationStore

SUGGEST = "suggest-names"
SUGGEST_HINT = "s looks for names in the approved quotes and consented transcripts."
INTRO = (
    "Every name here becomes [name] in every export: staff, friends, places. "
    "Participants' real names (greyed) are always hidden and become their pseudonyms."
)


def _one_line(name: str) -> str:
    # Names come from typing or pasting: kept as text, never as terminal codes.
    return " ".join(clean_text(name).split())


def _key(name: str) -> str:
    return _one_line(name).casefold()


def save_hide_names(store: ConsultationStore, names: list[str]) -> list[str]:
    """Store ``names`` (trimmed, each once) as the consultation's hide list; return it."""
    unique: dict[str, str] = {}
    for name in names:
        if _one_line(name):
            unique.setdefault(_key(name), _one_line(name))
    with store.transaction():
        consultation = store.consultation()
        consultation.hide_names = list(unique.values())
        store.save_consultation(consultation)
    return consultation.hide_names


def save_keep_words(store: ConsultationStore, words: list[str]) -> list[str]:
    """Store ``words`` (each once) as the common words exports keep although part of a name."""
    unique: dict[str, str] = {}
    for word in words:
        if _one_line(word):
            unique.setdefault(_key(word), _one_line(word))
    with store.transaction():
        consultation = store.consultation()
        consultation.keep_words = list(unique.values())
        store.save_consultation(consultation)
    return consultation.keep_words


def exported_texts(store: ConsultationStore) -> list[str]:
    """The text an export could show: approved quotes and consented transcript lines."""
    source = load_source(store)
    texts = [
        q.redacted_text
        for q in exportable_quotes(
            source.quotes, source.participants, source.sessions, source.segments
        )
    ]
    for session in source.sessions:
        items = consented_transcript(
            session, source.segments.get(session.id, []), source.participants, source.quotes
        )
        texts += [item.text for item in items if isinstance(item, KeptSegment)]
    return texts


@dataclass(frozen=True)
class Suggestions:
    """Names that look like names in what would be exported."""

    names: tuple[str, ...]


class NamesScreen(Screen[None]):
    """Edit the consultation's hide list, with suggestions to confirm or dismiss."""

    CSS_PATH = "names.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("s", "suggest", "Suggest names"),
        Binding("delete", "remove", "Remove name", key_display="del"),
        Binding("y", "hide_suggestion", "Hide it"),
        Binding("n", "dismiss_suggestion", "Dismiss"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        #: The consultation's own hide list, as saved.
        self.names: list[str] = []
        #: Common words kept in exports although part of a name, as saved.
        self.keep: list[str] = []
        self.participants: list[Participant] = []
        #: Suggestions not yet confirmed or dismissed.
        self.suggestions: list[str] = []
        #: Suggestions dismissed while this screen is open; not suggested again.
        self.dismissed: set[str] = set()

    def compose(self) -> ComposeResult:
        """Intro, the add row, the hide list beside the suggestions."""
        yield Header()
        yield Static(Content(INTRO), id="intro")
        with Horizontal(id="add-row"):
            yield Input(placeholder="A name to hide (commas for several)", id="new-name")
            yield Button("Add", id="add", variant="primary")
            yield Button("Keep", id="keep", tooltip="Keep a common word (Will, May) in exports")
            yield Button("Suggest", id="suggest")
        with Horizontal(id="lists"):
            with Vertical(id="hidden-pane"):
                yield Label("Hidden in every export", classes="section-title")
                yield OptionList(id="names")
            with Vertical(id="suggest-pane"):
                yield Label("Suggested: y hides, n dismisses", classes="section-title")
                yield OptionList(id="suggestions")
                yield Static(Content(SUGGEST_HINT), id="suggest-note")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Plain, one-line fields and buttons in a short terminal, so the lists fit."""
        compact = event.size.height < 30
        self.set_class(compact, "-short")
        for widget in self.query("#add-row > *"):
            widget.compact = compact  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        """Show the list."""
        self.sub_title = "Names to hide"
        self.reload()
        self.show_suggestions()
        self.query_one("#new-name", Input).focus()

    def reload(self) -> None:
        """Read the hide list and the participants again."""
        try:
            consultation = self.store.consultation()
            self.names = list(consultation.hide_names)
            self.keep = list(consultation.keep_words)
            self.participants = self.store.participants()
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the consultation", severity="error")
            return
        self.show_names()

    def show_names(self, highlight: int | None = None) -> None:
        """The facilitator's names (removable) and participants' real names (greyed)."""
        listing = self.query_one("#names", OptionList)
        listing.clear_options()
        options = [Option(plain(name), id=f"name-{i}") for i, name in enumerate(self.names)]
        options += [
            Option(
                Content.assemble(f"{shown(word)} ", ("kept: a common word, not hidden", "italic")),
                id=f"keep-{i}",
            )
            for i, word in enumerate(self.keep)
        ]
        for person in self.participants:
            if person.real_name.strip():
                prompt = Content.assemble(
                    f"{shown(person.real_name.strip())} → ",
                    (f"{shown(person.pseudonym)}, a participant's real name", "italic"),
                )
                options.append(Option(prompt, id=f"real-{person.id}", disabled=True))
        listing.add_options(options)
        editable = len(self.names) + len(self.keep)
        if editable:
            index = min(highlight if highlight is not None else 0, editable - 1)
            listing.highlighted = index

    def show_suggestions(self) -> None:
        """The suggestions still to decide on."""
        listing = self.query_one("#suggestions", OptionList)
        listing.clear_options()
        listing.add_options(
            [Option(plain(name), id=f"sugg-{i}") for i, name in enumerate(self.suggestions)]
        )
        if self.suggestions:
            listing.highlighted = 0
        listing.display = bool(self.suggestions)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Suggestion keys only when there are suggestions; remove only with a name."""
        if action in ("hide_suggestion", "dismiss_suggestion"):
            return bool(self.suggestions) or None
        if action == "remove":
            return bool(self.names or self.keep) or None
        return True

    # -- editing ---------------------------------------------------------------

    def add_names(self, names: list[str]) -> list[str]:
        """Add ``names`` to the hide list and save; return the ones that were new."""
        known = {_key(n) for n in hide_list(self.names, self.participants)}
        new = [n for n in names if _key(n) not in known]
        if not new:
            return []
        try:
            self.names = save_hide_names(self.store, [*self.names, *new])
        except (FacilitateError, OSError) as error:
            self.notify(error_line(error, None), title="Not saved", severity="error", markup=False)
            return []
        self.show_names(highlight=len(self.names) - 1)
        self.warn_about_pseudonyms()
        return new

    def warn_about_pseudonyms(self) -> None:
        """Say so when a pseudonym now contains a hidden name: exports would refuse it."""
        anonymiser = build_anonymiser(self.names, self.participants, allow=self.keep)
        clashes = name_conflicts(anonymiser, [p.pseudonym for p in self.participants])
        if clashes:
            self.notify(
                f"The pseudonym “{clashes[0]}” contains a hidden name; change it, or "
                "leave out pseudonyms when exporting.",
                severity="warning",
                timeout=10,
                markup=False,
            )

    @on(Input.Submitted, "#new-name")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        field = self.query_one("#new-name", Input)
        names = split_names(field.value)
        if not names:
            self.notify("Type a name to hide first.", severity="warning")
            return
        added = self.add_names(names)
        field.value = ""
        if added:
            self.notify(f"Hidden in exports: {', '.join(added)}.", markup=False)
        else:
            self.notify("Already hidden.", severity="information")

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        field = self.query_one("#new-name", Input)
        words = split_names(field.value)
        if not words:
            self.notify("Type a common word to keep first (say, Will).", severity="warning")
            return
        try:
            self.keep = save_keep_words(self.store, [*self.keep, *words])
        except (FacilitateError, OSError) as error:
            self.notify(error_line(error, None), title="Not saved", severity="error", markup=False)
            return
        field.value = ""
        self.show_names(highlight=len(self.names) + len(self.keep) - 1)
        self.notify(
            f"Kept in exports even where part of a name: {', '.join(words)}. Check the "
            "export preview.",
            markup=False,
        )

    def action_remove(self) -> None:
        """Take the highlighted name off the hide list (or a kept word off the keep list)."""
        listing = self.query_one("#names", OptionList)
        index = listing.highlighted
        if index is not None and len(self.names) <= index < len(self.names) + len(self.keep):
            word = self.keep[index - len(self.names)]
            rest = [w for w in self.keep if w != word]
            try:
                self.keep = save_keep_words(self.store, rest)
            except (FacilitateError, OSError) as error:
                self.notify(
                    error_line(error, None), title="Not saved", severity="error", markup=False
                )
                return
            self.show_names(highlight=index)
            self.notify(f"{word} is hidden again where it is part of a name.", markup=False)
            return
        if index is None or index >= len(self.names):
            self.notify("Highlight one of your names first.", severity="warning")
            return
        name = self.names[index]
        try:
            self.names = save_hide_names(self.store, self.names[:index] + self.names[index + 1 :])
        except (FacilitateError, OSError) as error:
            self.notify(error_line(error, None), title="Not saved", severity="error", markup=False)
            return
        self.show_names(highlight=index)
        self.notify(f"{name} is no longer hidden.", markup=False)

    @on(OptionList.OptionSelected, "#suggestions")
    def action_hide_suggestion(self) -> None:
        """Add the highlighted suggestion to the hide list."""
        name = self._take_suggestion()
        if name is not None:
            self.add_names([name])
            self.notify(f"Hidden in exports: {name}.", markup=False)

    def action_dismiss_suggestion(self) -> None:
        """Drop the highlighted suggestion: it is not a name to hide."""
        name = self._take_suggestion()
        if name is not None:
            self.dismissed.add(_key(name))

    def _take_suggestion(self) -> str | None:
        listing = self.query_one("#suggestions", OptionList)
        index = listing.highlighted
        if index is None or index >= len(self.suggestions):
            return None
        name = self.suggestions.pop(index)
        self.show_suggestions()
        if self.suggestions:
            listing.highlighted = min(index, len(self.suggestions) - 1)
            listing.focus()
        else:
            self.query_one("#suggest-note", Static).update("No more suggestions.")
        return name

    @on(Button.Pressed, "#suggest")
    def action_suggest(self) -> None:
        """Look for names in what would be exported."""
        self.query_one("#suggest-note", Static).update("Looking for names…")
        self.app.run_job(
            f"{SUGGEST}:{self.store.id}",
            self.find_suggestions,
            owner=self,
            title="No suggestions",
            on_success=self._suggested,
            on_failure=lambda _line: self.query_one("#suggest-note", Static).update(""),
            explain=lambda error: error_line(error, None),
        )

    def action_back(self) -> None:
        """Back to where the list was opened from."""
        self.dismiss()

    # -- background work -------------------------------------------------------

    def find_suggestions(self) -> Suggestions:
        """Capitalised words in approved quotes and consented transcripts."""
        texts = exported_texts(self.store)
        consultation = self.store.consultation()
        participants = self.store.participants()
        known = hide_list(consultation.hide_names, participants)
        known += [p.pseudonym for p in participants]
        found = suggest_names(texts, known)
        return Suggestions(tuple(n for n in found if _key(n) not in self.dismissed))

    def _suggested(self, found: Suggestions) -> None:
        """Show the names found, or say there were none."""
        note = self.query_one("#suggest-note", Static)
        self.suggestions = list(found.names)
        self.show_suggestions()
        if self.suggestions:
            note.update("")
            self.query_one("#suggestions", OptionList).focus()
        else:
            note.update("No names found in the approved quotes or consented transcripts.")
