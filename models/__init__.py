"""The facilitate domain: pure Python, no I/O, no third-party imports.

Everything a consultation is made of (sessions, participants, recordings,
marks, transcripts, quotes, themes, audit events) and the rules that must
always hold about them.
"""

from models.audit import Actor, AuditEvent
from models.codebook import Codebook, Theme, default_codebook, empty_codebook
from models.ids import new_id
from models.participant import (
    ConsentRecord,
    ContributionReview,
    ContributionState,
    Participant,
    RecordingConsent,
    Role,
    set_recording_consent,
)
from models.quote import Decision, Quote, QuoteState, decide, new_quote, redact
from models.serial import SCHEMA_VERSION, SchemaError, from_dict, to_dict
from models.session import (
    ActivityKind,
    Consultation,
    Marker,
    MarkerKind,
    PlanStep,
    Recording,
    Session,
    SessionStatus,
)
from models.transcript import Segment, Word, format_clock

__all__ = [
    "SCHEMA_VERSION",
    "ActivityKind",
    "Actor",
    "AuditEvent",
    "Codebook",
    "ConsentRecord",
    "ContributionReview",
    "ContributionState",
    "Consultation",
    "Decision",
    "Marker",
    "MarkerKind",
    "Participant",
    "PlanStep",
    "Quote",
    "QuoteState",
    "Recording",
    "RecordingConsent",
    "Role",
    "SchemaError",
    "Segment",
    "Session",
    "SessionStatus",
    "Theme",
    "Word",
    "decide",
    "default_codebook",
    "empty_codebook",
    "format_clock",
    "from_dict",
    "new_id",
    "new_quote",
    "redact",
    "set_recording_consent",
    "to_dict",
]
