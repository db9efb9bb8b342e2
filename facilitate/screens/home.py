"""The home screen: consultations on the left, the highlighted one's sessions on the right."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, OptionList, Static

from facilitate.plain_text import rich_plain, shown
from facilitate.screens.forms import (
    ConsultationDraft,
    NewConsultationScreen,
    NewSessionScreen,
    SessionDraft,
)
from facilitate.screens.session import show_session
from facilitate.widgets import ConsultationList, ConsultationSummary, SessionTable
from models.retention import DueItem
from models.wording import plural
from sessions.encryption import Locked, encrypt_consultation, is_encrypted
from sessions.errors import FacilitateError
from sessions.planning import create_consultation, create_session
from sessions.retention import due_items
from sessions.services import Services
from sessions.store import ConsultationStore
from sessions.wellbeing import follow_up_list


def read_workspace(services: Services) -> tuple[list[ConsultationSummary], list[str]]:
    """Every readable consultation with its sessions, and one line per unreadable store."""
    workspace = services.workspace
    summaries: list[ConsultationSummary] = []
    problems: list[str] = []
    for consultation_id in workspace.consultation_ids():
        try:
            store = workspace.open(consultation_id)
            summaries.append(ConsultationSummary(store.consultation(), store.sessions()))
        except Locked:
            continue  # not damaged: listed apart, with the key that opens it
        except FacilitateError as error:
            problems.append(str(error))
    # Oldest first, by when they were made (folder times change with every write).
    summaries.sort(key=lambda s: (s.consultation.created_at, s.consultation.title))
    return summaries, problems


class HomeScreen(Screen[None]):
    """Consultations and their sessions, with their status."""

    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("c", "new_consultation", "New consultation"),
        Binding("n", "new_session", "New session"),
        Binding("enter", "open_session", "Open session"),
        Binding("i", "import_audio", "Import audio"),
        Binding("e", "export", "Export"),
        Binding("H", "hide_names", "Names to hide", key_display="H"),
        # Off the footer too (it is full at 80 columns); ? lists it.
        Binding("V", "vocabulary", "Vocabulary", key_display="V", show=False,
                tooltip="Words the transcriber listens out for (venues, towns, services)"),
        # Off the footer (it is full at 80 columns): the follow-up line names u; ? lists both.
        Binding("u", "follow_ups", "Follow-ups", show=False),
        Binding("a", "reach", "Who we reach", show=False),
        Binding("K", "keeping", "Keep/erase", key_display="K",
                tooltip="How long the consultation is kept; erase someone who asks"),
        # Shown only while something is due (see check_action).
        Binding("R", "delete_due", "Delete what is due", key_display="R",
                tooltip="Delete what a retention date or an approved transcript made due"),
        # Shown only while an encrypted consultation is locked.
        Binding("L", "unlock", "Unlock", key_display="L"),
        Binding("E", "encrypt", "Encrypt with a passphrase", key_display="E", show=False),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.summaries: list[ConsultationSummary] = []
        #: Deletions the facilitator agreed to that are due now (retention).
        self.due: list[DueItem] = []
        #: Folders of encrypted consultations not opened yet (no passphrase given).
        self.locked: list[Path] = []

    def compose(self) -> ComposeResult:
        """Warnings on top, then the two panes."""
        yield Header()
        yield Static("", id="warnings")
        yield Static("", id="retention-due")
        yield Static("", id="locked")
        with Horizontal(id="panes"):
            with Vertical(id="consultations-pane"):
                yield Label("Consultations", classes="pane-title")
                yield ConsultationList(id="consultations")
                yield Static(
                    "No consultations yet.\nPress [b]c[/b] to start one.",
                    id="no-consultations",
                    classes="empty",
                )
            with Vertical(id="sessions-pane"):
                yield Label("Sessions", classes="pane-title", id="sessions-title")
                yield Static("", id="consultation-detail")
                yield Static("", id="follow-ups")
                yield SessionTable(id="sessions")
                yield Static("", id="no-sessions", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        """Read the workspace and show it; ask once for the passphrase of encrypted ones."""
        self.refresh_workspace()
        self.query_one(ConsultationList).focus()
        if self.locked:
            self.action_unlock()

    def on_screen_resume(self) -> None:
        """Show changes made on other screens (a new transcript, a new status)."""
        self.refresh_workspace()

    # -- showing -----------------------------------------------------------

    @property
    def consultation_id(self) -> str | None:
        """The highlighted consultation's id."""
        return self.query_one(ConsultationList).highlighted_id

    @property
    def session_id(self) -> str | None:
        """The id of the session under the cursor in the sessions table."""
        return self.query_one(SessionTable).selected_id

    def summary(self, consultation_id: str | None) -> ConsultationSummary | None:
        """The summary of ``consultation_id``."""
        return next((s for s in self.summaries if s.id == consultation_id), None)

    def refresh_workspace(
        self, consultation_id: str | None = None, session_id: str | None = None
    ) -> None:
        """Read the workspace again, keeping (or moving to) the given selection."""
        keep_consultation = consultation_id or self.consultation_id
        keep_session = session_id or self.session_id
        self.summaries, problems = read_workspace(self.services)
        warnings = self.query_one("#warnings", Static)
        if problems:
            count = len(problems)
            head = "One consultation cannot" if count == 1 else f"{count} consultations cannot"
            text = Text(
                f"⚠ {head} be read and {'is' if count == 1 else 'are'} not shown:\n", style="bold"
            )
            text.append(shown("\n".join(problems), multiline=True), style="not bold")
            warnings.update(text)
        warnings.display = bool(problems)
        self.show_locked()
        self.show_due()
        consultations = self.query_one(ConsultationList)
        consultations.show(self.summaries, keep=keep_consultation)
        has_any = bool(self.summaries)
        consultations.display = has_any
        self.query_one("#no-consultations").display = not has_any
        self.show_sessions(keep_session)
        self.refresh_bindings()

    def show_sessions(self, keep: str | None = None) -> None:
        """Show the sessions of the highlighted consultation."""
        summary = self.summary(self.consultation_id)
        detail = self.query_one("#consultation-detail", Static)
        table = self.query_one(SessionTable)
        empty = self.query_one("#no-sessions", Static)
        if summary is None:
            detail.update("")
            table.show([])
            table.display = False
            empty.update("")
            self.query_one("#follow-ups").display = False
            return
        consultation = summary.consultation
        text = rich_plain(consultation.title, style="bold")
        if consultation.question:
            text.append("\n")
            text.append(shown(consultation.question, multiline=True), style="italic")
        detail.update(text)
        table.show(summary.sessions, keep=keep)
        table.display = bool(summary.sessions)
        empty.display = not summary.sessions
        empty.update("No sessions yet.\nPress [b]n[/b] to plan one.")
        self.show_follow_ups(summary.id)

    @on(OptionList.OptionHighlighted, "#consultations")
    def _consultation_highlighted(self) -> None:
        # This arrives after a refresh too (the list is rebuilt): keep the session
        # just created or opened under the cursor, not the first row.
        self.show_sessions(keep=self.session_id)
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#consultations")
    def _consultation_selected(self) -> None:
        """Enter on a consultation goes to its sessions (or says how to plan one)."""
        table = self.query_one(SessionTable)
        if table.row_count:
            table.focus()
        else:
            self.notify("This consultation has no sessions yet: n plans one.")

    @on(DataTable.RowSelected, "#sessions")
    def _session_selected(self) -> None:
        self.action_open_session()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim the keys that need a consultation or a session when there is none."""
        if action == "delete_due":
            return bool(self.due)
        if action == "unlock":
            return bool(self.locked)
        if action == "keeping":
            return self.consultation_id is not None or None
        if action in ("new_session", "export", "hide_names", "follow_ups", "reach",
                      "vocabulary"):
            return self.consultation_id is not None or None
        if action in ("open_session", "import_audio"):
            summary = self.summary(self.consultation_id)
            return bool(summary and summary.sessions) or None
        return True

    # -- actions -------------------------------------------------------------

    def action_new_consultation(self) -> None:
        """Ask for a new consultation and create it."""
        self.app.push_screen(NewConsultationScreen(), callback=self._create_consultation)

    def _create_consultation(self, draft: ConsultationDraft | None) -> None:
        if draft is None:
            return
        if draft.passphrase:
            # Encrypted from its first byte; scrypt takes a moment, so off the UI thread.
            workspace = self.services.workspace
            self.app.run_job(  # type: ignore[attr-defined]
                "create consultation",
                lambda: create_consultation(workspace, draft.title, draft.question,
                                            draft.codebook, passphrase=draft.passphrase),
                owner=self,
                title="Could not create the consultation",
                on_success=self._created_encrypted,
            )
            return
        try:
            store = create_consultation(
                self.services.workspace, draft.title, draft.question, draft.codebook
            )
        except (FacilitateError, ValueError, OSError) as error:
            self.notify(str(error), title="Could not create the consultation", severity="error")
            return
        self.refresh_workspace(consultation_id=store.id)
        self.notify(f"Created {draft.title}.", title="Consultation")

    def show_locked(self) -> None:
        """Say how many encrypted consultations wait for their passphrase."""
        self.locked = self.services.workspace.locked()
        line = self.query_one("#locked", Static)
        line.display = bool(self.locked)
        if self.locked:
            count = len(self.locked)
            what = "1 encrypted consultation is" if count == 1 else (
                f"{count} encrypted consultations are")
            line.update(Text(f"🔒 {what} locked: L enters the passphrase.", style="bold"))

    def action_unlock(self) -> None:
        """Ask for the passphrase of the locked consultations."""
        from facilitate.screens.passphrase import UnlockScreen

        if self.locked:
            self.app.push_screen(UnlockScreen(list(self.locked)),
                                 callback=lambda opened: self._unlocked(opened))

    def _unlocked(self, opened: str | None) -> None:
        if opened is None:
            return
        self.refresh_workspace()
        left = len(self.locked)
        self.notify(f"Opened {plural(int(opened), 'encrypted consultation')}"
                    + (f"; {left} still locked (another passphrase)." if left else "."),
                    title="Unlocked")

    def action_encrypt(self) -> None:
        """Encrypt the highlighted consultation in place, with a new passphrase."""
        from facilitate.screens.passphrase import NewPassphraseScreen

        store = self._open_consultation()
        if store is None:
            return
        if is_encrypted(store.folder):
            self.notify("This consultation is already encrypted.", severity="warning")
            return
        self.app.push_screen(NewPassphraseScreen(store.consultation().title),
                             callback=lambda chosen: self._encrypt(store, chosen))

    def _encrypt(self, store: ConsultationStore, passphrase: str | None) -> None:
        if passphrase is None:
            return
        self.notify("Encrypting…", title="Encryption")
        # Off the UI thread: scrypt, then every file of the consultation rewritten sealed.
        self.app.run_job(  # type: ignore[attr-defined]
            "encrypt consultation",
            lambda: encrypt_consultation(store, passphrase),
            owner=self,
            title="Encryption",
            on_success=lambda code: self._show_recovery_key(code, store),
        )

    def _created_encrypted(self, store: ConsultationStore) -> None:
        self.refresh_workspace(consultation_id=store.id)
        self.notify("Created, encrypted.", title="Consultation")
        code, store.recovery_key = store.recovery_key, None  # shown once, then forgotten
        if code:
            self._show_recovery_key(code, store)

    def _show_recovery_key(self, code: str, store: ConsultationStore) -> None:
        """Show a new recovery key, once, with the consultation it opens."""
        from facilitate.screens.passphrase import RecoveryKeyScreen

        self.refresh_workspace()
        self.app.push_screen(RecoveryKeyScreen(code, store.consultation().title, store.id))

    def action_new_session(self) -> None:
        """Ask for a new session in the highlighted consultation and create it."""
        summary = self.summary(self.consultation_id)
        if summary is None:
            self.notify("Create a consultation first (press c).", severity="warning")
            return
        self.app.push_screen(
            NewSessionScreen(summary.consultation.title),
            callback=lambda draft: self._create_session(summary.id, draft),
        )

    def _create_session(self, consultation_id: str, draft: SessionDraft | None) -> None:
        if draft is None:
            return
        try:
            store = self.services.workspace.open(consultation_id)
            known = {p.pseudonym.casefold(): p.pseudonym for p in store.participants()}
            session = create_session(
                store,
                draft.title,
                venue=draft.venue,
                activity=draft.activity,
                date=draft.date,
                facilitators=draft.facilitators,
                participants=draft.participants,
            )
        except (FacilitateError, ValueError, OSError) as error:
            self.notify(str(error), title="Could not create the session", severity="error")
            return
        self.refresh_workspace(consultation_id=consultation_id, session_id=session.id)
        self.query_one(SessionTable).focus()
        again = [known[n.casefold()] for n in draft.participants if n.casefold() in known]
        # Someone known by that pseudonym joins as themselves: say so, in case it
        # was meant to be somebody new.
        note = "" if not again else (
            f" {', '.join(again)} {'is' if len(again) == 1 else 'are'} already in this "
            "consultation: the same person, not someone new.")
        self.notify(f"Planned {session.title}.{note}", title="Session")

    def action_open_session(self, then_import: bool = False) -> None:
        """Open the session under the cursor."""
        consultation_id, session_id = self.consultation_id, self.session_id
        if consultation_id is None or session_id is None:
            self.notify("Choose a session first (n plans a new one).", severity="warning")
            return
        try:
            store = self.services.workspace.open(consultation_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        show_session(self.app, self.services, store, session_id, then_import=then_import)

    def action_import_audio(self) -> None:
        """Open the session under the cursor and ask for a recording to import."""
        self.action_open_session(then_import=True)

    def action_export(self) -> None:
        """Export the highlighted consultation: only what was consented."""
        from facilitate.screens.export import ExportScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(ExportScreen(store))

    def action_hide_names(self) -> None:
        """Edit the names the highlighted consultation's exports hide."""
        from facilitate.screens.names import NamesScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(NamesScreen(store))

    def action_vocabulary(self) -> None:
        """Edit the words the transcriber listens out for in the highlighted consultation."""
        from facilitate.screens.vocabulary import VocabularyScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(VocabularyScreen(store))

    def show_due(self) -> None:
        """Look, off the UI thread, for deletions that are due (a retention date passed)."""
        workspace = self.services.workspace
        self.app.run_job(  # type: ignore[attr-defined]
            "retention check",
            lambda: due_items(workspace),
            owner=self,
            title="Retention",
            on_success=self._due_found,
        )

    def _due_found(self, due: list[DueItem]) -> None:
        """Remind, above everything, of what is due; R deletes it after asking."""
        self.due = due
        self.refresh_bindings()
        reminder = self.query_one("#retention-due", Static)
        reminder.display = bool(self.due)
        if self.due:
            verb = "is" if len(self.due) == 1 else "are"
            head = (
                f"⚠ {plural(len(self.due), 'deletion')} you agreed to {verb} due "
                "(R deletes, asking first):"
            )
            text = Text(head, style="bold")
            for item in self.due[:3]:
                text.append(f"\n  {shown(item.line())}", style="not bold")
            reminder.update(text)

    def action_delete_due(self) -> None:
        """Delete the first thing that is due, once the facilitator says yes."""
        from facilitate.screens.keeping import ask_to_delete

        if self.due:
            ask_to_delete(self, self.services, self.due, lambda _item: self.refresh_workspace())

    def action_keeping(self) -> None:
        """Retention settings and erasing someone, for the highlighted consultation."""
        from facilitate.screens.keeping import KeepingScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(KeepingScreen(self.services, store))

    def show_follow_ups(self, consultation_id: str) -> None:
        """Who needs a call in the highlighted consultation, on one line (u opens the list)."""
        line = self.query_one("#follow-ups", Static)
        try:
            listed = follow_up_list(self.services.workspace.open(consultation_id))
        except FacilitateError:
            line.display = False  # an unreadable store is reported in the warnings
            return
        line.display = bool(listed.open or listed.suggested)
        if not line.display:
            return
        text = Text("Follow up: ", style="bold")
        calls = [f"{shown(r.pseudonym)} by {r.entry.due}" for r in listed.open[:3]]
        if len(listed.open) > 3:
            calls.append(f"{len(listed.open) - 3} more")
        text.append(", ".join(calls) or "no calls due")
        if listed.suggested:
            text.append(f" · {len(listed.suggested)} stopped coming")
        text.append("  (u opens the list)", style="dim")
        line.update(text)

    def action_follow_ups(self) -> None:
        """The highlighted consultation's follow-up list."""
        from facilitate.screens.wellbeing import FollowUpListScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(FollowUpListScreen(store))

    def action_reach(self) -> None:
        """Who the highlighted consultation reaches, beside the reference population."""
        from facilitate.screens.reach import ReachScreen

        store = self._open_consultation()
        if store is not None:
            self.app.push_screen(ReachScreen(store))

    def _open_consultation(self) -> ConsultationStore | None:
        if self.consultation_id is None:
            self.notify("Create a consultation first (press c).", severity="warning")
            return None
        try:
            return self.services.workspace.open(self.consultation_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return None
