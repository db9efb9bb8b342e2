"""Keeping and erasing in the app: erase someone (asked first, No focused), retention reminders."""

from __future__ import annotations

from quote_fixtures import ASH_ONE, consultation_with_quotes, screen_text
from textual.widgets import DataTable

from facilitate.app import FacilitateApp
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.keeping import KeepingScreen
from sessions.retention import retention_policy, set_keep_until
from sessions.services import Services

SIZE = (120, 40)


async def test_erase_someone_from_the_app_after_saying_yes_to_the_numbers() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("K")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, KeepingScreen)
        await pilot.press("a")  # the session's raw audio goes once its transcript is approved
        await pilot.pause()
        assert retention_policy(c.store).audio_until_approved == [c.session_id]
        assert "goes once the transcript is approved" in screen_text(app)
        people = screen.query_one("#people", DataTable)
        people.move_cursor(row=people.get_row_index(c.ash))
        await pilot.press("X")
        await app.workers.wait_for_complete()  # counting runs off the UI thread
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        shown = screen_text(app)
        assert "Erase Ash?" in shown and "2 quotes of theirs" in shown
        await pilot.press("enter")  # No is focused: enter keeps everything
        await pilot.pause()
        assert app.screen is screen
        assert c.ash in {p.id for p in c.store.participants()}

        await pilot.press("X")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert c.ash not in {p.id for p in c.store.participants()}
        assert all(ASH_ONE not in s.text for s in c.store.segments(c.session_id))
        assert "Erased Ash. Removed:" in screen_text(app)
        assert "No exports were made before" in screen_text(app)
        assert c.ash not in {key.value for key in people.rows}
        assert c.birch in {key.value for key in people.rows}


async def test_home_reminds_when_a_retention_date_has_passed_and_deletes_on_yes() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_keep_until(c.store, "2020-01-31")
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()  # the check runs off the UI thread
        await pilot.pause()
        assert "1 deletion you agreed to is due" in screen_text(app)
        assert "kept until 2020-01-31" in screen_text(app)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert c.store.folder.exists()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not c.store.folder.exists()
        assert "deletion you agreed to" not in screen_text(app)
        assert "No consultations yet" in screen_text(app)
