"""The app driven as a facilitator would: keys typed through Textual's Pilot, real parts."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from conftest import DEMO, require_model
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static
from textual.worker import WorkerFailed

from facilitate.app import FacilitateApp
from facilitate.screens import (
    HelpScreen,
    HomeScreen,
    ImportAudioScreen,
    NewConsultationScreen,
    NewSessionScreen,
    SessionScreen,
)
from facilitate.widgets import ConsultationList, SessionTable, TranscriptTable
from models import ActivityKind, Role, SessionStatus
from sessions.planning import create_session
from sessions.services import Services

SIZE = (120, 40)


def table_text(table: TranscriptTable) -> str:
    """Every cell of the transcript table, as plain text."""
    cells = []
    for row in range(table.row_count):
        cells.extend(str(cell) for cell in table.get_row_at(row))
    return " ".join(cells)


def notifications(app: FacilitateApp) -> list[tuple[str, str]]:
    """(severity, message) of every notification the app has shown."""
    return [(n.severity, n.message) for n in app._notifications]


async def settle(app: FacilitateApp, pilot: Pilot[None]) -> None:
    """Let background work finish (failing is fine: the app reports it) and the UI catch up."""
    await pilot.pause()
    with contextlib.suppress(WorkerFailed):
        await app.workers.wait_for_complete()
    await pilot.pause()


async def until(condition, timeout: float = 60.0) -> None:  # noqa: ANN001 - a callable
    """Wait (keeping the event loop free) until ``condition()`` is true."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting for the app")


def planned_session(services: Services) -> str:
    """A consultation with one planned session (Ash, Birch, facilitator Jo); its id."""
    store = services.workspace.create_consultation("Day services review", "What helps?")
    session = create_session(
        store,
        "Painting at the Hub",
        venue="The Hub",
        activity=ActivityKind.PAINTING,
        date="2024-05-17",
        facilitators=["Jo"],
        participants=["Ash", "Birch"],
    )
    return session.id


async def test_plan_import_and_transcribe_through_the_forms(data_dir: Path) -> None:
    require_model()
    services = Services.from_root(None)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)

        await pilot.press("c")
        assert isinstance(app.screen, NewConsultationScreen)
        await pilot.press(*"Day services review", "tab", *"What makes a good day?", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(ConsultationList).option_count == 1

        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)
        await pilot.press(*"Painting at the Hub", "tab", *"The Hub", "tab", "tab")
        date = app.screen.query_one("#date", Input)
        assert date.has_focus
        date.value = "2024-05-17"
        await pilot.press("tab", *"Ash, Birch", "tab", *"Jo", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(SessionTable)
        assert table.row_count == 1
        assert table.has_focus

        (store,) = services.workspace.stores()
        (session,) = store.sessions()
        assert (session.title, session.venue, session.date) == (
            "Painting at the Hub",
            "The Hub",
            "2024-05-17",
        )
        people = {p.pseudonym: p.role for p in store.participants()}
        assert people == {
            "Ash": Role.PARTICIPANT,
            "Birch": Role.PARTICIPANT,
            "Jo": Role.FACILITATOR,
        }

        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportAudioScreen)
        audio = data_dir / "librispeech_1089-134686-0001.wav"
        await pilot.press(*str(audio), "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()

        transcript = app.screen.query_one(TranscriptTable)
        assert transcript.display
        shown = table_text(transcript).lower()
        assert "stuff" in shown and "belly" in shown
        saved = " ".join(s.text for s in store.segments(session.id)).lower()
        assert "stuff" in saved and "belly" in saved
        assert store.session(session.id).status is SessionStatus.TRANSCRIBED
        assert not any(severity == "error" for severity, _ in notifications(app))

        # Back home, the session shows as transcribed.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        status = app.screen.query_one(SessionTable).get_row_at(0)[-1]
        assert "transcribed" in str(status)


async def test_a_bad_path_shows_under_the_field_and_nothing_crashes() -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("i")
        assert isinstance(app.screen, ImportAudioScreen)
        await pilot.press(*"/no/such/recording.wav", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ImportAudioScreen)
        error = app.screen.query_one("#path-error", Static)
        assert error.display and "No file at /no/such/recording.wav" in str(error.content)

        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        assert not app.workers._workers


async def test_a_file_that_is_not_audio_becomes_a_one_line_error(data_dir: Path) -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i", *str(data_dir / "README.md"), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SessionScreen)
        errors = [message for severity, message in notifications(app) if severity == "error"]
        assert len(errors) == 1 and "\n" not in errors[0]
        store, session = services.workspace.find_session(session_id)
        assert session.status is SessionStatus.PLANNED
        assert store.segments(session_id) == []
        assert app.screen.query_one("#no-transcript").display


async def test_forms_say_what_is_missing() -> None:
    services = Services.from_root(None)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "enter")
        assert isinstance(app.screen, NewConsultationScreen)
        error = app.screen.query_one("#title-error", Static)
        assert error.display and "needs a title" in str(error.content)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert services.workspace.stores() == []


async def test_new_session_rejects_a_bad_date_and_a_repeated_pseudonym() -> None:
    services = Services.from_root(None)
    services.workspace.create_consultation("Day services review")
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"Music", "tab", "tab", "tab")
        app.screen.query_one("#date", Input).value = "17/05/2024"
        await pilot.press("tab", *"Ash, ash", "enter")
        screen = app.screen
        assert isinstance(screen, NewSessionScreen)
        assert "YYYY-MM-DD" in str(screen.query_one("#date-error", Static).content)
        assert "twice" in str(screen.query_one("#participants-error", Static).content)
        await pilot.press("escape")
        (store,) = services.workspace.stores()
        assert store.sessions() == []


async def test_question_mark_lists_the_keys_of_the_screen() -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = {k.description for k in app.screen.keys}
        assert {"New consultation", "New session", "Open session", "Import audio"} <= described
        assert "Quit" in described
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)

    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = {k.description for k in app.screen.keys}
        assert {"Import audio", "Cancel transcription", "Back"} <= described
        assert "New consultation" not in described


async def test_a_damaged_store_is_a_warning_and_the_others_still_list() -> None:
    services = Services.from_root(None)
    planned_session(services)
    broken = services.workspace.root / "consultations" / "c-broken"
    broken.mkdir()
    (broken / "store.json").write_text("{not json")
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        warnings = screen.query_one("#warnings", Static)
        assert warnings.display
        assert "cannot be read" in str(warnings.content)
        assert "c-broken" in str(warnings.content)
        assert screen.query_one(ConsultationList).option_count == 1
        assert screen.query_one(SessionTable).row_count == 1


async def test_an_unknown_session_id_is_a_notification_not_a_crash() -> None:
    app = FacilitateApp(Services.from_root(None), open_session="s-nope")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any(severity == "error" for severity, _ in notifications(app))


async def test_x_cancels_a_running_transcription_and_keeps_the_recording() -> None:
    require_model()
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        await pilot.press("i", *str(DEMO / "consultation_demo.flac"), "enter")
        bar = screen.query_one(ProgressBar)
        # The UI stays live while the worker runs: the bar moves as segments arrive.
        await until(lambda: bool(bar.total) and bar.progress > 0)
        assert screen.transcribing
        await pilot.press("x")
        await until(lambda: not screen.transcribing)
        await settle(app, pilot)
        store, session = services.workspace.find_session(session_id)
        assert session.status is SessionStatus.RECORDED
        assert session.recording is not None
        assert store.segments(session_id) == []
        assert any("cancelled" in message for _, message in notifications(app))
        assert not screen.query_one("#progress").display


async def test_transcription_carries_on_after_going_back_home(data_dir: Path) -> None:
    require_model()
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "i")
        await pilot.pause()
        await pilot.press(*str(data_dir / "librispeech_1089-134686-0001.wav"), "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await settle(app, pilot)
        store, session = services.workspace.find_session(session_id)
        assert session.status is SessionStatus.TRANSCRIBED
        home = app.screen
        home.refresh_workspace()
        assert "transcribed" in str(home.query_one(SessionTable).get_row_at(0)[-1])

        # Opening the session again shows the finished transcript.
        home.query_one(SessionTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert "belly" in table_text(app.screen.query_one(TranscriptTable)).lower()
