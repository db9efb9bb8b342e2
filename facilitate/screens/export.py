"""The export screen: choose what and where, see what is left out, write only what was consented.

Everything that reads the store or writes files runs in a thread worker; the
screen only shows the choices, the preview, the progress and the result. A
folder that already holds any of the files is never written to until the
facilitator has said yes to replacing them.
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, ProgressBar, Static
from textual.worker import get_current_worker

from facilitate.plain_text import shown
from facilitate.screens.export_parts import (
    EXPORTS_FOLDER,
    GROUPS,
    ExportRequest,
    ReplaceDialog,
    ReplaceNeeded,
    Written,
    build_preview,
    error_line,
    folder_opener,
    prepare_content,
    slug,
)
from facilitate.screens.forms import clean_path
from models.anonymise import build_anonymiser
from sessions.errors import FacilitateError
from sessions.export import plan_files, write_content
from sessions.export.content import ExportContent, plural
from sessions.export_history import record_export, unnoted_line
from sessions.store import ConsultationStore

__all__ = ["GROUPS", "ExportScreen", "ReplaceDialog", "build_preview"]

EXPORT = "export"
PREVIEW = "export-preview"

# -- the screen ----------------------------------------------------------------


class ExportScreen(Screen[None]):
    """Export a consultation (or one session): only approved, consented, anonymised material."""

    CSS_PATH = "export.tcss"
    BINDINGS = [
        Binding("ctrl+s", "export", "Export"),
        Binding("h", "hide_names", "Names to hide"),
        Binding("o", "open_folder", "Open the folder"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    @dataclass
    class Progress(Message):
        """How far the export has got; a newer report replaces an older one."""

        done: int
        total: int
        name: str = ""

        def can_replace(self, message: Message) -> bool:
            """Only the latest progress matters."""
            return isinstance(message, ExportScreen.Progress)

    def __init__(
        self,
        store: ConsultationStore,
        session_id: str | None = None,
        *,
        today: datetime.date | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        #: None exports the whole consultation; a session id exports that session only.
        self.session_id = session_id
        self.today = today or datetime.date.today()
        #: The folder of the last finished export, for "open the folder".
        self.written_folder: Path | None = None
        #: The folder the running export writes to, for error messages.
        self.target: Path | None = None
        #: Whether the "replace these files?" question is open.
        self._asking = False

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """What, where, options, preview, progress, result, buttons."""
        yield Header()
        with VerticalScroll(id="body"):
            yield Static("", id="scope")
            yield Label("What to export", classes="section-title")
            with Vertical(id="formats"):
                for group in GROUPS:
                    with Horizontal(classes="format-row"):
                        yield Checkbox(
                            group.label,
                            True,
                            id=f"group-{group.key}",
                            classes="group",
                            compact=True,
                        )
                        with Horizontal(classes="group-formats"):
                            if len(group.formats) > 1:
                                for fmt, label in group.formats:
                                    yield Checkbox(
                                        label,
                                        True,
                                        id=f"fmt-{fmt}",
                                        classes=f"format in-{group.key}",
                                        compact=True,
                                    )
            yield Label("Where: the folder to write to", classes="section-title")
            # Not selected on focus: the first key typed must not replace the whole path.
            yield Input(self.default_folder(), id="folder", select_on_focus=False)
            yield Checkbox(
                "Leave out pseudonyms too (name nobody at all)",
                False,
                id="no-pseudonyms",
                compact=True,
            )
            yield Label("What is included", classes="section-title")
            yield Static("Counting…", id="preview")
            with Horizontal(id="progress-row"):
                yield ProgressBar(total=None, show_eta=False, id="progress")
                yield Label("", id="progress-file")
            yield Static("", id="written")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="export", compact=True)
                yield Button("Names to hide", id="names", compact=True)
                yield Button("Open the folder", id="open", compact=True, disabled=True)
        yield Footer()

    def default_folder(self) -> str:
        """~/facilitate-exports/<consultation>-<date> (with the session's name for one session)."""
        try:
            consultation = self.store.consultation()
            anonymise = build_anonymiser(
                consultation.hide_names, self.store.participants(), use_pseudonyms=False,
                allow=consultation.keep_words,
            )
            name = slug(anonymise(consultation.title), "consultation")
            if self.session_id is not None:
                session = self.store.session(self.session_id)
                name += "-" + slug(anonymise(session.title), "session")
        except FacilitateError:
            name = "consultation"
        return str(EXPORTS_FOLDER / f"{name}-{self.today.isoformat()}")

    def on_mount(self) -> None:
        """Say what is being exported, and count what it will hold."""
        self.sub_title = "Export"
        self.query_one("#progress-row").display = False
        self.query_one("#written").display = False
        self.show_scope()
        self.refresh_preview()
        # Start on the choices, not on the Export button: a stray enter typed on
        # the way in must never write files.
        self.query(Checkbox).first().focus()

    def on_screen_resume(self) -> None:
        """The hide list may have changed: count again."""
        self.refresh_preview()

    def on_resize(self, event: events.Resize) -> None:
        """Keep the written-files list short in a short terminal."""
        self.set_class(event.size.height < 30, "-short")

    def show_scope(self) -> None:
        """The heading: the whole consultation, or this session only."""
        try:
            title = self.store.consultation().title
            if self.session_id is None:
                text = Content.assemble("Export the whole consultation: ", (shown(title), "bold"))
            else:
                session = self.store.session(self.session_id)
                text = Content.assemble(
                    "Export this session only: ",
                    (shown(session.title), "bold"),
                    f"  ({shown(title)})",
                )
        except FacilitateError as error:
            self.notify(
                str(error), title="Cannot read the consultation", severity="error", markup=False
            )
            return
        self.query_one("#scope", Static).update(text)

    # -- choices ---------------------------------------------------------------

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats ticked, in the order the exporters write them."""
        chosen: list[str] = []
        for group in GROUPS:
            if len(group.formats) == 1:
                if self.query_one(f"#group-{group.key}", Checkbox).value:
                    chosen.append(group.formats[0][0])
                continue
            chosen += [
                fmt for fmt, _ in group.formats if self.query_one(f"#fmt-{fmt}", Checkbox).value
            ]
        return tuple(chosen)

    @property
    def exporting(self) -> bool:
        """True while the export (or its question) is under way."""
        return self._asking or self.app.jobs.is_running(self.job_name(EXPORT))

    def job_name(self, kind: str) -> str:
        """The app's name for this screen's export or preview job."""
        return f"{kind}:{self.store.id}:{self.session_id or ''}"

    @on(Checkbox.Changed, ".group")
    def _group_changed(self, event: Checkbox.Changed) -> None:
        key = (event.checkbox.id or "").removeprefix("group-")
        for box in self.query(f".in-{key}").results(Checkbox):
            with box.prevent(Checkbox.Changed):
                box.value = event.value

    @on(Checkbox.Changed, ".format")
    def _format_changed(self, event: Checkbox.Changed) -> None:
        for group in GROUPS:
            if event.checkbox.has_class(f"in-{group.key}"):
                boxes = list(self.query(f".in-{group.key}").results(Checkbox))
                group_box = self.query_one(f"#group-{group.key}", Checkbox)
                with group_box.prevent(Checkbox.Changed):
                    group_box.value = any(b.value for b in boxes)

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#names")
    def _names_pressed(self) -> None:
        self.action_hide_names()

    @on(Button.Pressed, "#open")
    def _open_pressed(self) -> None:
        self.action_open_folder()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Coming to the folder field, put the cursor at the end of the path, ready to edit."""
        if isinstance(event.widget, Input) and event.widget.id == "folder":
            event.widget.cursor_position = len(event.widget.value)

    @on(Input.Submitted, "#folder")
    def _folder_submitted(self) -> None:
        self.action_export()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Export waits for a running one; "open the folder" needs a finished export."""
        if action == "export":
            return None if self.exporting else True
        if action == "open_folder":
            return True if self.written_folder is not None else None
        return True

    # -- actions ---------------------------------------------------------------

    def action_export(self) -> None:
        """Check the choices, then export in the background."""
        if self.exporting:
            self.notify("An export is already running.", severity="warning")
            return
        formats = self.formats
        if not formats:
            self.notify("Tick at least one thing to export.", severity="warning")
            return
        typed = clean_path(self.query_one("#folder", Input).value)
        if not typed:
            self.notify("Type the folder to export to.", severity="warning")
            self.query_one("#folder", Input).focus()
            return
        folder = Path(typed).expanduser().absolute()
        request = ExportRequest(
            folder=folder,
            formats=formats,
            include_pseudonyms=not self.query_one("#no-pseudonyms", Checkbox).value,
            session_id=self.session_id,
        )
        self.start_export(request)

    def start_export(
        self, request: ExportRequest, content: ExportContent | None = None, overwrite: bool = False
    ) -> None:
        """Show the progress bar and start the export worker."""
        self.target = request.folder
        self.written_folder = None
        self.query_one("#open", Button).disabled = True
        self.query_one("#written").display = False
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#progress-file", Label).update("Reading…")
        self.query_one("#progress-row").display = True
        self.query_one("#export", Button).disabled = True
        self.app.run_job(
            self.job_name(EXPORT),
            lambda: self.run_export(request, content, overwrite),
            owner=self,
            title="Export failed",
            on_success=self._exported,
            on_cancel=self._export_ended,
            on_failure=lambda _line: self._export_ended(),
            cancelled_line="Export stopped; the files already written are complete.",
            explain=lambda error: error_line(error, self.target),
        )
        self.refresh_bindings()

    def action_hide_names(self) -> None:
        """Edit the names every export of this consultation hides."""
        from facilitate.screens.names import NamesScreen

        self.app.push_screen(NamesScreen(self.store))

    def action_open_folder(self) -> None:
        """Open the export folder in the file manager, or say where it is."""
        folder = self.written_folder
        if folder is None:
            self.notify("Export first; then o opens the folder.", severity="warning")
            return
        opener = folder_opener()
        if opener is not None:
            try:
                subprocess.Popen(
                    [*opener, str(folder)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                return
            except OSError:
                pass
        self.notify(
            f"No file manager to open it with; the files are in {folder}",
            timeout=20,
            markup=False,
        )

    def action_back(self) -> None:
        """Back; a running export is stopped between files first."""
        if self.app.jobs.cancel(self.job_name(EXPORT)):
            self.notify("Stopping the export…")
            return
        self.dismiss()

    # -- background work -------------------------------------------------------

    def refresh_preview(self) -> None:
        """Count what the export will hold and leave out (a newer count replaces a running one)."""
        self.app.run_job(
            self.job_name(PREVIEW),
            lambda: build_preview(self.store, self.session_id),
            owner=self,
            title="Cannot count the export",
            on_success=lambda preview: self.query_one("#preview", Static).update(preview.lines()),
            on_failure=lambda _line: self.query_one("#preview", Static).update(""),
            explain=lambda error: error_line(error, None),
        )

    def run_export(
        self, request: ExportRequest, content: ExportContent | None, overwrite: bool
    ) -> ReplaceNeeded | Written:
        """Decide the content, stop if files would be replaced unasked, else write them."""
        cancel = get_current_worker().cancelled_event
        if content is None:
            content = prepare_content(self.store, request)
        if not overwrite:
            names = plan_files(content, request.formats)
            existing = tuple(n for n in names if (request.folder / n).exists())
            if existing:
                return ReplaceNeeded(request, content, existing)
        paths = write_content(
            content,
            request.folder,
            request.formats,
            on_progress=lambda p: self.post_message(
                self.Progress(p.done, p.total, p.path.name if p.path else "")
            ),
            overwrite=overwrite,
            cancel=cancel,
        )
        try:
            # Noted so that erasing someone later lists this copy for deleting by hand.
            record_export(self.store, paths, request.session_id)
        except (FacilitateError, OSError) as error:
            line = unnoted_line(request.folder, error)
            self.app.call_from_thread(
                self.notify, line, title="Export", severity="warning", markup=False
            )
        return Written(request.folder, tuple(paths))

    def ask_to_replace(self, plan: ReplaceNeeded) -> None:
        """Ask before replacing; only a yes writes over the files."""

        def answered(answer: bool | None) -> None:
            self._asking = False
            self.refresh_bindings()
            if answer:
                self.start_export(plan.request, plan.content, overwrite=True)
            else:
                self.notify(
                    "Nothing was replaced. Choose another folder to keep both.", title="Export"
                )

        self._asking = True
        self.refresh_bindings()
        self.app.push_screen(
            ReplaceDialog(plan.request.folder, plan.existing), callback=answered
        )

    @on(Progress)
    def _progress(self, message: ExportScreen.Progress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)
        if message.name:
            self.query_one("#progress-file", Label).update(message.name)

    def _export_ended(self) -> None:
        """The export job has ended: the button is back, the progress goes."""
        self.query_one("#progress-row").display = False
        self.query_one("#export", Button).disabled = False
        self.refresh_bindings()

    def _exported(self, result: ReplaceNeeded | Written) -> None:
        self._export_ended()
        if isinstance(result, ReplaceNeeded):
            self.ask_to_replace(result)
        else:
            self.show_written(result)

    def show_written(self, result: Written) -> None:
        """List the files written and offer to open the folder."""
        self.written_folder = result.folder
        text = Content.assemble(
            (f"Wrote {plural(len(result.paths), 'file')} to ", "bold"),
            (str(result.folder), "bold $text-success"),
            ("  (o opens the folder)\n", "$text-muted"),
            "\n".join(p.name for p in result.paths),
        )
        written = self.query_one("#written", Static)
        written.update(text)
        written.display = True
        open_button = self.query_one("#open", Button)
        open_button.disabled = False
        open_button.focus()
        self.refresh_bindings()
        self.call_after_refresh(
            self.query_one("#body", VerticalScroll).scroll_to_widget,
            written,
            animate=False,
            top=True,
        )
        self.notify(f"Wrote {plural(len(result.paths), 'file')}.", title="Export done")
