"""App-level messages: what background work tells the screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class TranscriptionProgress(Message):
    """How far importing and transcribing a session's recording has got.

    Posted from the worker thread; ``can_replace`` lets a flood of updates
    collapse to the latest one so the UI never falls behind.
    """

    session_id: str
    #: What is happening now, in the facilitator's words.
    stage: str
    #: 0..1, or None while the length of the work is unknown.
    fraction: float | None = None
    done_s: float = 0.0
    total_s: float = 0.0
    eta_s: float | None = None
    segments: int = 0

    def can_replace(self, message: Message) -> bool:
        """A newer progress report for the same session replaces an older one."""
        return (
            isinstance(message, TranscriptionProgress)
            and message.session_id == self.session_id
            and message.stage == self.stage
        )
