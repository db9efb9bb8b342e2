"""The append-only record of every consent decision."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from models.ids import new_id


class Actor(enum.StrEnum):
    """Who made a decision."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    #: The facilitator recorded it for the participant (by phone, on paper).
    ON_BEHALF = "facilitator on the participant's behalf"
    SYSTEM = "system"


@dataclass(frozen=True)
class AuditEvent:
    """One consent decision: when, by whom, about what, and what changed."""

    at: str
    actor: Actor
    action: str
    subject_kind: str
    subject_id: str
    participant_id: str | None = None
    before: Any = None
    after: Any = None
    note: str = ""
    id: str = field(default_factory=lambda: new_id("a"))
