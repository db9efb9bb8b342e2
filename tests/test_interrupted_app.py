"""Opening a session whose transcription a kill cut short says so, and offers T again."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA

from facilitate.app import FacilitateApp
from facilitate.screens import SessionScreen
from models import SessionStatus
from sessions.importer import import_audio
from sessions.planning import create_session
from sessions.services import Services

SIZE = (120, 40)


async def test_opening_an_interrupted_session_says_so_and_offers_to_transcribe(
    private_workspace: Path,
) -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services")
    session = create_session(store, "Drop-in", participants=["Sam"])
    import_audio(store, session.id, DATA / "jfk.flac")
    with store.transaction():  # what a kill during a transcription leaves
        stuck = store.session(session.id)
        stuck.status = SessionStatus.TRANSCRIBING
        store.save_session(stuck)
    app = FacilitateApp(Services.from_root(None), open_session=session.id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        shown = [(n.severity, n.message) for n in app._notifications]
        assert any(
            severity == "warning" and "interrupted" in message and "press T" in message
            for severity, message in shown
        ), shown
        assert app.screen.check_action("transcribe", ()) is True
    reopened = Services.from_root(None).workspace.open(store.id)
    assert reopened.session(session.id).status is SessionStatus.RECORDED
