"""The session screen's key lines: every step of the journey, the report's too, at 80x24."""

from __future__ import annotations

from quote_fixtures import consultation_with_quotes, screen_text
from textual.widgets import Static

from facilitate.app import FacilitateApp
from sessions.services import Services


async def test_the_journey_names_the_report_keys_and_fits_80_columns() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        journey = app.screen.query_one("#journey", Static)
        assert journey.region.height == 3  # one line each, none wrapped
        text = screen_text(app)
        for key in ("p plan", "c consent", "r record", "i import", "T transcribe", "t open",
                    "Q quote", "u quotes", "k codebook", "w report", "v review", "a artwork",
                    "A audit", "E export", "? all keys"):
            assert key in text, key
