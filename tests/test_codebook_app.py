"""The codebook screen: counts, and edits whose effect reaches every quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from quote_fixtures import consultation_with_quotes, open_screen
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, Tree

from facilitate.app import FacilitateApp
from facilitate.screens.codebook import CodebookScreen
from facilitate.screens.dialogs import ChooseDialog, ConfirmDialog, PathPrompt, TextPrompt
from facilitate.screens.quotes import QuotesScreen
from sessions.services import Services

SIZE = (120, 40)


def select_theme(screen: CodebookScreen, theme_id: str) -> None:
    """Put the tree's cursor on ``theme_id``."""
    tree = screen.query_one("#themes", Tree)
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None and node.data == theme_id:
            tree.move_cursor_to_line(line)
            return
    raise AssertionError(f"no theme {theme_id} in the tree")


def tree_text(screen: CodebookScreen) -> str:
    """Every label in the theme tree."""
    tree = screen.query_one("#themes", Tree)
    return "\n".join(
        str(tree.get_node_at_line(i).label)  # type: ignore[union-attr]
        for i in range(tree.last_line + 1)
    )


async def enter_path(app: FacilitateApp, pilot: Pilot[None], path: Path) -> None:
    """Fill the open path prompt and submit it (typing a long temporary path is slow)."""
    assert isinstance(app.screen, PathPrompt)
    app.screen.query_one("#text", Input).value = str(path)
    await pilot.press("enter")


async def test_rename_and_merge_themes_and_the_quotes_follow(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "k", CodebookScreen)
        shown = tree_text(screen)
        assert "Acceptance  1 quote  ⚑ thin" in shown
        counts = str(screen.query_one("#participant-counts", Static).content)
        assert "Ash: 2" in counts and "Birch: 1" in counts

        # Rename Acceptance: the quote tagged with it shows the new name.
        select_theme(screen, c.themes["Acceptance"])
        await pilot.press("r")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("ctrl+u", *"Being accepted", "enter")
        await pilot.pause()
        assert "Being accepted  1 quote" in tree_text(screen)
        acceptance = c.store.consultation().codebook.theme(c.themes["Acceptance"])
        assert acceptance is not None and acceptance.name == "Being accepted"

        # Merge "The local context" into "Somewhere to go": Ash's bus quote follows.
        select_theme(screen, c.themes["The local context"])
        await pilot.press("m")
        dialog = app.screen
        assert isinstance(dialog, ChooseDialog)
        dialog.query_one("#choice", Select).value = c.themes["Somewhere to go"]
        await pilot.click("#submit")
        await pilot.pause()
        assert app.screen is screen
        assert "The local context" not in tree_text(screen)
        assert "Somewhere to go  2 quotes" in tree_text(screen)
        assert c.store.quote(c.quotes["ash2"]).theme_ids == [c.themes["Somewhere to go"]]

        # Nest "Being accepted" under "Somewhere to go"; the parent rolls it up.
        select_theme(screen, c.themes["Acceptance"])
        await pilot.press("n")
        nest = app.screen
        assert isinstance(nest, ChooseDialog)
        nest.query_one("#choice", Select).value = c.themes["Somewhere to go"]
        await pilot.click("#submit")
        await pilot.pause()
        theme = c.store.consultation().codebook.theme(c.themes["Acceptance"])
        assert theme is not None and theme.parent_id == c.themes["Somewhere to go"]
        assert "Somewhere to go  3 quotes" in tree_text(screen)

        # The quotes screen shows the new names.
        await pilot.press("escape", "u")
        await pilot.pause()
        quotes = app.screen
        assert isinstance(quotes, QuotesScreen)
        assert "Being accepted" in str(quotes.query_one("#quote-detail", Static).content)

        # Back to the codebook: add, describe, remove, export and import.
        await pilot.press("escape", "k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        await pilot.press("a", *"Getting there", "enter")
        await pilot.pause()
        assert "Getting there" in tree_text(screen)
        await pilot.press("d", *"Transport and travel", "enter")
        await pilot.pause()
        assert c.store.consultation().codebook.by_name("Getting there").description == (  # type: ignore[union-attr]
            "Transport and travel"
        )
        path = tmp_path / "codebook.csv"
        await pilot.press("e")
        assert isinstance(app.screen, PathPrompt)
        await enter_path(app, pilot, path)
        await pilot.pause()
        assert "Getting there,Transport and travel," in path.read_text()

        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # enter would keep it: Cancel is the default
        await pilot.pause()
        assert c.store.consultation().codebook.by_name("Getting there") is None

        await pilot.press("i")
        await enter_path(app, pilot, path)
        await pilot.pause()
        assert c.store.consultation().codebook.by_name("Getting there") is not None
        assert "Getting there" in tree_text(screen)


async def test_codebook_dialogs_keep_what_was_typed_and_say_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "k", CodebookScreen)

        # A theme that exists already: said in the dialog, which keeps the text.
        await pilot.press("a", *"acceptance", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TextPrompt)
        error = dialog.query_one("#text-error", Static)
        assert error.display and "Acceptance" in str(error.content)
        assert dialog.query_one("#text", Input).value == "acceptance"
        await pilot.press("escape")

        # Import from a folder: it says so.
        await pilot.press("i", *str(tmp_path), "enter")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        assert "is a folder" in str(app.screen.query_one("#text-error", Static).content)
        await pilot.press("escape")

        # Export: an absolute default path, shown in full; replacing asks first.
        await pilot.press("e")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        default = Path(prompt.query_one("#text", Input).value)
        assert default == tmp_path / "home" / "facilitate-exports" / (
            "day-services-review-codebook.csv"
        )
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and default.is_file()
        assert any(str(default) in n.message for n in app._notifications)
        default.write_text("keep me")
        await pilot.press("e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        assert default.read_text() == "keep me"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert "Acceptance" in default.read_text()
