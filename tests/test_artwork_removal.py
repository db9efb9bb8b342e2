"""Artwork attached by mistake, or whose photo was lost, can be taken out again.

Without this, a photo given the wrong maker would be shown to the wrong person
in their review, and one whose file went missing stopped every export (its
message said to attach it again, which left the broken record in place).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from quote_fixtures import consultation_with_quotes, screen_text
from textual.widgets import DataTable

from facilitate.app import FacilitateApp
from facilitate.screens.artwork import ArtworkScreen
from facilitate.screens.dialogs import ConfirmDialog
from models.artwork import ArtworkState
from models.audit import Actor
from sessions import artwork as artworks
from sessions.artwork import ArtworkError
from sessions.export import export_all
from sessions.services import Services


def _toasts(app: FacilitateApp) -> list[str]:
    return [n.message for n in app._notifications]


def _photo(path: Path) -> Path:
    Image.new("RGB", (120, 90), (200, 60, 40)).save(path, "JPEG")
    return path


def test_a_lost_photo_is_removed_and_exports_work_again(tmp_path: Path) -> None:
    c = consultation_with_quotes(Services.from_root(None), quotes=False)
    lost = artworks.add_artwork(c.store, c.session_id, c.ash, _photo(tmp_path / "a.jpg"),
                                "Poppies by the canal")
    artworks.decide(c.store, lost.id, approve=True)
    (c.store.folder / "artwork" / lost.file).unlink()
    with pytest.raises(ArtworkError, match="remove it .*and attach the photo again"):
        export_all(c.store, tmp_path / "first", ["report-md"])

    removed = artworks.remove_artwork(c.store, lost.id)

    assert removed.state is ArtworkState.APPROVED
    assert artworks.artworks(c.store) == []
    written = export_all(c.store, tmp_path / "second", ["report-md"])
    assert written and not any("artwork" in p.name for p in written)
    [event] = [e for e in c.store.audit() if e.action == "artwork removed"]
    assert event.actor is Actor.FACILITATOR and event.participant_id == c.ash
    assert event.subject_id == lost.id
    assert "Poppies" not in repr(event)  # the audit log is exported; descriptions are not


def test_removing_deletes_the_photo_and_only_that_piece(tmp_path: Path) -> None:
    c = consultation_with_quotes(Services.from_root(None), quotes=False)
    wrong = artworks.add_artwork(c.store, c.session_id, c.birch, _photo(tmp_path / "a.jpg"))
    kept = artworks.add_artwork(c.store, c.session_id, c.ash, _photo(tmp_path / "b.jpg"))
    artworks.remove_artwork(c.store, wrong.id)
    assert not (c.store.folder / "artwork" / wrong.file).exists()
    assert (c.store.folder / "artwork" / kept.file).exists()
    assert [a.id for a in artworks.artworks(c.store)] == [kept.id]


async def test_del_on_the_artwork_screen_asks_first_and_enter_keeps(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    item = artworks.add_artwork(c.store, c.session_id, c.birch, _photo(tmp_path / "a.jpg"),
                                "Blue [b]boat[/b]")
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ArtworkScreen)
        assert "del Remove" in screen_text(app)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Blue [b]boat[/b]" in screen_text(app) and "Birch" in screen_text(app)
        await pilot.press("enter")  # Cancel is focused: a stray enter removes nothing
        await pilot.pause()
        assert isinstance(app.screen, ArtworkScreen)
        assert [a.id for a in artworks.artworks(c.store)] == [item.id]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ArtworkScreen)
        assert artworks.artworks(c.store) == []
        assert "Removed Birch's photo; it appears in no export." in _toasts(app)
        assert not app.screen.query_one(DataTable).display
        assert "No artwork yet" in screen_text(app)
        await pilot.press("delete")  # nothing left: one line, no dialog
        await pilot.pause()
        assert isinstance(app.screen, ArtworkScreen)
        assert "No artwork to remove." in _toasts(app)


def test_the_command_line_removes_artwork_by_its_id(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from facilitate.artwork_cli import artwork

    c = consultation_with_quotes(Services.from_root(None), quotes=False)
    item = artworks.add_artwork(c.store, c.session_id, c.ash, _photo(tmp_path / "a.jpg"))
    runner = CliRunner()
    unknown = runner.invoke(artwork, ["remove", c.session_id, "art-nothere"])
    assert unknown.exit_code != 0 and "No artwork art-nothere" in unknown.output
    assert len(unknown.output.strip().splitlines()) == 1
    removed = runner.invoke(artwork, ["remove", c.session_id, item.id])
    assert removed.exit_code == 0, removed.output
    assert f"Removed {item.id} by Ash" in removed.output
    assert artworks.artworks(c.store) == []


async def test_a_long_description_leaves_the_decision_on_screen(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    long = "A painting of the garden with the bench and the pond and the heron. " * 6
    item = artworks.add_artwork(c.store, c.session_id, c.ash, _photo(tmp_path / "a.jpg"), long)
    artworks.decide(c.store, item.id, approve=False)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert "don't use it" in screen_text(app)  # the maker's decision, at 80 columns
        await pilot.press("delete")
        await pilot.pause()
        message = str(app.screen.query_one("#confirm-message").render())
        assert "made by Ash" in message and long not in message and "…" in message


def test_the_command_line_attaches_artwork_only_to_a_participant(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from facilitate.artwork_cli import artwork

    c = consultation_with_quotes(Services.from_root(None), quotes=False)
    runner = CliRunner()
    listed = runner.invoke(artwork, ["list", c.session_id])
    assert "Ash" in listed.output and "Jo (" not in listed.output  # Jo facilitates
    made = runner.invoke(artwork, ["add", c.session_id, str(_photo(tmp_path / "a.jpg")),
                                   "--maker", "Jo"])
    assert made.exit_code != 0 and "Jo is a facilitator" in made.output
    assert len(made.output.strip().splitlines()) == 1
    assert artworks.artworks(c.store) == []


async def test_a_photo_just_attached_is_the_one_highlighted(tmp_path: Path) -> None:
    from textual.widgets import Input, Select

    from facilitate.screens.artwork import AttachArtworkDialog

    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    for name in ("a", "b"):
        artworks.add_artwork(c.store, c.session_id, c.birch, _photo(tmp_path / f"{name}.jpg"))
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AttachArtworkDialog)
        dialog.query_one("#photo", Input).value = str(_photo(tmp_path / "new.jpg"))
        dialog.query_one("#maker", Select).value = c.ash
        await pilot.click("#submit")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        [new] = artworks.artwork_for(c.store, c.ash)
        assert table.row_count == 3
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == new.id
