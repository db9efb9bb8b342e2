"""The run screen's keys for looking after people, in a process of its own.

Run by tests/test_wellbeing_app.py (PortAudio reads the sound setup once per
process; see tests/run_app_child.py). The file name does not start with
``test_``, so the main run never collects it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from run_app_child import consented_app, demo_mic, recording
from test_app import notifications, until
from textual.widgets import Input, Select

from facilitate.screens.run_dialogs import ConfirmScreen, RunDialog
from facilitate.screens.wellbeing import CalmScreen, CheckInScreen, FollowUpScreen
from models.session import MarkerKind
from models.wellbeing import Feeling, Moment, Raised
from sessions.services import Services

SIZE = (120, 40)


async def test_check_in_follow_up_and_stop_for_someone(tmp_path: Path) -> None:
    if "sounddevice" in sys.modules:
        pytest.fail("sounddevice was imported before the virtual microphone was set up")
    mic = demo_mic(tmp_path, speed=4.0)
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    store, _ = services.workspace.find_session(session_id)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            screen, run = await recording(pilot, mic)

            # w: the first step is not a wellbeing step and comes early, so: check-in.
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, CheckInScreen)
            await pilot.press("1", "4")  # Ash good, Birch low; Jo facilitates: not asked
            await pilot.pause()
            assert app.screen is screen

            # f: someone else on the follow-up list, with a note.
            await pilot.press("f")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, FollowUpScreen)
            ash = next(p for p in store.participants() if p.pseudonym == "Ash")
            form.query_one("#who", Select).value = ash.id
            form.query_one("#reason", Input).value = "Quiet today, asked about transport"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen

            # space: someone asks to stop. Recording pauses at once; a calm screen shows.
            await pilot.press("space")
            await pilot.pause()
            assert isinstance(app.screen, CalmScreen)
            assert run.is_paused
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and run.is_paused
            # The calm screen says the facilitator's r resumes: it does, from there too.
            await pilot.press("space")
            await pilot.pause()
            assert isinstance(app.screen, CalmScreen) and run.is_paused
            await pilot.press("r")
            await pilot.pause()
            assert app.screen is screen and not run.is_paused
            # Someone asks to stop in the middle of a round: space still pauses at once,
            # and no count of answers pops up over the calm screen.
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, CheckInScreen)
            await pilot.press("space")
            await pilot.pause()
            assert isinstance(app.screen, CalmScreen) and run.is_paused
            assert "0 answers saved." not in [line for _, line in notifications(app)]
            await pilot.press("r")
            await pilot.pause()
            assert app.screen is screen and not run.is_paused
            # ...and with the strike dialog open: it closes striking nothing, and pauses.
            def strikes() -> int:
                return sum(m.kind is MarkerKind.STRIKE for m in store.session(session_id).markers)

            struck = strikes()
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, RunDialog)
            await pilot.press("space")
            await pilot.pause()
            assert isinstance(app.screen, CalmScreen) and run.is_paused
            assert strikes() == struck
            await pilot.press("r")
            await pilot.pause()
            assert app.screen is screen and not run.is_paused

            # The check-out round is open while the recording saves (t, then y and w, as
            # the facilitator says goodbye): the save is what the stop dialog's yes starts.
            screen.save()
            screen.action_check_in()
            await pilot.pause()
            round_ = next(s for s in app.screen_stack if isinstance(s, CheckInScreen))
            # At the end it is a check-out, whichever plan step is showing.
            assert round_.moment is Moment.CHECK_OUT
            await until(lambda: isinstance(app.screen, ConfirmScreen))  # transcribe now?
            assert app.screen_stack[-2] is round_
            await pilot.press("y")
            await pilot.pause()
            # The run screen waits for the round to end before it closes; it does not
            # take the round away and linger, closed, behind it.
            assert isinstance(app.screen, CheckInScreen) and screen in app.screen_stack
            await pilot.press("escape")
            await until(lambda: screen not in app.screen_stack)
            await pilot.press("escape")  # the session screen: no second close of the run
            await pilot.pause()
    people = {p.pseudonym: p for p in store.participants()}
    assert [(c.moment, c.feeling) for c in people["Ash"].wellbeing] == [
        (Moment.CHECK_IN, Feeling.GOOD)
    ]
    assert [(c.moment, c.feeling) for c in people["Birch"].wellbeing] == [
        (Moment.CHECK_IN, Feeling.LOW)
    ]
    assert not people["Jo"].wellbeing
    assert [f.raised for f in people["Birch"].follow_ups] == [Raised.CHECK_IN]
    assert [(f.raised, f.reason) for f in people["Ash"].follow_ups] == [
        (Raised.FACILITATOR, "Quiet today, asked about transport")
    ]
    assert not any(severity == "error" for severity, _ in notifications(app))
