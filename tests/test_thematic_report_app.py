"""The thematic report in the app: the facilitator writes its frame; a maker decides on artwork."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from quote_fixtures import ASH_ONE, PIN, consultation_with_quotes, screen_text
from test_review_app import start_review
from textual.widgets import Input, OptionList, Select, Static, TextArea

from facilitate.app import FacilitateApp
from facilitate.screens.artwork import ArtworkScreen, AttachArtworkDialog
from facilitate.screens.report_frame import ReportFrameScreen
from facilitate.screens.review import ReviewScreen
from facilitate.widgets.picture import HalfBlocks, Picture
from models.artwork import ArtworkState
from models.audit import Actor
from models.participant import RecordingConsent
from models.quote import Decision
from models.report_frame import CONTEXT
from sessions import artwork as artworks
from sessions.report_frame import load_frame
from sessions.review import apply_decision, set_pin
from sessions.services import Services

SIZE = (100, 30)


async def test_the_frame_is_written_beside_the_approved_quotes() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    c.store.set_recording_consent(c.ash, c.session_id, RecordingConsent.YES)
    apply_decision(c.store, c.quotes["ash1"], Decision.APPROVE)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportFrameScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one(TextArea).has_focus
        await pilot.press(*"We asked [b]people[/b].")
        # Choosing another part saves this one.
        parts = screen.query_one(OptionList)
        parts.highlighted = next(
            i for i in range(parts.option_count)
            if parts.get_option_at_index(i).id == c.themes["Acceptance"]
        )
        await pilot.pause()
        assert load_frame(c.store).context == "We asked [b]people[/b]."
        assert "We asked" not in screen.query_one(TextArea).text  # the editor moved on
        beside = str(screen.query_one("#frame-quotes-list", Static).content)
        assert ASH_ONE in beside and "1 approved" in beside  # the approved quote, beside it
        assert "Ash, painting session" in " ".join(screen_text(app).split())
        screen.query_one(TextArea).focus()
        await pilot.press(*"Being accepted came first.")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportFrameScreen)
    frame = load_frame(c.store)
    assert frame.what_we_heard == {c.themes["Acceptance"]: "Being accepted came first."}
    events = [e for e in c.store.audit() if e.action.startswith("report")]
    assert [e.subject_id for e in events] == [CONTEXT, c.themes["Acceptance"]]
    assert {e.actor for e in events} == {Actor.FACILITATOR}


def _photo(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (300, 200), colour).save(path, "JPEG")
    return path


async def test_a_maker_sees_and_decides_on_only_their_own_artwork(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_pin(c.store, PIN)
    artworks.add_artwork(c.store, c.session_id, c.birch, _photo(tmp_path / "b.jpg",
                         (40, 40, 220)), "Blue boat by Birch")
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(120, 40)) as pilot:
        # The facilitator attaches Ash's painting from the session's artwork screen.
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ArtworkScreen)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AttachArtworkDialog)
        dialog.query_one("#photo", Input).value = str(_photo(tmp_path / "a.jpg", (220, 40, 40)))
        dialog.query_one("#maker", Select).value = c.ash
        dialog.query_one("#description", Input).value = "Red poppies"
        await pilot.click("#submit")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "not decided yet" in screen_text(app) and "Red poppies" in screen_text(app)
        [mine] = artworks.artwork_for(c.store, c.ash)
        await pilot.press("escape")
        await start_review(app, pilot, c.ash, None)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        for _ in range(len(review.quotes)):
            await pilot.press("right")
        await pilot.pause()
        assert review.page.kind == "artwork"
        text = screen_text(app)
        assert "Your artwork 1 of 1" in text and "Red poppies" in text
        assert "Blue boat" not in text
        # The picture is drawn in half blocks, in its own colours.
        assert "▀" in text and isinstance(review.query_one(Picture).content.renderables[0],
                                          HalfBlocks)
        await pilot.press("y")
        await pilot.pause()
        assert "You said: yes, the report can show this." in screen_text(app)
        await pilot.press("right")
        await pilot.pause()
        assert "Artwork 1: Red poppies" in screen_text(app)
        assert "Blue boat" not in screen_text(app)
    assert artworks.artwork(c.store, mine.id).state is ArtworkState.APPROVED
    event = [e for e in c.store.audit() if e.action == "artwork approved"]
    assert len(event) == 1 and event[0].actor is Actor.PARTICIPANT
    assert event[0].participant_id == c.ash
