"""The facilitate app: builds nothing itself, shows the home screen and the keys.

It also owns the background jobs (:mod:`facilitate.jobs`) and the one failure
path: an error becomes a log entry and one line (:mod:`facilitate.failures`).
A disk or permission problem, or one of the project's own errors, never closes
the app; a bug in a handler does, with a non-zero exit status and its
traceback in the log.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual import events, on
from textual.actions import ActionParseResult
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerFailed

from facilitate.failures import is_expected, report_error, write_log
from facilitate.jobs import CANCELLED_LINE, Jobs, Notice
from facilitate.screens import HelpScreen, HomeScreen, show_session
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.help import keys_of
from models import format_clock
from models.text import clean_text
from sessions.errors import FacilitateError
from sessions.services import Services

T = TypeVar("T")

#: What quitting asks while a screen is recording.
QUIT_WHILE_RECORDING = "A recording is running. Stop it and quit?"

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
        Binding("question_mark", "help", "Keys", key_display="?", show=False),
        # ? types itself into a text field; f1 shows the keys from anywhere.
        Binding("f1", "help", "Keys", show=False, priority=True),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True),
    ]

    @property
    def COMMAND_PALETTE_BINDING(self) -> str:  # type: ignore[override]  # Textual's name
        """The key the footer keeps its right-hand corner for, whatever the width.

        There it shows "? Keys" (the way to every key), not the command palette's key,
        which a narrow terminal would otherwise push "? Keys" off the end for. In a
        text field ? types itself, so the corner shows "f1 Keys" there instead.
        """
        if "question_mark" in self.screen.active_bindings:
            return "question_mark"
        return "f1"

    def __init__(self, services: Services, open_session: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.open_session = open_session
        #: The background jobs the app owns (see :meth:`run_job`).
        self.jobs = Jobs(self)
        #: The log holding the traceback of the bug that closed the app, if one did.
        self.crash_log: Path | None = None
        self._asking_to_quit = False

    def on_mount(self) -> None:
        """Show the home screen, and the session asked for on the command line."""
        self.push_screen(HomeScreen(self.services))
        if self.open_session:
            try:
                store, _session = self.services.workspace.find_session(self.open_session)
            except FacilitateError as error:
                # The message quotes the id as typed: text, never markup.
                self.notify(
                    str(error), title="Cannot open the session", severity="error", markup=False
                )
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
        # Toasts quote titles, names and words people said: always plain text, never
        # markup or terminal codes, whatever the caller asked for.
        super().notify(
            clean_text(message, multiline=True), title=clean_text(title), severity=severity,
            timeout=timeout, markup=False,
        )

    # -- background jobs and the one failure path -----------------------------------

    def run_job(
        self,
        name: str,
        work: Callable[[], T],
        *,
        owner: MessagePump | None = None,
        title: str = "",
        on_success: Callable[[T], object] | None = None,
        on_cancel: Callable[[], object] | None = None,
        on_failure: Callable[[str], object] | None = None,
        report: Callable[[T], Notice | None] | None = None,
        cancelled_line: str = CANCELLED_LINE,
        explain: Callable[[BaseException], str | None] | None = None,
        toast_failure: bool = True,
    ) -> Worker[T]:
        """Run ``work`` in a thread the app owns; see :mod:`facilitate.jobs`.

        ``on_success``, ``on_cancel`` and ``on_failure`` update ``owner`` and are
        skipped once it has closed; ``report`` and the failure and cancel lines
        reach the facilitator either way. ``explain`` may give a disk problem or a
        project error a line of the job's own (the log gets it all the same);
        ``toast_failure=False`` leaves showing that line to ``on_failure``.
        """
        return self.jobs.start(
            name,
            work,
            owner=owner,
            title=title,
            on_success=on_success,
            on_cancel=on_cancel,
            on_failure=on_failure,
            report=report,
            cancelled_line=cancelled_line,
            explain=explain,
            toast_failure=toast_failure,
        )

    @on(Worker.StateChanged)
    def _job_changed(self, event: Worker.StateChanged) -> None:
        """Deliver the outcome of a job that has finished."""
        self.guarded(self.jobs.finished, event.worker)

    def report_failure(
        self,
        error: BaseException,
        *,
        title: str = "",
        context: str = "",
        explain: Callable[[BaseException], str | None] | None = None,
        toast: bool = True,
    ) -> str:
        """Log ``error``, show its one line (unless ``toast`` is False), and return the line."""
        line = report_error(self.services.workspace.root, error, context)
        if explain is not None and is_expected(error):
            line = explain(error) or line
        if not toast:
            return line
        self.notify(line, title=title or "Not done", severity="error", markup=False)
        return line

    def guarded(self, callback: Callable[..., T], *args: Any) -> T | None:
        """Call ``callback``; a disk problem or a project error becomes one line, not a crash.

        Anything else is a bug: it goes on to Textual, which closes the app (see
        :meth:`_handle_exception`).
        """
        try:
            return callback(*args)
        except Exception as error:
            if not is_expected(error):
                raise
            self.report_failure(error, context=getattr(callback, "__qualname__", ""))
            return None

    def _guard_callback(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """``callback`` of a dialog, with its errors sent down the failure path."""
        try:
            takes_result = bool(inspect.signature(callback).parameters)
        except (TypeError, ValueError):
            takes_result = True

        async def settle(outcome: Awaitable[Any]) -> Any:
            try:
                return await outcome
            except Exception as error:
                if not is_expected(error):
                    raise
                self.report_failure(error)
                return None

        def answered(result: Any) -> Any:
            outcome = self.guarded(callback, *((result,) if takes_result else ()))
            return settle(outcome) if inspect.isawaitable(outcome) else outcome

        return answered

    def push_screen(  # type: ignore[override]  # one signature for both overloads
        self,
        screen: Screen[Any] | str,
        callback: Callable[..., Any] | None = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> Any:
        """Push ``screen``; an error in its handlers or ``callback`` is reported, never a crash."""
        if isinstance(screen, Screen):
            self._keep_alive(screen)
        guarded = None if callback is None else self._guard_callback(callback)
        return super().push_screen(screen, guarded, wait_for_dismiss, mode=mode)

    def install_screen(self, screen: Screen[Any], name: str) -> None:
        """Install ``screen`` by name; an error in its handlers is reported, never a crash."""
        self._keep_alive(screen)
        super().install_screen(screen, name)

    def _keep_alive(self, screen: Screen[Any]) -> None:
        """Send a disk problem or a project error in ``screen``'s handlers down the failure path.

        Textual ends a screen's message loop at the first exception in one of its
        handlers, leaving a blank screen that answers nothing. Wrapping this
        screen's dispatch (a private method of the pinned Textual) keeps it
        working; a bug, and any error while the screen is built, still goes on
        to :meth:`_handle_exception`.
        """
        if getattr(screen, "_kept_alive", False):
            return
        dispatch = screen._dispatch_message

        async def dispatch_reporting(message: Message) -> None:
            try:
                await dispatch(message)
            except Exception as error:
                if not is_expected(error) or isinstance(message, events.Compose | events.Mount):
                    raise
                self.report_failure(error, context=f"{type(screen).__name__}: {message!r}")

        screen._dispatch_message = dispatch_reporting  # type: ignore[method-assign]
        screen._kept_alive = True  # type: ignore[attr-defined]

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Any = None,
    ) -> bool:
        """Run a key's action; a disk problem or a project error becomes one line."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            if not is_expected(error):
                raise
            self.report_failure(error, context=str(action))
            return True

    def _handle_exception(self, error: Exception) -> None:
        """An error no handler caught: keep going on the expected ones, else log and close.

        Textual calls this for an exception in any message handler or worker that
        lets errors through; its default always closes the app. The expected
        errors are shown as one line instead; a bug is logged (traceback in the
        workspace log) and closes the app with exit status 1 (Textual sets
        ``return_code``), printing one line instead of a traceback.
        """
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, Exception) and is_expected(cause):
            self.report_failure(cause)
            return
        self.crash_log = write_log(self.services.workspace.root, cause, "crash")
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Close after a bug with one line (the traceback is in the log), not a traceback."""
        if self.crash_log is None or "debug" in self.features:
            super()._fatal_error()  # no log: the traceback on the terminal is the only record
            return
        self.bell()
        self.panic(Text(f"facilitate: unexpected error; details are in {self.crash_log}"))

    # -- quitting --------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        """Whether any open screen is recording now (a paused recording counts)."""
        return any(getattr(screen, "is_recording", False) for screen in self.screen_stack)

    async def action_quit(self) -> None:
        """Quit; while a recording runs, ask first (no keeps recording)."""
        if not self.recording:
            self.exit()
            return
        if self._asking_to_quit:
            return
        self._asking_to_quit = True

        def answered(stop: bool | None) -> None:
            self._asking_to_quit = False
            if stop:
                # The run screen saves what was recorded as it closes.
                self.exit()

        # Say how much is at stake, in numbers, as every confirmation does.
        runs = [getattr(screen, "run", None) for screen in self.screen_stack]
        elapsed = next((run.elapsed_s for run in runs if hasattr(run, "elapsed_s")), None)
        saved = "" if elapsed is None else \
            f" {format_clock(elapsed)} is recorded; it is saved before quitting."
        self.push_screen(
            ConfirmDialog("Quit", QUIT_WHILE_RECORDING + saved, "Stop and quit"),
            callback=answered,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A locked screen (participant review) keeps the app's own keys out of reach.

        Quit, help and the command palette are app-level priority bindings that
        run before any screen's, so only the app can refuse them.
        """
        if getattr(self.screen, "LOCKS_APP", False) and action not in ALLOWED_WHEN_LOCKED:
            return False
        return True

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Save an SVG of the screen in the workspace (private: it may show people's words).

        Textual would save it in ``~/Downloads``, which may not exist, and say nothing.
        """
        from textual.app import generate_datetime_filename

        from sessions.atomic import atomic_write_text
        from sessions.encryption import any_unlocked
        from sessions.locations import ensure_private_dir, screenshots_dir

        if any_unlocked():
            # A picture of the screen would hold an encrypted consultation's words
            # (or titles) in a plain file, outside the encryption's reach.
            self.notify(
                "No screenshot saved: an encrypted consultation is open, and a screenshot "
                "would hold its words unencrypted.", severity="warning", title="Screenshot",
            )
            return None
        name = filename or generate_datetime_filename("facilitate", ".svg", time_format)
        try:
            folder = ensure_private_dir(Path(path) if path else
                                        screenshots_dir(self.services.workspace.root))
            target = folder / Path(name).name
            atomic_write_text(target, self.export_screenshot())
        except (FacilitateError, OSError) as error:
            self.notify(f"Could not save the screenshot: {error}", severity="error")
            return None
        self.notify(f"Screenshot saved in {target}", title="Screenshot", timeout=8)
        return str(target)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if isinstance(self.screen, HelpScreen):
            return
        title = self.screen.sub_title or type(self.screen).__name__.removesuffix("Screen")
        self.push_screen(HelpScreen(title, keys_of(self.screen)))
