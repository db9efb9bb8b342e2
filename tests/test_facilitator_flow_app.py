"""The facilitator's flow, walked with Pilot on real stores: numbering, edits, selection."""

from __future__ import annotations

import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from quote_fixtures import (
    ASH_TWO,
    PIN,
    consultation_with_quotes,
    open_screen,
    painting_session,
    screen_text,
)
from test_app import SIZE, notifications, settle
from test_review_app import start_review
from test_transcript_app import demo_session
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Select, Static

from facilitate.app import FacilitateApp
from facilitate.screens import HomeScreen, NewSessionScreen
from facilitate.screens.audit import AuditScreen
from facilitate.screens.consent import AddPersonScreen, ConsentScreen
from facilitate.screens.dialogs import ConfirmDialog
from facilitate.screens.quote_dialog import QuoteDialog
from facilitate.screens.quotes import QuotesScreen
from facilitate.screens.review import ReviewScreen
from facilitate.screens.review_parts import WordPicker
from facilitate.screens.run_dialogs import StrikeScreen, stop_dialog
from facilitate.screens.transcript import TranscriptScreen
from facilitate.screens.transcript_dialogs import EditTextScreen, PickScreen
from facilitate.widgets import ConsultationList, SessionTable, TranscriptTable
from facilitate.widgets.transcript_view import TranscriptView
from models import RecordingConsent
from models.quote import Decision
from sessions.audio import probe_audio
from sessions.consent import consent_rows, record_answer
from sessions.errors import AudioError
from sessions.planning import add_participant
from sessions.review import apply_decision, set_pin
from sessions.services import Services


async def test_a_new_session_is_the_one_selected() -> None:
    services = Services.from_root(None)
    store, first = painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)
        await pilot.press(*"Music at the Hub", "tab", *"The Hub", "tab", "tab")
        app.screen.query_one("#date", Input).value = "2024-06-01"
        await pilot.press("tab", *"Cedar, ash", "tab", *"Jo", "enter")
        await settle(app, pilot)
        assert any("Ash is already in this consultation" in m for _, m in notifications(app))
        assert isinstance(app.screen, HomeScreen)
        new = next(s for s in store.sessions() if s.id != first.id)
        assert app.screen.query_one(SessionTable).selected_id == new.id
        # A second consultation: it is the one highlighted, not the first.
        await pilot.press("c", *"Youth services", "enter")
        await settle(app, pilot)
        (other,) = [s for s in services.workspace.stores() if s.id != store.id]
        assert app.screen.query_one(ConsultationList).highlighted_id == other.id


async def test_one_speaker_numbering_on_the_run_screen_and_the_transcript() -> None:
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    # The demo plans the facilitator first; the run screen numbers participants first.
    run_order = [row.participant.pseudonym for row in consent_rows(store, session_id)]
    assert run_order[0] == "Sam" and run_order[-1] == "Facilitator"
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        assert [p.pseudonym for p in screen.people] == run_order
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        labels = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert labels[:len(run_order)] == [f"{n}  {name}" for n, name in enumerate(run_order, 1)]
        await pilot.press("1")
        await pilot.pause()
        target = screen.query_one(TranscriptView).current
        sam = next(p.id for p in store.participants() if p.pseudonym == "Sam")
        assert next(s for s in store.segments(session_id) if s.id == target.id).speaker_id == sam
        # The digit without the dialog means the same person.
        await pilot.press("down", str(len(run_order)))
        await pilot.pause()
        facilitator = next(p.id for p in store.participants() if p.pseudonym == "Facilitator")
        below = screen.query_one(TranscriptView).current
        assert next(s for s in store.segments(session_id) if s.id == below.id).speaker_id == \
            facilitator


async def test_editing_a_segment_keeps_its_text_and_shows_all_the_model_heard() -> None:
    services = Services.from_root(None)
    store, session_id = demo_session(services)
    heard = "I " + "really " * 40 + "liked the painting here."
    segments = store.segments(session_id)
    segment = segments[0]
    segment.original_text = heard
    store.save_segments(session_id, segments)
    app = FacilitateApp(services, open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        view.move_cursor(row=0)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EditTextScreen)
        field = dialog.query_one("#text", Input)
        assert field.cursor_position == len(field.value) and field.selection.is_empty
        await pilot.press("backspace", "!")
        assert field.value == segment.text[:-1] + "!"
        original = dialog.query_one("#original", Static)
        assert original.region.height > 1  # wrapped, not cut to one line
        assert "liked the painting here." in str(original.render())
        await pilot.press("enter")
        await pilot.pause()
        saved = next(s for s in store.segments(session_id) if s.id == segment.id)
        assert saved.text == segment.text[:-1] + "!"


class DialogHost(App[None]):
    """A bare app to open one dialog on, answered with real keys."""

    def __init__(self, dialog: Screen[object]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[object] = []

    def on_mount(self) -> None:
        """Open the dialog; keep its answer."""
        self.push_screen(self.dialog, callback=self.answers.append)


@pytest.mark.parametrize("dialog, says", [
    (lambda: stop_dialog(252.0), "4:12 recorded"),
    (lambda: StrikeScreen(40.0, lambda: 41.2, 30.0), "0:10–0:42"),
    (lambda: ConfirmDialog("Remove theme", "Remove Hope? The 3 quotes tagged with it…",
                           "Remove"), "3 quotes"),
])
async def test_a_dialog_that_destroys_defaults_to_the_safe_answer(dialog, says: str) -> None:  # noqa: ANN001
    host = DialogHost(dialog())
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown_text = " ".join(str(w.render()) for w in host.screen.query(Static))
        assert says in shown_text
        await pilot.press("enter")  # a stray enter
        await pilot.pause()
    assert host.answers in ([False], [None])


async def test_someone_already_here_or_a_very_long_pseudonym_is_said_so() -> None:
    services = Services.from_root(None)
    store, session = painting_session(services)
    app = FacilitateApp(services, open_session=session.id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        consent = await open_screen(pilot, "c", ConsentScreen)
        await pilot.press("a", *"birch", "enter")
        await pilot.pause()
        assert app.screen is consent
        assert any("Birch is already in this session" in m for _, m in notifications(app))
        assert consent.rows[consent.query_one(DataTable).cursor_row].pseudonym == "Birch"
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, AddPersonScreen)
        dialog.query_one("#pseudonym", Input).value = "x" * 315
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # refused, with the limit
        assert "at most 40 characters" in str(dialog.query_one("#pseudonym-error").render())
        await pilot.press("escape", "a", *"Cedar", "enter")
        await pilot.pause()
        # Someone new is added and is the row under the cursor, ready for y or n.
        assert consent.rows[consent.query_one(DataTable).cursor_row].pseudonym == "Cedar"
    assert len(store.participants()) == 4
    with pytest.raises(ValueError, match="at most 40"):
        add_participant(store, session.id, "y" * 41)


async def test_audit_picker_has_the_focus_when_nobody_is_chosen() -> None:
    services = Services.from_root(None)
    store, _session = painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(AuditScreen(store))
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#audit-participant", Select)


async def test_a_new_quote_is_selected_and_a_mistaken_one_deleted_audited() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one(TranscriptTable).move_cursor(row=2)
        await pilot.press("Q")
        await pilot.pause()
        assert isinstance(app.screen, QuoteDialog)
        await pilot.press("tab", "space", "tab", *"made by mistake", "enter")
        await pilot.pause()
        (made,) = [q for q in c.store.quotes() if q.id not in c.quotes.values()]
        screen = await open_screen(pilot, "u", QuotesScreen)
        assert screen.highlighted_id == made.id  # not the first row
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete 1 quote of Ash's" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("enter")  # the safe default keeps it
        await pilot.pause()
        assert len(c.store.quotes()) == 4
        for _ in range(4):
            await pilot.press("delete", "y")
            await pilot.pause()
        assert c.store.quotes() == []
        assert "press Q" in screen_text(app)  # the empty list says how to make one
    deleted = [e for e in c.store.audit() if e.action == "quote deleted"]
    assert [e.subject_id for e in deleted][0] == made.id and len(deleted) == 4
    assert all(e.note == "" and ASH_TWO not in str(e.before) for e in deleted)


async def test_everything_you_said_offers_words_hidden_in_a_quote_as_hidden() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_pin(c.store, PIN)
    ash2 = c.store.quote(c.quotes["ash2"])
    apply_decision(c.store, ash2.id, Decision.REDACT, redactions=[0, 1])  # "The bus"
    app = FacilitateApp(services, open_session=c.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(app, pilot, c.ash, None)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("right", "right")
        await pilot.click("#see-transcript")
        await pilot.pause()
        while review.segment is None or "village" not in review.segment.text:
            await pilot.press("right")
            await pilot.pause()
        assert "[redacted] from the village" in screen_text(app)
        await pilot.press("h")
        await pilot.pause()
        assert {0, 1} <= review.query_one(WordPicker).hidden


def test_random_bytes_are_not_an_audio_file(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(200_000)
    for name in ("noise.flac", "noise.mp3", "noise.m4a", "noise.ogg", "noise.wav"):
        path = tmp_path / name
        path.write_bytes(noise)
        with pytest.raises(AudioError, match="is not an audio file"):
            probe_audio(path)
    result = subprocess.run([sys.executable, "-m", "facilitate", "transcribe",
                             str(tmp_path / "noise.flac")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "not an audio file" in result.stderr, result.stderr
    assert "contains no audio" not in result.stderr


async def test_the_command_palette_screenshot_goes_into_the_workspace() -> None:
    services = Services.from_root(None)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.5)
        folder = services.workspace.root / "screenshots"
        (saved,) = folder.glob("*.svg")
        assert "<svg" in saved.read_text()[:200]
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert any(str(saved) in m for _, m in notifications(app))


#: What each screen must show at 80x24 for a facilitator to get on (beyond "? Keys").
ESSENTIALS_80x24 = {
    "home": ("New session", "Day services review", "Painting at the Hub"),
    "session": ("Transcript", "Record", "I come here"),
    "t": ("Play/pause", "Edit text", "I come here"),
    "u": ("Themes", "Memo", "I come here"),
    "k": ("Add", "Rename", "Acceptance"),
    "c": ("Done", "Yes, record", "Ash", "Birch", "Jo"),
    "p": ("Save", "Add step", "Welcome and ground rules"),
    "A": ("Choose a participant",),
    "E": ("Export", "Names to hide"),
    "r": ("Record / pause", "Who is speaking", "Introduce yourself",
          "1 Ash", "2 Birch", "3 Jo"),
}


def footer_line(app: FacilitateApp) -> str:
    """The bottom line of the terminal: the footer."""
    return app.screen._compositor.render_strips()[-1].text


async def test_every_screen_shows_its_essential_controls_at_80_by_24(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run screen without PortAudio (as on a laptop missing it): it lays out the
    # same, and this process never loads the sound library.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    monkeypatch.syspath_prepend(str(fake))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_pin(c.store, PIN)
    for person in c.store.participants():
        record_answer(c.store, c.session_id, person.id, RecordingConsent.YES)
    app = FacilitateApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, wanted in ESSENTIALS_80x24.items():
            if key == "session":
                await pilot.press("enter", "enter")
            elif key != "home":
                await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            text = screen_text(app)
            assert footer_line(app).rstrip().endswith("? Keys"), (key, footer_line(app))
            for words in wanted:
                assert words in text, (key, words, text[:2000])
            if key not in ("home", "session"):
                await pilot.press("escape")
                await pilot.pause()
        await start_review(app, pilot, c.ash, None)
        text = screen_text(app)
        for words in ("Quote 1 of 2", "I come here", "Yes, you can use this",
                      "Don't use this", "Next →", "ctrl+l facilitator"):
            assert words in text, words
