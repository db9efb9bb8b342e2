"""The quotes screen and the new-quote dialog, driven through Pilot on a real store."""

from __future__ import annotations

from quote_fixtures import ASH_ONE, ASH_TWO, BIRCH_ONE, consultation_with_quotes, open_screen
from textual.widgets import DataTable, Select

from facilitate.app import FacilitateApp
from facilitate.screens import SessionScreen
from facilitate.screens.audit import AuditScreen
from facilitate.screens.dialogs import TextPrompt, ThemesDialog
from facilitate.screens.quote_dialog import QuoteDialog
from facilitate.screens.quotes import OnBehalfDialog, QuotesScreen
from facilitate.widgets import TranscriptTable
from models.audit import Actor
from models.quote import QuoteState
from sessions.quotes import list_quotes
from sessions.services import Services

SIZE = (120, 40)


def rows(screen: QuotesScreen) -> list[str]:
    """The quote text of each row shown."""
    table = screen.query_one("#quotes", DataTable)
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)] if table.display else []


async def test_make_a_quote_from_the_session_transcript() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        app.screen.query_one(TranscriptTable).move_cursor(row=1)
        await pilot.press("Q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QuoteDialog)
        # The speaker is chosen already; tick the first theme, write a memo.
        assert dialog.query_one("#participant", Select).value == c.birch
        await pilot.press("tab", "space", "tab", *"Family gets people there", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)

        (quote,) = list_quotes(c.store, c.session_id)
        assert quote.text == BIRCH_ONE and quote.participant_id == c.birch
        assert quote.memo == "Family gets people there"
        assert quote.theme_ids == [c.store.consultation().codebook.themes[0].id]
        assert quote.state is QuoteState.PENDING

        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, QuotesScreen)
        assert rows(app.screen) == [BIRCH_ONE]


async def test_filter_edit_and_record_a_decision_on_their_behalf() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "u", QuotesScreen)
        assert rows(screen) == [ASH_ONE, BIRCH_ONE, ASH_TWO]

        screen.query_one("#participant-filter", Select).value = c.ash
        await pilot.pause()
        assert rows(screen) == [ASH_ONE, ASH_TWO]
        screen.query_one("#theme-filter", Select).value = c.themes["The local context"]
        await pilot.pause()
        assert rows(screen) == [ASH_TWO]
        screen.query_one("#state-filter", Select).value = QuoteState.APPROVED.value
        await pilot.pause()
        assert rows(screen) == []
        screen.query_one("#state-filter", Select).clear()
        screen.query_one("#theme-filter", Select).clear()
        screen.query_one("#participant-filter", Select).clear()
        await pilot.pause()
        assert len(rows(screen)) == 3

        # The memo and themes of Birch's quote.
        screen.query_one("#quotes", DataTable).focus()
        screen.query_one("#quotes", DataTable).move_cursor(row=1)
        await pilot.press("m")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Transport by family", "enter")
        await pilot.pause()
        assert c.store.quote(c.quotes["birch1"]).memo == "Transport by family"
        await pilot.press("t")
        assert isinstance(app.screen, ThemesDialog)
        await pilot.press("down", "space", "ctrl+s")  # tick the second theme as well
        await pilot.pause()
        assert set(c.store.quote(c.quotes["birch1"]).theme_ids) == {
            c.themes["Acceptance"], c.themes["Somewhere to go"]
        }

        # Birch said "yes" by phone: recorded on their behalf, and audited as such.
        await pilot.press("o")
        dialog = app.screen
        assert isinstance(dialog, OnBehalfDialog)
        assert "on the participant's behalf" in str(
            dialog.query_one("#on-behalf-warning").render()
        )
        dialog.query_one("#decision", Select).value = "approve"
        await pilot.click("#submit")
        await pilot.pause()
        assert app.screen is screen
        assert c.store.quote(c.quotes["birch1"]).state is QuoteState.APPROVED
        (event,) = c.store.audit(c.birch)
        assert event.actor is Actor.ON_BEHALF and event.action == "quote approve"
        assert "approved" in str(screen.query_one("#quotes", DataTable).get_row_at(1)[4])

        # The audit view shows it, for Birch.
        await pilot.press("A")
        await pilot.pause()
        audit = app.screen
        assert isinstance(audit, AuditScreen)
        row = [str(cell) for cell in audit.query_one("#audit", DataTable).get_row_at(0)]
        assert "facilitator, on their behalf" in row
        assert "pending → approved" in row
        await pilot.press("escape")
        assert app.screen is screen


async def test_scope_switches_between_session_and_consultation() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "u", QuotesScreen)
        assert "Painting at the Hub" in screen.sub_title
        await pilot.press("s")
        assert "all sessions" in screen.sub_title
        assert len(rows(screen)) == 3
