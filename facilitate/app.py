"""The facilitate app: builds nothing itself, shows the home screen and the keys."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from facilitate.screens import HelpScreen, HomeScreen, show_session
from facilitate.screens.help import keys_of
from sessions.errors import FacilitateError
from sessions.services import Services

#: App actions a locked screen still allows: moving between its own widgets.
ALLOWED_WHEN_LOCKED = frozenset({"focus_next", "focus_previous"})

#: How long a toast stays, by severity, unless its sender says: news goes quickly
#: (it must not linger over the next screen), errors stay long enough to read.
TOAST_SECONDS: dict[str, float] = {"information": 4, "warning": 6, "error": 8}


class FacilitateApp(App[None]):
    """Plan, record and transcribe consultation sessions, offline."""

    TITLE = "facilitate"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("question_mark", "help", "Keys", key_display="?"),
        # ? types itself into a text field; f1 shows the keys from anywhere.
        Binding("f1", "help", "Keys", show=False, priority=True),
    ]

    def __init__(self, services: Services, open_session: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.open_session = open_session

    def on_mount(self) -> None:
        """Show the home screen, and the session asked for on the command line."""
        self.push_screen(HomeScreen(self.services))
        if self.open_session:
            try:
                store, _session = self.services.workspace.find_session(self.open_session)
            except FacilitateError as error:
                self.notify(str(error), title="Cannot open the session", severity="error")
                return
            show_session(self, self.services, store, self.open_session)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast for as long as its severity calls for (see TOAST_SECONDS)."""
        if timeout is None:
            timeout = TOAST_SECONDS.get(severity, self.NOTIFICATION_TIMEOUT)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A locked screen (participant review) keeps the app's own keys out of reach.

        Quit, help and the command palette are app-level priority bindings that
        run before any screen's, so only the app can refuse them.
        """
        if getattr(self.screen, "LOCKS_APP", False) and action not in ALLOWED_WHEN_LOCKED:
            return False
        return True

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if isinstance(self.screen, HelpScreen):
            return
        title = self.screen.sub_title or type(self.screen).__name__.removesuffix("Screen")
        self.push_screen(HelpScreen(title, keys_of(self.screen)))
