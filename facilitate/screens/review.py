"""Participant review mode: one person, only their own words, large and plain.

The facilitator picks a participant (and sets the consultation's PIN the first
time), then hands over the laptop. The screen shows that person's quotes one
at a time; for each they say yes, hide some words, or don't use it, and may go
back and change their mind. Optionally they look through everything they said
in the session. Nothing of anyone else is on screen or reachable: no header,
no footer, no command palette, and the app's own keys (quit, help) are locked
out while this screen is active (``LOCKS_APP``; see ``FacilitateApp.check_action``).
Leaving needs the facilitator's PIN, and wrong PINs are rate-limited.

"Play it" (or space) plays the words on screen from the recording, with
everything off the record silenced (:class:`~facilitate.screens.review_parts.Listening`);
without sound the screen says so in one plain line and nothing else changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from facilitate.plain_text import rich_plain, shown
from facilitate.screens.dialogs import ChooseDialog
from facilitate.screens.review_artwork import ARTWORK_WORDS, artwork_intro, artwork_pages
from facilitate.screens.review_parts import (
    HIDDEN_MARK,
    LeavePinDialog,
    Listening,
    SetPinDialog,
    WordPicker,
)
from facilitate.widgets.picture import Picture
from models.artwork import Artwork
from models.export_rules import shown_text
from models.participant import ContributionState, Role
from models.quote import Decision, Quote, QuoteState, redact
from models.review import PinGuard, own_segments
from models.session import ActivityKind, Session
from models.transcript import Segment
from sessions import artwork as artworks
from sessions.errors import FacilitateError
from sessions.review import (
    apply_decision,
    has_pin,
    quotes_for,
    redact_own_words,
    review_contribution,
    review_privacy,
    set_pin,
)
from sessions.store import ConsultationStore

#: What each state means, in the participant's words.
STATE_WORDS = {
    QuoteState.PENDING: "You have not decided about this yet.",
    QuoteState.APPROVED: "You said: yes, you can use this.",
    QuoteState.APPROVED_REDACTED: "You said: yes, with some words hidden.",
    QuoteState.WITHDRAWN: "You said: don't use this. It will not be used.",
}

CONTRIBUTION_WORDS = {
    ContributionState.PENDING: "You have not decided about this yet.",
    ContributionState.APPROVED: "You said: yes, the transcript can keep what you said.",
    ContributionState.WITHDRAWN: "You said: don't use what I said in the transcript.",
}

PLAY_LABEL = "▶  Play it"
STOP_LABEL = "■  Stop"

#: Keys the app or Textual would use to go somewhere else; here they do nothing.
LOCKED_KEYS = "q,ctrl+q,ctrl+c,ctrl+p,question_mark,ctrl+z,f1,ctrl+backslash"


def session_phrase(session: Session | None) -> str:
    """"the painting session", or just "the session" when the activity says nothing."""
    if session is None or session.activity is ActivityKind.OTHER:
        return "the session"
    return f"the {session.activity.value} session"


# -- before handing over: who, and the PIN -------------------------------------------


def start_participant_review(app: App[object], store: ConsultationStore, session_id: str) -> None:
    """Ask who is reviewing, make sure there is a PIN, then lock the app in review mode."""
    try:
        session = store.session(session_id)
        people = [
            p
            for p in store.participants()
            if p.role is Role.PARTICIPANT and p.id in session.participant_ids
        ]
    except FacilitateError as error:
        app.notify(str(error), severity="error")
        return
    if not people:
        app.notify("This session has no participants to review.", severity="warning")
        return

    def begin(participant_id: str) -> None:
        app.push_screen(ReviewScreen(store, participant_id, session_id))

    def pin_set(participant_id: str, pin: str | None) -> None:
        if pin is None:
            return
        try:
            set_pin(store, pin)
        except (FacilitateError, ValueError) as error:
            app.notify(str(error), severity="error")
            return
        begin(participant_id)

    def picked(participant_id: str | None) -> None:
        if participant_id is None:
            return
        if has_pin(store):
            begin(participant_id)
        else:
            app.push_screen(SetPinDialog(), callback=lambda pin: pin_set(participant_id, pin))

    app.push_screen(
        ChooseDialog(
            "Participant review",
            "Who is reviewing their words?",
            [(p.pseudonym, p.id) for p in people],
            submit_label="Start review",
            note="Then hand over the laptop. They see only their own words. "
            "Leaving needs your PIN (ctrl+l).",
        ),
        callback=picked,
    )


# -- the review itself ------------------------------------------------------------------


@dataclass
class Page:
    """One step of the review: a quote, a transcript segment, a question, or the summary."""

    kind: str  # "quote", "artwork", "segment", "contribution", "summary"
    item_id: str = ""


#: The buttons that record a decision: they never take the focus by themselves.
DECISION_BUTTONS = frozenset({"approve", "withdraw"})


class ReviewScreen(Screen[None]):
    """One participant reviews their own quotes (and, if they like, their transcript)."""

    CSS_PATH = "review.tcss"
    LOCKS_APP: ClassVar[bool] = True
    #: Never a decision: a stray Enter must not approve or withdraw anyone's words.
    AUTO_FOCUS = "#play, #next, #previous"
    #: Below 30 rows (80x24) the card closes up so the words and choices fit at once.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar = [
        Binding("y", "decide('approve')", "Yes, you can use this", show=False),
        Binding("h", "hide_words", "Hide some words", show=False),
        Binding("d", "decide('withdraw')", "Don't use this", show=False),
        Binding("right,n", "move(1)", "Next", show=False),
        Binding("left,p", "move(-1)", "Back", show=False),
        Binding("space", "play", "Play it", show=False),
        Binding("ctrl+l", "leave", "Facilitator: leave", show=False),
        # Escape only ever cancels choosing words: it never leaves review mode.
        Binding("escape", "escape", "Stop hiding words", show=False, priority=True),
        Binding(LOCKED_KEYS, "nothing", show=False, priority=True),
    ]

    def __init__(
        self,
        store: ConsultationStore,
        participant_id: str,
        session_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.store = store
        self.participant_id = participant_id
        self.session_id = session_id
        self.guard = PinGuard(clock)
        self.quotes: list[Quote] = []
        self.artwork: list[Artwork] = []
        self.segments: list[Segment] = []
        self.sessions: dict[str, Session] = {}
        self.pages: list[Page] = []
        self.index = 0
        self.hiding = False
        self.with_transcript = False
        self.listening = Listening(store)

    def compose(self) -> ComposeResult:
        """One card: where we are, the words, what was decided, the choices."""
        with VerticalScroll(id="review"), Vertical(id="review-card"):
            yield Static("", id="review-step")
            yield Static("", id="review-intro")
            yield Static("", id="review-words")
            yield Picture(id="review-picture")
            with Center(id="review-listen"):
                yield Button(PLAY_LABEL, id="play", variant="primary")
            yield Static("", id="review-sound")
            yield WordPicker(id="review-picker")
            yield Static("", id="review-state")
            with Center():
                with Horizontal(id="review-choices", classes="review-buttons"):
                    yield Button("Yes, you can use this", id="approve", variant="success")
                    yield Button("Hide some words", id="hide", variant="primary")
                    yield Button("Don't use this", id="withdraw", variant="error")
            with Center():
                with Horizontal(id="review-hiding", classes="review-buttons"):
                    yield Button("Done: hide these words", id="hide-done", variant="primary")
                    yield Button("Cancel", id="hide-cancel")
            with Center():
                with Horizontal(id="review-summary", classes="review-buttons"):
                    yield Button("Look at everything you said", id="see-transcript")
            with Center():
                with Horizontal(id="review-moves", classes="review-buttons"):
                    yield Button("← Back", id="previous")
                    yield Button("Next →", id="next")
        # Outside the scrolling card: the keys stay in view however tall the card.
        yield Static("", id="review-keys")

    def on_mount(self) -> None:
        """Lock the palette, clear messages meant for the facilitator, show the first quote."""
        self.app.use_command_palette = False
        self.app.clear_notifications()
        self.query_one("#review-sound").display = False
        self.load()
        self.show_page()
        self.set_interval(0.2, self._show_playing)

    def on_unmount(self) -> None:
        """Stop any sound and give the facilitator their palette back."""
        self.listening.stop()
        self.app.use_command_palette = self.app.ENABLE_COMMAND_PALETTE

    def on_screen_suspend(self) -> None:
        """Stop the sound when the facilitator's PIN prompt covers the review."""
        self.listening.stop()

    # -- reading -----------------------------------------------------------------

    def load(self) -> None:
        """Read this participant's quotes (and their own segments) from the store."""
        self.quotes = quotes_for(self.store, self.participant_id, self.session_id)
        self.sessions = {s.id: s for s in self.store.sessions()}
        wanted = [q.session_id for q in self.quotes]
        if self.session_id is not None:
            wanted.append(self.session_id)
        # What an export would show, decided by the privacy core: they review exactly that.
        self.privacy = review_privacy(self.store, wanted)
        if self.session_id is not None:
            privacy = self.privacy[self.session_id]
            # Parts with nothing left to leave (a quote they withdrew, a strike)
            # need no decision, so they are not shown.
            self.segments = [
                s
                for s in own_segments(self.store.segments(self.session_id), self.participant_id)
                if privacy.kept_words(s)
            ]
        pages = [Page("quote", q.id) for q in self.quotes]
        self.artwork = artwork_pages(self.store, self.participant_id, self.session_id)
        pages += [Page("artwork", a.id) for a in self.artwork]
        pages.append(Page("summary"))
        if self.with_transcript:
            pages += [Page("segment", s.id) for s in self.segments]
            pages.append(Page("contribution"))
        self.pages = pages
        self.index = min(self.index, len(self.pages) - 1)

    @property
    def page(self) -> Page:
        """The page on screen."""
        return self.pages[self.index]

    @property
    def quote(self) -> Quote | None:
        """The quote on screen, if a quote is."""
        if self.page.kind != "quote":
            return None
        return next((q for q in self.quotes if q.id == self.page.item_id), None)

    @property
    def piece(self) -> Artwork | None:
        """The artwork on screen, if a piece of theirs is."""
        if self.page.kind != "artwork":
            return None
        return next((a for a in self.artwork if a.id == self.page.item_id), None)

    @property
    def segment(self) -> Segment | None:
        """The transcript segment on screen, if one is."""
        if self.page.kind != "segment":
            return None
        return next((s for s in self.segments if s.id == self.page.item_id), None)

    # -- showing ---------------------------------------------------------------------

    def _set(self, widget_id: str, content: str | Text) -> None:
        # Plain text, never markup: "[redacted]" must show as written.
        text = rich_plain(content, multiline=True) if isinstance(content, str) else content
        self.query_one(f"#{widget_id}", Static).update(text)

    def _display(self, **shown: bool) -> None:
        for widget_id, visible in shown.items():
            self.query_one(f"#{widget_id.replace('_', '-')}").display = visible

    def show_page(self) -> None:
        """Draw the current page."""
        page = self.page
        self.hiding = False
        self.listening.stop()
        self._show_playing()
        words_shown = page.kind in ("quote", "segment")
        self._display(
            review_words=words_shown,
            review_picture=page.kind == "artwork",
            review_listen=words_shown,
            review_picker=False,
            review_choices=page.kind != "summary",
            review_hiding=False,
            review_summary=page.kind == "summary" and bool(self.segments)
            and not self.with_transcript,
            review_moves=True,
        )
        self.query_one("#previous", Button).disabled = self.index == 0
        self.query_one("#next", Button).disabled = self.index == len(self.pages) - 1
        if page.kind == "quote":
            self._show_quote()
        elif page.kind == "artwork":
            self._show_artwork()
        elif page.kind == "segment":
            self._show_segment()
        elif page.kind == "contribution":
            self._show_contribution()
        else:
            self._show_summary()
        self._show_keys()
        self._keep_focus_visible()

    def _keep_focus_visible(self) -> None:
        """Move the focus to the first button on show when the focused one was hidden."""
        focused = self.focused
        if focused is not None and all(node.display for node in focused.ancestors_with_self
                                       if isinstance(node, Widget)):
            return
        for button in self.query(Button):
            if button.id in DECISION_BUTTONS:
                continue  # a decision is always the participant's own press
            if not button.disabled and all(
                node.display for node in button.ancestors_with_self if isinstance(node, Widget)
            ):
                button.focus()
                return

    def _choice_labels(self, yes: str, no: str, hide: bool = True) -> None:
        self.query_one("#approve", Button).label = yes
        self.query_one("#withdraw", Button).label = no
        self.query_one("#approve", Button).display = True
        self.query_one("#withdraw", Button).display = True
        self.query_one("#hide", Button).display = hide

    def _show_quote(self) -> None:
        quote = self.quote
        if quote is None:
            return
        number = self.quotes.index(quote) + 1
        self._set("review-step", f"Quote {number} of {len(self.quotes)}")
        phrase = session_phrase(self.sessions.get(quote.session_id))
        self._set("review-intro", f"This is something you said during {phrase}.")
        self._set("review-words", rich_plain(f"“{self._quote_text(quote)}”"))
        self._set("review-state", STATE_WORDS[quote.state])
        self._choice_labels("Yes, you can use this", "Don't use this")

    def _show_artwork(self) -> None:
        piece = self.piece
        if piece is None:
            return
        number = self.artwork.index(piece) + 1
        self._set("review-step", f"Your artwork {number} of {len(self.artwork)}")
        phrase = session_phrase(self.sessions.get(piece.session_id))
        self._set("review-intro", artwork_intro(phrase))
        try:
            image: bytes | None = artworks.image_bytes(self.store, piece)
        except FacilitateError:
            image = None  # the description stands in for a photo that cannot be read
        # Small enough that the choices stay on screen in an 80x24 terminal, with
        # room for the description beneath it, however many lines that takes.
        picture = self.query_one(Picture)
        width = picture.content_region.width or max(20, self.size.width - 4)
        caption = Text(shown(piece.description) or "A photo of your work.")
        lines = len(caption.wrap(self.app.console, width))
        rows = max(2, min(16, self.size.height - 15 - lines))
        picture.show(image, piece.description, max_rows=rows)
        self._set("review-state", ARTWORK_WORDS[piece.state])
        self._choice_labels("Yes, you can use this", "Don't use this", hide=False)

    def _quote_text(self, quote: Quote) -> str:
        privacy = self.privacy.get(quote.session_id)
        if privacy is None:
            return quote.redacted_text
        if quote.state is QuoteState.WITHDRAWN:
            # Nothing of it leaves; show what would, should they change their mind.
            again = review_privacy(self.store, [quote.session_id], reconsidering=quote.id)
            undecided = replace(quote, state=QuoteState.PENDING, redactions=[])
            return shown_text(undecided, again[quote.session_id]) or quote.redacted_text
        return shown_text(quote, privacy) or "(none of these words will be used)"

    def _segment_text(self, segment: Segment) -> str:
        privacy = self.privacy.get(self.session_id or "")
        if privacy is None:
            return redact(segment.words, segment.redactions)
        return shown_text(segment, privacy) or "(none of these words will be used)"

    def _show_segment(self) -> None:
        segment = self.segment
        if segment is None:
            return
        number = self.segments.index(segment) + 1
        self._set("review-step", f"Everything you said: part {number} of {len(self.segments)}")
        phrase = session_phrase(self.sessions.get(self.session_id or ""))
        self._set("review-intro", f"This is something you said during {phrase}.")
        self._set("review-words", rich_plain(f"“{self._segment_text(segment)}”"))
        privacy = self.privacy.get(self.session_id or "")
        # Every word hidden, here or in one of their quotes, as an export hides it.
        hidden = (
            sum(redacted for _, redacted in privacy.kept_words(segment))
            if privacy is not None
            else len(segment.redactions)
        )
        self._set(
            "review-state",
            f"{hidden} word{'s' if hidden != 1 else ''} hidden." if hidden
            else "Nothing hidden. You can hide some words if you like.",
        )
        self._display(review_choices=True)
        self.query_one("#approve", Button).display = False
        self.query_one("#withdraw", Button).display = False
        self.query_one("#hide", Button).display = True

    def _show_contribution(self) -> None:
        self._set("review-step", "Everything you said")
        phrase = session_phrase(self.sessions.get(self.session_id or ""))
        self._set(
            "review-intro",
            f"Can the written record of {phrase} keep what you said, "
            "with the words you hid taken out?",
        )
        state = self.store.participant(self.participant_id).contribution_for(
            self.session_id or ""
        )
        self._set("review-state", CONTRIBUTION_WORDS[state])
        self._choice_labels("Yes, it can keep it", "Don't use what I said", hide=False)

    def _show_summary(self) -> None:
        self._set("review-step", "What you decided")
        if not self.quotes:
            self._set("review-intro", "There are no quotes of yours to look at.")
        else:
            self._set(
                "review-intro",
                "Here is what you decided. You can go back and change your mind.",
            )
        lines = Text()
        for number, quote in enumerate(self.quotes, start=1):
            short = shown(quote.redacted_text)
            short = short if len(short) <= 60 else short[:57] + "…"
            lines.append(f"{number}. “{short}”\n", style="bold")
            lines.append(f"   {STATE_WORDS[quote.state]}\n\n")
        for number, piece in enumerate(self.artwork, start=1):
            lines.append(f"Artwork {number}: {shown(piece.description) or 'a photo'}\n",
                         style="bold")
            lines.append(f"   {ARTWORK_WORDS[piece.state]}\n\n")
        lines.append("When you are done, please hand the laptop back to the facilitator.")
        self._set("review-state", lines)

    def _show_keys(self) -> None:
        if self.hiding:
            keys = ("← → choose a word · space hides or shows it · enter when done · "
                    "escape cancels")
        elif self.page.kind == "summary":
            keys = "← go back · ctrl+l facilitator"
        else:
            keys = ("space plays · y yes · h hide words · d don't use · ← → move · "
                    "ctrl+l facilitator")
            if self.page.kind == "segment":
                keys = "space plays · h hide words · ← → move · ctrl+l facilitator"
            elif self.page.kind in ("contribution", "artwork"):
                keys = "y yes · d don't use · ← → move · ctrl+l facilitator"
        self._set("review-keys", keys)

    # -- deciding -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Decisions only where they make sense on this page."""
        kind = self.page.kind if self.pages else "summary"
        if action == "decide":
            return kind in ("quote", "artwork", "contribution") and not self.hiding
        if action == "hide_words":
            return kind in ("quote", "segment") and not self.hiding
        if action == "move":
            return not self.hiding
        if action == "play":
            return kind in ("quote", "segment") and not self.hiding
        return True

    def action_nothing(self) -> None:
        """Keys that would leave review mode do nothing here."""

    def action_escape(self) -> None:
        """Cancel choosing words to hide, keeping what was saved; otherwise nothing."""
        if self.hiding:
            self._hide_cancelled()

    def action_move(self, step: int) -> None:
        """The next or previous page; the summary comes after the last quote."""
        target = self.index + step
        if 0 <= target < len(self.pages):
            self.index = target
            self.show_page()

    def action_decide(self, decision: str) -> None:
        """Yes or don't use: save it (audited as the participant's), then show it."""
        try:
            if self.page.kind == "contribution" and self.session_id is not None:
                state = (
                    ContributionState.APPROVED
                    if decision == Decision.APPROVE
                    else ContributionState.WITHDRAWN
                )
                review_contribution(self.store, self.participant_id, self.session_id, state)
            elif (quote := self.quote) is not None:
                apply_decision(self.store, quote.id, Decision(decision))
            elif (piece := self.piece) is not None:
                artworks.decide(self.store, piece.id, approve=decision == Decision.APPROVE)
        except (FacilitateError, ValueError) as error:
            self._set("review-state", f"That did not save: {error}")
            return
        self.load()
        self.show_page()

    # -- listening ----------------------------------------------------------------------

    def action_play(self) -> None:
        """Play the words on screen from the recording, or stop them."""
        if self.listening.playing:
            self.listening.stop()
            self._show_playing()
            return
        quote, segment = self.quote, self.segment
        if quote is not None:
            problem = self.listening.play(quote.session_id, quote.start, quote.end)
        elif segment is not None and self.session_id is not None:
            problem = self.listening.play(self.session_id, segment.start, segment.end)
        else:
            return
        line = self.query_one("#review-sound", Static)
        line.update(Text(problem or ""))
        line.display = bool(problem)
        self._show_playing()

    def _show_playing(self) -> None:
        """The button says Stop while the words play, Play it otherwise."""
        button = self.query_one("#play", Button)
        label = STOP_LABEL if self.listening.playing else PLAY_LABEL
        if str(button.label) != label:
            button.label = label

    @on(Button.Pressed, "#play")
    def _play(self) -> None:
        self.action_play()

    def action_hide_words(self) -> None:
        """Show the words as tokens to hide or show."""
        quote, segment = self.quote, self.segment
        #: Words shown hidden because a quote of theirs hides them (kept out on saving).
        self.hidden_in_quotes: set[int] = set()
        if quote is not None:
            words, hidden = [w.text for w in quote.words], quote.redactions
        elif segment is not None:
            # Words hidden in one of their quotes are hidden here too (as the page
            # and every export show them): the picker must not offer them as shown.
            privacy = self.privacy.get(self.session_id or "")
            elsewhere = privacy.redacted if privacy is not None else set()
            words = [w.text for w in segment.words]
            self.hidden_in_quotes = {i for i, w in enumerate(segment.words)
                                     if w.id in elsewhere and i not in segment.redactions}
            hidden = sorted({*segment.redactions, *self.hidden_in_quotes})
        else:
            return
        self.hiding = True
        self.listening.stop()
        picker = self.query_one(WordPicker)
        picker.show(words, hidden)
        self._display(
            review_words=False,
            review_picker=True,
            review_listen=False,
            review_choices=False,
            review_hiding=True,
            review_moves=False,
        )
        self._set(
            "review-intro",
            f"Choose the words to hide. A hidden word is crossed out and marked {HIDDEN_MARK}; "
            "once saved it shows as [redacted]."
            + (" Words you hid in a quote stay hidden here." if self.hidden_in_quotes else ""),
        )
        self._set("review-state", "")
        self._show_keys()
        picker.focus()

    @on(WordPicker.Done)
    @on(Button.Pressed, "#hide-done")
    def _hide_done(self) -> None:
        hidden = sorted(self.query_one(WordPicker).hidden)
        quote, segment = self.quote, self.segment
        try:
            if quote is not None:
                if not hidden:
                    self._set(
                        "review-state", "Choose at least one word to hide, or press Cancel."
                    )
                    return
                apply_decision(self.store, quote.id, Decision.REDACT, redactions=hidden)
            elif segment is not None and self.session_id is not None:
                # Their quote keeps those hidden; the transcript's own choice stays theirs.
                own = [i for i in hidden if i not in self.hidden_in_quotes]
                redact_own_words(
                    self.store, self.participant_id, self.session_id, segment.id, own
                )
        except (FacilitateError, ValueError) as error:
            self._set("review-state", f"That did not save: {error}")
            return
        self.load()
        self.show_page()
        self.query_one("#next" if self.index < len(self.pages) - 1 else "#previous").focus()

    @on(Button.Pressed, "#hide-cancel")
    def _hide_cancelled(self) -> None:
        self.show_page()
        self.query_one("#hide", Button).focus()

    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        self.action_decide(Decision.APPROVE.value)

    @on(Button.Pressed, "#withdraw")
    def _withdraw(self) -> None:
        self.action_decide(Decision.WITHDRAW.value)

    @on(Button.Pressed, "#hide")
    def _hide(self) -> None:
        self.action_hide_words()

    @on(Button.Pressed, "#previous")
    def _previous(self) -> None:
        self.action_move(-1)

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.action_move(1)

    @on(Button.Pressed, "#see-transcript")
    def _see_transcript(self) -> None:
        self.with_transcript = True
        self.load()
        self.action_move(1)

    # -- leaving ------------------------------------------------------------------------------

    def action_leave(self) -> None:
        """Ask for the facilitator's PIN; only the right one leaves."""

        def left(ok: bool | None) -> None:
            if ok:
                self.dismiss()

        self.app.push_screen(LeavePinDialog(self.store, self.guard), callback=left)
