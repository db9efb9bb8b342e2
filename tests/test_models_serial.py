"""Plain-dict round trips for every domain entity, and refusal of bad shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from models import (
    SCHEMA_VERSION,
    ActivityKind,
    Actor,
    AuditEvent,
    Codebook,
    ConsentRecord,
    Consultation,
    ContributionReview,
    ContributionState,
    Marker,
    MarkerKind,
    Participant,
    PlanStep,
    Quote,
    QuoteState,
    Recording,
    RecordingConsent,
    Role,
    SchemaError,
    Segment,
    Session,
    SessionStatus,
    Theme,
    Word,
    default_codebook,
    from_dict,
    new_id,
    to_dict,
)
from models.codebook import CODEBOOK_TEMPLATES, TEN_CHARACTERISTICS


def words(*texts: str, start: float = 0.0) -> list[Word]:
    return [Word(start + i, start + i + 0.8, f" {t}", 0.9) for i, t in enumerate(texts)]


def consultation() -> Consultation:
    return Consultation(
        id="c-1",
        title="Day services",
        question="What makes a good service?",
        codebook=Codebook(
            [Theme("t-1", "Acceptance", "as you are"), Theme("t-2", "Sub", "", "t-1")]
        ),
        hide_names=["Dr Smith", "Oakwood"],
        pin_hash="salt$hash",
        created_at="2024-05-01T10:00:00+01:00",
    )


def session() -> Session:
    return Session(
        id="s-1",
        consultation_id="c-1",
        title="Painting group",
        venue="Library",
        activity=ActivityKind.PAINTING,
        date="2024-05-02",
        plan=[PlanStep("Welcome", 10, ["Hello"]), PlanStep("Paint", 60)],
        facilitators=["Ann"],
        participant_ids=["p-1", "p-2"],
        status=SessionStatus.TRANSCRIBED,
        recording=Recording("s-1.flac", 3600.5, 16000, 1, "imported", "phone.m4a", "now"),
        markers=[
            Marker(MarkerKind.SPEAKER, 1.5, participant_id="p-1"),
            Marker(MarkerKind.STRIKE, 10.0, end_s=20.0),
            Marker(MarkerKind.STEP, 30.0, step_index=1, label="Paint"),
            Marker(MarkerKind.BOOKMARK, 40.0, label="lovely bit"),
        ],
        transcribed_with="tiny.en",
        created_at="2024-05-01",
    )


def participant() -> Participant:
    return Participant(
        id="p-1",
        pseudonym="Robin",
        role=Role.PARTICIPANT,
        real_name="Real Person",
        consent={
            "s-1": ConsentRecord(RecordingConsent.YES, "t1"),
            "s-2": ConsentRecord(RecordingConsent.NO, "t2"),
        },
        contribution={"s-1": ContributionReview(ContributionState.WITHDRAWN, "t3")},
        reach={"age band": "25-34"},
        follow_up=True,
        notes="call Tuesday",
    )


def segment() -> Segment:
    return Segment(
        0.0, 2.8, "Hello there friend", words("Hello", "there", "friend"), "p-1", "Helo",
        redactions=[1],
    )


def quote() -> Quote:
    return Quote(
        id="q-1",
        session_id="s-1",
        participant_id="p-1",
        start=0.0,
        end=2.8,
        words=words("a", "b", "c"),
        theme_ids=["t-1"],
        memo="strong",
        segment_ids=["g-1"],
        step_index=3,
        state=QuoteState.APPROVED_REDACTED,
        redactions=[1],
        created_at="now",
    )


def audit_event() -> AuditEvent:
    return AuditEvent(
        at="now",
        actor=Actor.ON_BEHALF,
        action="quote redact",
        subject_kind="quote",
        subject_id="q-1",
        participant_id="p-1",
        before={"state": "pending", "redactions": []},
        after={"state": "approved with redactions", "redactions": [1]},
        note="by phone",
    )


ENTITIES = {
    "consultation": consultation,
    "session": session,
    "participant": participant,
    "segment": segment,
    "quote": quote,
    "audit": audit_event,
    "word": lambda: Word(1, 2, "x"),
    "theme": lambda: Theme("t", "n", "d", "p"),
    "plan step": lambda: PlanStep("Welcome", 5, ["a"]),
    "recording": lambda: Recording("a.flac", 1.0, 16000),
    "marker": lambda: Marker(MarkerKind.STRIKE, 1.0, end_s=2.0),
}


@pytest.mark.parametrize("make", ENTITIES.values(), ids=ENTITIES.keys())
def test_round_trip_through_json(make: Any) -> None:
    entity = make()
    data = to_dict(entity)
    # Plain data: survives JSON unchanged.
    assert json.loads(json.dumps(data)) == data
    again = from_dict(type(entity), json.loads(json.dumps(data)))
    assert again == entity
    assert to_dict(again) == data


def test_enums_are_stored_as_their_values() -> None:
    data = to_dict(session())
    assert data["activity"] == "painting"
    assert data["status"] == "transcribed"
    assert data["markers"][0]["kind"] == "speaker"
    loaded = from_dict(Participant, to_dict(participant()))
    assert loaded.role is Role.PARTICIPANT
    assert loaded.consent["s-1"].answer is RecordingConsent.YES
    assert loaded.is_recorded_in("s-1") and not loaded.is_recorded_in("s-2")
    assert loaded.contribution_for("s-1") is ContributionState.WITHDRAWN
    assert loaded.contribution_for("s-2") is ContributionState.PENDING


def test_nested_entities_are_rebuilt_as_dataclasses() -> None:
    loaded = from_dict(Session, to_dict(session()))
    assert isinstance(loaded.recording, Recording)
    assert all(isinstance(step, PlanStep) for step in loaded.plan)
    assert all(isinstance(m, Marker) for m in loaded.markers)
    assert isinstance(from_dict(Segment, to_dict(segment())).words[0], Word)
    assert isinstance(from_dict(Consultation, to_dict(consultation())).codebook.themes[0], Theme)


def test_optional_none_round_trips() -> None:
    plain = Session(id="s", consultation_id="c", title="t")
    loaded = from_dict(Session, to_dict(plain))
    assert loaded.recording is None
    assert loaded == plain


@pytest.mark.parametrize("make", ENTITIES.values(), ids=ENTITIES.keys())
def test_unknown_keys_are_ignored(make: Any) -> None:
    entity = make()
    data = to_dict(entity) | {"added_in_v9": {"x": 1}, "another": [1, 2]}
    assert from_dict(type(entity), data) == entity


def test_missing_keys_take_their_defaults() -> None:
    loaded = from_dict(Session, {"id": "s", "consultation_id": "c", "title": "t"})
    assert loaded.plan == [] and loaded.markers == [] and loaded.recording is None
    assert loaded.status is SessionStatus.PLANNED
    p = from_dict(Participant, {"id": "p", "pseudonym": "Robin"})
    assert p.role is Role.PARTICIPANT and p.consent == {} and p.follow_up is False
    q = from_dict(Quote, {"id": "q", "session_id": "s", "participant_id": "p",
                          "start": 0, "end": 1, "words": []})
    assert q.state is QuoteState.PENDING and q.redactions == [] and q.step_index is None
    assert isinstance(q.start, float)
    e = from_dict(AuditEvent, {"at": "t", "actor": "system", "action": "a",
                               "subject_kind": "k", "subject_id": "i"})
    assert e.before is None and e.id.startswith("a-")
    g = from_dict(Segment, {"start": 0, "end": 1, "text": "hi"})
    assert g.words == [] and g.speaker_id is None and g.id.startswith("g-")


def test_missing_codebook_gets_the_default() -> None:
    c = from_dict(Consultation, {"id": "c", "title": "t"})
    assert [t.name for t in c.codebook.themes] == [n for n, _ in TEN_CHARACTERISTICS]


BAD_SHAPES = [
    (Participant, ["not", "a", "mapping"]),
    (Participant, "text"),
    (Participant, None),
    (Participant, {"pseudonym": "no id"}),
    (Participant, {"id": "p", "pseudonym": "R", "role": "king"}),
    (Participant, {"id": "p", "pseudonym": "R", "consent": ["yes"]}),
    (Participant, {"id": "p", "pseudonym": "R", "consent": {"s": "yes"}}),
    (Participant, {"id": "p", "pseudonym": "R", "consent": {"s": {"answer": "maybe", "at": ""}}}),
    (Participant, {"id": ["p"], "pseudonym": "R"}),
    (Participant, {"id": "p", "pseudonym": "R", "follow_up": "yes"}),
    (Session, {"id": "s", "consultation_id": "c", "title": "t", "plan": "abc"}),
    (Session, {"id": "s", "consultation_id": "c", "title": "t", "plan": [["Welcome", 5]]}),
    (Session, {"id": "s", "consultation_id": "c", "title": "t", "markers": [{"at_s": 1}]}),
    (Session, {"id": "s", "consultation_id": "c", "title": "t", "recording": "a.flac"}),
    (Session, {"id": "s", "consultation_id": "c", "title": "t", "activity": "juggling"}),
    (PlanStep, {"title": "Welcome", "minutes": "ten"}),
    (PlanStep, {"title": "Welcome", "minutes": True}),
    (Word, {"start": "0", "end": 1, "text": "x"}),
    (Segment, {"start": 0, "end": 1, "text": "x", "words": {"0": {}}}),
    (Quote, {"id": "q", "session_id": "s", "participant_id": "p", "start": 0, "end": 1,
             "words": [], "redactions": "12"}),
    (Quote, {"id": "q", "session_id": "s", "participant_id": "p", "start": 0, "end": 1,
             "words": [], "state": "maybe"}),
    (AuditEvent, {"at": "t", "actor": "robot", "action": "a", "subject_kind": "k",
                  "subject_id": "i"}),
    (Consultation, {"id": "c", "title": "t", "codebook": {"themes": [{"id": "t"}]}}),
    (Consultation, {"id": "c", "title": "t", "hide_names": "Smith"}),
]


@pytest.mark.parametrize(("cls", "data"), BAD_SHAPES)
def test_bad_shape_raises_schema_error(cls: type, data: Any) -> None:
    with pytest.raises(SchemaError) as caught:
        from_dict(cls, data)
    assert cls.__name__ in str(caught.value)
    assert "\n" not in str(caught.value)


def test_schema_error_is_a_value_error() -> None:
    assert issubclass(SchemaError, ValueError)
    assert isinstance(SCHEMA_VERSION, int) and SCHEMA_VERSION >= 1


def test_default_codebook_has_the_ten_characteristics() -> None:
    book = default_codebook()
    names = [t.name for t in book.themes]
    assert len(names) == 10 == len(set(names))
    assert names[0] == "Somewhere to go" and "Acceptance" in names
    assert "The local context" in names and "Mutual and peer support" in names
    assert all(t.description.strip() for t in book.themes)
    assert all(t.parent_id is None for t in book.themes)
    assert len({t.id for t in book.themes}) == 10


def test_each_default_codebook_is_fresh() -> None:
    first, second = default_codebook(), default_codebook()
    first.themes.pop()
    assert len(second.themes) == 10
    assert {t.id for t in first.themes}.isdisjoint(t.id for t in second.themes)
    assert CODEBOOK_TEMPLATES["empty"]().themes == []
    assert len(CODEBOOK_TEMPLATES["ten-characteristics"]().themes) == 10


def test_codebook_lookups() -> None:
    book = default_codebook()
    acceptance = book.by_name("  acceptance ")
    assert acceptance is not None and acceptance.name == "Acceptance"
    assert book.theme(acceptance.id) is acceptance
    assert book.theme("t-nope") is None and book.by_name("nope") is None


def test_new_id_shape() -> None:
    ids = {new_id("s") for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("s-") and len(i) == 10 for i in ids)
