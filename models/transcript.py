"""What was said: recognised words grouped into segments."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.ids import new_id


@dataclass
class Word:
    """One recognised word with its time in the recording (seconds)."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass
class Segment:
    """A stretch of speech, usually one sentence or turn.

    ``original_text`` keeps what the model heard when the facilitator edits
    ``text``; ``speaker_id`` is a participant id (or None when unknown).
    """

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker_id: str | None = None
    original_text: str = ""
    #: Indexes into ``words`` the speaker chose to hide when reviewing their transcript.
    redactions: list[int] = field(default_factory=list)
    id: str = field(default_factory=lambda: new_id("g"))

    @property
    def edited(self) -> bool:
        """True when the facilitator changed the recognised text."""
        return bool(self.original_text) and self.original_text != self.text

    @property
    def midpoint(self) -> float:
        """The time halfway through the segment."""
        return (self.start + self.end) / 2


def join_words(words: list[Word]) -> str:
    """The text of ``words``: Whisper words carry their own leading space; others get one."""
    return "".join(w.text if w.text[:1].isspace() else f" {w.text}" for w in words).strip()


def format_clock(seconds: float) -> str:
    """Return ``seconds`` as ``h:mm:ss`` (or ``m:ss`` under an hour)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
