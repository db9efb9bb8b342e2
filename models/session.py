"""Consultations, their sessions, plans, recordings and the marks made while recording."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from models.codebook import Codebook, default_codebook
from models.vocabulary import Vocabulary


class ActivityKind(enum.StrEnum):
    """What people do together while they talk."""

    DISCUSSION = "discussion"
    PAINTING = "painting"
    PHOTOGRAPHY = "photography"
    MUSIC = "music"
    CREATIVE_WRITING = "creative writing"
    WEB_DESIGN = "web design"
    MODELLING = "modelling"
    OTHER = "other"


class SessionStatus(enum.StrEnum):
    """Where a session is in the journey."""

    PLANNED = "planned"
    RECORDING = "recording"
    RECORDED = "recorded"
    TRANSCRIBING = "transcribing"
    TRANSCRIBED = "transcribed"
    REVIEWED = "reviewed"


class StepKind(enum.StrEnum):
    """What a plan step is for: most are activity; check-ins ask how people are."""

    ACTIVITY = "activity"
    CHECK_IN = "wellbeing check-in"
    CHECK_OUT = "wellbeing check-out"


@dataclass
class PlanStep:
    """One timed step of a session plan, with the prompts the facilitator asks."""

    title: str
    minutes: int
    prompts: list[str] = field(default_factory=list)
    kind: StepKind = StepKind.ACTIVITY


@dataclass
class Recording:
    """The session's audio file, relative to the consultation's audio folder."""

    file: str
    duration_s: float
    sample_rate: int
    channels: int = 1
    #: "recorded" on this laptop or "imported" from elsewhere.
    source: str = "recorded"
    original_name: str = ""
    created_at: str = ""


class MarkerKind(enum.StrEnum):
    """What a mark made during recording means."""

    BOOKMARK = "bookmark"
    SPEAKER = "speaker"
    STEP = "step"
    STRIKE = "strike"


@dataclass
class Marker:
    """A key press during the session, at ``at_s`` seconds into the recording.

    Speaker marks name who is speaking from then on; strike marks take
    ``at_s``..``end_s`` off the record; step marks say a plan step began.
    """

    kind: MarkerKind
    at_s: float
    participant_id: str | None = None
    end_s: float | None = None
    step_index: int | None = None
    label: str = ""


@dataclass
class Session:
    """One meeting of a consultation: where, what activity, who, and what was said."""

    id: str
    consultation_id: str
    title: str
    venue: str = ""
    activity: ActivityKind = ActivityKind.DISCUSSION
    date: str = ""
    plan: list[PlanStep] = field(default_factory=list)
    facilitators: list[str] = field(default_factory=list)
    participant_ids: list[str] = field(default_factory=list)
    status: SessionStatus = SessionStatus.PLANNED
    recording: Recording | None = None
    markers: list[Marker] = field(default_factory=list)
    transcribed_with: str = ""
    created_at: str = ""


@dataclass
class Consultation:
    """The overall question being asked, its codebook, and its sessions."""

    id: str
    title: str
    question: str = ""
    codebook: Codebook = field(default_factory=default_codebook)
    #: Names never to appear in an export (staff, friends, places).
    hide_names: list[str] = field(default_factory=list)
    #: Common words kept in exports although part of a name ("Will", "May"): the
    #: facilitator's choice, made seeing them in the export preview.
    keep_words: list[str] = field(default_factory=list)
    #: Salted hash of the facilitator's PIN for leaving participant review.
    pin_hash: str = ""
    #: Words the transcriber listens out for; stays on this laptop, never exported.
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    created_at: str = ""
    #: Reference population shares in percent, per reach attribute and category
    #: (e.g. the district's census shares), entered by the facilitator.
    reach_reference: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Someone who came before and has missed this many sessions is suggested for a call.
    follow_up_after_missed: int = 2
