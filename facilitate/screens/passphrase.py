"""Dialogs for encrypted consultations: the passphrase at start, a new one, the recovery key.

The passphrase is checked off the UI thread (scrypt takes a moment on purpose);
a wrong one shows one line under the field and nothing on disk changes.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from facilitate.plain_text import plain
from facilitate.screens.forms import FormScreen
from sessions.encryption import MIN_PASSPHRASE, WrongPassphrase, unlock
from sessions.errors import FacilitateError


class UnlockScreen(FormScreen[str]):
    """Ask for the passphrase of the locked consultations; dismiss with how many it opened.

    One passphrase is tried on every locked consultation, so a facilitator who
    uses one for all types it once per app start.
    """

    compact_below = 20
    heading = "Encrypted consultations"
    submit_label = "Open"

    def __init__(self, folders: list[Path]) -> None:
        super().__init__()
        self.folders = folders

    def compose_fields(self) -> ComposeResult:
        """The passphrase field and what it is for."""
        count = len(self.folders)
        what = "1 consultation is" if count == 1 else f"{count} consultations are"
        yield Static(plain(f"{what} encrypted on this laptop. Type the passphrase to open "
                           "them; escape leaves them locked."), classes="dialog-note")
        yield from self.field("Passphrase", Input(password=True, id="passphrase"), "passphrase")

    def collect(self) -> str | None:
        """The passphrase as typed (spaces count)."""
        typed = self.query_one("#passphrase", Input).value
        if not typed:
            self.show_error("passphrase", "Type the passphrase, or press escape to stay locked.")
            return None
        return typed

    def finish(self, draft: str) -> None:
        """Try the passphrase in the background; close once it opens something."""
        self.show_error("passphrase", "Checking…")
        self.try_passphrase(draft)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def try_passphrase(self, passphrase: str) -> None:
        """Try ``passphrase`` on each locked consultation (scrypt: not on the UI thread)."""
        opened = 0
        problem = ""
        for folder in self.folders:
            try:
                unlock(folder, passphrase)
                opened += 1
            except WrongPassphrase:
                continue
            except FacilitateError as error:
                problem = str(error)
        self.app.call_from_thread(self._tried, opened, problem)

    def _tried(self, opened: int, problem: str) -> None:
        if opened:
            self.dismiss(str(opened))
            return
        self.show_error("passphrase", problem or "That passphrase does not open them; "
                        "nothing was changed. Try again.")
        field = self.query_one("#passphrase", Input)
        field.value = ""
        field.focus()


class NewPassphraseScreen(FormScreen[str]):
    """Choose the passphrase that will encrypt a consultation (typed twice)."""

    compact_below = 24
    heading = "Encrypt this consultation"
    submit_label = "Encrypt"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_shown = title

    def compose_fields(self) -> ComposeResult:
        """Two passphrase fields, and what encrypting means."""
        yield Static(plain(
            f"{self.title_shown}: its store, transcripts and recordings will be encrypted. "
            "The passphrase is asked once each time facilitate starts; exports stay plain."
        ), classes="dialog-note")
        yield from self.field("Passphrase", Input(password=True, id="passphrase"), "passphrase")
        yield from self.field("Again", Input(password=True, id="again"), "again")

    def collect(self) -> str | None:
        """The passphrase, when it is long enough and typed the same twice."""
        first = self.query_one("#passphrase", Input).value
        again = self.query_one("#again", Input).value
        short = len(first) < MIN_PASSPHRASE
        self.show_error("passphrase", f"Use at least {MIN_PASSPHRASE} characters." if short
                        else "")
        self.show_error("again", "" if short or first == again
                        else "The two passphrases differ; type it again.")
        if short or first != again:
            return None
        return first


class RecoveryKeyScreen(FormScreen[str]):
    """Show the recovery key once, to print or write down."""

    DEFAULT_CSS = """
    RecoveryKeyScreen #recovery-key {
        text-style: bold;
        padding: 1 2;
        width: 100%;
        content-align: center middle;
    }
    RecoveryKeyScreen #cancel {
        display: none;
    }
    """
    compact_below = 16
    heading = "Recovery key"
    submit_label = "I have written it down"

    def __init__(self, code: str, title: str = "", consultation_id: str = "") -> None:
        super().__init__()
        self.code = code
        self.for_what = f"{title} ({consultation_id})" if consultation_id else title

    def compose_fields(self) -> ComposeResult:
        """The key, large, what it opens, and why it matters."""
        if self.for_what:
            yield Static(plain(f"Opens: {self.for_what}"), classes="dialog-note")
        yield Static(plain(self.code), id="recovery-key")
        yield Static(plain(
            "Print it or write it down and keep it apart from the laptop. It is shown only "
            "now, and it is the only way in if the passphrase is forgotten "
            "('facilitate encrypt --recovery-key ID' sets a new passphrase with it)."
        ), classes="dialog-note")

    def collect(self) -> str | None:
        """Nothing to check."""
        return self.code
