"""The approved quotes beside the report editor: each on its own lines, or why not shown."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from quote_fixtures import ASH_ONE, consultation_with_quotes
from textual.widgets import Static, TextArea

from facilitate.app import FacilitateApp
from facilitate.screens.report_frame import LOADING, ReportFrameScreen
from models.participant import RecordingConsent
from models.quote import Decision
from sessions import artwork as artworks
from sessions.report_frame import load_frame
from sessions.review import apply_decision
from sessions.services import Services


async def test_a_lost_artwork_photo_is_named_beside_the_editor(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    apply_decision(c.store, c.quotes["ash1"], Decision.APPROVE)
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (60, 40), (200, 60, 40)).save(photo)
    lost = artworks.add_artwork(c.store, c.session_id, c.ash, photo)
    artworks.decide(c.store, lost.id, approve=True)
    (c.store.folder / "artwork" / lost.file).unlink()
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportFrameScreen)
        screen.show_part(c.themes["Acceptance"])
        await pilot.pause()
        shown = str(screen.query_one("#frame-quotes-list", Static).render())
        assert LOADING not in shown
        assert f"The photo of artwork {lost.id} is missing" in shown
        assert any("is missing" in n.message for n in app._notifications)
        # Writing still works: the frame is saved whatever the quotes column says.
        screen.query_one(TextArea).load_text("Ash spoke about acceptance.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any(n.message == "Saved." for n in app._notifications)
    assert load_frame(c.store).what_we_heard == {
        c.themes["Acceptance"]: "Ash spoke about acceptance."
    }


async def test_each_approved_quote_has_its_own_lines_beside_the_editor() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    c.store.set_recording_consent(c.ash, c.session_id, RecordingConsent.YES)
    apply_decision(c.store, c.quotes["ash1"], Decision.APPROVE)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportFrameScreen)
        screen.show_part(c.themes["Acceptance"])
        await pilot.pause()
        shown = str(screen.query_one("#frame-quotes-list", Static).render())
        lines = [line.strip() for line in shown.splitlines()]
        assert lines[:2] == ["1 approved", ""]
        assert lines[2] == f"“{ASH_ONE}”" and lines[3].startswith("— ")
