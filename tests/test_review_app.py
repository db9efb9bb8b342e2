"""Participant review mode driven through Pilot: only their words, locked, every decision kept."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from quote_fixtures import (
    ASH_ONE,
    ASH_TWO,
    BIRCH_ONE,
    PIN,
    Consultation,
    consultation_with_quotes,
    screen_text,
)
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Select, Static

from facilitate.app import FacilitateApp
from facilitate.screens import SessionScreen
from facilitate.screens.dialogs import ChooseDialog
from facilitate.screens.review import LeavePinDialog, ReviewScreen, SetPinDialog
from models.audit import Actor
from models.participant import ContributionState
from models.quote import QuoteState
from sessions.review import set_pin
from sessions.services import Services

SIZE = (120, 40)
#: Words only Birch said, and Birch's pseudonym: none may ever show in Ash's review.
BIRCH_WORDS = ("Birch", "Morag", "sister", "Tuesdays")


def assert_only_ash(app: FacilitateApp) -> None:
    """Nothing of Birch's is drawn anywhere on the terminal."""
    text = screen_text(app)
    for word in BIRCH_WORDS:
        assert word not in text, f"{word!r} is on screen in Ash's review"


async def start_review(app: FacilitateApp, pilot: Pilot[None], who: str, pin: str | None) -> None:
    """From the session screen: v, choose ``who``, set the PIN if asked."""
    await pilot.pause()
    assert isinstance(app.screen, SessionScreen)
    await pilot.press("v")
    assert isinstance(app.screen, ChooseDialog)
    app.screen.query_one("#choice", Select).value = who
    await pilot.click("#submit")
    await pilot.pause()
    if pin is not None:
        assert isinstance(app.screen, SetPinDialog)
        await pilot.press(*pin, "tab", *pin, "enter")
        await pilot.pause()
    assert isinstance(app.screen, ReviewScreen)


@contextlib.asynccontextmanager
async def reviewing_ash(
    size: tuple[int, int] = SIZE,
) -> AsyncIterator[tuple[Consultation, FacilitateApp, Pilot[None]]]:
    """The app in Ash's review, the PIN set beforehand: what many tests start from."""
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_pin(c.store, PIN)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=size) as pilot:
        await start_review(app, pilot, c.ash, None)
        yield c, app, pilot


async def test_review_shows_only_their_words_and_keys_cannot_leave() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, PIN)
        review = app.screen
        text = screen_text(app)
        assert "This is something you said during the painting session." in text
        assert ASH_ONE in text and "Yes, you can use this" in text
        assert "Don't use this" in text and "Hide some words" in text
        assert_only_ash(app)

        for key in ("escape", "q", "ctrl+q", "ctrl+c", "ctrl+p", "question_mark", "f1",
                    "ctrl+z", "tab", "tab", "tab", "tab", "tab", "tab", "shift+tab", "enter",
                    "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.screen is review, f"{key} left review mode"
            assert not CommandPalette.is_open(app)
            assert_only_ash(app)

        # Every page, to the summary and past it: still only Ash.
        for _ in range(6):
            await pilot.press("right")
            assert_only_ash(app)
        text = screen_text(app)
        assert "What you decided" in text and ASH_TWO in text
        assert app.screen is review

        # The facilitator's prompt shows nothing of anyone either.
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, LeavePinDialog)
        assert_only_ash(app)
        for wrong in ("1111", "2222", "3333"):
            await pilot.press(*wrong, "enter")
            await pilot.pause()
            assert isinstance(app.screen, LeavePinDialog)
        message = app.screen.query_one("#leave-message", Static)
        assert "Wrong PIN. Try again in 30 seconds." in str(message.content)
        # Within the wait even the right PIN is not checked, so it does not leave.
        await pilot.press(*PIN, "enter")
        await pilot.pause()
        assert isinstance(app.screen, LeavePinDialog)
        message = app.screen.query_one("#leave-message", Static)
        assert "Still locked: that PIN was not checked." in str(message.content)
        await pilot.press("ctrl+q", "escape")
        await pilot.pause()
        assert app.screen is review and app.is_running


async def test_a_wrong_pin_stays_and_the_right_pin_leaves() -> None:
    async with reviewing_ash() as (c, app, pilot):
        await pilot.press("ctrl+l", *"9999", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LeavePinDialog)
        assert "Wrong PIN." in str(app.screen.query_one("#leave-message", Static).content)
        await pilot.press(*PIN, "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert app.use_command_palette
        # Back with the facilitator, the app's keys work again.
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, SessionScreen)


async def test_decisions_are_stored_audited_and_survive_a_restart() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, PIN)
        await pilot.press("y")  # quote 1: yes
        await pilot.pause()
        assert "You said: yes, you can use this." in screen_text(app)
        await pilot.press("right", "h")  # quote 2: hide "The bus"
        await pilot.pause()
        await pilot.press("space", "right", "space", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "[redacted] from the village" in text
        assert "You said: yes, with some words hidden." in text
        await pilot.press("left", "d")  # back to quote 1: changed their mind
        await pilot.pause()
        # The words stay in view, so they can change their mind again.
        assert "You said: don't use this." in screen_text(app) and ASH_ONE in screen_text(app)

        # Their own transcript: hide a word, then approve the contribution.
        await pilot.press("right", "right")
        assert "What you decided" in screen_text(app)
        await pilot.click("#see-transcript")
        await pilot.pause()
        # They see their transcript as it would be exported: the quote they
        # withdrew is left out, and the words hidden in quote 2 are hidden here too.
        text = screen_text(app)
        assert ASH_ONE not in text and "[redacted] from the village" in text
        assert_only_ash(app)
        await pilot.press("h", "right", "right", "space", "enter")  # hide "from"
        await pilot.pause()
        assert "[redacted] the village" in screen_text(app)
        await pilot.press("right")
        assert_only_ash(app)
        await pilot.press("right", "y")
        await pilot.pause()
        assert "the transcript can keep what you said" in screen_text(app)

    store = c.store
    assert store.quote(c.quotes["ash1"]).state is QuoteState.WITHDRAWN
    ash2 = store.quote(c.quotes["ash2"])
    assert ash2.state is QuoteState.APPROVED_REDACTED and ash2.redactions == [0, 1]
    assert store.quote(c.quotes["birch1"]).state is QuoteState.PENDING
    events = store.audit(c.ash)
    assert [e.action for e in events] == [
        "quote approve", "quote redact", "quote withdraw", "transcript redact",
        "transcript approved",
    ]
    assert {e.actor for e in events} == {Actor.PARTICIPANT}
    assert store.audit(c.birch) == []

    # A restart: new services on the same folder, a new app.
    services = Services.from_root(None)
    store = services.workspace.open(c.store.id)
    (_, ash_segment) = [s for s in store.segments(c.session_id) if s.speaker_id == c.ash]
    assert ash_segment.redactions == [2]
    assert store.participant(c.ash).contribution_for(c.session_id) is ContributionState.APPROVED
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, None)  # the PIN survived too
        assert "You said: don't use this." in screen_text(app)
        await pilot.press("right")
        text = screen_text(app)
        # "from", hidden in their transcript, is hidden in the quote too.
        assert "[redacted] the village" in text
        assert "You said: yes, with some words hidden." in text
        assert_only_ash(app)


async def test_review_looks_calm_at_80_by_24() -> None:
    async with reviewing_ash((80, 24)) as (c, app, pilot):
        text = screen_text(app)
        for words in ("Quote 1 of 2", ASH_ONE, "Yes, you can use this", "Don't use this"):
            assert words in text
        assert_only_ash(app)
        assert BIRCH_ONE not in text


async def test_hiding_words_shows_them_struck_through_and_escape_only_cancels() -> None:
    from facilitate.screens.review_parts import HIDDEN_MARK, WordPicker

    async with reviewing_ash() as (c, app, pilot):
        review = app.screen
        await pilot.press("h", "space", "right", "space")
        await pilot.pause()
        picker = review.query_one(WordPicker)
        assert picker.hidden == {0, 1}
        text = screen_text(app)
        # While picking, the hidden words are still there to see (and to show again).
        assert f"{HIDDEN_MARK}I {HIDDEN_MARK}come here" in text
        assert "[redacted] [redacted]" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review  # still in review mode
        assert not review.hiding
        assert c.store.quote(c.quotes["ash1"]).redactions == []
        assert ASH_ONE in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review


async def test_the_focused_review_button_is_always_on_show_and_stands_out() -> None:
    from textual.widgets import Button

    async with reviewing_ash() as (c, app, pilot):
        await pilot.press("tab", "right", "right")  # focus on a choice, then the summary
        await pilot.pause()
        assert "What you decided" in screen_text(app)
        focused = app.focused
        assert isinstance(focused, Button)
        assert all(node.display for node in focused.ancestors_with_self if hasattr(node, "display"))
        unfocused = next(b for b in app.screen.query(Button) if b is not focused)
        assert focused.styles.background != unfocused.styles.background
        assert focused.styles.background.brightness > 0.6


async def test_a_stray_enter_never_decides_for_the_participant() -> None:
    """Nothing a participant did not choose is recorded: the focus is never on a decision."""
    async with reviewing_ash() as (c, app, pilot):
        before = {q.id: q.state for q in c.store.quotes(c.session_id)}
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("right", "enter")  # on the next card too
        await pilot.pause()
        assert app.focused is None or app.focused.id not in {"approve", "withdraw"}
        assert {q.id: q.state for q in c.store.quotes(c.session_id)} == before
