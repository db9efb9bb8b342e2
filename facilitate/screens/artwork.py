"""Artwork photos of a session: attach one with its maker, see what each maker decided.

Attaching copies the photo into the consultation without its metadata
(:mod:`sessions.artwork`); whether it is used is the maker's decision, made in
their participant review, never the facilitator's here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from facilitate.plain_text import plain, rich_plain
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.forms import FormScreen, clean_path
from models.artwork import Artwork, ArtworkState
from models.participant import Role
from sessions import artwork as artworks
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore

#: The maker's decision, as the facilitator reads it.
DECISIONS = {
    ArtworkState.PENDING: "not decided yet",
    ArtworkState.APPROVED: "yes, it can be shown",
    ArtworkState.NOT_USED: "don't use it",
}
EMPTY = "No artwork yet. Press a to attach a photo of something a participant made."


def short(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters with "…", so the maker's decision keeps its column."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


@dataclass(frozen=True)
class ArtworkDraft:
    """What the attach dialog collected."""

    path: Path
    maker_id: str
    description: str


class AttachArtworkDialog(FormScreen[ArtworkDraft]):
    """Ask for the photo, who made the work, and a short description."""

    heading = "Attach artwork"
    submit_label = "Attach"
    compact_below = 26

    def __init__(self, makers: list[tuple[str, str]]) -> None:
        super().__init__()
        self.makers = makers

    def compose_fields(self) -> ComposeResult:
        """Photo path, maker, description."""
        yield from self.field(
            "Photo (JPEG, PNG…)", Input(placeholder="~/Pictures/painting.jpg", id="photo"),
            "photo",
        )
        yield from self.field(
            "Who made it",
            Select([(plain(name), pid) for name, pid in self.makers], prompt="Choose…",
                   id="maker"),
            "maker",
        )
        yield from self.field(
            "Description (shown if the picture cannot be)",
            Input(placeholder="A painting of the garden", id="description"),
            "description",
        )
        yield Static(
            "Location and camera details are removed. It is used only if its maker says yes "
            "in their review.",
            classes="dialog-note",
        )

    def collect(self) -> ArtworkDraft | None:
        """A photo path that exists and a maker."""
        text = clean_path(self.value("photo"))
        path = Path(text).expanduser() if text else None
        self.show_error("photo", "" if path and path.is_file() else
                        "Type the path of a photo file.")
        maker = self.query_one("#maker", Select).value
        self.show_error("maker", "" if isinstance(maker, str) else "Choose who made it.")
        if path is None or not path.is_file() or not isinstance(maker, str):
            return None
        return ArtworkDraft(path.resolve(), maker, self.value("description"))


class ArtworkScreen(Screen[None]):
    """One session's artwork and its makers' decisions."""

    BINDINGS = [
        Binding("a", "attach", "Attach a photo", tooltip="Attach a photo of a participant's work"),
        Binding("delete", "remove", "Remove", key_display="del",
                tooltip="Remove the highlighted photo (attached by mistake or lost); audited"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, store: ConsultationStore, session_id: str) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        """The session's artwork, or how to add some."""
        yield Header()
        table: DataTable[object] = DataTable(id="artwork-table", cursor_type="row")
        table.add_columns("Made by", "Description", "Their decision")
        yield table
        yield Static(EMPTY, id="artwork-empty")
        yield Footer()

    def on_mount(self) -> None:
        """Show what is stored."""
        self.sub_title = "Artwork"
        self.reload()

    def reload(self) -> None:
        """Read the session's artwork again."""
        try:
            items = artworks.artworks(self.store, self.session_id)
            names = {p.id: p.pseudonym for p in self.store.participants()}
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the artwork", severity="error")
            return
        table = self.query_one(DataTable)
        table.clear()
        for item in items:
            table.add_row(
                rich_plain(names.get(item.participant_id, "?")),
                rich_plain(short(item.description, 36) or "—"),
                rich_plain(DECISIONS[item.state]),
                key=item.id,
            )
        table.display = bool(items)
        self.query_one("#artwork-empty").display = not items

    def action_attach(self) -> None:
        """Ask for a photo and its maker, then import it without its metadata."""
        try:
            session = self.store.session(self.session_id)
            makers = [
                (p.pseudonym, p.id)
                for p in self.store.participants()
                if p.role is Role.PARTICIPANT and p.id in session.participant_ids
            ]
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        if not makers:
            self.notify("Add the session's participants first (c consent).", severity="warning")
            return
        self.app.push_screen(AttachArtworkDialog(makers), callback=self._attach_photo)

    def _attach_photo(self, draft: ArtworkDraft | None) -> None:
        if draft is None:
            return
        self.app.run_job(  # type: ignore[attr-defined]
            f"artwork:{self.session_id}",
            lambda: artworks.add_artwork(
                self.store, self.session_id, draft.maker_id, draft.path, draft.description
            ),
            owner=self,
            title="Attach artwork",
            on_success=self._attached,
        )

    def _attached(self, item: Artwork) -> None:
        self.reload()
        table = self.query_one(DataTable)
        # The new piece is the one highlighted, as a new quote or session is.
        table.move_cursor(row=table.get_row_index(item.id))
        self.notify("Attached. Its maker decides in their review whether it is used.")

    def action_remove(self) -> None:
        """Remove the highlighted artwork and its photo, after a confirm (Cancel is focused)."""
        table = self.query_one(DataTable)
        if not table.display or table.row_count == 0:
            self.notify("No artwork to remove.", severity="warning")
            return
        artwork_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        try:
            item = artworks.artwork(self.store, str(artwork_id))
            maker = self.store.participant(item.participant_id).pseudonym
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return

        def remove(sure: bool | None) -> None:
            if not sure:
                return
            try:
                artworks.remove_artwork(self.store, item.id)
            except FacilitateError as error:
                self.notify(str(error), severity="error")
                return
            self.reload()
            self.notify(f"Removed {maker}'s photo; it appears in no export.", title="Artwork")

        what = f"“{short(item.description, 60)}”" if item.description else "the photo"
        self.app.push_screen(
            ConfirmDialog(
                "Remove artwork",
                f"Remove {what} made by {maker} ({DECISIONS[item.state]})? The photo is deleted "
                "from the consultation; the audit log notes the removal.",
                submit_label="Remove",
            ),
            callback=remove,
        )

    def action_back(self) -> None:
        """Back to the session."""
        self.app.pop_screen()
