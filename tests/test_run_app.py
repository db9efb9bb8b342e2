"""The plan editor, the consent gate and the run screen, driven through Textual's Pilot.

The plan and consent screens run here. Anything that opens the run screen runs
in a fresh interpreter (tests/run_app_child.py), because the run screen loads
PortAudio, and PortAudio reads the ALSA configuration once per process: the
virtual microphone, "no PortAudio" and "no microphone" each need their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_model, require_portaudio, skip_or_fail
from quote_fixtures import open_screen
from test_app import SIZE, planned_session
from textual.widgets import DataTable, Input, Label, TextArea

from facilitate.app import FacilitateApp
from facilitate.screens.consent import AddPersonScreen, ConsentScreen
from facilitate.screens.plan import PlanScreen, TemplateScreen
from facilitate.screens.session import SessionScreen
from models import RecordingConsent
from models.plans import discussion_plan
from sessions.recorder import NO_INPUT, NO_PORTAUDIO
from sessions.services import Services

ROOT = Path(__file__).resolve().parent.parent
CHILD = "tests/run_app_child.py"


def run_child(test: str, env: dict[str, str], tmp_path: Path) -> None:
    """Run one test of tests/run_app_child.py in a fresh interpreter; fail with its output."""
    env = {**env, "FACILITATE_HOME": str(tmp_path / "child-home")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{CHILD}::{test}", "--basetemp", str(tmp_path / "child")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout, result.stdout[-2000:]


def require_alsa() -> None:
    """PortAudio and ALSA: the virtual microphone is an ALSA plugin."""
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")


def test_record_mark_strike_and_stop_through_the_run_screen(tmp_path: Path) -> None:
    require_alsa()
    # Live transcription off: stop then asks whether to transcribe the whole file.
    run_child("test_record_through_the_run_screen", dict(os.environ, FACILITATE_LIVE="0"),
              tmp_path)


def test_speaker_keys_and_strikes_work_while_a_run_dialog_is_open(tmp_path: Path) -> None:
    require_alsa()
    run_child("test_marks_and_strikes_while_a_dialog_is_open",
              dict(os.environ, FACILITATE_LIVE="0"), tmp_path)


def test_choose_the_microphone_on_the_run_screen_then_record(tmp_path: Path) -> None:
    require_alsa()
    run_child("test_choose_the_microphone_then_record", dict(os.environ, FACILITATE_LIVE="0"),
              tmp_path)


def test_the_run_screen_shows_the_live_transcript_and_lands_on_it(tmp_path: Path) -> None:
    require_alsa()
    require_model()
    run_child("test_live_transcript_on_the_run_screen", dict(os.environ), tmp_path)


def test_without_portaudio_the_run_screen_explains_and_import_works(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    # Exactly what sounddevice does when libportaudio is missing: OSError at import.
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=str(fake), FACILITATE_EXPECT=NO_PORTAUDIO)
    run_child("test_run_screen_explains_and_import_still_works", env, tmp_path)


def test_without_a_microphone_the_run_screen_explains_and_import_works(tmp_path: Path) -> None:
    require_portaudio()
    config = tmp_path / "nothing.asoundrc"
    config.write_text('pcm.!default { type hw; card 97 }\nctl.!default { type hw; card 97 }\n')
    env = dict(os.environ, ALSA_CONFIG_PATH=f"/usr/share/alsa/alsa.conf:{config}",
               FACILITATE_EXPECT=NO_INPUT)
    if Path("/proc/asound/cards").exists() and "no soundcards" not in Path(
        "/proc/asound/cards"
    ).read_text():
        pytest.skip("this machine has a real sound card, so 'no microphone' cannot be staged")
    run_child("test_run_screen_explains_and_import_still_works", env, tmp_path)


async def test_plan_editor_edits_moves_and_saves_the_plan() -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    store, _session = services.workspace.find_session(session_id)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "p", PlanScreen)
        assert screen.query_one(DataTable).row_count == 5
        # A new step after the first: its title field takes the focus.
        await pilot.press("a")
        title = screen.query_one("#step-title", Input)
        assert title.has_focus
        title.value = ""
        await pilot.press(*"Painting starts", "tab", "end", "backspace", "backspace", *"15", "tab")
        prompts = screen.query_one("#step-prompts", TextArea)
        assert prompts.has_focus
        await pilot.press(*"What are you painting?", "enter", *"Who is it for?")
        await pilot.pause()
        # Back to the table; move the new step down one, remove the last step.
        screen.query_one(DataTable).focus()
        await pilot.press("j")
        await pilot.press("down", "down", "down", "d")
        assert "unsaved" in str(screen.query_one("#plan-total", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        plan = store.session(session_id).plan
        assert [s.title for s in plan] == [
            "Welcome and ground rules", "Consent", "Painting starts", "Warm-up",
            "Activity: painting with discussion",
        ]
        assert plan[2].minutes == 15
        assert plan[2].prompts == ["What are you painting?", "Who is it for?"]

        # A template replaces the steps; escape with unsaved changes warns first.
        await pilot.press("t")
        assert isinstance(app.screen, TemplateScreen)
        await pilot.press("enter")  # the first template: discussion group
        await pilot.pause()
        assert [s.title for s in screen.steps] == [s.title for s in discussion_plan()]
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        assert store.session(session_id).plan == plan  # discarded, as warned


async def test_consent_gate_answers_presence_and_someone_new() -> None:
    services = Services.from_root(None)
    session_id = planned_session(services)
    store, _session = services.workspace.find_session(session_id)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "c", ConsentScreen)
        assert [r.pseudonym for r in screen.rows] == ["Ash", "Birch", "Jo"]
        await pilot.press("enter")  # nobody has answered: refused
        assert app.screen is screen
        assert "waiting for Ash, Birch, Jo" in screen.gate_text
        await pilot.press("y")  # Ash yes; the cursor moves on to Birch
        await pilot.press("space")  # Birch is not here
        assert "waiting for Jo" in screen.gate_text
        await pilot.press("down", "n")  # Jo no
        await pilot.press("a")
        assert isinstance(app.screen, AddPersonScreen)
        app.screen.query_one("#real-name", Input).value = "Cedric Jones"
        await pilot.press(*"Cedar", "enter")
        await pilot.pause()
        assert "waiting for Cedar" in screen.gate_text
        await pilot.press("y")
        assert "Everyone here has answered (Jo: not recorded)" in screen.gate_text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)

    session = store.session(session_id)
    people = {p.id: p for p in store.participants()}
    here = {people[pid].pseudonym: people[pid].consent_for(session_id)
            for pid in session.participant_ids}
    assert here == {"Ash": RecordingConsent.YES, "Jo": RecordingConsent.NO,
                    "Cedar": RecordingConsent.YES}
    # The real name given on arrival is kept (and so hidden in every export).
    assert {p.real_name for p in people.values() if p.pseudonym == "Cedar"} == {"Cedric Jones"}
    assert "Birch" in {p.pseudonym for p in people.values()}  # still in the consultation
    assert [e.after for e in store.audit()] == ["yes", "no", "yes"]
