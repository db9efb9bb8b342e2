"""A maker's artwork page at 80x24: the photo, all of its description and the choices, at once."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from quote_fixtures import PIN, consultation_with_quotes
from test_review_app import start_review

from facilitate.app import FacilitateApp
from facilitate.screens.review import ReviewScreen
from sessions import artwork as artworks
from sessions.review import set_pin
from sessions.services import Services


async def test_a_long_description_leaves_the_choices_on_screen(tmp_path: Path) -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services, quotes=False)
    set_pin(c.store, PIN)
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (800, 600), (30, 120, 200)).save(photo)
    said = "A painting of the garden, the bench by the pond and the heron that visits. " * 8
    artworks.add_artwork(c.store, c.session_id, c.ash, photo, said)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(app, pilot, c.ash, None)
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.piece is not None
        keys = review.query_one("#review-keys").region
        # Nothing scrolled away: where we are, the photo, its words and the choices.
        for part in ("#review-step", "#review-picture", "#approve", "#withdraw"):
            region = review.query_one(part).region
            assert region.height and region.y >= 0 and region.bottom <= keys.y, part
