"""Erasing a participant: what of theirs goes, and what of everyone else's stays.

When someone asks to be forgotten, everything they said and everything about
them goes: their transcript words (as heard and as corrected), their quotes
with their theme tags and memos, their record (real name, reach attributes,
notes, follow-up), the audit trail of their decisions, and the audio attributed
to them is silenced. Everyone else's data stays exactly as it was where it does
not overlap theirs. This module decides all of that from the consultation's
data; :mod:`sessions.erasure` carries it out on disk.

Their speaker marks are kept but name nobody ("someone unknown speaking from
here"), and the stretches silenced become strikes labelled :data:`ERASED_LABEL`:
strikes are off the record (see :func:`models.attribution.off_record_spans`),
so a later transcription or silencing treats exactly those stretches as gone,
and nothing links them to the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from models.attribution import Span, drop_off_record, merge_spans, speaker_marks
from models.audit import Actor, AuditEvent
from models.participant import Participant
from models.quote import Quote
from models.session import Marker, MarkerKind, Session
from models.transcript import Segment, Word

#: The label of the strikes that stand where an erased person's audio was.
ERASED_LABEL = "erased"

#: The audit action that says an erasure happened (and nothing more).
ERASED_ACTION = "participant erased"


@dataclass
class SessionErasure:
    """One session with the person taken out: its record, transcript and audio spans."""

    session: Session
    #: The transcript without their words (None: the session has no transcript to change).
    segments: list[Segment] | None
    #: Stretches of the recording (seconds) to make silent.
    spans: list[Span]
    segments_removed: int = 0
    words_removed: int = 0

    @property
    def transcript_changed(self) -> bool:
        """True when the transcript file must be written again."""
        return self.segments is not None and (self.segments_removed or self.words_removed) > 0


@dataclass
class ErasurePlan:
    """Everything erasing one participant changes, and the counts shown before and after."""

    participant: Participant
    sessions: list[SessionErasure]
    #: Quotes of theirs, removed with their tags and memos.
    quote_ids: list[str]
    #: Other people's quotes that held some of their words, with those words taken out.
    quotes_trimmed: list[Quote]
    #: Audit events about them or their words, removed.
    audit_ids: list[str]
    #: Words of theirs (every version) that no file may hold afterwards.
    words: set[str] = field(default_factory=set)
    #: Other records about them, counted by what one is ("artwork photo": 2).
    elsewhere: dict[str, int] = field(default_factory=dict)

    @property
    def segments_removed(self) -> int:
        """Transcript segments removed, all sessions together."""
        return sum(s.segments_removed for s in self.sessions)

    @property
    def words_removed(self) -> int:
        """Transcript words removed (their own segments' and stray ones), all sessions."""
        return sum(s.words_removed for s in self.sessions)

    @property
    def seconds_silenced(self) -> float:
        """Seconds of recording made silent, all sessions together."""
        return sum(b - a for s in self.sessions for a, b in s.spans)

    @property
    def recordings(self) -> int:
        """Recordings with some of their audio in them."""
        return sum(1 for s in self.sessions if s.spans and s.session.recording is not None)

    def summary(self) -> list[str]:
        """What erasing them removes, one line each, in numbers (nothing they lack is listed)."""
        lines = [
            "their record (pseudonym, real name, consent answers, reach answers, "
            "wellbeing check-ins, follow-ups, notes)"
        ]
        if self.quote_ids:
            lines.append(
                f"{_count(len(self.quote_ids), 'quote')} of theirs, with their theme tags and memos"
            )
        if self.segments_removed or self.words_removed:
            lines.append(
                f"{_count(self.segments_removed, 'transcript segment')} and "
                f"{_count(self.words_removed, 'word')} of theirs, as heard and as corrected"
            )
        lines += [
            f"{_count(n, thing)} of theirs" for thing, n in self.elsewhere.items() if n
        ]
        if self.quotes_trimmed:
            lines.append(
                f"their words inside {_count(len(self.quotes_trimmed), 'quote')} of others"
            )
        if self.recordings:
            lines.append(
                f"{self.seconds_silenced:.0f} s of their audio, silenced in "
                f"{_count(self.recordings, 'recording')}"
            )
        lines.append(
            f"{_count(len(self.audit_ids), 'audit entry', 'audit entries')} about them "
            "(one entry remains: that an erasure happened, with nothing said)"
        )
        return lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def erasure_event(participant_id: str, at: str) -> AuditEvent:
    """The one audit entry an erasure leaves: that it happened, when, and nothing said."""
    return AuditEvent(
        at=at,
        actor=Actor.FACILITATOR,
        action=ERASED_ACTION,
        subject_kind="participant",
        subject_id=participant_id,
    )


def mark_spans(markers: list[Marker], participant_id: str, duration_s: float) -> list[Span]:
    """The stretches speaker marks give ``participant_id``: from their mark to the next one."""
    marks = speaker_marks(markers)
    spans: list[Span] = []
    for index, mark in enumerate(marks):
        if mark.participant_id != participant_id:
            continue
        end = marks[index + 1].at_s if index + 1 < len(marks) else duration_s
        spans.append((mark.at_s, max(mark.at_s, end)))
    return merge_spans(spans)


def subtract_spans(spans: list[Span], holes: list[Span]) -> list[Span]:
    """``spans`` with every part inside ``holes`` taken out."""
    result: list[Span] = []
    holes = merge_spans(holes)
    for start, end in merge_spans(spans):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                result.append((cursor, h_start))
            cursor = max(cursor, h_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def attributed_spans(
    session: Session, segments: list[Segment], participant_id: str
) -> list[Span]:
    """The audio that is theirs: their segments, and their marked stretches not given to others.

    The facilitator's attribution in the transcript wins over the rough live
    marks: a marked stretch whose speech the transcript gives to someone else
    is theirs and stays audible; their own segments are silenced whole, even
    where someone spoke over them.
    """
    duration = session.recording.duration_s if session.recording is not None else 0.0
    own = [(s.start, s.end) for s in segments if s.speaker_id == participant_id]
    others = [
        (s.start, s.end)
        for s in segments
        if s.speaker_id is not None and s.speaker_id != participant_id
    ]
    marked = subtract_spans(mark_spans(session.markers, participant_id, duration), others)
    spans = merge_spans(own + marked)
    if duration > 0:
        spans = [(max(0.0, a), min(duration, b)) for a, b in spans if a < duration]
    return [(a, b) for a, b in spans if b > a]


def erase_from_session(
    session: Session, segments: list[Segment], participant: Participant
) -> SessionErasure:
    """``session`` and its transcript without ``participant``; the audio spans to silence.

    Their segments go whole (text, original text and words). Words no one is
    named for that lie in their marked stretches go too: the marks say they
    were speaking. Segments the facilitator gave to someone else stay as they are.
    """
    pid = participant.id
    duration = session.recording.duration_s if session.recording is not None else 0.0
    spans = attributed_spans(session, segments, pid)
    marked = mark_spans(session.markers, pid, duration)
    kept: list[Segment] = []
    removed_segments = 0
    removed_words = 0
    for segment in segments:
        if segment.speaker_id == pid:
            removed_segments += 1
            removed_words += len(segment.words) or len(segment.text.split())
            continue
        if segment.speaker_id is None and marked:
            parts = drop_off_record([segment], marked)
            left = sum(len(p.words) for p in parts)
            if left != len(segment.words) or len(parts) != 1:
                removed_words += len(segment.words) - left
                # Each part's original text is its own words only (see drop_off_record).
                kept.extend(parts)
                if not parts:
                    removed_segments += 1
                continue
        kept.append(segment)
    markers = [
        replace(m, participant_id=None)
        if m.kind is MarkerKind.SPEAKER and m.participant_id == pid
        else m
        for m in session.markers
    ]
    struck = [
        (m.at_s, m.end_s)
        for m in session.markers
        if m.kind is MarkerKind.STRIKE and m.label == ERASED_LABEL
    ]
    markers += [
        Marker(MarkerKind.STRIKE, a, end_s=b, label=ERASED_LABEL)
        for a, b in spans
        if (a, b) not in struck
    ]
    names = {participant.pseudonym, participant.real_name} - {""}
    updated = replace(
        session,
        participant_ids=[p for p in session.participant_ids if p != pid],
        facilitators=[f for f in session.facilitators if f not in names],
        markers=markers,
    )
    return SessionErasure(
        updated,
        kept if segments else None,
        spans,
        removed_segments,
        removed_words,
    )


def _trim_quote(quote: Quote, gone: set[str]) -> Quote | None:
    """``quote`` without the words whose ids are in ``gone``; None when nothing is left."""
    keep = [i for i, w in enumerate(quote.words) if w.id not in gone]
    if not keep:
        return None
    index = {old: new for new, old in enumerate(keep)}
    words: list[Word] = [quote.words[i] for i in keep]
    return replace(
        quote,
        words=words,
        start=words[0].start,
        end=words[-1].end,
        redactions=[index[i] for i in quote.redactions if i in index],
    )


def plan_erasure(
    participant: Participant,
    sessions: list[Session],
    transcripts: dict[str, list[Segment]],
    quotes: list[Quote],
    audit: list[AuditEvent],
) -> ErasurePlan:
    """Everything erasing ``participant`` removes from a consultation.

    ``transcripts`` holds each session's segments by session id. Pure: the
    caller saves the result (see :mod:`sessions.erasure`).
    """
    pid = participant.id
    session_plans: list[SessionErasure] = []
    gone_words: set[str] = set()
    gone_segments: set[str] = set()
    words: set[str] = set()
    for session in sessions:
        segments = transcripts.get(session.id, [])
        plan = erase_from_session(session, segments, participant)
        kept_ids = {w.id for s in plan.segments or [] for w in s.words}
        kept_segments = {s.id for s in plan.segments or []}
        for segment in segments:
            if segment.id not in kept_segments:
                gone_segments.add(segment.id)
            lost = [w for w in segment.words if w.id not in kept_ids]
            gone_words.update(w.id for w in lost)
            if segment.speaker_id == pid:
                words.update(_versions(segment))
            else:
                words.update(w.text.strip() for w in lost)
        session_plans.append(plan)
    theirs = [q for q in quotes if q.participant_id == pid]
    for quote in theirs:
        words.add(quote.text)
        words.update(w.text.strip() for w in quote.words)
        if quote.memo:
            words.add(quote.memo)
    trimmed: list[Quote] = []
    emptied: list[str] = []
    for quote in quotes:
        if quote.participant_id == pid or not any(w.id in gone_words for w in quote.words):
            continue
        cut = _trim_quote(quote, gone_words)
        if cut is None:
            emptied.append(quote.id)
        else:
            trimmed.append(cut)
    quote_ids = [q.id for q in theirs] + emptied
    about = {pid, *quote_ids, *gone_segments}
    audit_ids = [
        e.id for e in audit if e.participant_id == pid or e.subject_id in about
    ]
    return ErasurePlan(
        participant=participant,
        sessions=session_plans,
        quote_ids=quote_ids,
        quotes_trimmed=trimmed,
        audit_ids=audit_ids,
        words={w for w in words if w},
    )


def _versions(segment: Segment) -> Iterable[str]:
    """Every version of what a segment says: as corrected, as heard, word by word."""
    yield segment.text
    yield segment.original_text
    for word in segment.words:
        yield word.text.strip()


_TOKEN = re.compile(r"[\w']+")


def telling_words(theirs: Iterable[str], others: Iterable[str], shortest: int = 4) -> set[str]:
    """Words only they said (at least ``shortest`` letters, case ignored).

    A line of a log that holds one of these may be quoting them; a word others
    said too ("because", "service") says nothing about them.
    """
    common = {t.casefold() for text in others for t in _TOKEN.findall(text)}
    return {
        t.casefold()
        for text in theirs
        for t in _TOKEN.findall(text)
        if len(t) >= shortest and t.casefold() not in common
    }
