"""The `?` screen: the keys of the screen it was opened from."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from facilitate.plain_text import fill


@dataclass(frozen=True)
class KeyHelp:
    """One key and what it does."""

    key: str
    description: str
    group: str


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings facilitate itself declares on ``node``'s class and its bases.

    Shown or not in the footer, every one is listed; a binding for several keys
    ("escape,n") becomes one binding per key.
    """
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("facilitate"):
            continue
        items = [item for item in cls.__dict__.get("BINDINGS", []) if isinstance(item, Binding)]
        found.extend(Binding.make_bindings(items))
    return found


def widget_bindings(screen: Screen[object]) -> list[Binding]:
    """The bindings of facilitate's own widgets on ``screen`` (a word picker, a transcript)."""
    found: list[Binding] = []
    seen: set[type] = set()
    for widget in screen.query("*"):
        kind = type(widget)
        if kind in seen or not kind.__module__.startswith("facilitate.widgets"):
            continue
        seen.add(kind)
        found.extend(own_bindings(widget))
    return found


#: How to move about, which every screen shares.
MOVING = [("tab / shift+tab", "Next / previous area"), ("↑ ↓", "Move"), ("enter", "Choose")]


def keys_of(screen: Screen[object]) -> list[KeyHelp]:
    """The keys of ``screen`` (its own and its widgets'), how to move, and the app's keys.

    Every binding with a description is listed, including those the footer
    leaves out; keys that do nothing at the moment (such as cancelling when
    nothing runs) are listed too: the help says what each key is for. Keys
    that do the same thing share a line ("escape / q").
    """
    app = screen.app
    found: list[KeyHelp] = []
    groups = (
        ("This screen", own_bindings(screen) + widget_bindings(screen)),
        ("Everywhere", own_bindings(app)),
    )
    for group, bindings in groups:
        at: dict[str, int] = {}
        for binding in bindings:
            if not binding.description:
                continue
            key = app.get_key_display(binding)
            if binding.description in at:
                index = at[binding.description]
                known = found[index]
                if key not in known.key.split(" / "):
                    found[index] = KeyHelp(f"{known.key} / {key}", known.description, group)
                continue
            at[binding.description] = len(found)
            found.append(KeyHelp(key, binding.description, group))
        if group == "This screen":
            found.extend(KeyHelp(key, text, "Moving around") for key, text in MOVING)
    return found


def keys_table(keys: list[KeyHelp]) -> Table:
    """The keys laid out in groups, key on the left."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", min_width=8, style="bold")
    table.add_column()
    group = None
    for item in keys:
        if item.group != group:
            if group is not None:
                table.add_row("", "")
            group = item.group
            table.add_row("", Text(group, style="bold underline"))
        table.add_row(Text(item.key, style="bold"), item.description)
    return table


class HelpScreen(ModalScreen[None]):
    """A card listing keys; any of escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False, key_display="?"),
    ]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        """Title, the keys, a hint how to close."""
        with Vertical(id="help") as frame:
            # The title is often a session's title: the user's words, shown as text.
            frame.border_title = fill("Keys: $title", title=self.help_title)
            with VerticalScroll(id="help-body", can_focus=False):
                yield Static(keys_table(self.keys), id="help-keys")
            yield Label("escape closes", id="help-hint")
