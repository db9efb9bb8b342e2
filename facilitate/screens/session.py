"""The session screen: who and where, the transcript, and importing a recording."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from facilitate.jobs import Notice
from facilitate.messages import TranscriptionProgress
from facilitate.plain_text import shown
from facilitate.screens.forms import ImportAudioScreen
from facilitate.widgets import SessionHeader, TranscriptionPanel, TranscriptTable
from sessions.errors import FacilitateError
from sessions.planning import session_people
from sessions.services import Services
from sessions.store import ConsultationStore
from sessions.transcript_merge import TranscriptUpdate

TRANSCRIBE = "transcribe"
#: The session's journey with its keys, so the footer need only show the main ones.
#: Each line fits 80 columns, and the report's keys (w, a) are here with the rest.
JOURNEY = (
    "[b]Run the session[/b]     [$accent]p[/] plan   [$accent]c[/] consent   "
    "[$accent]r[/] record   [$accent]i[/] import   [$accent]T[/] transcribe\n"
    "[b]Work the transcript[/b] [$accent]t[/] open   [$accent]Q[/] quote   "
    "[$accent]u[/] quotes   [$accent]k[/] codebook   [$accent]w[/] report\n"
    "[b]With participants[/b]   [$accent]v[/] review   [$accent]a[/] artwork   "
    "[$accent]A[/] audit   [$accent]E[/] export   [$accent]?[/] all keys"
)
NO_TRANSCRIPT = "No transcript yet.\nPress [b]i[/b] to import a recording made elsewhere."
WAITING = "The transcript appears here when transcription is done.\nKeys still work meanwhile."


def show_session(
    app: App[object],
    services: Services,
    store: ConsultationStore,
    session_id: str,
    *,
    then_import: bool = False,
) -> None:
    """Push the session's screen, reusing it if it is still at work in the background.

    Session screens are installed by name so a transcription carries on when
    the facilitator goes back to the home screen.
    """
    name = f"session-{session_id}"
    if not app.is_screen_installed(name):
        app.install_screen(SessionScreen(services, store, session_id), name)
    app.push_screen(name)
    if then_import:
        screen = app.get_screen(name)
        assert isinstance(screen, SessionScreen)
        screen.call_after_refresh(screen.action_import_audio)


class SessionScreen(Screen[None]):
    """One session: its details, its transcript, and the import/transcribe worker."""

    CSS_PATH = "session.tcss"
    BINDINGS = [
        Binding("i", "import_audio", "Import audio", show=False),
        Binding("x", "cancel_transcription", "Cancel transcription", show=False),
        Binding("t", "open_transcript", "Transcript"),
        Binding("p", "plan", "Plan", show=False),
        Binding("c", "consent", "Consent", show=False),
        Binding("r", "record", "Record"),
        Binding("T", "transcribe", "Transcribe", key_display="T", show=False),
        Binding("Q", "make_quote", "Quote", key_display="Q", show=False),
        Binding("u", "quotes", "Quotes"),
        Binding("k", "codebook", "Codebook", show=False),
        Binding("v", "participant_review", "Review"),
        Binding("A", "audit", "Audit", key_display="A", show=False),
        Binding("E", "export", "Export", key_display="E"),
        Binding("w", "write_report", "Write the report", show=False,
                tooltip="Context, key messages and what we heard per theme"),
        Binding("a", "artwork", "Artwork", show=False,
                tooltip="Attach photos of what participants made"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def __init__(self, services: Services, store: ConsultationStore, session_id: str) -> None:
        super().__init__()
        self.services = services
        self.store = store
        self.session_id = session_id
        #: The quote made last (here or in the transcript): the quotes list opens on it.
        self.new_quote: str | None = None

    @property
    def job_name(self) -> str:
        """The app's name for this session's import and transcription job."""
        return f"{TRANSCRIBE}:{self.session_id}"

    @property
    def transcribing(self) -> bool:
        """True while an import or transcription runs for this session (the app owns it)."""
        return self.app.jobs.is_running(self.job_name)

    def compose(self) -> ComposeResult:
        """Header, progress (while working), transcript."""
        yield Header()
        yield SessionHeader(id="session-header")
        yield Static(JOURNEY, id="journey")
        panel = TranscriptionPanel(id="progress")
        panel.display = False
        yield panel
        yield TranscriptTable(id="transcript")
        yield Static(NO_TRANSCRIPT, id="no-transcript", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        """Show what is stored."""
        self.reload()
        self.query_one(TranscriptTable).focus()
        self.recover_recording()

    def on_screen_resume(self) -> None:
        """Show what changed while the screen was away."""
        self.reload()

    def reload(self, transcript: bool = True) -> None:
        """Read the session (and, if asked, its transcript) from the store again."""
        try:
            session = self.store.session(self.session_id)
            people = session_people(self.store, session)
            segments = self.store.segments(self.session_id) if transcript else None
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the session", severity="error")
            return
        self.sub_title = shown(session.title)
        self.query_one(SessionHeader).show(session, people)
        if segments is not None:
            table = self.query_one(TranscriptTable)
            names = {p.id: p.pseudonym for p in self.store.participants()}
            table.show(segments, names)
            table.display = bool(segments)
            self.query_one("#no-transcript").display = not segments

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Import waits while a transcription runs; cancel only shows while one does."""
        if action == "import_audio":
            return None if self.transcribing else True
        if action == "cancel_transcription":
            return self.transcribing
        if action in ("record", "transcribe"):
            return None if self.transcribing else True
        return True

    # -- actions ---------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the home screen; a running transcription carries on."""
        if self.transcribing:
            self.notify("Transcription carries on in the background.")
        self.dismiss()

    def action_import_audio(self) -> None:
        """Ask for an audio file, then import and transcribe it in the background."""
        if self.transcribing:
            self.notify("A transcription is already running; x cancels it.", severity="warning")
            return
        title = self.query_one(SessionHeader).session_title
        self.app.push_screen(ImportAudioScreen(title), callback=self._start_import)

    def _start_import(self, path: Path | None) -> None:
        if path is None:
            return
        self.query_one(TranscriptionPanel).start()
        self.query_one("#no-transcript", Static).update(WAITING)
        self.start_transcription(path)
        self.refresh_bindings()

    def action_cancel_transcription(self) -> None:
        """Stop the running transcription; the recording stays imported.

        Only the worker's event is set (not ``Worker.cancel``), so the worker
        stays running until the service has stopped and put the status back;
        it then ends with :class:`Cancelled`.
        """
        if self.app.jobs.cancel(self.job_name):
            self.query_one(TranscriptionPanel).cancelling()

    # -- the transcript screen -----------------------------------------------------

    def action_open_transcript(self, segment_id: str | None = None) -> None:
        """Review the transcript with playback: edit, speakers, search, bookmarks."""
        from facilitate.screens.transcript import TranscriptScreen

        table = self.query_one(TranscriptTable)
        if not table.row_count:
            self.notify("There is no transcript yet.", severity="warning")
            return
        if segment_id is None:
            segment_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.app.push_screen(TranscriptScreen(self.services, self.store, self.session_id,
                                              segment_id), callback=self._remember_quote)

    def _remember_quote(self, quote_id: object) -> None:
        """The quote just made (here or in the transcript): the quotes list opens on it."""
        if isinstance(quote_id, str):
            self.new_quote = quote_id

    @on(TranscriptTable.RowSelected, "#transcript")
    def _open_at_row(self, event: TranscriptTable.RowSelected) -> None:
        self.action_open_transcript(str(event.row_key.value))

    # -- quotes, codebook, participant review -------------------------------------

    def action_make_quote(self) -> None:
        """Make a quote from the transcript line under the cursor."""
        from facilitate.screens.quote_dialog import QuoteDialog

        table = self.query_one(TranscriptTable)
        if not table.row_count:
            self.notify("There is no transcript to quote yet.", severity="warning")
            return
        segment_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

        def made(quote: object) -> None:
            if quote is not None:
                self._remember_quote(getattr(quote, "id", None))
                self.notify("Quote saved; u lists the quotes.", title="Quote")

        self.app.push_screen(QuoteDialog(self.store, self.session_id, [segment_id]), made)

    def action_quotes(self) -> None:
        """This session's quotes (s switches to the whole consultation)."""
        from facilitate.screens.quotes import QuotesScreen

        new, self.new_quote = self.new_quote, None
        self.app.push_screen(QuotesScreen(self.store, self.session_id, select=new))

    def action_codebook(self) -> None:
        """The consultation's themes and counts."""
        from facilitate.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen(self.store))

    def action_participant_review(self) -> None:
        """Pick a participant and lock the app for them to review their own words."""
        from facilitate.screens.review import start_participant_review

        start_participant_review(self.app, self.store, self.session_id)

    def action_audit(self) -> None:
        """Every consent decision, per participant."""
        from facilitate.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(self.store))

    # -- plan, consent, run -------------------------------------------------------

    def recover_recording(self) -> None:
        """Save what a crash left of this session's recording, and say so."""
        from sessions.run import recover_session

        try:
            message = recover_session(self.store, self.session_id)
        except FacilitateError as error:
            self.notify(str(error), title="Recording not recovered", severity="error")
            return
        if message:
            self.notify(message, title="Recording recovered", timeout=15)
            self.reload(transcript=False)
        self.recover_interrupted()

    def recover_interrupted(self) -> None:
        """Say so when a kill cut this session's import or transcription short; T starts again."""
        from sessions.interrupted import recover_interrupted

        try:
            message = recover_interrupted(self.store, self.session_id)
        except FacilitateError as error:
            self.notify(str(error), title="Interrupted work", severity="error", markup=False)
            return
        if message:
            self.notify(message, title="Interrupted", severity="warning", timeout=15,
                        markup=False)
            self.reload(transcript=False)

    def action_plan(self) -> None:
        """Edit this session's plan."""
        from facilitate.screens.plan import PlanScreen

        self.app.push_screen(PlanScreen(self.store, self.session_id))

    def action_consent(self) -> None:
        """Who is here, and whether each may be recorded."""
        from facilitate.screens.consent import ConsentScreen

        self.app.push_screen(ConsentScreen(self.store, self.session_id))

    def action_record(self) -> None:
        """Run and record the session; the consent gate comes first if anyone is unasked."""
        from facilitate.screens.consent import ConsentScreen
        from sessions.consent import consent_problem

        try:
            session = self.store.session(self.session_id)
            problem = consent_problem(self.store, self.session_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        if session.recording is not None:
            self.notify("This session is already recorded; make a new session to record "
                        "again.", severity="warning")
            return
        if problem:
            self.app.push_screen(ConsentScreen(self.store, self.session_id),
                                 callback=lambda ok: self._open_run() if ok else None)
        else:
            self._open_run()

    def _open_run(self) -> None:
        from facilitate.screens.run import RunScreen

        def finished(result: str | None) -> None:
            self.reload()
            if result == "transcribe":
                self.action_transcribe()

        self.app.push_screen(RunScreen(self.store, self.session_id, self.services),
                             callback=finished)

    def action_transcribe(self) -> None:
        """Transcribe the session's recording in the background."""
        if self.transcribing:
            self.notify("A transcription is already running; x cancels it.", severity="warning")
            return
        try:
            session = self.store.session(self.session_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        if session.recording is None:
            self.notify("Nothing to transcribe yet: r records, i imports.", severity="warning")
            return
        self.query_one(TranscriptionPanel).start()
        self.query_one("#no-transcript", Static).update(WAITING)
        self.start_transcription(None)
        self.refresh_bindings()

    def action_write_report(self) -> None:
        """The facilitator's frame of the thematic report, beside the approved quotes."""
        from facilitate.screens.report_frame import ReportFrameScreen

        self.app.push_screen(ReportFrameScreen(self.store))

    def action_artwork(self) -> None:
        """This session's artwork photos, and attaching another."""
        from facilitate.screens.artwork import ArtworkScreen

        self.app.push_screen(ArtworkScreen(self.store, self.session_id))

    def action_export(self) -> None:
        """Export this session only: what its participants consented to and approved."""
        from facilitate.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.store, self.session_id))

    # -- background work ---------------------------------------------------------

    def start_transcription(self, source: Path | None) -> None:
        """Import ``source`` (if given) and transcribe, as a job the app owns."""
        self.app.run_job(
            self.job_name,
            lambda: self.import_and_transcribe(source),
            owner=self,
            title="Import failed" if source is not None else "Cannot transcribe",
            on_success=lambda _update: self._transcription_ended(),
            on_cancel=self._transcription_ended,
            on_failure=lambda _line: self._transcription_ended(),
            report=transcribed_notice,
            cancelled_line="Transcription cancelled; the recording is kept, i imports again.",
        )

    def import_and_transcribe(self, source: Path | None) -> TranscriptUpdate:
        """Copy ``source`` into the session, then transcribe it; return what was saved."""
        from sessions.importer import import_audio, transcribe_session_keeping_edits

        cancelled = get_current_worker().cancelled_event

        def stage(text: str) -> None:
            self.post_message(TranscriptionProgress(self.session_id, text))

        if source is not None:  # None: transcribe the recording the session has
            stage("Checking and copying the recording…")
            import_audio(self.store, self.session_id, source)
        transcriber = self.services.transcriber()
        if not transcriber.loaded:
            stage("Loading the speech model…")
            transcriber.load()
        stage("Transcribing…")
        return transcribe_session_keeping_edits(
            self.store,
            self.session_id,
            transcriber,
            on_progress=lambda p: self.post_message(
                TranscriptionProgress(
                    self.session_id,
                    "Transcribing…",
                    fraction=p.fraction,
                    done_s=p.done_s,
                    total_s=p.total_s,
                    eta_s=p.eta_s,
                    segments=p.segments,
                )
            ),
            cancelled=cancelled,
        )

    @on(TranscriptionProgress)
    def _progress(self, message: TranscriptionProgress) -> None:
        if message.session_id != self.session_id:
            return
        panel = self.query_one(TranscriptionPanel)
        if panel.display:
            panel.report(message)
        # Each stage moves the status on (recorded, transcribing): keep the header true.
        self.reload(transcript=False)

    def _transcription_ended(self) -> None:
        """The job has ended, one way or another: show the session as it now is."""
        self.query_one(TranscriptionPanel).stop()
        self.query_one("#no-transcript", Static).update(NO_TRANSCRIPT)
        self.reload()
        self.refresh_bindings()


def transcribed_notice(update: TranscriptUpdate) -> Notice:
    """What a finished transcription says, on whichever screen is open."""
    lost = update.edits_lost or update.approvals_reset
    return Notice(f"Transcribed: {update.summary()}", title="Transcription done",
                  severity="warning" if lost else "information", timeout=15 if lost else 5)
