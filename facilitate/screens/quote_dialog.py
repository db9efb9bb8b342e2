"""The new-quote dialog: who said it, its themes and a memo; any screen may push it.

Give it the session, the chosen segment ids and (optionally) a word range
within one segment; it saves the quote with :func:`sessions.quotes.make_quote`
and dismisses with the new :class:`Quote` (None when cancelled).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, SelectionList, Static

from facilitate.plain_text import plain
from facilitate.screens.dialogs import theme_selections
from facilitate.screens.forms import FormScreen
from models.participant import Role
from models.quote import Quote, quote_from_span
from sessions.errors import FacilitateError
from sessions.quotes import make_quote
from sessions.store import ConsultationStore


class QuoteDialog(FormScreen[Quote]):
    """Make a quote from segments (or words of one segment) of a session."""

    heading = "New quote"
    submit_label = "Make quote"
    AUTO_FOCUS = "#participant"

    def __init__(
        self,
        store: ConsultationStore,
        session_id: str,
        segment_ids: Sequence[str],
        word_range: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.segment_ids = list(segment_ids)
        self.word_range = word_range

    def _preview(self) -> tuple[str, str | None]:
        """The words the quote will hold, and who said them (None if not one known person)."""
        by_id = {s.id: s for s in self.store.segments(self.session_id)}
        segments = [by_id[sid] for sid in self.segment_ids if sid in by_id]
        if not segments:
            return "", None
        speakers = {s.speaker_id for s in segments}
        speaker = next(iter(speakers)) if len(speakers) == 1 else None
        try:
            quote = quote_from_span(
                self.session_id, segments, self.word_range, participant_id=speaker or "?"
            )
        except ValueError:
            return " ".join(s.text.strip() for s in segments), speaker
        return quote.text, speaker

    def _several_speakers(self) -> bool:
        """True when the chosen segments were said by more than one known speaker."""
        chosen = set(self.segment_ids)
        speakers = {s.speaker_id for s in self.store.segments(self.session_id) if s.id in chosen}
        return len(speakers - {None}) > 1

    def compose_fields(self) -> ComposeResult:
        """The words, who said them, themes and memo."""
        text, speaker = self._preview()
        session = self.store.session(self.session_id)
        people = [
            p
            for p in self.store.participants()
            if p.role is Role.PARTICIPANT and p.id in session.participant_ids
        ]
        # What was said, brackets and all: "[laughs]" shows, "[/x]" is just words.
        yield Static(plain(f"“{text}”"), classes="dialog-note quote-preview", id="quote-text")
        if self._several_speakers():
            yield Static(
                "These words are from more than one speaker. A quote is one person's, "
                "for them alone to review: it cannot be saved; choose segments said "
                "by one person.",
                classes="dialog-note", id="several-speakers",
            )
        options = [(plain(p.pseudonym), p.id) for p in people]
        known = speaker if any(p.id == speaker for p in people) else None
        yield from self.field(
            "Who said it",
            Select(
                options,
                value=known if known is not None else Select.NULL,
                prompt="Choose who said it…",
                id="participant",
            ),
            "participant",
        )
        codebook = self.store.consultation().codebook
        yield Label("Themes (space ticks)", classes="field-label")
        yield SelectionList[str](*theme_selections(codebook, []), id="themes")
        yield from self.field(
            "Memo (optional)", Input(placeholder="Why this quote matters", id="memo"), "memo"
        )

    def collect(self) -> Quote | None:
        """Save the quote; any problem shows under the field it concerns."""
        participant = self.query_one("#participant", Select).value
        if participant is Select.NULL:
            self.show_error("participant", "Choose who said these words.")
            return None
        self.show_error("participant", "")
        themes = list(self.query_one("#themes", SelectionList).selected)
        try:
            return make_quote(
                self.store,
                self.session_id,
                self.segment_ids,
                word_range=self.word_range,
                participant_id=str(participant),
                theme_ids=themes,
                memo=self.value("memo"),
            )
        except (FacilitateError, ValueError) as error:
            self.show_error("memo", str(error))
            return None
