"""The app driven as a facilitator would: keys typed through Textual's Pilot, real parts."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from conftest import DEMO, require_model
from quote_fixtures import consultation_with_quotes, open_screen, painting_session
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
    show_session,
)
from facilitate.screens.help import keys_of
from facilitate.widgets import ConsultationList, SessionTable, TranscriptTable
from models import Role, SessionStatus
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
    return painting_session(services)[1].id


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
        assert error.display and "No such file: /no/such/recording.wav" in str(error.content)

        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        assert not app.workers._workers


async def import_error(app: FacilitateApp, pilot: Pilot[None], path: str) -> str:
    """Type ``path`` into the open import dialog, submit, and return the line under it."""
    screen = app.screen
    assert isinstance(screen, ImportAudioScreen)
    # Set the path rather than type it: typing long temporary paths key by key
    # only makes the test slow; the keys that follow are typed for real.
    field = screen.query_one("#path", Input)
    field.value = path
    field.cursor_position = len(path)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.screen is screen, "the import dialog closed"
    error = screen.query_one("#path-error", Static)
    assert error.display
    return str(error.content)


async def test_a_file_that_is_not_audio_is_a_line_in_the_dialog(
    data_dir: Path, tmp_path: Path
) -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    noise = tmp_path / "noise.wav"
    noise.write_bytes(bytes(range(256)) * 400)
    text = tmp_path / "notes.wav"
    text.write_text("These are my notes, not a recording.\n" * 20)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        for bad in (data_dir / "README.md", noise, text):
            line = await import_error(app, pilot, str(bad))
            assert "not an audio file" in line and "\n" not in line
        assert "is a folder" in await import_error(app, pilot, str(tmp_path))
        assert "No such file" in await import_error(app, pilot, str(tmp_path / "gone.wav"))
        fifo = tmp_path / "pipe.wav"
        os.mkfifo(fifo)
        assert "named pipe" in await import_error(app, pilot, str(fifo))

        # What is typed next goes to the field, never to the session screen's keys.
        await pilot.press("T", "x")
        assert isinstance(app.screen, ImportAudioScreen)
        assert app.screen.query_one("#path", Input).value.endswith("pipe.wavTx")
        assert not any(severity == "error" for severity, _ in notifications(app))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        store, session = services.workspace.find_session(session_id)
        assert session.status is SessionStatus.PLANNED
        assert store.segments(session_id) == []
        assert not app.screen.transcribing


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


async def test_enter_on_a_consultation_goes_to_its_sessions_and_columns_fit() -> None:
    from facilitate.widgets.session_table import STATUS_WIDTH

    services = Services.from_root(None)
    session_id = planned_session(services)
    store, session = services.workspace.find_session(session_id)
    session.title = "A very long session title about transport and getting to the centre"
    session.venue = "Riverside community centre, upstairs meeting room"
    session.status = SessionStatus.TRANSCRIBING
    store.save_session(session)
    for size in ((120, 40), (80, 24)):
        app = FacilitateApp(services)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert app.screen.query_one(ConsultationList).has_focus
            await pilot.press("enter")
            await pilot.pause()
            table = app.screen.query_one(SessionTable)
            assert table.has_focus
            # The status shows whole and nothing scrolls sideways.
            assert table.columns["status"].width == STATUS_WIDTH
            assert table.virtual_size.width <= table.scrollable_content_region.width
            assert table.max_scroll_x == 0
            assert "● transcribing" in str(table.get_row_at(0)[-1])


async def assert_help_lists_every_key(app: FacilitateApp, pilot: Pilot[None]) -> None:
    """`?` on the current screen lists each of its bindings, footer-shown or not."""
    from textual.binding import Binding

    from facilitate.screens.help import own_bindings

    screen = app.screen
    expected = {
        (b.description, app.get_key_display(b))
        for b in Binding.make_bindings(own_bindings(screen))
        if b.description
    }
    await pilot.press("f1")  # ? would be typed into a focused text field
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen), type(screen).__name__
    listed = {(k.description, key) for k in app.screen.keys for key in k.key.split(" / ")}
    assert expected <= listed, (type(screen).__name__, expected - listed)
    await pilot.press("escape")
    await pilot.pause()
    assert app.screen is screen


async def test_help_lists_every_key_of_every_screen() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await assert_help_lists_every_key(app, pilot)
        help_keys = {(k.description, k.key) for k in keys_of(app.screen)}
        assert ("Names to hide", "H") in help_keys
        await pilot.press("H")
        await pilot.pause()
        await assert_help_lists_every_key(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        show_session(app, services, c.store, c.session_id)
        await pilot.pause()
        await assert_help_lists_every_key(app, pilot)
        # What the session screen opens: plan, consent, quotes, codebook, audit, export.
        for key in ("p", "c", "u", "k", "A", "E"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, SessionScreen), key
            await assert_help_lists_every_key(app, pilot)
            await pilot.press("escape")
            await pilot.pause()
            if not isinstance(app.screen, SessionScreen):  # the plan asks twice
                await pilot.press("escape")
                await pilot.pause()
            assert isinstance(app.screen, SessionScreen), key


async def test_blank_minutes_in_the_plan_are_said_not_saved_as_zero() -> None:
    from facilitate.screens.plan import PlanScreen

    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "p", PlanScreen)
        before = screen.steps[0].minutes
        minutes = screen.query_one("#step-minutes", Input)
        minutes.focus()
        await pilot.press("end", *["backspace"] * 4)
        await pilot.pause()
        error = screen.query_one("#minutes-error", Static)
        assert error.display and "whole number from 1 to 600" in str(error.content)
        assert screen.steps[0].minutes >= 1  # never 0 for a blank field
        await pilot.press("ctrl+s")
        await pilot.pause()
        store, session = services.workspace.find_session(session_id)
        assert session.plan[0].minutes == before
        assert any("Plan not saved" in n.title for n in app._notifications)
        await pilot.press(*"900")
        assert "900 is not" in str(error.content)
        await pilot.press(*["backspace"] * 3, *"25", "ctrl+s")
        await pilot.pause()
        assert not error.display
        store, session = services.workspace.find_session(session_id)
        assert session.plan[0].minutes == 25


async def test_news_toasts_go_quickly_and_errors_stay_to_be_read() -> None:
    app = FacilitateApp(Services.from_root(None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.notify("Saved.")
        app.screen.notify("Broken.", severity="error")
        await pilot.pause()
        timeouts = {n.severity: n.timeout for n in app._notifications}
        assert timeouts["information"] <= 4 and timeouts["error"] >= 8
