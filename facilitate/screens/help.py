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


@dataclass(frozen=True)
class KeyHelp:
    """One key and what it does."""

    key: str
    description: str
    group: str


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings facilitate itself declares on ``node``'s class and its bases."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("facilitate"):
            continue
        for item in cls.__dict__.get("BINDINGS", []):
            if isinstance(item, Binding):
                found.append(item)
    return found


#: How to move about, which every screen shares.
MOVING = [("tab / shift+tab", "Next / previous area"), ("↑ ↓", "Move"), ("enter", "Choose")]


def keys_of(screen: Screen[object]) -> list[KeyHelp]:
    """The keys of ``screen`` (those it declares), how to move, and the keys of the app.

    Keys that do nothing at the moment (such as cancelling when nothing runs)
    are listed too: the help says what each key is for.
    """
    app = screen.app
    found: list[KeyHelp] = []
    seen: set[tuple[str, str]] = set()
    for group, node in (("This screen", screen), ("Everywhere", app)):
        for binding in own_bindings(node):
            if not binding.description:
                continue
            key = app.get_key_display(binding)
            if (binding.description, group) in seen:
                key_help = next(k for k in found if k.description == binding.description)
                found[found.index(key_help)] = KeyHelp(
                    f"{key_help.key} / {key}", key_help.description, group
                )
                continue
            seen.add((binding.description, group))
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
            frame.border_title = f"Keys: {self.help_title}"
            with VerticalScroll(id="help-body", can_focus=False):
                yield Static(keys_table(self.keys), id="help-keys")
            yield Label("escape closes", id="help-hint")
