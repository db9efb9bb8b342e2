"""What an export shows, decided and anonymised once, before any format is written.

:func:`build_content` asks :mod:`models.export_rules` what may leave the laptop
and passes every string through the consultation's anonymiser. The writers
(report, transcripts, data, REFI-QDA) only ever see an :class:`ExportContent`,
so no format can show something the rules or the anonymiser held back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from models.anonymise import Anonymiser, build_anonymiser, move_position, name_conflicts
from models.artwork import Artwork, exportable_artwork
from models.audit import Actor, AuditEvent
from models.dates import date_span, long_date
from models.export_rules import (
    KeptSegment,
    Placeholder,
    consented_transcript,
    exportable_quotes,
    people_in_session,
    privacy_by_session,
    quote_spans,
)
from models.participant import Participant, Role
from models.privacy import SessionPrivacy
from models.quote import Quote, QuoteState
from models.reach import ReachTable
from models.report_frame import ReportFrame, paragraphs
from models.session import Consultation, Session
from models.text import clean_text, clean_text_positions
from models.transcript import Segment, format_clock
from models.wellbeing import FOLLOW_UP_KIND
from models.wording import plural
from sessions.clock import now_iso
from sessions.errors import FacilitateError, NotFound
from sessions.export.reach_section import reach_for
from sessions.store import ConsultationStore

T = TypeVar("T")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` with characters XML cannot hold replaced, one for one (positions stay put)."""
    return _NOT_XML.sub("\ufffd", text)


def clean_for_xml(value: T) -> T:
    """A copy of ``value`` (content, a session, a string) with every string XML-safe."""
    return _cleaned(value)  # type: ignore[no-any-return]


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, tuple):
        return tuple(_cleaned(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _cleaned(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def _export_safe(value: Any) -> Any:
    """A copy of ``value`` with every string cleaned (:func:`models.text.clean_text`).

    A transcript line's quote marks move with the words they mark.
    """
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, tuple):
        return tuple(_export_safe(v) for v in value)
    if isinstance(value, Line):
        text, moved = clean_text_positions(value.text, multiline=True)
        last = len(moved) - 1
        spans = tuple(
            (_export_safe(q), moved[min(a, last)], moved[min(b, last)])
            for q, a, b in value.quote_spans
        )
        return dataclasses.replace(
            value, speaker=_export_safe(value.speaker), text=text, quote_spans=spans
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _export_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


@dataclass
class ExportSource:
    """Everything an export may draw on, read from a store (or built in memory)."""

    consultation: Consultation
    participants: list[Participant]
    sessions: list[Session]
    segments: dict[str, list[Segment]]
    quotes: list[Quote]
    audit: list[AuditEvent] = field(default_factory=list)
    #: The facilitator's framing of the thematic report.
    frame: ReportFrame = field(default_factory=ReportFrame)
    #: Photos of participants' work, every state (the rules pick the approved ones).
    artwork: list[Artwork] = field(default_factory=list)
    #: Artwork id -> the stored photo; read only for artwork its maker approved.
    images: dict[str, bytes] = field(default_factory=dict)


def load_source(store: ConsultationStore, session_id: str | None = None) -> ExportSource:
    """Read a consultation (or one of its sessions) from ``store``."""
    from sessions.artwork import artworks, image_bytes
    from sessions.report_frame import load_frame

    with store.lock:
        sessions = store.sessions()
        if session_id is not None:
            sessions = [s for s in sessions if s.id == session_id]
            if not sessions:
                raise NotFound(f"No session {session_id!r} in this consultation.")
        participants = store.participants()
        artwork = artworks(store)
        # Only approved photos are read at all: the others never reach an export's memory.
        shown = exportable_artwork(artwork, participants, [s.id for s in sessions])
        return ExportSource(
            consultation=store.consultation(),
            participants=participants,
            sessions=sessions,
            segments={s.id: store.segments(s.id) for s in sessions},
            quotes=store.quotes(),
            audit=store.audit(),
            frame=load_frame(store),
            artwork=artwork,
            images={a.id: image_bytes(store, a) for a in shown},
        )


@dataclass(frozen=True)
class ThemeEntry:
    """A theme as exported: anonymised name and description."""

    id: str
    name: str
    description: str
    parent_id: str | None = None

    @property
    def depth(self) -> int:
        """0 for a top-level theme, 1 for one nested under a parent."""
        return 0 if self.parent_id is None else 1


@dataclass(frozen=True)
class QuoteEntry:
    """An approved quote, redactions applied and names replaced."""

    id: str
    session_id: str
    session_title: str
    date: str
    activity: str
    #: The speaker's pseudonym, or "" in exports that name nobody.
    speaker: str
    start: float
    end: float
    text: str
    theme_ids: tuple[str, ...]
    #: Tells speakers apart for counting; never printed.
    speaker_key: str = ""

    @property
    def attribution(self) -> str:
        """E.g. "Sam, painting session" (or "painting session" without pseudonyms)."""
        where = f"{self.activity} session"
        return f"{self.speaker}, {where}" if self.speaker else where


@dataclass(frozen=True)
class Line:
    """One line of a consented transcript: a kept segment or a placeholder."""

    start: float
    end: float
    #: Who spoke (pseudonym or role), "" for a placeholder.
    speaker: str
    text: str
    placeholder: bool = False
    #: (quote id, start, end) character positions of approved quotes in ``text``.
    quote_spans: tuple[tuple[str, int, int], ...] = ()

    @property
    def clock(self) -> str:
        """The line's start as m:ss."""
        return format_clock(self.start)


@dataclass(frozen=True)
class SessionEntry:
    """A session as exported: where, when, what, who (counted), and its transcript."""

    id: str
    index: int
    title: str
    date: str
    venue: str
    activity: str
    participants: int
    recorded: int
    facilitators: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class ArtworkEntry:
    """An approved photo of a participant's work, with a caption that names no one real."""

    id: str
    session_id: str
    #: E.g. "Sam's painting, painting session" (the maker's pseudonym, or none).
    caption: str
    description: str
    image: bytes
    width: int
    height: int


@dataclass(frozen=True)
class FrameEntry:
    """The facilitator's framing, anonymised: paragraphs of text."""

    commissioned_by: str = ""
    context: tuple[str, ...] = ()
    key_messages: tuple[str, ...] = ()
    #: (theme id, its "what we heard" paragraphs)
    what_we_heard: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def heard(self, theme_id: str) -> tuple[str, ...]:
        """The facilitator's paragraphs about ``theme_id`` (none when not written)."""
        return next((p for t, p in self.what_we_heard if t == theme_id), ())


@dataclass(frozen=True)
class AuditRow:
    """One audit event, with the participant shown by pseudonym."""

    at: str
    actor: str
    action: str
    subject_kind: str
    subject_id: str
    participant: str
    before: str
    after: str
    note: str


@dataclass(frozen=True)
class ExportContent:
    """Everything any export format shows, already filtered and anonymised."""

    consultation_id: str
    title: str
    question: str
    themes: tuple[ThemeEntry, ...]
    sessions: tuple[SessionEntry, ...]
    quotes: tuple[QuoteEntry, ...]
    audit: tuple[AuditRow, ...]
    method: tuple[str, ...]
    generated_at: str
    include_pseudonyms: bool
    #: Set when the export covers one session only.
    session_id: str | None = None
    #: Who the sessions reached, already suppressed (the report's reach section).
    reach: tuple[ReachTable, ...] = ()
    frame: FrameEntry = FrameEntry()
    artwork: tuple[ArtworkEntry, ...] = ()
    #: How many different participants (not facilitators) took part.
    people: int = 0

    def quotes_for(self, theme_id: str) -> list[QuoteEntry]:
        """The approved quotes tagged with ``theme_id``."""
        return [q for q in self.quotes if theme_id in q.theme_ids]

    @property
    def unthemed(self) -> list[QuoteEntry]:
        """Approved quotes not tagged with any exported theme."""
        known = {t.id for t in self.themes}
        return [q for q in self.quotes if not known.intersection(q.theme_ids)]

    def speakers_for(self, quotes: Sequence[QuoteEntry]) -> int:
        """How many different people said ``quotes``."""
        return len({q.speaker_key for q in quotes})


def _ordered_themes(consultation: Consultation, anon: Anonymiser) -> list[ThemeEntry]:
    themes = consultation.codebook.themes
    known = {t.id for t in themes}
    entries: list[ThemeEntry] = []
    for top in (t for t in themes if t.parent_id is None or t.parent_id not in known):
        entries.append(ThemeEntry(top.id, anon(top.name), anon(top.description)))
        for child in (t for t in themes if t.parent_id == top.id):
            entries.append(ThemeEntry(child.id, anon(child.name), anon(child.description), top.id))
    return entries


def _speaker_label(person: Participant, include_pseudonyms: bool) -> str:
    if include_pseudonyms:
        return person.pseudonym
    return "Facilitator" if person.role is Role.FACILITATOR else "Participant"


def _transcript_lines(
    session: Session,
    source: ExportSource,
    approved: Sequence[Quote],
    anon: Anonymiser,
    include_pseudonyms: bool,
    privacy: SessionPrivacy,
) -> tuple[Line, ...]:
    by_id = {p.id: p for p in source.participants}
    session_quotes = [q for q in source.quotes if q.session_id == session.id]
    items = consented_transcript(
        session, source.segments.get(session.id, []), source.participants, session_quotes,
        privacy,
    )
    # A quote is marked in the transcript only where every word it shows is
    # shown there too; otherwise a reader would see it coded only in part.
    shown = {
        t.word_id
        for item in items
        if isinstance(item, KeptSegment)
        for t in item.tokens
        if not t.hidden
    }
    approved_here = [
        q
        for q in approved
        if q.session_id == session.id
        and shown.issuperset(w.id for i, w in enumerate(q.words) if i not in q.redactions)
    ]
    lines: list[Line] = []
    for item in items:
        if isinstance(item, Placeholder):
            text = item.text if include_pseudonyms else item.anonymous_text
            lines.append(Line(item.start, item.end, "", text, placeholder=True))
            continue
        assert isinstance(item, KeptSegment)
        raw, _ = item.render()
        text, edits = anon.with_edits(raw)
        spans = tuple(
            (quote_id, move_position(a, edits), move_position(b, edits, end=True))
            for quote_id, a, b in quote_spans(item, approved_here)
        )
        speaker = _speaker_label(by_id[item.speaker_id], include_pseudonyms)
        lines.append(Line(item.start, item.end, speaker, text, quote_spans=spans))
    return tuple(lines)


def _were(n: int) -> str:
    """E.g. "1 was", "3 were"."""
    return f"{n} {'was' if n == 1 else 'were'}"


def _method(
    sessions: Sequence[SessionEntry],
    quotes: Sequence[Quote],
    audit: Sequence[AuditEvent],
    include_pseudonyms: bool,
    exported: int,
) -> tuple[str, ...]:
    """A short method section generated from what was recorded."""
    if not sessions:
        return ("No sessions are included in this export.",)
    activities = sorted({s.activity for s in sessions})
    # Dates as people write them (1 December 2026), not as the store keeps them.
    span = date_span([s.date for s in sessions])
    when = ""
    if span:
        when = f" from {span}" if " to " in span else f" on {span}"
    count = plural(len(sessions), "session")
    paragraphs = [
        f"This material comes from {count}{when} ({', '.join(activities)}). "
        "People took part in an activity together while they talked, and the "
        "conversation was recorded on the facilitator's laptop and transcribed offline."
    ]
    for s in sessions:
        where = f" at {s.venue}" if s.venue else ""
        date = long_date(s.date) or "undated"
        paragraphs.append(
            f"{s.title}: {date}{where}; {s.activity}; {plural(s.participants, 'participant')}, "
            f"{s.recorded} of whom agreed to be recorded; "
            f"{plural(s.facilitators, 'facilitator')}."
        )
    states = {state: sum(q.state is state for q in quotes) for state in QuoteState}
    on_behalf = sum(e.actor is Actor.ON_BEHALF for e in audit)
    approved = states[QuoteState.APPROVED] + states[QuoteState.APPROVED_REDACTED]
    consent = (
        "Before recording began, each person was asked whether they agreed to be "
        "recorded, and their answer was noted with the time. Where someone who did not "
        "agree was marked as speaking, that stretch of the recording was silenced before "
        "transcription, and the facilitator could strike any moment off the record; the "
        "speech of anyone who did not agree is left out of everything exported. "
        "Afterwards each participant reviewed their own quotes in private, in large "
        "plain text, and approved, redacted words from, or withdrew each one; they also "
        "decided whether their part of the transcript could be shared. Only what they "
        f"approved is included here. Of {plural(len(quotes), 'quote')} selected, "
        f"{_were(states[QuoteState.APPROVED])} approved "
        f"{'as it stands' if states[QuoteState.APPROVED] == 1 else 'as they stand'}, "
        f"{states[QuoteState.APPROVED_REDACTED]} approved with words redacted, "
        f"{states[QuoteState.WITHDRAWN]} withdrawn and "
        f"{states[QuoteState.PENDING]} not yet reviewed."
    )
    if approved > exported:
        consent += (
            f" {_were(approved - exported)} approved but left out, because the speaker "
            "did not agree to be recorded in that session."
        )
    if on_behalf:
        consent += (
            f" {on_behalf} decision{'s were' if on_behalf != 1 else ' was'} recorded by a "
            "facilitator on a participant's behalf (for example by phone)."
        )
    paragraphs.append(consent)
    paragraphs.append(
        "Participants are identified only by pseudonyms they agreed to, and other names are "
        "replaced by [name]."
        if include_pseudonyms
        else "No one is named: pseudonyms and other names are left out."
    )
    return tuple(paragraphs)


def _audit_rows(
    events: Sequence[AuditEvent],
    source: ExportSource,
    session_ids: set[str],
    session_id: str | None,
    anon: Anonymiser,
    include_pseudonyms: bool,
) -> tuple[AuditRow, ...]:
    by_id = {p.id: p for p in source.participants}
    quote_ids = {q.id for q in source.quotes if q.session_id in session_ids}
    rows: list[AuditRow] = []
    for e in events:
        # Follow-ups are about someone's wellbeing: never part of the consent audit log.
        if e.subject_kind == FOLLOW_UP_KIND:
            continue
        if session_id is not None and e.subject_id not in session_ids | quote_ids:
            continue
        person = by_id.get(e.participant_id or "")
        who = ""
        if person is not None:
            who = person.pseudonym if include_pseudonyms else person.id
        elif e.participant_id:
            who = e.participant_id
        rows.append(
            AuditRow(
                at=e.at,
                actor=str(e.actor.value if isinstance(e.actor, Actor) else e.actor),
                action=anon(e.action),
                subject_kind=e.subject_kind,
                subject_id=e.subject_id,
                participant=who,
                before=anon(_plain(e.before)),
                after=anon(_plain(e.after)),
                note=anon(e.note),
            )
        )
    return tuple(rows)


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def build_content(
    source: ExportSource,
    *,
    session_id: str | None = None,
    include_pseudonyms: bool = True,
    generated_at: str | None = None,
) -> ExportContent:
    """Decide and anonymise everything an export of ``source`` may show.

    Raises FacilitateError when a pseudonym contains a hidden name, since no
    export could then both name the speaker and hide the name.
    """
    consultation = source.consultation
    anon = build_anonymiser(
        consultation.hide_names, source.participants, use_pseudonyms=include_pseudonyms,
        allow=consultation.keep_words,
    )
    if include_pseudonyms:
        clashes = name_conflicts(anon, [p.pseudonym for p in source.participants])
        if clashes:
            raise FacilitateError(
                f"The pseudonym {clashes[0]!r} contains a name on the hide list (or a real "
                "name); change the pseudonym, or export with --no-pseudonyms."
            )
    sessions = [s for s in source.sessions if session_id is None or s.id == session_id]
    if session_id is not None and not sessions:
        raise NotFound(f"No session {session_id!r} in this consultation.")
    session_ids = {s.id for s in sessions}
    all_quotes = [q for q in source.quotes if q.session_id in session_ids]
    # The privacy core decides each session once; every part of the export uses it.
    privacy = privacy_by_session(all_quotes, source.participants, sessions, source.segments)
    approved = exportable_quotes(all_quotes, source.participants, privacy=privacy)
    by_id = {p.id: p for p in source.participants}
    session_by_id = {s.id: s for s in sessions}
    order = {s.id: i for i, s in enumerate(sessions)}

    session_entries: list[SessionEntry] = []
    for index, session in enumerate(sessions, start=1):
        people = people_in_session(session, source.participants)
        consulted = [p for p in people if p.role is Role.PARTICIPANT]
        session_entries.append(
            SessionEntry(
                id=session.id,
                index=index,
                title=anon(session.title) or f"Session {index}",
                date=anon(session.date),
                venue=anon(session.venue),
                activity=session.activity.value,
                participants=len(consulted),
                recorded=sum(p.is_recorded_in(session.id) for p in consulted),
                facilitators=max(
                    len(session.facilitators),
                    sum(p.role is Role.FACILITATOR for p in people),
                ),
                lines=_transcript_lines(
                    session, source, approved, anon, include_pseudonyms, privacy[session.id]
                ),
            )
        )

    frame = source.frame
    frame_entry = FrameEntry(
        commissioned_by=anon(frame.commissioned_by),
        context=tuple(anon(p) for p in paragraphs(frame.context)),
        key_messages=tuple(anon(m) for m in frame.messages),
        what_we_heard=tuple(
            (theme_id, tuple(anon(p) for p in paragraphs(text)))
            for theme_id, text in frame.what_we_heard.items()
        ),
    )
    artwork_entries = []
    for art in exportable_artwork(source.artwork, source.participants, session_ids):
        image = source.images.get(art.id)
        if image is None:
            continue
        maker = by_id[art.participant_id]
        session = session_by_id[art.session_id]
        what = anon(art.description) or "Artwork"
        who = f"by {maker.pseudonym}, " if include_pseudonyms else ""
        artwork_entries.append(
            ArtworkEntry(
                id=art.id,
                session_id=art.session_id,
                caption=f"{what}, {who}{session.activity.value} session",
                description=anon(art.description),
                image=image,
                width=art.width,
                height=art.height,
            )
        )
    consulted_ids = {
        p.id
        for s in sessions
        for p in people_in_session(s, source.participants)
        if p.role is Role.PARTICIPANT
    }

    quote_entries = []
    for quote in sorted(approved, key=lambda q: (order[q.session_id], q.start)):
        session = session_by_id[quote.session_id]
        speaker = by_id[quote.participant_id]
        quote_entries.append(
            QuoteEntry(
                id=quote.id,
                session_id=session.id,
                session_title=anon(session.title),
                date=anon(session.date),
                activity=session.activity.value,
                speaker=speaker.pseudonym if include_pseudonyms else "",
                start=quote.start,
                end=quote.end,
                text=anon(quote.redacted_text),
                theme_ids=tuple(quote.theme_ids),
                speaker_key=speaker.id,
            )
        )

    # Whatever the store holds, no export carries a control character or an escape.
    return _export_safe(ExportContent(
        consultation_id=consultation.id,
        # Reach is the consultation's: one session's table beside the whole one's would
        # let a reader subtract one from the other and find a small group.
        reach=(
            reach_for(source.participants, sessions, consultation.reach_reference)
            if session_id is None else ()
        ),
        title=anon(consultation.title),
        question=anon(consultation.question),
        themes=tuple(_ordered_themes(consultation, anon)),
        sessions=tuple(session_entries),
        quotes=tuple(quote_entries),
        audit=_audit_rows(
            source.audit, source, session_ids, session_id, anon, include_pseudonyms
        ),
        method=_method(
            session_entries, all_quotes, source.audit, include_pseudonyms, len(approved)
        ),
        generated_at=generated_at or now_iso(),
        include_pseudonyms=include_pseudonyms,
        session_id=session_id,
        frame=frame_entry,
        artwork=tuple(artwork_entries),
        people=len(consulted_ids),
    ))
