"""Quotes made on the transcript screen: a segment, a range, words of one segment; Pilot."""

from __future__ import annotations

import os
from pathlib import Path

from quote_fixtures import ASH_ONE, ASH_TWO, consultation_with_quotes, screen_text
from quote_fixtures import segment as make_segment
from test_app import notifications
from textual.pilot import Pilot
from textual.widgets import Select, Static

from facilitate.app import FacilitateApp
from facilitate.screens.quote_dialog import QuoteDialog
from facilitate.screens.session import SessionScreen
from facilitate.screens.transcript import TranscriptScreen
from facilitate.screens.transcript_dialogs import WordRange, WordRangeScreen
from facilitate.widgets.transcript_view import QUOTED, TranscriptView
from models.quote import Quote
from sessions.quotes import list_quotes
from sessions.services import Services

SIZE = (120, 40)
SHOTS = os.environ.get("FACILITATE_SHOTS")
ASH_THREE = "Somebody always puts the kettle on"


async def open_transcript(app: FacilitateApp, pilot: Pilot[None]) -> TranscriptView:
    """From the session screen, t opens the transcript; its table."""
    await pilot.pause()
    assert isinstance(app.screen, SessionScreen)
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(app.screen, TranscriptScreen)
    return app.screen.query_one(TranscriptView)


async def save_quote(app: FacilitateApp, pilot: Pilot[None]) -> Quote:
    """Save the open quote dialog as it stands; the one new quote."""
    screen = app.screen_stack[-2]
    assert isinstance(app.screen, QuoteDialog) and isinstance(screen, TranscriptScreen)
    before = {q.id for q in list_quotes(screen.store, screen.session_id)}
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert app.screen is screen
    (quote,) = [q for q in list_quotes(screen.store, screen.session_id) if q.id not in before]
    return quote


def marked(view: TranscriptView) -> list[int]:
    """Rows whose mark column shows the quote mark."""
    return [row for row in range(view.row_count) if QUOTED in str(view.get_row_at(row)[0])]


async def test_quote_a_segment_a_range_and_words_from_the_transcript() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    segments = c.store.segments(c.session_id)
    c.store.save_segments(c.session_id, [*segments, make_segment(45, ASH_THREE, c.ash)])
    ids = [s.id for s in c.store.segments(c.session_id)]
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_transcript(app, pilot)
        assert marked(view) == []

        # One segment: Q on the highlighted row; the speaker is chosen already.
        await pilot.press("Q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QuoteDialog)
        assert dialog.query_one("#participant", Select).value == c.ash
        assert not dialog.query("#several-speakers")
        one = await save_quote(app, pilot)
        assert (one.text, one.participant_id, one.segment_ids) == (ASH_ONE, c.ash, [ids[0]])
        assert marked(view) == [0]

        # Two segments by Ash: v, down, Q.
        view.move_cursor(row=2)
        await pilot.press("v", "down", "Q")
        await pilot.pause()
        assert isinstance(app.screen, QuoteDialog)
        assert app.screen.query_one("#participant", Select).value == c.ash
        two = await save_quote(app, pilot)
        assert two.text == f"{ASH_TWO} {ASH_THREE}"
        assert (two.participant_id, two.segment_ids) == (c.ash, ids[2:4])
        assert view.anchor is None  # the range ends with the quote
        assert marked(view) == [0, 2, 3]

        # Birch then Ash: refused, since Ash alone may review Ash's words.
        view.move_cursor(row=1)
        await pilot.press("v", "down", "Q")
        await pilot.pause()
        assert isinstance(app.screen, TranscriptScreen)
        assert any("more than one person" in message for _, message in notifications(app))
        assert len(c.store.quotes(c.session_id)) == 2
        await pilot.press("v")  # end the range

        # Words of one segment: w, then pick "drives me to" from Birch's words.
        view.move_cursor(row=1)
        await pilot.press("w")
        await pilot.pause()
        picker_screen = app.screen
        assert isinstance(picker_screen, WordRangeScreen)
        picker = picker_screen.query_one(WordRange)
        assert picker.has_focus and picker.chosen == (0, 1)
        await pilot.press("right", "right", "right", "shift+right", "shift+right")
        assert picker.chosen_text == "drives me to"
        await pilot.press("space")  # back to one word, the cursor's
        assert picker.chosen_text == "to"
        await pilot.press("space", "left", "left")  # stretch back from "to"
        assert picker.chosen == (3, 6)
        assert "3 words: “drives me to”" in str(picker_screen.query_one("#chosen").content)
        if SHOTS:
            app.save_screenshot(str(Path(SHOTS) / "transcript-word-pick.svg"))
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QuoteDialog)
        assert "“drives me to”" in str(dialog.query_one("#quote-text", Static).content)
        assert dialog.query_one("#participant", Select).value == c.birch
        words = await save_quote(app, pilot)
        assert (words.text, words.participant_id, words.segment_ids) == (
            "drives me to", c.birch, [ids[1]])
        assert (words.start, words.end) == (13.0, 16.0)
        assert marked(view) == [0, 1, 2, 3]
        assert QUOTED in screen_text(app)
        if SHOTS:
            app.save_screenshot(str(Path(SHOTS) / "transcript-quoted.svg"))

        # Escape in the word picker makes nothing.
        await pilot.press("w", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TranscriptScreen)
        assert len(list_quotes(c.store, c.session_id)) == 3

        # Back and in again: the marks come from the store.
        await pilot.press("escape")
        view = await open_transcript(app, pilot)
        assert marked(view) == [0, 1, 2, 3]
