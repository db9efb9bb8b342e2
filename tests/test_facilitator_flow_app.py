"""The facilitator's flow, walked with Pilot on real stores: numbering, edits, selection."""

from __future__ import annotations

import pytest
from quote_fixtures import painting_session
from test_app import SIZE, settle
from test_transcript_app import demo_session
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static

from facilitate.app import FacilitateApp
from facilitate.screens import HomeScreen, NewSessionScreen
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.run_dialogs import StrikeScreen, stop_dialog
from facilitate.screens.transcript import TranscriptScreen
from facilitate.screens.transcript_dialogs import EditTextScreen, PickScreen
from facilitate.widgets import SessionTable
from facilitate.widgets.transcript_view import TranscriptView
from sessions.consent import consent_rows
from sessions.services import Services


async def test_a_new_session_is_the_one_selected() -> None:
    services = Services.from_root(None)
    store, first = painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)
        await pilot.press(*"Music at the Hub", "tab", *"The Hub", "tab", "tab")
        app.screen.query_one("#date", Input).value = "2024-06-01"
        await pilot.press("tab", *"Cedar", "tab", *"Jo", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        new = next(s for s in store.sessions() if s.id != first.id)
        assert app.screen.query_one(SessionTable).selected_id == new.id


async def test_one_speaker_numbering_on_the_run_screen_and_the_transcript() -> None:
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    # The demo plans the facilitator first; the run screen numbers participants first.
    run_order = [row.participant.pseudonym for row in consent_rows(store, session_id)]
    assert run_order[0] == "Sam" and run_order[-1] == "Facilitator"
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        assert [p.pseudonym for p in screen.people] == run_order
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        labels = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert labels[:len(run_order)] == [f"{n}  {name}" for n, name in enumerate(run_order, 1)]
        await pilot.press("1")
        await pilot.pause()
        target = screen.query_one(TranscriptView).current
        sam = next(p.id for p in store.participants() if p.pseudonym == "Sam")
        assert next(s for s in store.segments(session_id) if s.id == target.id).speaker_id == sam
        # The digit without the dialog means the same person.
        await pilot.press("down", str(len(run_order)))
        await pilot.pause()
        facilitator = next(p.id for p in store.participants() if p.pseudonym == "Facilitator")
        below = screen.query_one(TranscriptView).current
        assert next(s for s in store.segments(session_id) if s.id == below.id).speaker_id == \
            facilitator


async def test_editing_a_segment_keeps_its_text_and_shows_all_the_model_heard() -> None:
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    heard = "I " + "really " * 40 + "liked the painting here."
    segments = store.segments(session_id)
    segment = segments[0]
    segment.original_text = heard
    store.save_segments(session_id, segments)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        view.move_cursor(row=0)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EditTextScreen)
        field = dialog.query_one("#text", Input)
        assert field.cursor_position == len(field.value) and field.selection.is_empty
        await pilot.press("backspace", "!")
        assert field.value == segment.text[:-1] + "!"
        original = dialog.query_one("#original", Static)
        assert original.region.height > 1  # wrapped, not cut to one line
        assert "liked the painting here." in str(original.render())
        await pilot.press("enter")
        await pilot.pause()
        saved = next(s for s in store.segments(session_id) if s.id == segment.id)
        assert saved.text == segment.text[:-1] + "!"


class DialogHost(App[None]):
    """A bare app to open one dialog on, answered with real keys."""

    def __init__(self, dialog: Screen[object]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[object] = []

    def on_mount(self) -> None:
        """Open the dialog; keep its answer."""
        self.push_screen(self.dialog, callback=self.answers.append)


@pytest.mark.parametrize("dialog, says", [
    (lambda: stop_dialog(252.0), "4:12 recorded"),
    (lambda: StrikeScreen(40.0, lambda: 41.2, 30.0), "0:10–0:42"),
    (lambda: ConfirmDialog("Remove theme", "Remove Hope? The 3 quotes tagged with it…",
                           "Remove"), "3 quotes"),
])
async def test_a_dialog_that_destroys_defaults_to_the_safe_answer(dialog, says: str) -> None:  # noqa: ANN001
    host = DialogHost(dialog())
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown_text = " ".join(str(w.render()) for w in host.screen.query(Static))
        assert says in shown_text
        await pilot.press("enter")  # a stray enter
        await pilot.pause()
    assert host.answers in ([False], [None])
