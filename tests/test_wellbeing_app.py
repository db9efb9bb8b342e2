"""Looking after people and reach, through the real app driven by Pilot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import require_portaudio, skip_or_fail
from quote_fixtures import open_screen
from test_app import SIZE, notifications, planned_session
from textual.widgets import DataTable, Input, Select, Static

from facilitate.app import FacilitateApp
from facilitate.screens.dialogs import TextPrompt
from facilitate.screens.home import HomeScreen
from facilitate.screens.plan import PlanScreen
from facilitate.screens.reach import ReachAnswersScreen, ReachScreen, field_id
from facilitate.screens.wellbeing import (
    AttendanceScreen,
    CheckInScreen,
    FollowUpListScreen,
    FollowUpScreen,
    check_in_round,
)
from models.reach import AGE_BAND, POSTCODE_DISTRICT
from models.session import StepKind
from models.wellbeing import Feeling, Moment
from sessions.planning import create_session
from sessions.services import Services
from sessions.wellbeing import add_follow_up, follow_up_done, set_reach_answer

ROOT = Path(__file__).resolve().parent.parent


def count(screen: ReachScreen, group: str) -> str:
    ages = next(t for t in screen.tables if t.attribute == AGE_BAND)
    return next(row.count for row in ages.rows if row.category == group)


async def test_check_in_three_people_then_the_follow_up_list_and_reach_update() -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services")
    names = ["Robin", "Sam", "Kit", "Ash", "Birch", "Cedar", "Elm", "Fir", "Gorse", "Hazel", "Ivy"]
    session = create_session(store, "Painting", participants=names)
    people = [store.participant(pid) for pid in session.participant_ids]
    for n, person in enumerate(people[1:]):
        set_reach_answer(store, person.id, AGE_BAND, "45-54" if n % 2 else "25-34")
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert not home.query_one("#follow-ups", Static).display
        # The round the run screen's w opens: Robin good, Sam struggling, Kit rather not say.
        check_in_round(home, store, session.id, people[:3], Moment.CHECK_IN)
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        await pilot.press("1", "5", "6")
        await pilot.pause()
        assert app.screen is home
        assert ("information", "3 answers saved.") in notifications(app)
        feelings = [store.participant(p.id).wellbeing[0].feeling for p in people[:3]]
        assert feelings == [Feeling.GOOD, Feeling.STRUGGLING, Feeling.RATHER_NOT_SAY]

        # Home shows who needs a call; u opens the list; done keeps the history.
        home.refresh_workspace()
        line = home.query_one("#follow-ups", Static)
        assert line.display and "Sam by" in str(line.content)
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FollowUpListScreen)
        table = screen.query_one("#follow-ups", DataTable)
        assert table.row_count == 1 and "Sam" in str(table.get_row_at(0)[0])
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(Input).value = "Called; she is coming next week"
        await pilot.press("enter")
        await pilot.pause()
        assert not screen.query_one("#follow-ups", DataTable).display
        sam = store.participant(people[1].id)
        assert sam.follow_ups[0].done_note == "Called; she is coming next week"
        # h shows the calls made, with what came of them.
        await pilot.press("h")
        await pilot.pause()
        table = screen.query_one("#follow-ups", DataTable)
        assert table.display and table.row_count == 1
        assert "coming next week" in str(table.get_row_at(0)[4])
        # n: anyone in the consultation, outside a session.
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FollowUpScreen)
        form.query_one("#who", Select).value = people[2].id
        form.query_one("#reason", Input).value = "Rang to say the bus is cancelled"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and table.row_count == 2
        assert "Kit" in str(table.get_row_at(0)[0])
        # t: attendance, from the check-ins (no one has given a consent answer yet).
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AttendanceScreen)
        came = app.screen.query_one(DataTable)
        assert [came.get_row(p.id)[1] for p in people[:4]] == ["1", "1", "1", "0"]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "Kit by" in str(home.query_one("#follow-ups", Static).content)

        # Reach: five people 45-54 show as 5 (Robin's "not given" is <5, and five
        # 25-34 are hidden beside it); Robin's own answer makes it 6, nothing hidden.
        await pilot.press("a")
        await pilot.pause()
        reach = app.screen
        assert isinstance(reach, ReachScreen)
        assert (count(reach, "45-54"), count(reach, "25-34")) == ("5", "hidden")
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReachAnswersScreen)
        form.query_one("#who", Select).value = people[0].id
        await pilot.pause()
        form.query_one(f"#{field_id(AGE_BAND)}", Select).value = "45-54"
        # A full postcode is refused in the form, and nothing is saved yet.
        district = form.query_one(f"#{field_id(POSTCODE_DISTRICT)}", Input)
        district.value = "LS6 3QW"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "postcode district" in str(
            form.query_one(f"#{field_id(POSTCODE_DISTRICT)}-error", Static).content
        )
        assert store.participant(people[0].id).reach == {}
        district.value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is reach
        assert (count(reach, "45-54"), count(reach, "25-34")) == ("6", "5")
        assert store.participant(people[0].id).reach == {AGE_BAND: "45-54"}


def test_run_screen_keys_check_in_follow_up_and_stop_for_someone(tmp_path: Path) -> None:
    """w, f and space on the real run screen (in its own process: it loads PortAudio)."""
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")
    env = {**os.environ, "FACILITATE_HOME": str(tmp_path / "child-home"),
           "FACILITATE_LIVE": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/wellbeing_run_child.py", "--basetemp", str(tmp_path / "child")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout, result.stdout[-2000:]


async def test_k_in_the_plan_editor_makes_a_step_a_wellbeing_check_out() -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    store, session = services.workspace.find_session(session_id)
    assert [s.kind for s in session.plan][2:] == [
        StepKind.CHECK_IN, StepKind.ACTIVITY, StepKind.CHECK_OUT
    ]
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "p", PlanScreen)
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(2)[3]) == "check-in"
        table.focus()
        await pilot.press("down", "down", "down", "k", "k", "ctrl+s")  # activity -> out
        await pilot.pause()
    assert store.session(session_id).plan[3].kind is StepKind.CHECK_OUT


async def test_a_long_follow_up_note_wraps_and_leaves_when_and_what_came_of_it_in_view() -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services")
    session = create_session(store, "Painting", participants=["Alex", "Sam"])
    alex, sam = session.participant_ids
    note = "Worried about the move to the new centre, " * 5  # the form allows 200 characters
    add_follow_up(store, alex, note[:200])
    called = add_follow_up(store, sam, note[:200])
    follow_up_done(store, sam, called.id, "Rang back; " * 12)
    for size in (SIZE, (80, 24)):
        app = FacilitateApp(services)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("u")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, FollowUpListScreen)
            await pilot.press("h")
            await pilot.pause()
            table = screen.query_one("#follow-ups", DataTable)
            assert table.row_count == 2
            # Every column fits across: nothing is pushed off to the right.
            assert table.virtual_size.width <= table.scrollable_content_region.width, size
            assert "move to the new centre" in str(table.get_row_at(0)[1])


async def test_enter_during_a_check_in_answers_nothing_for_anyone() -> None:
    services = Services.from_root(None)
    store = services.workspace.create_consultation("Day services")
    session = create_session(store, "Painting", participants=["Robin", "Sam"])
    people = [store.participant(pid) for pid in session.participant_ids]
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        check_in_round(app.screen, store, session.id, people, Moment.CHECK_IN)
        await pilot.pause()
        round_ = app.screen
        assert isinstance(round_, CheckInScreen)
        # Enter or space at the wrong moment is not "Good" from someone who said nothing.
        await pilot.press("enter", "space")
        await pilot.pause()
        assert app.screen is round_ and round_.index == 0
        assert not store.participant(people[0].id).wellbeing
        await pilot.press("2")
        await pilot.pause()
        assert store.participant(people[0].id).wellbeing[0].feeling is Feeling.OKAY
        assert round_.index == 1
