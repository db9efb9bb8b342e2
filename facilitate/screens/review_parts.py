"""Pieces of participant review mode: PIN dialogs, the word picker, listening to a quote.

The leave-PIN dialog locks the app like the review screen does (``LOCKS_APP``),
so nothing typed at it can reach anything but the review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static

from facilitate.plain_text import shown
from facilitate.screens.forms import FormScreen
from models.review import PinGuard, PinOutcome
from sessions.consent import session_off_record
from sessions.errors import AudioError, FacilitateError, NotFound
from sessions.review import MIN_PIN, check_pin
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from sessions.playback import Player

# -- before handing over: the PIN ------------------------------------------------------


class SetPinDialog(FormScreen[str]):
    """Set the facilitator's PIN: digits only, at least MIN_PIN, typed twice."""

    heading = "Set your facilitator PIN"
    submit_label = "Set PIN"

    def compose_fields(self) -> ComposeResult:
        """PIN, and the same again."""
        yield Static(
            "Participant review is locked: leaving it needs this PIN. "
            "Keep it to yourself; it is stored only as a salted hash.",
            classes="dialog-note",
        )
        yield from self.field(
            f"PIN (at least {MIN_PIN} digits)", Input(password=True, id="pin"), "pin"
        )
        yield from self.field("The same PIN again", Input(password=True, id="again"), "again")

    def collect(self) -> str | None:
        """The PIN, when it is long enough, all digits and typed the same twice."""
        pin, again = self.value("pin"), self.value("again")
        problem = ""
        if len(pin) < MIN_PIN or not pin.isdigit():
            problem = f"Use at least {MIN_PIN} digits, and only digits."
        self.show_error("pin", problem)
        if problem:
            return None
        if pin != again:
            self.show_error("again", "The two PINs differ; type the same PIN twice.")
            return None
        self.show_error("again", "")
        return pin


# -- picking words to hide -------------------------------------------------------------


#: How a hidden word looks while picking: struck through, marked, still readable.
HIDDEN_STYLE = "bold strike #ffb4a2 on #4a0f0f"
#: The mark before a hidden word while picking.
HIDDEN_MARK = "✕"


class WordPicker(Widget, can_focus=True):
    """Words as tokens: ← → move, space hides or shows one, enter is done.

    While picking, a hidden word still shows, struck through and marked ✕, so
    the participant can see what they hid and show it again; only the saved
    words read [redacted]. The word under the cursor is reversed and underlined.
    """

    BINDINGS: ClassVar = [
        Binding("left", "move(-1)", "Previous word", show=False),
        Binding("right", "move(1)", "Next word", show=False),
        Binding("space", "toggle", "Hide or show the word", show=False),
        Binding("enter", "done", "Done", show=False),
    ]

    @dataclass
    class Done(Message):
        """The participant has picked the words to hide."""

        picker: WordPicker

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.words: list[str] = []
        self.hidden: set[int] = set()
        self.cursor = 0

    def show(self, words: list[str], hidden: list[int]) -> None:
        """Show ``words`` with ``hidden`` already hidden, cursor on the first word."""
        # Cleaned word by word, so word numbers (what is hidden) stay the same.
        self.words = [shown(w.strip()) for w in words]
        self.hidden = set(hidden)
        self.cursor = 0
        self.refresh(layout=True)

    def render(self) -> Text:
        """The words, hidden ones struck through and marked, the cursor word reversed."""
        text = Text()
        for index, word in enumerate(self.words):
            hidden = index in self.hidden
            style = HIDDEN_STYLE if hidden else "bold"
            if index == self.cursor:
                style += " reverse underline"
            text.append(f"{HIDDEN_MARK}{word}" if hidden else word, style=style)
            text.append(" ")
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """As many lines as the words need at this width."""
        return max(1, len(self.render().wrap(self.app.console, max(1, width))))

    def action_move(self, step: int) -> None:
        """Move the cursor one word."""
        if self.words:
            self.cursor = max(0, min(len(self.words) - 1, self.cursor + step))
            self.refresh()

    def action_toggle(self) -> None:
        """Hide the word under the cursor, or show it again."""
        if not self.words:
            return
        self.hidden ^= {self.cursor}
        self.refresh(layout=True)

    def action_done(self) -> None:
        """Say the picking is done."""
        self.post_message(self.Done(self))

    @property
    def cursor_word(self) -> str:
        """The word under the cursor, as said (even when hidden)."""
        return self.words[self.cursor] if self.words else ""


# -- listening ---------------------------------------------------------------------------

#: What a participant reads when this laptop has no sound (no output, no PortAudio).
NO_SOUND = "Sound can't be played on this laptop."
#: ... when there is no recording (or it cannot be read).
NO_RECORDING = "The recording of this can't be played."


class Listening:
    """Plays a participant's own words from the session's recording.

    Everything off the record (strikes, and speech marked as anyone's who did
    not consent) is silenced, so nobody else's unconsented speech is ever heard.
    Problems come back as one plain line for the participant, never a technical one.
    """

    def __init__(self, store: ConsultationStore) -> None:
        self.store = store
        self._player: Player | None = None

    @property
    def playing(self) -> bool:
        """True while sound is coming out."""
        return self._player is not None and self._player.playing

    def play(self, session_id: str, start_s: float, end_s: float) -> str | None:
        """Play ``start_s``..``end_s`` of the session; None, or one line saying why not."""
        try:
            session = self.store.session(session_id)
            path = self.store.audio_path(session)
            if path is None:
                return NO_RECORDING
            duration = session.recording.duration_s if session.recording else end_s
            spans = session_off_record(self.store, session, duration)
            if self._player is None:
                from sessions.playback import Player  # numpy and soundfile load here

                self._player = Player()
            self._player.play(path, start_s, end_s, silence=spans)
        except (AudioError, NotFound):
            return NO_RECORDING
        except FacilitateError:  # no PortAudio, no output device, a device that fails
            return NO_SOUND
        return None

    def stop(self) -> None:
        """Stop playing (nothing happens when nothing plays)."""
        if self._player is not None:
            self._player.stop()


# -- leaving: the facilitator's PIN -----------------------------------------------------


class LeavePinDialog(ModalScreen[bool]):
    """The facilitator types the PIN to leave review mode; wrong PINs are rate-limited."""

    CSS_PATH = "review.tcss"
    LOCKS_APP: ClassVar[bool] = True
    AUTO_FOCUS = "#leave-pin"
    BINDINGS: ClassVar = [
        Binding("escape", "stay", "Back to the review"),
        Binding("ctrl+q,ctrl+c,ctrl+p,question_mark,ctrl+z,f1", "nothing", show=False,
                priority=True),
    ]

    def __init__(self, store: ConsultationStore, guard: PinGuard) -> None:
        super().__init__()
        self.store = store
        self.guard = guard

    def compose(self) -> ComposeResult:
        """A small card: what this is for, the PIN, a message line."""
        with Vertical(id="leave-card") as card:
            card.border_title = "Facilitator: leave"
            yield Static("This is for the facilitator.", id="leave-note")
            yield Static("Type your PIN and press enter. Escape goes back.", id="leave-hint")
            yield Input(password=True, id="leave-pin", placeholder="PIN")
            yield Static("", id="leave-message")

    def on_mount(self) -> None:
        """Say so at once if a wait is still due."""
        self._show_wait()

    def _show_wait(self) -> bool:
        wait = self.guard.wait_s()
        if wait > 0:
            self.query_one("#leave-message", Static).update(
                f"Too many wrong PINs. Try again in {math.ceil(wait)} seconds."
            )
        return wait > 0

    @on(Input.Submitted, "#leave-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        pin = event.value
        event.input.value = ""
        attempt = self.guard.attempt(lambda: check_pin(self.store, pin))
        if attempt.ok:
            self.dismiss(True)
            return
        message = self.query_one("#leave-message", Static)
        seconds = math.ceil(attempt.wait_s)
        if attempt.outcome is PinOutcome.WAIT:
            # The PIN was not checked at all, right or wrong: say so, not "wrong".
            message.update(
                f"Still locked: that PIN was not checked. Try again in {seconds} seconds."
            )
        elif attempt.wait_s > 0:
            message.update(f"Wrong PIN. Try again in {seconds} seconds.")
        else:
            message.update("Wrong PIN.")

    def action_stay(self) -> None:
        """Back to the review, still locked."""
        self.dismiss(False)

    def action_nothing(self) -> None:
        """Keys that would leave do nothing here."""
