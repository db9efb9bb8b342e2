"""Correcting a form after it points at a mistake: a first Backspace takes one character."""

from __future__ import annotations

from quote_fixtures import painting_session
from textual.widgets import Input

from facilitate.app import FacilitateApp
from facilitate.screens.forms import NewSessionScreen
from sessions.services import Services


async def test_the_field_with_the_mistake_is_focused_without_its_text_selected() -> None:
    services = Services.from_root(None)
    painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        form.query_one("#title", Input).value = "Music at the library"
        form.query_one("#participants", Input).value = "Ash, Birch, Cedar, Ash"
        facilitator = form.query_one("#facilitator", Input)
        facilitator.focus()
        await pilot.press("J", "o", "enter")  # submitted from another field
        await pilot.pause()
        field = form.query_one("#participants", Input)
        assert field.has_focus and field.selection.is_empty
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        assert field.value == "Ash, Birch, Cedar"
        await pilot.press("enter")
        await pilot.pause()
    store = services.workspace.open(services.workspace.consultation_ids()[0])
    made = next(s for s in store.sessions() if s.title == "Music at the library")
    names = {p.id: p.pseudonym for p in store.participants()}
    assert [names[i] for i in made.participant_ids if names[i] != "Jo"] == ["Ash", "Birch",
                                                                             "Cedar"]


async def test_a_pseudonym_too_long_in_a_list_is_named() -> None:
    services = Services.from_root(None)
    painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        form.query_one("#title", Input).value = "Music"
        form.query_one("#participants", Input).value = "Ash, " + "Birchwood" * 5 + ", Cedar"
        form.query_one("#participants", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        error = str(form.query_one("#participants-error").render())
        assert error.startswith("BirchwoodBirchwoodBirch…: ") and "(this one has 45)" in error
