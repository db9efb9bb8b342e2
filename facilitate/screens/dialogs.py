"""Small modal dialogs the quotes, codebook and audit screens share.

Each is a :class:`FormScreen`: it checks what was typed, shows problems under
the field, and dismisses with the answer (or None when cancelled). The screen
that opened it does the work with the services.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from facilitate.plain_text import plain, shown
from facilitate.screens.forms import FormScreen, clean_path
from models.codebook import Codebook, Theme

#: Does the work with a dialog's answer; returns what went wrong, or None.
Apply = Callable[[str], str | None]


def file_size(path: Path) -> str:
    """How big the file at ``path`` is, in words a facilitator reads at a glance."""
    try:
        size = path.stat().st_size
    except OSError:
        return "size unknown"
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


class TextPrompt(FormScreen[str]):
    """Ask for one line of text: a theme name, a description, a memo, a path.

    With ``apply``, the answer is used before the dialog closes: a problem it
    reports (a theme that already exists) shows under the field, and the dialog
    stays open with what was typed.
    """

    compact_below = 20

    def __init__(
        self,
        heading: str,
        label: str,
        value: str = "",
        *,
        placeholder: str = "",
        submit_label: str = "Save",
        allow_empty: bool = False,
        note: str = "",
        apply: Apply | None = None,
    ) -> None:
        super().__init__()
        self.apply = apply
        self.heading = heading
        self.submit_label = submit_label
        self.label = label
        self.initial = value
        self.placeholder = placeholder
        self.allow_empty = allow_empty
        self.note = note

    def compose_fields(self) -> ComposeResult:
        """One text field, and a note under it when there is one."""
        yield from self.field(
            self.label, Input(shown(self.initial), placeholder=self.placeholder, id="text"), "text"
        )
        if self.note:
            yield Static(plain(self.note, multiline=True), classes="dialog-note")

    def collect(self) -> str | None:
        """The text, unless it is empty and must not be."""
        text = self.value("text")
        if not text and not self.allow_empty:
            self.show_error("text", "Type something first, or press escape to cancel.")
            return None
        return text

    def finish(self, draft: str) -> None:
        """Apply the answer (when asked to), and close unless that went wrong."""
        if self.apply is not None:
            problem = self.apply(draft)
            if problem:
                self.show_error("text", problem.splitlines()[0])
                self.query_one("#text", Input).focus()
                return
        self.dismiss(draft)


class PathPrompt(TextPrompt):
    """Ask for a file path; with ``must_exist`` the file must be there.

    When writing, an existing file is only replaced after asking.
    """

    def __init__(
        self,
        heading: str,
        label: str,
        value: str = "",
        *,
        must_exist: bool,
        submit_label: str = "OK",
        apply: Apply | None = None,
    ) -> None:
        super().__init__(heading, label, value, submit_label=submit_label, apply=apply)
        self.must_exist = must_exist

    def collect(self) -> str | None:
        """A path, expanded; an existing file when reading."""
        text = clean_path(self.query_one("#text", Input).value)
        if not text:
            self.show_error("text", "Type the path of a CSV file.")
            return None
        path = Path(text).expanduser().absolute()
        if self.must_exist and path.is_dir():
            self.show_error("text", f"{path} is a folder; choose a CSV file inside it.")
            return None
        if self.must_exist and not path.is_file():
            self.show_error("text", f"No file at {path}.")
            return None
        if not self.must_exist and path.is_dir():
            self.show_error("text", f"{path} is a folder; add a file name.")
            return None
        self.show_error("text", "")
        return str(path)

    def finish(self, draft: str) -> None:
        """Ask before replacing a file that is there already."""
        if self.must_exist or not Path(draft).exists():
            super().finish(draft)
            return

        def answered(replace: bool | None) -> None:
            if replace:
                super(PathPrompt, self).finish(draft)
            else:
                self.query_one("#text", Input).focus()

        self.app.push_screen(
            ConfirmDialog(
                "Replace the file?",
                f"{draft} already exists ({file_size(Path(draft))}). Replace it?",
                submit_label="Replace",
            ),
            callback=answered,
        )


class ConfirmDialog(FormScreen[bool]):
    """Ask "are you sure?" with a message that says exactly what will happen."""

    compact_below = 16
    BINDINGS = [
        Binding("escape,n", "cancel", "No"),
        Binding("y", "submit", "Yes"),
    ]

    def __init__(self, heading: str, message: str | Text, submit_label: str = "Yes") -> None:
        super().__init__()
        self.heading = heading
        self.message = message
        self.submit_label = submit_label

    def compose_fields(self) -> ComposeResult:
        """The message."""
        message = (
            plain(self.message, multiline=True) if isinstance(self.message, str) else self.message
        )
        yield Static(message, classes="dialog-note", id="confirm-message")

    def on_mount(self) -> None:
        """Cancel is focused: what is asked here replaces or removes, so enter keeps."""
        self.query_one("#cancel").focus()

    def collect(self) -> bool | None:
        """Confirmed."""
        return True


class ChooseDialog(FormScreen[str]):
    """Choose one of a few options from a list."""

    compact_below = 20

    def __init__(
        self,
        heading: str,
        label: str,
        options: list[tuple[str, str]],
        *,
        value: str | None = None,
        submit_label: str = "OK",
        note: str = "",
    ) -> None:
        super().__init__()
        self.heading = heading
        self.label = label
        self.options = options
        self.initial = value
        self.submit_label = submit_label
        self.note = note

    def compose_fields(self) -> ComposeResult:
        """The list of options."""
        initial = self.initial if self.initial is not None else Select.NULL
        yield from self.field(
            self.label,
            Select(
                [(plain(label), value) for label, value in self.options],
                value=initial,
                prompt="Choose…",
                id="choice",
            ),
            "choice",
        )
        if self.note:
            yield Static(plain(self.note, multiline=True), classes="dialog-note")

    def collect(self) -> str | None:
        """The chosen option's value."""
        value = self.query_one("#choice", Select).value
        if value is Select.NULL:
            self.show_error("choice", "Choose one, or press escape to cancel.")
            return None
        return str(value)


def codebook_order(themes: list[Theme]) -> list[Theme]:
    """Themes with each parent followed by its children (orphans last)."""
    ordered: list[Theme] = []
    for parent in (t for t in themes if t.parent_id is None):
        ordered.append(parent)
        ordered.extend(t for t in themes if t.parent_id == parent.id)
    seen = {t.id for t in ordered}
    ordered.extend(t for t in themes if t.id not in seen)
    return ordered


def theme_selections(codebook: Codebook, chosen: list[str]) -> list[Selection[str]]:
    """The codebook's themes as selections, children indented under their parent."""
    picked = set(chosen)
    selections: list[Selection[str]] = []
    for theme in codebook.themes:
        if theme.parent_id is not None:
            continue
        selections.append(Selection(plain(theme.name), theme.id, theme.id in picked))
        for child in codebook.themes:
            if child.parent_id == theme.id:
                selections.append(
                    Selection(plain(f"  └ {child.name}"), child.id, child.id in picked)
                )
    listed = {s.value for s in selections}
    # A child whose parent is missing still gets a row, so no tag is ever lost.
    selections.extend(
        Selection(plain(t.name), t.id, t.id in picked)
        for t in codebook.themes
        if t.id not in listed
    )
    return selections


class ThemesDialog(FormScreen[list[str]]):
    """Tick the themes a quote is tagged with (space ticks, ctrl+s saves)."""

    AUTO_FOCUS = "SelectionList"

    def __init__(self, codebook: Codebook, chosen: list[str], quote_text: str = "") -> None:
        super().__init__()
        self.heading = "Themes"
        self.submit_label = "Save"
        self.codebook = codebook
        self.chosen = chosen
        self.quote_text = quote_text

    def compose_fields(self) -> ComposeResult:
        """The quote, then every theme with a tick box."""
        if self.quote_text:
            yield Static(plain(f"“{self.quote_text}”"), classes="dialog-note quote-preview")
        yield SelectionList[str](*theme_selections(self.codebook, self.chosen), id="themes")
        if not self.codebook.themes:
            yield Static("The codebook has no themes yet (k opens it).", classes="dialog-note")

    def on_mount(self) -> None:
        """Say how to tick."""
        self.query_one("#themes", SelectionList).border_title = "space ticks · ctrl+s saves"

    def collect(self) -> list[str] | None:
        """The ticked themes, in codebook order."""
        ticked = set(self.query_one("#themes", SelectionList).selected)
        return [t.id for t in self.codebook.themes if t.id in ticked]
