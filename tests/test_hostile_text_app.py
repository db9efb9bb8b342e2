"""The app shows people's text as text: markup traps literal, terminal codes gone, nothing run.

Every field of a hand-edited store holds ``[/x]`` (which would stop the app),
``[@click=app.quit]`` (which would run an action), ``[laughs]`` and
``[redacted]`` (which would vanish) and terminal codes (which would reach the
terminal). Each screen is opened through Pilot, read back as drawn, and the
app must still be running afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hostile_fixtures import FORBIDDEN, cleaned, hostile, hostile_consultation
from quote_fixtures import painting_session, screen_text
from test_app import SIZE, notifications
from textual.pilot import Pilot
from textual.widgets import Input, Static

from facilitate.app import FacilitateApp
from facilitate.screens import (
    HelpScreen,
    HomeScreen,
    NewConsultationScreen,
    NewSessionScreen,
    SessionScreen,
)
from facilitate.screens.audit import AuditScreen
from facilitate.screens.codebook import CodebookScreen
from facilitate.screens.quote_dialog import QuoteDialog
from facilitate.screens.quotes import OnBehalfDialog, QuotesScreen
from facilitate.screens.transcript import TranscriptScreen
from facilitate.widgets import SessionTable
from models import Session
from sessions.services import Services

ROOT = Path(__file__).resolve().parent.parent


def assert_shown_as_text(app: FacilitateApp, *literal: str) -> str:
    """The screen shows each of ``literal`` as written, no terminal code, and the app runs."""
    assert app.is_running, "the app stopped"
    drawn = screen_text(app)
    assert not FORBIDDEN.search(drawn), repr(FORBIDDEN.findall(drawn))
    for text in literal:
        assert text in drawn, f"{text!r} is not on the {type(app.screen).__name__}"
    return drawn


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press ``keys`` and let the screen settle."""
    await pilot.press(*keys)
    await pilot.pause()


async def test_every_screen_shows_hostile_text_literally_and_runs_nothing() -> None:
    services = Services.from_root(None)
    hostile_consultation(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert_shown_as_text(app, "Day services [/x] [@click=app.quit]quit[/] [laughs]")
        assert_shown_as_text(app, "Painting [/x]", "The Hub [/x]")

        app.screen.query_one(SessionTable).focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.sub_title == cleaned("Painting")
        assert_shown_as_text(app, "Painting [/x]", "Ash [/x] [@click=app.quit]quit[/]")
        assert_shown_as_text(app, "I come here [/x]", "The bus runs twice [/x]")

        # The keys card is titled with the session's title.
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        assert_shown_as_text(app, "Keys: Painting [/x] [@click=app.quit]quit[/]")
        await press(pilot, "escape")

        await press(pilot, "t")
        assert isinstance(app.screen, TranscriptScreen)
        assert_shown_as_text(app, "I come here [/x]", "[laughs] [redacted]")
        await press(pilot, "escape")

        # The quote dialog shows what was said, brackets and all; its words run nothing.
        await press(pilot, "Q")
        dialog = app.screen
        assert isinstance(dialog, QuoteDialog)
        preview = str(dialog.query_one("#quote-text", Static).content)
        assert preview == f"“{cleaned('I come here')}”"
        assert_shown_as_text(app, "[@click=app.quit]quit[/] [laughs] [redacted]")
        await pilot.click("#quote-text")
        await pilot.pause()
        assert app.is_running and app.screen is dialog
        await press(pilot, "escape")

        # The quote was approved with "come" redacted: the facilitator sees the redaction.
        await press(pilot, "u")
        assert isinstance(app.screen, QuotesScreen)
        assert_shown_as_text(app, "I [redacted] here [/x]")
        await press(pilot, "o")
        assert isinstance(app.screen, OnBehalfDialog)
        assert_shown_as_text(
            app,
            "“I [redacted] here [/x] [@click=app.quit]quit[/] [laughs] [redacted] end”",
            "What did Ash [/x]",
        )
        await press(pilot, "escape")
        await press(pilot, "A")
        assert isinstance(app.screen, AuditScreen)
        assert_shown_as_text(app, "Audit: Ash [/x]")
        await press(pilot, "escape")
        await press(pilot, "escape")

        await press(pilot, "k")
        assert isinstance(app.screen, CodebookScreen)
        assert_shown_as_text(app, "Acceptance [/x]", "Being accepted [/x]")
        await press(pilot, "escape")

        assert isinstance(app.screen, SessionScreen)
        assert app.is_running
        assert not any(severity == "error" for severity, _ in notifications(app))
    assert app.return_code in (None, 0)


async def test_forms_take_hostile_titles_and_names_as_words() -> None:
    services = Services.from_root(None)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "c")
        assert isinstance(app.screen, NewConsultationScreen)
        app.screen.query_one("#title", Input).value = hostile("Day services")
        await press(pilot, "enter")
        assert isinstance(app.screen, HomeScreen)
        (store,) = services.workspace.stores()
        assert store.consultation().title == cleaned("Day services")
        assert_shown_as_text(app, "Day services [/x] [@click=app.quit]quit[/] [laughs]")

        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        assert_shown_as_text(app, "in Day services [/x]")
        form.query_one("#title", Input).value = hostile("Painting")
        form.query_one("#venue", Input).value = "[/x] hall\x1b[2J"
        form.query_one("#participants", Input).value = "[laughs] Ash, [/x]"
        await press(pilot, "enter")
        assert isinstance(app.screen, HomeScreen)
        (session,) = store.sessions()
        assert (session.title, session.venue) == (cleaned("Painting"), "[/x] hall")
        assert {p.pseudonym for p in store.participants()} == {"[laughs] Ash", "[/x]"}
        assert_shown_as_text(app, "Painting [/x]", "[/x] hall")

        # A name typed twice is named in the error line, as text.
        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        form.query_one("#title", Input).value = "Music"
        form.query_one("#participants", Input).value = "[/x], [/x]"
        await press(pilot, "enter")
        error = str(form.query_one("#participants-error", Static).content)
        assert error.startswith("[/x] is listed twice")
        await press(pilot, "escape")
        assert app.is_running


async def test_a_hand_edited_session_id_opens_to_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    services = Services.from_root(None)
    store, _session = painting_session(services)
    bad = "../../../../x"
    store.save_session(Session(id=bad, consultation_id=store.id, title="Edited by hand"))
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    app = FacilitateApp(services, open_session=bad)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.is_running
        errors = [m for severity, m in notifications(app) if severity == "error"]
        assert errors and all("\n" not in m for m in errors)
        assert any("not a valid session id" in m for m in errors), errors
    new = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert all(store.folder in p.parents or p.suffix == ".log" for p in new), new
    assert not [p for p in tmp_path.parent.rglob("x.*")]


def test_the_run_screen_shows_hostile_plan_and_names_as_text(tmp_path: Path) -> None:
    """In a process of its own (the run screen loads PortAudio; see tests/test_run_app.py)."""
    fake = tmp_path / "fake"
    fake.mkdir()
    # No sound system here: the run screen still shows the plan and the people.
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=str(fake), FACILITATE_HOME=str(tmp_path / "home"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/hostile_app_child.py::test_run_screen_shows_hostile_text",
         "--basetemp", str(tmp_path / "child")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout, result.stdout[-2000:]
