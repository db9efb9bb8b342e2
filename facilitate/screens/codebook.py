"""The codebook screen: themes (one level of nesting) with counts, and editing them.

Counts come from :func:`sessions.quotes.theme_overview`: live quotes (approved
or pending) per theme, rolled up to parents; thin themes are flagged. Every
edit goes through the services, so renaming shows on every quote at once and
merging or removing re-tags every quote in one atomic write.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static, Tree

from facilitate.plain_text import rich_plain, shown
from facilitate.screens.dialogs import ChooseDialog, ConfirmDialog, PathPrompt, TextPrompt
from facilitate.screens.export_parts import EXPORTS_FOLDER, slug
from models.codebook import CodebookError, Theme
from models.overview import THIN, Overview, ThemeCount
from models.participant import Role
from sessions import quotes as quote_service
from sessions.codebook_io import export_codebook, import_codebook
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore

TOP_LEVEL = "__top__"

#: What a codebook edit can go wrong with, as one line for the facilitator.
EDIT_ERRORS = (CodebookError, FacilitateError, ValueError, OSError)


def edit_problem(edit: Callable[[], object]) -> str | None:
    """Run ``edit``; return what went wrong in one line, or None when it worked."""
    try:
        edit()
    except EDIT_ERRORS as error:
        return str(error) or type(error).__name__
    return None


def codebook_csv_path(consultation_title: str) -> Path:
    """Where the codebook CSV goes by default: ~/facilitate-exports/<title>-codebook.csv."""
    name = f"{slug(consultation_title, 'consultation')}-codebook.csv"
    return (EXPORTS_FOLDER / name).expanduser().absolute()


def theme_label(theme: Theme, count: ThemeCount | None) -> Text:
    """A tree row: name, live quote count, and a flag when thin."""
    label = rich_plain(theme.name, style="bold" if theme.parent_id is None else "")
    if count is None:
        return label
    live = count.total.live
    label.append(f"  {live} quote{'s' if live != 1 else ''}", style="dim")
    if count.total.withdrawn:
        label.append(f", {count.total.withdrawn} withdrawn", style="dim")
    if count.thin:
        label.append("  ⚑ thin", style="yellow")
    return label


class CodebookScreen(Screen[None]):
    """The consultation's themes: counts, descriptions and edits."""

    CSS_PATH = "codebook.tcss"
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("r", "rename", "Rename"),
        Binding("d", "describe", "Describe"),
        Binding("n", "nest", "Nest"),
        Binding("m", "merge", "Merge"),
        Binding("delete", "remove", "Remove"),
        Binding("i", "import_csv", "Import CSV"),
        Binding("e", "export_csv", "Export CSV"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, store: ConsultationStore) -> None:
        super().__init__()
        self.store = store
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        """Themes on the left; the highlighted theme and counts per participant on the right."""
        yield Header()
        with Horizontal(id="codebook-panes"):
            tree: Tree[str] = Tree("Codebook", id="themes")
            tree.show_root = False
            yield tree
            with Vertical(id="codebook-side"):
                yield Label("Theme", classes="pane-title")
                yield Static("", id="theme-detail")
                yield Label("Quotes per participant", classes="pane-title")
                yield Static("", id="participant-counts")
        yield Footer()

    def on_mount(self) -> None:
        """Show the codebook."""
        self.reload()
        self.query_one("#themes", Tree).focus()

    def on_screen_resume(self) -> None:
        """Quotes may have changed elsewhere."""
        self.reload()

    # -- showing ------------------------------------------------------------------

    @property
    def themes(self) -> list[Theme]:
        """The codebook's themes."""
        return self.store.consultation().codebook.themes

    @property
    def highlighted_id(self) -> str | None:
        """The id of the theme under the cursor."""
        node = self.query_one("#themes", Tree).cursor_node
        return node.data if node is not None else None

    @property
    def highlighted(self) -> Theme | None:
        """The theme under the cursor."""
        wanted = self.highlighted_id
        return next((t for t in self.themes if t.id == wanted), None)

    def reload(self, select: str | None = None) -> None:
        """Read the codebook and counts again, keeping (or moving to) a theme."""
        keep = select or self.highlighted_id
        try:
            consultation = self.store.consultation()
            self.overview = quote_service.theme_overview(self.store)
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the codebook", severity="error")
            return
        self.sub_title = shown(f"Codebook: {consultation.title}")
        counts = {c.theme_id: c for c in self.overview.themes}
        themes = consultation.codebook.themes
        tree = self.query_one("#themes", Tree)
        tree.clear()
        cursor_line = 0
        line = 0
        parents = [t for t in themes if t.parent_id is None]
        known = {t.id for t in parents}
        for parent in parents:
            kids = [t for t in themes if t.parent_id == parent.id]
            label = theme_label(parent, counts.get(parent.id))
            node = (
                tree.root.add(label, data=parent.id)
                if kids
                else tree.root.add_leaf(label, data=parent.id)
            )
            if parent.id == keep:
                cursor_line = line
            line += 1
            for child in kids:
                node.add_leaf(theme_label(child, counts.get(child.id)), data=child.id)
                known.add(child.id)
                if child.id == keep:
                    cursor_line = line
                line += 1
            if kids:
                node.expand()
        for orphan in (t for t in themes if t.id not in known):
            tree.root.add_leaf(theme_label(orphan, counts.get(orphan.id)), data=orphan.id)
        tree.root.expand()
        tree.move_cursor_to_line(cursor_line)
        self.show_participants()
        self.show_detail()
        self.refresh_bindings()

    def show_detail(self) -> None:
        """The highlighted theme: description and counts."""
        detail = self.query_one("#theme-detail", Static)
        theme = self.highlighted
        if theme is None:
            detail.update(Text("No themes yet. Press a to add one, i to import a CSV.", "dim"))
            return
        count = next((c for c in self.overview.themes if c.theme_id == theme.id), None) if (
            self.overview
        ) else None
        text = rich_plain(theme.name, style="bold")
        if theme.parent_id:
            parent = next((t for t in self.themes if t.id == theme.parent_id), None)
            if parent:
                text.append(f"\nunder {shown(parent.name)}", style="italic dim")
        text.append("\n")
        text.append(shown(theme.description, multiline=True) or "No description (d adds one).",
                    style="" if theme.description else "dim")
        if count is not None:
            total = count.total
            text.append(
                f"\n\nApproved {total.approved} · pending {total.pending} · "
                f"withdrawn {total.withdrawn}"
            )
            if count.own.total != total.total:
                text.append(f"\nTagged directly: {count.own.total}", style="dim")
            if count.thin:
                text.append(
                    f"\n⚑ Thin: fewer than {THIN} live quotes support this theme.",
                    style="yellow",
                )
        detail.update(text)

    def show_participants(self) -> None:
        """Live, approved and withdrawn quotes per participant."""
        widget = self.query_one("#participant-counts", Static)
        if self.overview is None:
            return
        people = [p for p in self.store.participants() if p.role is Role.PARTICIPANT]
        text = Text()
        for person in people:
            counts = self.overview.participants.get(person.id)
            if counts is None:
                text.append(f"{shown(person.pseudonym)}: no quotes\n", style="dim")
                continue
            text.append(shown(person.pseudonym), style="bold")
            text.append(
                f": {counts.total} · approved {counts.approved} · pending {counts.pending}"
                f" · withdrawn {counts.withdrawn}\n"
            )
        untagged = self.overview.untagged.total
        if untagged:
            text.append(f"\n{untagged} quote{'s' if untagged != 1 else ''} with no theme yet",
                        style="italic")
        widget.update(text if text.plain else Text("No participants yet.", style="dim"))

    @on(Tree.NodeHighlighted, "#themes")
    def _highlighted(self) -> None:
        self.show_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Edits of a theme dim when there is none."""
        if action in ("rename", "describe", "nest", "merge", "remove"):
            return self.highlighted is not None or None
        return True

    # -- editing -------------------------------------------------------------------

    def _edit(self, edit: Callable[[], object], done: str, select: str | None = None) -> None:
        """Run one codebook edit, report a problem plainly, show the result."""
        problem = edit_problem(edit)
        if problem:
            self.notify(problem, title="Codebook", severity="error")
            return
        self.reload(select)
        self.notify(done, title="Codebook")

    def action_back(self) -> None:
        """Back to where the codebook was opened from."""
        self.dismiss()

    def action_add(self) -> None:
        """Add a theme at the top level; a name already used is said in the dialog."""
        added: list[Theme] = []

        def add(name: str) -> str | None:
            return edit_problem(lambda: added.append(quote_service.add_theme(self.store, name)))

        def done(name: str | None) -> None:
            if name is not None and added:
                self.reload(added[0].id)
                self.notify(f"Added {name}.", title="Codebook")

        self.app.push_screen(
            TextPrompt("New theme", "Name", submit_label="Add", apply=add), callback=done
        )

    def action_rename(self) -> None:
        """Rename the highlighted theme; every quote shows the new name."""
        theme = self.highlighted
        if theme is None:
            return

        def rename(name: str) -> str | None:
            if name == theme.name:
                return None
            return edit_problem(lambda: quote_service.rename_theme(self.store, theme.id, name))

        def done(name: str | None) -> None:
            if name is not None and name != theme.name:
                self.reload(theme.id)
                self.notify(f"Renamed {theme.name} to {name}.", title="Codebook")

        self.app.push_screen(
            TextPrompt("Rename theme", "New name", theme.name, submit_label="Rename",
                       apply=rename),
            callback=done,
        )

    def action_describe(self) -> None:
        """Write the highlighted theme's description."""
        theme = self.highlighted
        if theme is None:
            return

        def describe(text: str | None) -> None:
            if text is not None:
                self._edit(
                    lambda: quote_service.describe_theme(self.store, theme.id, text),
                    f"Described {theme.name}.",
                    theme.id,
                )

        self.app.push_screen(
            TextPrompt("Describe theme", theme.name, theme.description, allow_empty=True),
            callback=describe,
        )

    def action_nest(self) -> None:
        """Move the highlighted theme under another top-level theme, or back to the top."""
        theme = self.highlighted
        if theme is None:
            return
        options = [("(top level)", TOP_LEVEL)] + [
            (t.name, t.id) for t in self.themes if t.parent_id is None and t.id != theme.id
        ]

        def nest(parent: str | None) -> None:
            if parent is None:
                return
            parent_id = None if parent == TOP_LEVEL else parent
            self._edit(
                lambda: quote_service.nest_theme(self.store, theme.id, parent_id),
                f"Moved {theme.name}.",
                theme.id,
            )

        self.app.push_screen(
            ChooseDialog(
                f"Nest {theme.name}",
                "Put it under",
                options,
                value=theme.parent_id or TOP_LEVEL,
                submit_label="Move",
                note="Themes nest one level only.",
            ),
            callback=nest,
        )

    def action_merge(self) -> None:
        """Merge the highlighted theme into another; its quotes follow."""
        theme = self.highlighted
        if theme is None:
            return
        options = [(t.name, t.id) for t in self.themes if t.id != theme.id]
        if not options:
            self.notify("There is no other theme to merge into.", severity="warning")
            return

        def merge(into: str | None) -> None:
            if into is None:
                return
            target = next(t.name for t in self.themes if t.id == into)
            self._edit(
                lambda: quote_service.merge_themes(self.store, [theme.id], into),
                f"Merged {theme.name} into {target}; its quotes are now tagged {target}.",
                into,
            )

        self.app.push_screen(
            ChooseDialog(
                f"Merge {theme.name}",
                "Merge into",
                options,
                submit_label="Merge",
                note=f"{theme.name} goes away; every quote tagged with it gets the theme you "
                "choose instead.",
            ),
            callback=merge,
        )

    def action_remove(self) -> None:
        """Delete the highlighted theme, after saying what happens to its quotes."""
        theme = self.highlighted
        if theme is None:
            return
        count = next(
            (c.own.total for c in (self.overview.themes if self.overview else [])
             if c.theme_id == theme.id),
            0,
        )

        def remove(sure: bool | None) -> None:
            if sure:
                self._edit(
                    lambda: quote_service.remove_theme(self.store, theme.id),
                    f"Removed {theme.name}.",
                )

        quotes = f"{count} quote{'s' if count != 1 else ''}"
        self.app.push_screen(
            ConfirmDialog(
                "Remove theme",
                f"Remove {theme.name}? The {quotes} tagged with it keep their other themes; "
                "themes under it move to the top level.",
                submit_label="Remove",
            ),
            callback=remove,
        )

    def action_import_csv(self) -> None:
        """Add themes from a CSV file (name, description, parent)."""
        before = len(self.themes)

        def read(path: str) -> str | None:
            def do() -> None:
                codebook = import_codebook(Path(path), self.store.consultation().codebook)
                quote_service.replace_codebook(self.store, codebook)

            return edit_problem(do)

        def done(path: str | None) -> None:
            if path is None:
                return
            self.reload()
            added = len(self.themes) - before
            news = f"{added} new theme{'s' if added != 1 else ''}" if added else "no new themes"
            self.notify(f"Imported {path}: {news}.", title="Codebook")

        self.app.push_screen(
            PathPrompt(
                "Import codebook",
                "CSV file (name, description, parent)",
                must_exist=True,
                submit_label="Import",
                apply=read,
            ),
            callback=done,
        )

    def action_export_csv(self) -> None:
        """Write the codebook to a CSV file (asking before replacing one)."""
        try:
            default = codebook_csv_path(self.store.consultation().title)
        except FacilitateError as error:
            self.notify(str(error), title="Codebook", severity="error")
            return

        def write(path: str) -> str | None:
            def do() -> None:
                target = Path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                export_codebook(self.store.consultation().codebook, target)

            return edit_problem(do)

        def done(path: str | None) -> None:
            if path is not None:
                self.notify(f"Saved the codebook to {path}", title="Codebook")

        self.app.push_screen(
            PathPrompt(
                "Export codebook",
                "Save as",
                str(default),
                must_exist=False,
                submit_label="Save",
                apply=write,
            ),
            callback=done,
        )
