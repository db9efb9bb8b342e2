"""Snapshots of the main screens (pytest-textual-snapshot); nothing in them varies per run."""

from __future__ import annotations

from facilitate.app import FacilitateApp
from models import ActivityKind, Segment
from sessions.planning import create_session
from sessions.services import Services


def seeded_workspace() -> tuple[Services, str]:
    """Two consultations, two sessions, one short attributed transcript; the session id."""
    services = Services.from_root(None)
    store = services.workspace.create_consultation(
        "Day services review", "What makes a good day service for you?"
    )
    session = create_session(
        store,
        "Painting at the Hub",
        venue="The Hub, Riverside",
        activity=ActivityKind.PAINTING,
        date="2024-05-17",
        facilitators=["Jo"],
        participants=["Ash", "Birch"],
    )
    create_session(store, "Talking about work", venue="Library", date="2024-05-24")
    services.workspace.create_consultation("Employment support", codebook="empty")
    people = {p.pseudonym: p.id for p in store.participants()}
    said = [
        ("Ash", "I come here because it gives me a reason to get up in the morning."),
        (
            "Birch",
            "When I'm painting I don't think about everything else, and nobody asks me "
            "to explain myself or fill in another form about how I am feeling today.",
        ),
        (None, "Mm."),
        ("Jo", "What would make it better?"),
    ]
    store.save_segments(
        session.id,
        [
            Segment(
                start=7.5 * i,
                end=7.5 * i + 6,
                text=text,
                speaker_id=people[name] if name else None,
                id=f"g{i}",
            )
            for i, (name, text) in enumerate(said)
        ],
    )
    return services, session.id


def test_home_screen(snap_compare) -> None:  # noqa: ANN001 - pytest-textual-snapshot fixture
    services, _ = seeded_workspace()
    assert snap_compare(FacilitateApp(services), terminal_size=(120, 40))


def test_home_screen_narrow(snap_compare) -> None:  # noqa: ANN001
    services, _ = seeded_workspace()
    assert snap_compare(FacilitateApp(services), terminal_size=(80, 24))


def test_session_screen(snap_compare) -> None:  # noqa: ANN001
    services, session_id = seeded_workspace()
    assert snap_compare(FacilitateApp(services, open_session=session_id), terminal_size=(120, 40))


def test_new_session_form(snap_compare) -> None:  # noqa: ANN001
    services, _ = seeded_workspace()

    async def blank_date(pilot) -> None:  # noqa: ANN001
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#date").value = "2024-06-01"

    assert snap_compare(FacilitateApp(services), terminal_size=(120, 40), run_before=blank_date)
