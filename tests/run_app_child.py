"""Pilot tests of the run screen that need a process of their own (see tests/test_run_app.py).

PortAudio reads the ALSA configuration once per process, when sounddevice is
first imported. These tests set up the sound system they need (the virtual
microphone, no PortAudio at all, or no input device) before anything imports
sounddevice, so tests/test_run_app.py runs each of them with
``python -m pytest tests/run_app_child.py::<test>`` in a fresh interpreter.
The file name does not start with ``test_``, so the main run never collects it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import DEMO, require_model
from quote_fixtures import open_screen
from test_app import notifications, planned_session, settle, until
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, OptionList, Static
from virtual_mic import VirtualMic, load_speech

from facilitate.app import FacilitateApp
from facilitate.screens.run import RunScreen
from facilitate.screens.run_dialogs import (
    ConfirmScreen,
    MicrophoneScreen,
    StrikeScreen,
    StrikeSpanScreen,
    length_words,
)
from facilitate.screens.session import SessionScreen
from models import MarkerKind, RecordingConsent, SessionStatus
from sessions.recorder import format_duration
from sessions.run import RunningSession
from sessions.services import Services

SIZE = (120, 40)
SHOTS = os.environ.get("FACILITATE_SHOTS")


def consent_all(services: Services, session_id: str) -> None:
    """Everyone in the session says yes, except Birch, who says no."""
    store, _session = services.workspace.find_session(session_id)
    for person in store.participants():
        answer = RecordingConsent.NO if person.pseudonym == "Birch" else RecordingConsent.YES
        store.set_recording_consent(person.id, session_id, answer)


def demo_mic(tmp_path: Path, speed: float) -> VirtualMic:
    """The demo recording as the virtual microphone, set up before PortAudio loads."""
    mic = VirtualMic(tmp_path / "mic", load_speech(DEMO / "consultation_demo.flac"), speed=speed)
    mic.install_env()
    return mic


def consented_app(services: Services) -> tuple[str, FacilitateApp]:
    """A planned session everyone has answered (Birch no), and the app open on it."""
    session_id = planned_session(services)
    consent_all(services, session_id)
    return session_id, FacilitateApp(services, open_session=session_id)


async def recording(pilot: Pilot[None], mic: VirtualMic) -> tuple[RunScreen, RunningSession]:
    """From the session screen: open the run screen, record, and feed a second of speech."""
    await pilot.pause()
    screen = await open_screen(pilot, "r", RunScreen)
    await until(lambda: screen.checked)
    await pilot.press("r")
    await pilot.pause()
    run = screen.run
    assert run is not None and run.is_recording and screen.is_recording
    mic.go()
    await until(lambda: run.elapsed_s >= 1.0)
    return screen, run


async def test_record_through_the_run_screen(tmp_path: Path) -> None:
    if "sounddevice" in sys.modules:
        pytest.fail("sounddevice was imported before the virtual microphone was set up")
    mic = demo_mic(tmp_path, speed=4.0)
    services = Services.from_root(None)
    session_id = planned_session(services)
    app = FacilitateApp(services, open_session=session_id)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SessionScreen)
            # Consent is incomplete, so r opens the gate first.
            await pilot.press("r")
            await pilot.pause()
            assert type(app.screen).__name__ == "ConsentScreen"
            await pilot.press("enter")  # refused: nobody has answered
            assert type(app.screen).__name__ == "ConsentScreen"
            await pilot.press("y", "n", "y", "enter")  # Ash yes, Birch no, Jo yes
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RunScreen)
            await until(lambda: screen.checked)
            assert screen.input_problem is None
            await pilot.press("r")
            await pilot.pause()
            run = screen.run
            assert run is not None and run.is_recording
            mic.go()

            async def at(seconds: float) -> None:
                await until(lambda: run.elapsed_s >= seconds)

            await at(2.0)
            await pilot.press("1")  # Ash
            await at(4.0)
            await pilot.press("2")  # Birch: not recorded
            await at(6.0)
            await pilot.press("m")
            await at(8.0)
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, StrikeScreen)
            await pilot.press("y")
            await pilot.pause()
            await at(10.0)
            await pilot.press("n")
            await pilot.pause()
            if SHOTS:
                app.save_screenshot(str(Path(SHOTS) / "run-recording.svg"))
            assert "● REC" in str(screen.query_one("#indicator", Static).content)
            await pilot.press("r")  # pause
            await pilot.pause()
            assert run.is_paused
            assert "PAUSED" in str(screen.query_one("#indicator", Static).content)
            await pilot.press("r")  # resume
            await at(12.0)
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await until(lambda: isinstance(app.screen, ConfirmScreen))  # "transcribe now?"
            assert run.stopped
            await pilot.press("n")
            await pilot.pause()
            assert app.screen is screen
            assert "STOPPED" in str(screen.query_one("#indicator", Static).content)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, SessionScreen)

    store, session = services.workspace.find_session(session_id)
    assert session.status is SessionStatus.RECORDED
    assert session.recording is not None and session.recording.duration_s >= 12.0
    assert store.audio_path(session).exists()
    kinds = [m.kind for m in session.markers]
    assert kinds == [
        MarkerKind.STEP, MarkerKind.SPEAKER, MarkerKind.SPEAKER, MarkerKind.BOOKMARK,
        MarkerKind.STRIKE, MarkerKind.STEP,
    ]
    # Each mark is stored at the recording time it was made (a strike by its end,
    # which is rounded up to a whole second, so it may reach the next mark's time).
    times = [m.end_s if m.kind is MarkerKind.STRIKE else m.at_s for m in session.markers]
    marks = [t for t, m in zip(times, session.markers, strict=True)
             if m.kind is not MarkerKind.STRIKE]
    assert marks == sorted(marks) and len(set(marks)) == len(marks)
    assert times[3] <= times[4] <= times[5] + 1.0
    assert times[1] >= 2.0 and times[-1] >= 10.0
    strike = session.markers[4]
    assert strike.at_s == 0.0  # the last 30 s of an 8 s recording: all of it
    assert session.markers[-1].step_index == 1
    assert not any(severity == "error" for severity, _ in notifications(app))


def zero_run(samples: np.ndarray, at_s: float, rate: int) -> tuple[float, float]:
    """The stretch of exact zeros around ``at_s`` (seconds), as (start, end) seconds."""
    nonzero = np.flatnonzero(samples)
    at = round(at_s * rate)
    before = nonzero[nonzero < at]
    after = nonzero[nonzero >= at]
    start = (before[-1] + 1) if len(before) else 0
    end = after[0] if len(after) else len(samples)
    return start / rate, end / rate


async def test_marks_and_strikes_while_a_dialog_is_open(tmp_path: Path) -> None:
    """1-9 and m mark while a run dialog is up; a strike strikes exactly what it showed."""
    mic = demo_mic(tmp_path, speed=4.0)
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = await open_screen(pilot, "r", RunScreen)
            await until(lambda: screen.checked)
            assert screen.input_problem is None
            await pilot.press("r")
            await pilot.pause()
            run = screen.run
            assert run is not None and run.is_recording
            mic.go()

            async def at(seconds: float) -> None:
                await until(lambda: run.elapsed_s >= seconds)

            def marks(kind: MarkerKind) -> list:  # noqa: ANN202 - a list of Marker
                return [m for m in run.store.session(session_id).markers if m.kind is kind]

            await at(1.0)
            await pilot.press("1")  # Ash, who said yes

            # s: the dialog shows the span it strikes, growing while it is open; y
            # strikes exactly the span on screen then.
            await at(32.0)
            await pilot.press("s")
            await until(lambda: isinstance(app.screen, StrikeScreen))
            strike = app.screen
            assert isinstance(strike, StrikeScreen)
            pressed = strike.pressed_s
            assert strike.shown[0] == pytest.approx(pressed - 30.0)
            await at(pressed + 2.5)
            await pilot.pause()
            if SHOTS:
                app.save_screenshot(str(Path(SHOTS) / "run-strike.svg"))
            question = strike.query_one("#strike-question", Static)
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is screen
            start, end = strike.shown
            shown = str(question.content)  # as it was on screen when y was pressed
            assert f"({length_words(end - start)})" in shown
            assert f"{format_duration(start)}–{format_duration(end)}" in shown
            assert end - start == round(end - start)  # whole seconds, as shown
            assert end >= pressed + 2.0  # the time the dialog was open is struck too
            [struck] = marks(MarkerKind.STRIKE)
            assert (struck.at_s, struck.end_s) == pytest.approx((start, end), abs=1e-3)

            # While "Strike…?" is up, Birch (2, said no) starts speaking and m marks a
            # moment: both are stored at once and the dialog stays up. Then n keeps.
            await at(end + 2.0)
            await pilot.press("s")
            await until(lambda: isinstance(app.screen, StrikeScreen))
            kept = app.screen
            await at(kept.pressed_s + 1.5)
            await pilot.press("2")
            await pilot.pause()
            assert app.screen is kept
            [birch] = [m for m in marks(MarkerKind.SPEAKER)
                       if m.participant_id == screen.people[1].id]
            assert birch.at_s >= kept.pressed_s
            assert "Birch" in str(screen.query_one("#speaking", Label).content)
            await pilot.press("m")
            await pilot.pause()
            assert app.screen is kept
            [moment] = marks(MarkerKind.BOOKMARK)
            assert moment.at_s >= birch.at_s
            await at(birch.at_s + 1.5)
            await pilot.press("n")
            await pilot.pause()
            assert app.screen is screen
            assert len(marks(MarkerKind.STRIKE)) == 1  # kept: nothing more struck
            await at(birch.at_s + 5.0)
            await pilot.press("1")  # Ash again: Birch's stretch ends here
            await pilot.pause()
            ash_again = marks(MarkerKind.SPEAKER)[-1]

            # S: a list, not a number to type, so 3 (Jo) marks Jo.
            await at(ash_again.at_s + 1.5)
            await pilot.press("S")
            await until(lambda: isinstance(app.screen, StrikeSpanScreen))
            span = app.screen
            assert isinstance(span, StrikeSpanScreen)
            # It starts on one minute before S, or on everything when that is less.
            assert span.shown[0] == pytest.approx(max(0.0, span.pressed_s - 60.0))
            await pilot.press("3")
            await pilot.pause()
            assert app.screen is span
            assert marks(MarkerKind.SPEAKER)[-1].participant_id == screen.people[2].id
            await pilot.press("up")  # the row above: the 30 s before S
            await pilot.pause()
            assert span.shown[0] == pytest.approx(span.pressed_s - 30.0)
            if SHOTS:
                app.save_screenshot(str(Path(SHOTS) / "run-strike-span.svg"))
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen
            assert len(marks(MarkerKind.STRIKE)) == 1

            await at(ash_again.at_s + 3.0)
            await pilot.press("t")
            await pilot.pause()
            await pilot.press("y")
            # "Transcribe now?" once saved; saving is slow on a busy machine.
            await until(lambda: isinstance(app.screen, ConfirmScreen), timeout=180)
            await pilot.press("n")
            await pilot.pause()
            assert run.stopped

    store, session = services.workspace.find_session(session_id)
    samples, rate = soundfile.read(str(store.audio_path(session)), dtype="int16")
    # The strike: exact zeros over exactly the span the dialog showed (speech on
    # either side, so the silence starts and ends where the marker says).
    zeros = zero_run(samples, (start + end) / 2, rate)
    assert zeros == pytest.approx((start, end), abs=0.1)
    # Birch, marked while the dialog was open: silent from that key until Ash's.
    zeros = zero_run(samples, (birch.at_s + ash_again.at_s) / 2, rate)
    assert zeros[0] == pytest.approx(birch.at_s, abs=0.1)
    assert zeros[1] >= ash_again.at_s
    assert not any(severity == "error" for severity, _ in notifications(app))


async def test_choose_the_microphone_then_record(tmp_path: Path) -> None:
    """d lists the inputs (in a worker); the default is marked; the choice records."""
    mic = demo_mic(tmp_path, speed=4.0)
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = await open_screen(pilot, "r", RunScreen)
            await until(lambda: screen.checked)
            assert screen.input_problem is None
            assert "the default" in str(screen.query_one("#microphone", Label).content)
            await pilot.press("d")
            await until(lambda: isinstance(app.screen, MicrophoneScreen), timeout=20)
            dialog = app.screen
            assert isinstance(dialog, MicrophoneScreen)
            names = [d.name for d in dialog.devices]
            assert "virtualmic" in names and "default" in names
            options = dialog.query_one(OptionList)
            prompts = [str(options.get_option_at_index(i).prompt)
                       for i in range(options.option_count)]
            default = next(d for d in dialog.devices if d.is_default)
            marked = [p for p in prompts if "(default)" in p]
            assert marked == [f"{default.name}  (default)  ✓ in use"]
            # The highlight starts on the one in use: enter keeps the default.
            assert options.highlighted == dialog.devices.index(default)
            if SHOTS:
                app.save_screenshot(str(Path(SHOTS) / "run-microphones.svg"))
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert screen.device == default
            assert default.name in str(screen.query_one("#microphone", Label).content)

            await pilot.press("r")
            await pilot.pause()
            run = screen.run
            assert run is not None and run.is_recording
            assert run.recorder.device == default.index
            mic.go()
            await until(lambda: run.elapsed_s >= 2.0)
            # While recording the microphone stays: one line says so, no list opens.
            await pilot.press("d")
            await pilot.pause()
            assert app.screen is screen
            assert ("warning", "The microphone can't be changed once recording has started."
                    ) in notifications(app)
            await pilot.press("t")
            await pilot.pause()
            await pilot.press("y")
            await until(lambda: isinstance(app.screen, ConfirmScreen))  # "transcribe now?"
            await pilot.press("n")
            await pilot.pause()
            assert run.stopped and app.screen is screen

    store, session = services.workspace.find_session(session_id)
    assert session.recording is not None and session.recording.duration_s >= 2.0
    assert store.audio_path(session).exists()
    assert not any(severity == "error" for severity, _ in notifications(app))


async def test_live_transcript_on_the_run_screen(tmp_path: Path) -> None:
    """Live segments show while recording; stop lands on the session with the transcript."""
    require_model()
    # Fed at 5x: the first live piece (50 s of audio in) must show while recording.
    mic = demo_mic(tmp_path, speed=5.0)
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    with mic:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = await open_screen(pilot, "r", RunScreen)
            await until(lambda: screen.checked)
            log = screen.query_one("#live-log", Static)
            assert "appears here while recording" in str(log.content)
            await pilot.press("r")
            await pilot.pause()
            run = screen.run
            assert run is not None and run.live_on
            mic.go()
            await until(lambda: run.elapsed_s >= 0.5)
            await pilot.press("1")  # Ash speaks
            await until(lambda: "Listening" in str(log.content), timeout=10)
            # The first piece goes to the model once 30 s are held back and 20 s more
            # have gathered; its segments then show with their time and speaker.
            await until(lambda: "Welcome" in str(log.content), timeout=60)
            shown = str(log.content)
            assert "0:00" in shown and "Ash" in shown
            # Shown while still recording. How soon after the speech is a timing goal
            # (benchmarks/live.py): on a loaded machine the model may lag the 5x feed.
            assert run.is_recording
            if SHOTS:
                app.save_screenshot(str(Path(SHOTS) / "run-live.svg"))
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await until(lambda: isinstance(app.screen, SessionScreen), timeout=60)
            await pilot.pause()
            table = app.screen.query_one("#transcript", DataTable)
            assert table.display and table.row_count > 0
            assert ("information", "Transcript ready: "
                    f"{table.row_count} segments.") in notifications(app)

    store, session = services.workspace.find_session(session_id)
    assert session.status is SessionStatus.TRANSCRIBED
    assert "welcome" in " ".join(s.text for s in store.segments(session_id)).lower()
    assert not any(severity == "error" for severity, _ in notifications(app))


async def test_run_screen_explains_and_import_still_works(data_dir: Path) -> None:
    """Run with no PortAudio or no microphone: FACILITATE_EXPECT holds the line to show."""
    expected = os.environ["FACILITATE_EXPECT"]
    services = Services.from_root(None)
    session_id, app = consented_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_screen(pilot, "r", RunScreen)
        await until(lambda: screen.checked)
        problem = screen.query_one("#problem", Label)
        assert problem.display
        assert str(problem.content) == f"Cannot record here: {expected}"
        if SHOTS:
            app.save_screenshot(str(Path(SHOTS) / "run-no-input.svg"))
        await pilot.press("r")
        await pilot.pause()
        assert screen.run is None
        assert ("error", expected) in notifications(app)
        # d (choose the microphone) says the same line and opens nothing.
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen
        assert notifications(app).count(("error", expected)) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)

        require_model()
        await pilot.press("i", *str(data_dir / "librispeech_1089-134686-0001.wav"), "enter")
        await settle(app, pilot)
        store, session = services.workspace.find_session(session_id)
        assert session.status is SessionStatus.TRANSCRIBED
        assert "belly" in " ".join(s.text for s in store.segments(session_id)).lower()
