"""The app's background jobs and its one failure path, driven with Pilot on a real workspace.

A failed job leaves the app up and says one line; the traceback is in the
workspace log (0600, in a 0700 folder); a cancelled job says so; a job keeps
going when its screen closes; quitting while a recording runs asks first.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import require_model
from test_app import notifications, settle, until
from test_transcript_app import demo_session
from textual import on
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from facilitate.app import QUIT_WHILE_RECORDING, FacilitateApp
from facilitate.failures import log_path
from facilitate.jobs import CANCELLED_LINE
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.home import HomeScreen
from facilitate.screens.session import SessionScreen
from facilitate.screens.transcript import TranscriptScreen
from facilitate.screens.transcript_dialogs import PickScreen
from sessions.errors import Cancelled, NotFound
from sessions.services import Services

SIZE = (120, 40)


def errors(app: FacilitateApp) -> list[str]:
    """The error toasts the app has shown."""
    return [message for severity, message in notifications(app) if severity == "error"]


def log_of(app: FacilitateApp) -> Path:
    return log_path(app.services.workspace.root)


def disk_full() -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "/media/recordings/s1.flac")


def divide() -> float:
    return 1 / 0


async def test_a_full_disk_in_a_job_is_one_line_and_the_app_stays_up() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        failed: list[str] = []
        app.run_job("save", disk_full, title="Not saved", on_failure=failed.append)
        await settle(app, pilot)
        assert errors(app) == ["The disk is full: free some space and try again."]
        assert failed == errors(app)
        assert isinstance(app.screen, HomeScreen) and app.is_running
        text = log_of(app).read_text()
        assert "Traceback" in text and "No space left on device" in text


async def test_a_bug_in_a_job_is_one_line_and_its_traceback_is_in_the_log() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        app.run_job("divide", divide)
        await settle(app, pilot)
        log = log_of(app)
        assert errors(app) == [f"Something went wrong; details are in {log}"]
        assert app.is_running and app.return_code is None
        text = log.read_text()
        assert "Traceback" in text and "ZeroDivisionError" in text and "in divide" in text
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        # The app carries on: the next key still works.
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, HomeScreen)


async def test_a_project_error_is_its_own_line() -> None:
    def missing() -> None:
        raise NotFound("No session abc123; 'facilitate sessions' lists them.")

    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        app.run_job("open", missing)
        await settle(app, pilot)
        assert errors(app) == ["No session abc123; 'facilitate sessions' lists them."]


async def test_a_cancelled_job_says_nothing_was_changed() -> None:
    started = threading.Event()

    def wait_to_be_cancelled() -> None:
        cancelled = get_current_worker().cancelled_event
        started.set()
        cancelled.wait(10)
        raise Cancelled()

    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        ended: list[bool] = []
        app.run_job("slow", wait_to_be_cancelled, on_cancel=lambda: ended.append(True))
        await until(started.is_set)
        assert app.jobs.is_running("slow")
        assert app.jobs.cancel("slow")
        await settle(app, pilot)
        assert not app.jobs.is_running("slow")
        assert ended == [True]
        assert ("warning", CANCELLED_LINE) in notifications(app)
        assert not errors(app)
        assert not any("None" in message for _, message in notifications(app))


async def test_a_job_replaced_by_a_newer_one_ends_quietly() -> None:
    release = threading.Event()
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        app.run_job("preview", lambda: release.wait(10))
        results: list[int] = []
        app.run_job("preview", lambda: 2, on_success=results.append)
        release.set()
        await settle(app, pilot)
        assert results == [2]
        assert notifications(app) == []


def test_ctrl_q_during_a_real_recording_asks_and_no_keeps_recording(tmp_path: Path) -> None:
    """The run screen recording from the virtual microphone, in a process of its own."""
    from test_run_app import ROOT, require_alsa

    require_alsa()
    test = "tests/quit_child.py::test_ctrl_q_while_recording_asks_and_no_keeps_recording"
    env = dict(os.environ, FACILITATE_LIVE="0", FACILITATE_HOME=str(tmp_path / "child-home"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test,
         "--basetemp", str(tmp_path / "child")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout, result.stdout[-2000:]


class Recording(Screen[None]):
    """A stand-in for the run screen: says it is recording, as RunScreen.is_recording does."""

    is_recording = True

    def compose(self):  # noqa: ANN201 - a generator of widgets
        yield Static("Recording…")


async def test_ctrl_q_while_recording_asks_and_no_keeps_recording() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        recording = Recording()
        await app.push_screen(recording)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert QUIT_WHILE_RECORDING in str(app.screen.query_one("#confirm-message", Static).content)
        await pilot.press("ctrl+q")  # asked once, not twice
        await pilot.pause()
        assert len([s for s in app.screen_stack if isinstance(s, ConfirmDialog)]) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is recording and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        app.screen.query_one("#submit", Button).press()
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_without_a_recording_quits_at_once() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_a_full_disk_in_a_dialog_callback_or_an_action_keeps_the_app_up() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen

        def answered(_: bool | None) -> None:
            disk_full()

        app.push_screen(ConfirmDialog("Save", "Save it?"), callback=answered)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert errors(app) == ["The disk is full: free some space and try again."]
        assert app.screen is home and app.is_running

        def denied() -> None:
            raise PermissionError(errno.EACCES, "Permission denied", "/srv/consultations")

        home.action_denied = denied  # type: ignore[attr-defined]
        await app.run_action("screen.denied")
        await pilot.pause()
        assert errors(app)[-1].startswith("Permission denied: /srv/consultations")
        assert app.is_running


class Saving(Screen[None]):
    """A screen whose first save meets a full disk."""

    saves = 0

    def compose(self):  # noqa: ANN201 - a generator of widgets
        yield Button("Save", id="save")
        yield Static("", id="saved")

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        self.saves += 1
        if self.saves == 1:
            disk_full()
        self.query_one("#saved", Static).update("Saved.")


async def test_a_full_disk_in_a_screens_handler_leaves_the_screen_working() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        screen = Saving()
        await app.push_screen(screen)
        screen.query_one("#save", Button).press()
        await pilot.pause()
        assert errors(app) == ["The disk is full: free some space and try again."]
        assert app.screen is screen and app.is_running
        # The screen still answers: the next press saves.
        screen.query_one("#save", Button).press()
        await pilot.pause()
        assert screen.saves == 2
        assert "Saved." in str(screen.query_one("#saved", Static).content)


async def test_a_bug_in_a_handler_closes_the_app_with_a_non_zero_status() -> None:
    app = FacilitateApp(Services.from_root(None))
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.call_later(divide)
            await pilot.pause()
            await pilot.pause()
    except ZeroDivisionError:
        pass  # Pilot hands the app's crash to the test
    assert app.return_code == 1
    assert app.crash_log == log_of(app)
    assert "ZeroDivisionError" in log_of(app).read_text()


async def test_leaving_the_transcript_screen_does_not_stop_its_re_transcription(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_model()
    import sessions.transcript_edits as edits

    # The real model does the work, but only once the facilitator has left the screen.
    left = threading.Event()
    real = edits.retranscribe

    def after_leaving(*args: object, **kwargs: object) -> object:
        assert left.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(edits, "retranscribe", after_leaving)
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    assert not store.session(session_id).transcribed_with
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        transcript = app.screen
        assert isinstance(transcript, TranscriptScreen)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        await pilot.pause()
        assert transcript.running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert any("carries on" in message for _, message in notifications(app))
        assert app.jobs.is_running(transcript.job_name)
        left.set()
        await settle(app, pilot)
        done = [m for _, m in notifications(app) if m.startswith("Transcribed again")]
        assert done, notifications(app)
        assert not errors(app)
        assert not any("cancelled" in m.lower() for _, m in notifications(app))
    assert store.session(session_id).transcribed_with == "tiny.en"
    assert store.segments(session_id)
