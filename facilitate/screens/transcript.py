"""The transcript screen: read, correct and attribute a session's transcript while listening.

``Q`` makes a quote from the highlighted segment or the ``v`` range; ``w``
picks words within the highlighted segment first. Segments in a quote are
marked ❝.

Playback runs on PortAudio's thread (sessions/playback.py); this screen only
polls where it has got to, ten times a second while playing, to light the
segment and word being said. Without a sound output the facilitator gets one
line saying so and everything else carries on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from facilitate.jobs import Notice
from facilitate.messages import TranscriptionProgress
from facilitate.plain_text import plain, shown
from facilitate.screens.quote_dialog import QuoteDialog
from facilitate.screens.transcript_dialogs import (
    UNKNOWN,
    EditTextScreen,
    PickScreen,
    WordRangeScreen,
)
from facilitate.widgets.transcript_view import TranscriptView
from facilitate.widgets.transcription_panel import TranscriptionPanel
from models import Participant, Segment, format_clock
from models.attribution import off_record_spans
from models.quote import Quote, segment_words
from sessions.errors import FacilitateError
from sessions.planning import session_speakers
from sessions.services import Services
from sessions.store import ConsultationStore
from sessions.transcript_merge import TranscriptUpdate

if TYPE_CHECKING:
    from sessions.playback import Player

RETRANSCRIBE = "retranscribe"
POLL_S = 0.1


class TranscriptScreen(Screen[str | None]):
    """One session's transcript, for review with playback."""

    CSS_PATH = "transcript.tcss"
    BINDINGS = [
        Binding("space", "play_pause", "Play/pause"),
        Binding("left_square_bracket", "slower", "Slower", key_display="["),
        Binding("right_square_bracket", "faster", "Faster", key_display="]"),
        Binding("e", "edit", "Edit text"),
        Binding("a", "assign", "Speaker"),
        Binding("v", "range", "Select range"),
        Binding("Q", "quote", "Quote", key_display="Q"),
        Binding("w", "quote_words", "Quote words"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "find(True)", "Next match", show=False),
        Binding("N", "find(False)", "Previous match", show=False),
        Binding("b", "next_bookmark", "Next bookmark"),
        Binding("m", "retranscribe", "Another model"),
        Binding("x", "cancel_retranscribe", "Cancel", show=False),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
        *(Binding(str(n), f"speaker({n})", f"Speaker {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(self, services: Services, store: ConsultationStore, session_id: str,
                 segment_id: str | None = None) -> None:
        """Show ``session_id``'s transcript, with the cursor on ``segment_id`` if given."""
        super().__init__()
        self.services = services
        self.store = store
        self.session_id = session_id
        self.start_at = segment_id
        self.people: list[Participant] = []
        self.speed = 1.0
        self.search_text = ""
        self._player: Player | None = None
        self._poll: Timer | None = None
        self._spans: list[tuple[float, float]] = []
        self._model = "?"
        #: The quote made last here, given back on leaving (the quotes list opens on it).
        self.made_quote: str | None = None

    def compose(self) -> ComposeResult:
        """Info line, progress (while redoing), the transcript, the search box."""
        yield Header()
        yield Static("", id="info")
        panel = TranscriptionPanel(id="progress")
        panel.display = False
        yield panel
        yield TranscriptView(id="transcript")
        yield Static("No transcript yet.", id="empty")
        search = Input(placeholder="Search the transcript (enter finds, escape closes)",
                       id="search")
        search.display = False
        yield search
        yield Footer()

    def on_mount(self) -> None:
        """Read the transcript."""
        self.reload()
        view = self.query_one(TranscriptView)
        if self.start_at is not None:
            for row, segment in enumerate(view.segments):
                if segment.id == self.start_at:
                    view.move_cursor(row=row, animate=False)
        view.focus()

    def reload(self) -> None:
        """Read the session and its transcript from the store again."""
        try:
            session = self.store.session(self.session_id)
            # Numbered as on the run screen, so key 2 is the same person on both.
            self.people = session_speakers(self.store, session)
            names = {p.id: p.pseudonym for p in self.store.participants()}
            segments = self.store.segments(self.session_id)
            quoted = {sid for q in self.store.quotes(self.session_id, fresh=False)
                      for sid in q.segment_ids}
        except FacilitateError as error:
            self.notify(str(error), title="Cannot read the transcript", severity="error")
            return
        duration = session.recording.duration_s if session.recording else 0.0
        self._spans = off_record_spans(session.markers, self.people, session.id, duration)
        self.sub_title = shown(f"Transcript · {session.title}")
        self._model = session.transcribed_with or "?"
        view = self.query_one(TranscriptView)
        view.show(segments, names, session.markers, quoted)
        view.display = bool(segments)
        self.query_one("#empty").display = not segments
        self._show_info()

    def _show_info(self, playing: str = "") -> None:
        view = self.query_one(TranscriptView)
        edited = sum(1 for s in view.segments if s.edited)
        parts = [f"{len(view.segments)} segments", f"model {self._model}",
                 f"{edited} edited", f"speed {self.speed:g}x"]
        if self.search_text:
            hits = sum(1 for s in view.segments if self.search_text.lower() in s.text.lower())
            parts.append(f"“{self.search_text}”: {hits} found (n/N)")
        if view.anchor is not None:
            parts.append(f"{len(view.selected)} selected (v ends)")
        if playing:
            parts.append(playing)
        # The search is typed by the facilitator: shown as text, never markup.
        self.query_one("#info", Static).update(plain(" · ".join(parts)))

    # -- editing ------------------------------------------------------------------

    def action_edit(self) -> None:
        """Correct the text of the segment under the cursor."""
        segment = self.query_one(TranscriptView).current
        if segment is None:
            return
        self.app.push_screen(
            EditTextScreen(segment.text, segment.original_text),
            callback=lambda text: self._save_text(segment, text),
        )

    def _save_text(self, segment: Segment, text: str | None) -> None:
        if text is None or text.strip() == segment.text.strip():
            return
        from sessions.transcript_edits import edit_text

        try:
            changed = edit_text(self.store, self.session_id, segment.id, text)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.query_one(TranscriptView).update_segment(changed)
        self._show_info()

    def action_assign(self) -> None:
        """Pick who said the selected segments."""
        if not self.query_one(TranscriptView).selected:
            return
        choices = [(p.id, p.pseudonym) for p in self.people]
        choices.append((UNKNOWN, "Unknown speaker"))
        self.app.push_screen(PickScreen("Who is speaking?", choices),
                             callback=self._assign_picked)

    def _assign_picked(self, speaker: str | None) -> None:
        if speaker is None:
            return
        self._assign(None if speaker == UNKNOWN else speaker)

    def action_speaker(self, number: int) -> None:
        """Give the selected segments to the session's participant ``number`` (1-9)."""
        if not 1 <= number <= len(self.people):
            self.notify(f"This session has {len(self.people)} people; no number {number}.",
                        severity="warning")
            return
        self._assign(self.people[number - 1].id)

    def _assign(self, speaker_id: str | None) -> None:
        from sessions.transcript_edits import set_speaker

        view = self.query_one(TranscriptView)
        ids = [s.id for s in view.selected]
        if not ids:
            return
        try:
            changed = set_speaker(self.store, self.session_id, ids, speaker_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        for segment in changed:
            view.update_segment(segment)
        if view.anchor is not None:
            view.toggle_range()
        self._show_info()

    def action_range(self) -> None:
        """Start or end a range of segments (for giving them a speaker together)."""
        self.query_one(TranscriptView).toggle_range()
        self._show_info()

    # -- quotes --------------------------------------------------------------------

    def action_quote(self) -> None:
        """Make a quote from the highlighted segment, or from the ``v`` range."""
        segments = self.query_one(TranscriptView).selected
        if not segments:
            self.notify("There is no transcript to quote yet.", severity="warning")
            return
        if len({s.speaker_id for s in segments} - {None}) > 1:
            # Refused here as in models.quote.quote_from_span: a quote is one
            # person's words, for them alone to review.
            self.notify(
                "These segments are said by more than one person; a quote holds one "
                "person's words. Choose segments said by one person.",
                severity="warning",
            )
            return
        self._open_quote([s.id for s in segments])

    def action_quote_words(self) -> None:
        """Pick words within the highlighted segment, then make a quote of them."""
        view = self.query_one(TranscriptView)
        segment = view.current
        if segment is None:
            self.notify("There is no transcript to quote yet.", severity="warning")
            return
        # The quote's own words (the corrected text, if edited), so the indexes match.
        words = [w.text for w in segment_words(segment)]
        if not words:
            self.notify("This segment has no words to quote.", severity="warning")
            return
        self.app.push_screen(
            WordRangeScreen(words, view.speaker(segment)),
            callback=lambda chosen: self._open_quote([segment.id], chosen) if chosen else None,
        )

    def _open_quote(self, segment_ids: list[str],
                    word_range: tuple[int, int] | None = None) -> None:
        self.app.push_screen(
            QuoteDialog(self.store, self.session_id, segment_ids, word_range),
            callback=self._quote_made,
        )

    def _quote_made(self, quote: Quote | None) -> None:
        if quote is None:
            return
        self.made_quote = quote.id
        view = self.query_one(TranscriptView)
        view.mark_quoted(quote.segment_ids)
        if view.anchor is not None:
            view.toggle_range()
        self._show_info()
        count = len(quote.words)
        self.notify(f"Quote saved ({count} word{'s' if count != 1 else ''}); "
                    "u on the session lists the quotes.", title="Quote")

    # -- search and bookmarks ------------------------------------------------------

    def action_search(self) -> None:
        """Open the search box."""
        search = self.query_one("#search", Input)
        search.value = self.search_text
        search.display = True
        search.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.search_text = event.value.strip()
        view = self.query_one(TranscriptView)
        view.set_search(self.search_text)
        event.input.display = False
        view.focus()
        if self.search_text:
            self.action_find(True, from_here=True)
        self._show_info()

    def on_key(self, event: events.Key) -> None:
        """Escape in the search box closes it (rather than leaving the screen)."""
        search = self.query_one("#search", Input)
        if event.key == "escape" and search.has_focus:
            search.display = False
            self.query_one(TranscriptView).focus()
            event.stop()
            event.prevent_default()

    def action_find(self, forward: bool = True, from_here: bool = False) -> None:
        """Move to the next (or previous) segment that holds the search words."""
        view = self.query_one(TranscriptView)
        if not self.search_text:
            self.action_search()
            return
        current = view.current
        if from_here and current and self.search_text.lower() in current.text.lower():
            return
        row = view.find(self.search_text, forward)
        if row is None:
            self.notify(f"“{self.search_text}” is not in the transcript.", severity="warning")
            return
        view.move_cursor(row=row, animate=False)

    def action_next_bookmark(self) -> None:
        """Jump to the next bookmarked moment."""
        view = self.query_one(TranscriptView)
        row = view.next_bookmark()
        if row is None:
            self.notify("No bookmarks in this session.")
            return
        view.move_cursor(row=row, animate=False)

    # -- playback ------------------------------------------------------------------

    @property
    def player(self) -> Player:
        """The player, made on first use (numpy and soundfile load then)."""
        if self._player is None:
            from sessions.playback import Player

            self._player = Player()
        return self._player

    def action_play_pause(self) -> None:
        """Play from the selected segment on, or pause/resume what is playing."""
        view = self.query_one(TranscriptView)
        segment = view.current
        player = self.player
        if player.playing:
            player.pause()
            self._show_info("paused (space resumes)")
            return
        if player.paused and view.playing and view.playing[0] == view.cursor_row:
            player.resume()
            return
        if segment is not None:
            self._play_from(segment.start)

    def _play_from(self, start_s: float) -> None:
        try:
            session = self.store.session(self.session_id)
            path = self.store.audio_path(session)
            if path is None:
                raise FacilitateError("This session has no recording to play.")
            self.player.play(path, start_s, speed=self.speed, silence=self._spans)
        except FacilitateError as error:
            self.notify(str(error), title="Cannot play", severity="warning")
            self._show_info("no playback")
            return
        if self._poll is None:
            self._poll = self.set_interval(POLL_S, self._follow)

    def _follow(self) -> None:
        """Light the segment and word being played; the cursor follows along."""
        player = self.player
        view = self.query_one(TranscriptView)
        position = player.position_s
        if player.finished or position is None:
            view.set_playing(None)
            if self._poll is not None:
                self._poll.stop()
                self._poll = None
            self._show_info()
            return
        row = view.set_playing(position)
        if row is not None and player.playing and row != view.cursor_row and view.anchor is None:
            view.move_cursor(row=row, animate=False)
        if player.playing:
            self._show_info(f"▶ {format_clock(position)}")

    def _change_speed(self, speed: float) -> None:
        self.speed = speed
        player = self._player
        if player is not None and player.playing and player.position_s is not None:
            self._play_from(player.position_s)
        self._show_info()

    def action_slower(self) -> None:
        """Play more slowly (down to half speed)."""
        from sessions.playback import slower

        self._change_speed(slower(self.speed))

    def action_faster(self) -> None:
        """Play faster (up to double speed)."""
        from sessions.playback import faster

        self._change_speed(faster(self.speed))

    def on_screen_suspend(self) -> None:
        """Stop playing when another screen covers this one (dialogs excepted)."""
        dialog = isinstance(self.app.screen,
                            PickScreen | EditTextScreen | WordRangeScreen | QuoteDialog)
        if self._player is not None and not dialog:
            self._player.stop()

    def action_back(self) -> None:
        """Back to the session; playback stops, a running re-transcription carries on."""
        if self._player is not None:
            self.player.stop()
        if self.running:
            self.notify("Re-transcription carries on in the background.")
        self.dismiss(self.made_quote)

    # -- another model -------------------------------------------------------------

    @property
    def job_name(self) -> str:
        """The app's name for this session's re-transcription job."""
        return f"{RETRANSCRIBE}:{self.session_id}"

    @property
    def running(self) -> bool:
        """Whether this session is being transcribed again (the app owns the job)."""
        return self.app.jobs.is_running(self.job_name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel shows only while a re-transcription runs."""
        if action == "cancel_retranscribe":
            return bool(self.running)
        if action == "retranscribe":
            return None if self.running else True
        return True

    def action_retranscribe(self) -> None:
        """Pick a model and transcribe the session again, keeping the edits."""
        from sessions.whisper_models import available_models

        models = available_models(self.services.workspace.models_dir)
        if not models:
            self.notify("No Whisper model is installed.", severity="error")
            return
        choices = [(m.name, f"{m.name} ({m.source})") for m in models]
        self.app.push_screen(PickScreen("Transcribe again with which model?", choices),
                             callback=self._start_retranscribe)

    def _start_retranscribe(self, model: str | None) -> None:
        if model is None:
            return
        self.query_one(TranscriptionPanel).start()
        # The app owns the job: going back leaves it running, as the toast says.
        self.app.run_job(
            self.job_name,
            lambda: self.retranscribe(model),
            owner=self,
            title="Cannot transcribe",
            on_success=lambda _update: self._retranscribed(),
            on_cancel=self._retranscribed,
            on_failure=lambda _line: self._retranscribed(),
            report=retranscribed_notice,
            cancelled_line="Re-transcription cancelled; the transcript is unchanged.",
        )
        self.refresh_bindings()

    def action_cancel_retranscribe(self) -> None:
        """Stop the re-transcription; the transcript stays as it was."""
        self.app.jobs.cancel(self.job_name)
        self.query_one(TranscriptionPanel).cancelling()

    def retranscribe(self, model: str) -> TranscriptUpdate:
        """Transcribe again with ``model``; return what was carried over and what was not."""
        from sessions.transcript_edits import retranscribe

        cancelled = get_current_worker().cancelled_event
        transcriber = self.services.transcriber(model)
        if not transcriber.loaded:
            self.post_message(TranscriptionProgress(self.session_id, f"Loading {model}…"))
            transcriber.load()
        return retranscribe(
            self.store, self.session_id, transcriber, cancelled=cancelled,
            on_progress=lambda p: self.post_message(TranscriptionProgress(
                self.session_id, f"Transcribing with {model}…", fraction=p.fraction,
                done_s=p.done_s, total_s=p.total_s, eta_s=p.eta_s, segments=p.segments,
            )),
        )

    @on(TranscriptionProgress)
    def _progress(self, message: TranscriptionProgress) -> None:
        if message.session_id == self.session_id:
            self.query_one(TranscriptionPanel).report(message)
            message.stop()

    def _retranscribed(self) -> None:
        """The job has ended, one way or another: show the transcript as it now is."""
        self.query_one(TranscriptionPanel).stop()
        self.refresh_bindings()
        self.reload()


def retranscribed_notice(update: TranscriptUpdate) -> Notice:
    """What a finished re-transcription says, on whichever screen is open."""
    # Anything not carried over is worth more than a passing glance.
    lost = update.edits_lost or update.approvals_reset
    return Notice(f"Transcribed again: {update.summary()}", title="Transcription done",
                  severity="warning" if lost else "information", timeout=15 if lost else 5)
