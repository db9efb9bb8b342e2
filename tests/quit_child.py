"""Quitting while a real recording runs, in a process of its own (see tests/test_jobs_app.py).

The run screen records from the virtual microphone, which must be set up
before PortAudio loads, so tests/test_jobs_app.py runs this file with
``python -m pytest tests/quit_child.py::<test>`` in a fresh interpreter. The
name does not start with ``test_``, so the main run never collects it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from run_app_child import consented_app, demo_mic, recording
from test_app import SIZE, until
from textual.widgets import Button, Static

from facilitate.app import QUIT_WHILE_RECORDING
from facilitate.screens.dialogs import ConfirmDialog
from sessions.services import Services


async def test_ctrl_q_while_recording_asks_and_no_keeps_recording(tmp_path: Path) -> None:
    if "sounddevice" in sys.modules:
        pytest.fail("sounddevice was imported before the virtual microphone was set up")
    mic = demo_mic(tmp_path, speed=2.0)
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            screen, run = await recording(pilot, mic)

            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            message = app.screen.query_one("#confirm-message", Static)
            assert QUIT_WHILE_RECORDING in str(message.content)
            await pilot.press("escape")  # no: keep recording
            await pilot.pause()
            assert app.screen is screen and app.is_running
            assert screen.is_recording and not run.stopped
            heard = run.elapsed_s
            await until(lambda: run.elapsed_s >= heard + 1.0)

            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            app.screen.query_one("#submit", Button).press()  # yes: stop and quit
            await pilot.pause()
    assert app.return_code == 0
    # Closing the run screen saved what was recorded.
    assert run.stopped
    session = services.workspace.find_session(session_id)[1]
    assert session.recording is not None and session.recording.duration_s >= heard
