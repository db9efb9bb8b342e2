"""The run screen with hostile text, in a process of its own (see tests/test_hostile_text_app.py).

The run screen loads PortAudio, which reads the sound configuration once per
process, so tests/test_hostile_text_app.py runs this file in a fresh
interpreter with a stand-in sounddevice that reports no PortAudio. The file
name does not start with ``test_``, so the main run never collects it.
"""

from __future__ import annotations

from hostile_fixtures import FORBIDDEN, hostile_consultation
from quote_fixtures import open_screen, screen_text
from test_app import SIZE, until

from facilitate.app import FacilitateApp
from facilitate.screens.run import RunScreen
from facilitate.screens.session import SessionScreen
from sessions.services import Services


async def test_run_screen_shows_hostile_text() -> None:
    services = Services.from_root(None)
    h = hostile_consultation(services)
    app = FacilitateApp(services, open_session=h.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        screen = await open_screen(pilot, "r", RunScreen)
        await until(lambda: screen.checked)
        await pilot.pause()
        drawn = screen_text(app)
        assert not FORBIDDEN.search(drawn), repr(FORBIDDEN.findall(drawn))
        for literal in ("Welcome [/x]", "• Say hello [/x]", "Ash [/x]", "Run: Painting [/x]"):
            assert literal in drawn, literal
        # Speaker 1 is Ash: the "who is speaking" line names them as written.
        await pilot.press("1")
        await pilot.pause()
        assert app.is_running and app.screen is screen
        assert not FORBIDDEN.search(screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
