"""Property: no export, in any format, shows anything that was not consented.

Random consultations (consent, contribution reviews, quote decisions,
redactions, withdrawals, strikes, and names from the hide list spoken aloud)
are exported in every format and read back. Every word is a distinctive token
("tok00042z") and every name a distinctive word ("Zqbcdav"), so a plain
containment check is meaningful.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from export_helpers import codebook_schema, project_schema, read_back
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import (
    ActivityKind,
    Consultation,
    ContributionReview,
    ContributionState,
    Decision,
    Marker,
    MarkerKind,
    Participant,
    RecordingConsent,
    Role,
    Segment,
    Session,
    Theme,
    Word,
    decide,
    default_codebook,
    new_quote,
)
from models.participant import ConsentRecord
from models.quote import Quote, QuoteState
from sessions.export import ExportSource, export_source
from sessions.export.refi_qda import PROJECT_NS, code_guid, read_codebook

LETTERS = "bcdfghjklmnprstvwx"


@dataclass
class Case:
    """A generated consultation and what must never be exported."""

    source: ExportSource
    forbidden_tokens: set[str] = field(default_factory=set)
    hidden_names: set[str] = field(default_factory=set)


def _name(draw: st.DrawFn, index: int) -> str:
    # Same length for all, so no name is part of another; "Zq" never occurs in English.
    letters = draw(st.text(LETTERS, min_size=3, max_size=3))
    return f"Zq{letters}{LETTERS[index % len(LETTERS)]}{'abcdefghij'[index // len(LETTERS)]}"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    counter = iter(range(100_000))
    names = iter(range(1000))
    codebook = default_codebook()
    codebook.themes.append(
        Theme("t-child", "Being heard", "Child", parent_id=codebook.themes[0].id)
    )
    hide_names = [_name(draw, next(names)) for _ in range(draw(st.integers(0, 2)))]
    consultation = Consultation(id="c-1", title="Prop", codebook=codebook, hide_names=hide_names)
    session_ids = [f"s-{i}" for i in range(draw(st.integers(1, 2)))]
    people: list[Participant] = []
    for i in range(draw(st.integers(1, 4))):
        parts = [_name(draw, next(names)) for _ in range(draw(st.integers(0, 2)))]
        person = Participant(
            id=f"p-{i}",
            pseudonym=f"Pseud{'ABCDEFG'[i]}",
            role=draw(st.sampled_from([Role.PARTICIPANT] * 3 + [Role.FACILITATOR])),
            real_name=" ".join(parts),
        )
        for sid in session_ids:
            answer = draw(st.sampled_from(list(RecordingConsent)))
            if answer is not RecordingConsent.UNASKED:
                person.consent[sid] = ConsentRecord(answer, "t")
            person.contribution[sid] = ContributionReview(
                draw(st.sampled_from(list(ContributionState))), "t"
            )
        people.append(person)
    by_id = {p.id: p for p in people}
    name_words = hide_names + [part for p in people for part in p.real_name.split()]
    full_names = [p.real_name for p in people if " " in p.real_name]

    def word_texts() -> list[str]:
        kind = draw(st.integers(0, 9))
        if kind == 0 and name_words:
            name = draw(st.sampled_from(name_words))
            variant = draw(st.sampled_from([name, name.upper(), name.lower(), f"{name}'s"]))
            return [variant]
        if kind == 1 and full_names:
            return draw(st.sampled_from(full_names)).split()
        return [f"tok{next(counter):05d}z"]

    sessions: list[Session] = []
    segments: dict[str, list[Segment]] = {}
    quotes: list[Quote] = []
    case = Case(source=None)  # type: ignore[arg-type]
    for sid in session_ids:
        t = 0.0
        session_segments: list[Segment] = []
        for _ in range(draw(st.integers(1, 6))):
            texts = [w for _ in range(draw(st.integers(2, 6))) for w in word_texts()]
            words = []
            for text in texts:
                words.append(Word(t, t + 0.4, f" {text}"))
                t += 0.5
            t += 1.0
            speaker = draw(st.sampled_from([p.id for p in people] + [None, "p-unknown"]))
            redactions = draw(st.lists(st.integers(0, len(words) - 1), max_size=2, unique=True))
            segment = Segment(
                words[0].start,
                words[-1].end,
                "".join(w.text for w in words).strip(),
                words,
                speaker_id=speaker,
                redactions=redactions if draw(st.integers(0, 3)) == 0 else [],
            )
            session_segments.append(segment)
        segments[sid] = session_segments
        markers = []
        if draw(st.booleans()):
            segment = draw(st.sampled_from(session_segments))
            struck = draw(st.sampled_from(segment.words))
            markers.append(Marker(MarkerKind.STRIKE, struck.start, end_s=struck.end))
            case.forbidden_tokens.add(struck.text.strip())
        sessions.append(
            Session(
                id=sid,
                consultation_id="c-1",
                title=f"Session {sid}",
                venue="Hall",
                activity=draw(st.sampled_from(list(ActivityKind))),
                date="2024-05-01",
                participant_ids=[p.id for p in people],
                markers=markers,
            )
        )
        spoken = [s for s in session_segments if s.speaker_id in by_id]
        for _ in range(draw(st.integers(0, 4)) if spoken else 0):
            segment = draw(st.sampled_from(spoken))
            first = draw(st.integers(0, len(segment.words) - 1))
            last = draw(st.integers(first, len(segment.words) - 1))
            theme_ids = draw(
                st.lists(st.sampled_from([t.id for t in codebook.themes]), max_size=2, unique=True)
            )
            quote = new_quote(
                sid,
                segment.speaker_id,
                segment.words[first : last + 1],
                theme_ids=theme_ids,
            )
            decision = draw(st.sampled_from(list(Decision)))
            redactions = None
            if decision is Decision.REDACT:
                redactions = draw(
                    st.lists(
                        st.integers(0, len(quote.words) - 1), min_size=1, max_size=3, unique=True
                    )
                )
            quote, _ = decide(quote, decision, "t", redactions=redactions)
            quotes.append(quote)

        # What must never appear, worked out independently of models.export_rules.
        for quote in quotes:
            if quote.session_id != sid:
                continue
            if quote.state is QuoteState.WITHDRAWN:
                case.forbidden_tokens |= {w.text.strip() for w in quote.words}
            case.forbidden_tokens |= {quote.words[i].text.strip() for i in quote.redactions}
        quotable = {
            id(w)
            for q in quotes
            if q.session_id == sid
            and q.state in (QuoteState.APPROVED, QuoteState.APPROVED_REDACTED)
            and by_id[q.participant_id].is_recorded_in(sid)
            for w in q.words
        }
        for segment in session_segments:
            case.forbidden_tokens |= {segment.words[i].text.strip() for i in segment.redactions}
            speaker = by_id.get(segment.speaker_id or "")
            consented = speaker is not None and speaker.is_recorded_in(sid)
            shared = consented and (
                speaker.role is Role.FACILITATOR
                or speaker.contribution_for(sid) is ContributionState.APPROVED
            )
            for word in segment.words:
                if not consented or (not shared and id(word) not in quotable):
                    case.forbidden_tokens.add(word.text.strip())
    case.forbidden_tokens = {t for t in case.forbidden_tokens if t.startswith("tok")}
    case.hidden_names = {n.casefold() for n in name_words}
    case.source = ExportSource(consultation, people, sessions, segments, quotes)
    return case


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), include_pseudonyms=st.booleans())
def test_nothing_unconsented_is_ever_exported(case: Case, include_pseudonyms: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        written = export_source(case.source, out, include_pseudonyms=include_pseudonyms)
        assert {p.suffix for p in written} >= {".md", ".docx", ".qdpx", ".qdc", ".csv"}
        texts = read_back(out)
        for name, text in texts.items():
            folded = text.casefold()
            leaked = [t for t in case.forbidden_tokens if t in text]
            assert not leaked, f"{name} shows {leaked}"
            named = [n for n in case.hidden_names if n in folded]
            assert not named, f"{name} names {named}"
            if not include_pseudonyms:
                people = case.source.participants
                shown = [p.pseudonym for p in people if p.pseudonym.casefold() in folded]
                assert not shown, f"{name} shows pseudonyms {shown}"
        _check_qda(out, case)


def _check_qda(out: Path, case: Case) -> None:
    from lxml import etree

    with zipfile.ZipFile(out / "project.qdpx") as archive:
        qde = archive.read("project.qde")
        sources = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    project = etree.fromstring(qde)
    project_schema().assertValid(project)
    qdc = (out / "codebook.qdc").read_bytes()
    codebook_schema().assertValid(etree.fromstring(qdc))

    # Codes round-trip: the same names, descriptions and nesting come back.
    themes = case.source.consultation.codebook.themes
    back = read_codebook(qdc)
    assert [(t.name, t.description) for t in back.themes] == [
        (t.name, t.description) for t in _in_export_order(themes)
    ]
    parents = {t.name: back.theme(t.parent_id).name for t in back.themes if t.parent_id}
    assert parents == {"Being heard": themes[0].name}

    # Codings point at real codes and at real text in their source.
    ns = {"q": PROJECT_NS}
    guids = {code_guid(t.id) for t in themes}
    for source in project.iterfind(".//q:TextSource", ns):
        text = sources["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text)
            assert text[start:end].strip() == text[start:end]
            for ref in selection.iterfind("q:Coding/q:CodeRef", ns):
                assert ref.get("targetGUID") in guids


def _in_export_order(themes: list[Theme]) -> list[Theme]:
    ordered = []
    for top in (t for t in themes if t.parent_id is None):
        ordered.append(top)
        ordered += [t for t in themes if t.parent_id == top.id]
    return ordered
