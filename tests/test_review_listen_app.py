"""Listening in participant review mode: Play it, space, Stop; no sound is one plain line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from quote_fixtures import PIN, Consultation, consultation_with_quotes, screen_text
from test_review_app import assert_only_ash, start_review
from textual.widgets import Button, Static

from facilitate.app import FacilitateApp
from facilitate.screens.review import PLAY_LABEL, STOP_LABEL, ReviewScreen
from facilitate.screens.review_parts import NO_SOUND
from models import Marker, MarkerKind, RecordingConsent
from sessions import playback
from sessions.audio import write_flac
from sessions.importer import import_audio
from sessions.review import set_pin
from sessions.services import Services

SIZE = (120, 40)
SHOTS = os.environ.get("FACILITATE_SHOTS")
RATE = 16000


#: Ash's first quote as the privacy core shows it: the words inside Birch's
#: off-record turn (2 s to 4 s), and those touching its edges, are hidden.
ASH_SHOWN = "I [redacted] judges me"


def with_recording(services: Services, tmp_path: Path) -> Consultation:
    """The quotes' session with a 50 s recording of a steady tone; Birch said no to recording.

    Birch is marked speaking from 2 s to 4 s, inside Ash's first quote (0-7 s):
    that stretch is off the record and must never be heard.
    """
    c = consultation_with_quotes(services)
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(50 * RATE) / RATE)).astype(np.float32)
    source = tmp_path / "session.flac"
    write_flac(source, tone, RATE)
    import_audio(c.store, c.session_id, source)
    c.store.set_recording_consent(c.ash, c.session_id, RecordingConsent.YES)
    c.store.set_recording_consent(c.birch, c.session_id, RecordingConsent.NO)
    session = c.store.session(c.session_id)
    session.markers += [
        Marker(MarkerKind.SPEAKER, at_s=2.0, participant_id=c.birch),
        Marker(MarkerKind.SPEAKER, at_s=4.0, participant_id=c.ash),
    ]
    c.store.save_session(session)
    set_pin(c.store, PIN)
    return c


def sound_line(review: ReviewScreen) -> str:
    """The review's sound line, or "" while it is hidden."""
    line = review.query_one("#review-sound", Static)
    return str(line.content) if line.display else ""


async def test_without_sound_one_plain_line_and_the_lock_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real PortAudio (if any) is asked for an output that is not there; without
    # PortAudio the Player fails the same way: one DeviceError line.
    monkeypatch.setenv("FACILITATE_OUTPUT_DEVICE", "no such speaker")
    services = Services.from_root(None)
    c = with_recording(services, tmp_path)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, None)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        play = review.query_one("#play", Button)
        assert str(play.label) == PLAY_LABEL and "Play it" in screen_text(app)
        assert sound_line(review) == ""
        before = screen_text(app)

        await pilot.press("space")
        await pilot.pause()
        assert sound_line(review) == NO_SOUND
        text = screen_text(app)
        # Birch's off-record stretch is left out of the words Ash reviews, as in any export.
        assert NO_SOUND in text and ASH_SHOWN in text
        assert str(play.label) == PLAY_LABEL  # nothing is playing
        # Nothing else changed: the same words, state and buttons, plus the one line.
        for words in ("Quote 1 of 2", "You have not decided about this yet.",
                      "Yes, you can use this", "Hide some words", "Don't use this"):
            assert words in before and words in text
        assert review.quote is not None and review.quote.id == c.quotes["ash1"]
        if SHOTS:
            app.save_screenshot(str(Path(SHOTS) / "review-no-sound.svg"))

        # The button says the same; keys that would leave still do nothing.
        await pilot.click("#play")
        await pilot.pause()
        assert sound_line(review) == NO_SOUND
        for key in ("escape", "q", "ctrl+q", "ctrl+c", "ctrl+p", "question_mark", "f1",
                    "space", "enter"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.screen is review, f"{key} left review mode"
            assert_only_ash(app)
        assert not [n for n in app._notifications]  # nothing meant for the facilitator

        # The summary has nothing to play: no button, and space does nothing there.
        await pilot.press("right", "right")
        await pilot.pause()
        assert "What you decided" in screen_text(app)
        assert not review.query_one("#review-listen").display
        await pilot.press("space")
        await pilot.pause()
        assert app.screen is review
        assert_only_ash(app)


class QuietStream:
    """An output stream that takes the audio and plays nothing (this sandbox has no sound)."""

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to close."""


async def test_play_says_stop_and_silences_whoever_did_not_consent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Everything real but the sound card: the FLAC is read and silenced by the real Player.
    monkeypatch.setattr(playback, "_import_sounddevice", lambda: None)
    opened: list[playback.Player] = []

    def quiet_open(self: playback.Player, sd: Any, rate: int) -> tuple[QuietStream, int]:
        opened.append(self)
        return QuietStream(), rate

    monkeypatch.setattr(playback.Player, "_open", quiet_open)
    services = Services.from_root(None)
    c = with_recording(services, tmp_path)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, None)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        play = review.query_one("#play", Button)
        assert str(play.label) == STOP_LABEL and review.listening.playing
        assert sound_line(review) == ""
        if SHOTS:
            app.save_screenshot(str(Path(SHOTS) / "review-playing.svg"))
        (player,) = set(opened)
        audio = player._audio
        # Ash's first quote is 0-7 s; Birch (no consent) spoke 2-4 s: silence there only.
        assert len(audio) == pytest.approx(7 * RATE, abs=RATE // 100)
        assert np.abs(audio[int(2.05 * RATE):int(3.95 * RATE)]).max() == 0.0
        assert np.abs(audio[: int(1.9 * RATE)]).max() > 0.1
        assert np.abs(audio[int(4.1 * RATE):]).max() > 0.1

        await pilot.click("#play")  # Stop
        await pilot.pause()
        assert str(play.label) == PLAY_LABEL and not review.listening.playing

        # Playing, then moving on: the sound stops with the page.
        await pilot.press("space")
        await pilot.pause()
        assert review.listening.playing
        await pilot.press("right")
        await pilot.pause()
        assert not review.listening.playing and str(play.label) == PLAY_LABEL
        assert app.screen is review
        assert_only_ash(app)
