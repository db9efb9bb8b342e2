"""Correcting a long segment: the dialog opens where the cursor is, so typing is seen."""

from __future__ import annotations

from quote_fixtures import screen_text
from test_transcript_app import demo_session
from textual.widgets import Input

from facilitate.app import FacilitateApp
from facilitate.screens.transcript_dialogs import EditTextScreen
from facilitate.widgets.transcript_view import TranscriptView
from sessions.services import Services


async def test_a_long_segment_opens_with_its_end_and_cursor_in_view() -> None:
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    segments = store.segments(session_id)
    longest = max(range(len(segments)), key=lambda i: len(segments[i].text))
    text = segments[longest].text.strip()
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one(TranscriptView).move_cursor(row=longest)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditTextScreen)
        field = app.screen.query_one("#text", Input)
        assert len(text) > field.content_size.width  # the case: it does not fit
        await pilot.pause()
        # The last words and the cursor after them are on screen, not only the start.
        assert text.split()[-1] in screen_text(app)
        visible = range(field.scroll_offset.x, field.scroll_offset.x + field.content_size.width)
        assert field.cursor_position == len(field.value) and len(field.value) in visible
        await pilot.press("!")
        assert field.value.endswith("!") and "!" in screen_text(app)
