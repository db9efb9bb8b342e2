"""The consent rules: quote decisions, redaction, recording consent, plans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import (
    ActivityKind,
    Actor,
    Decision,
    Participant,
    Quote,
    QuoteState,
    RecordingConsent,
    Word,
    decide,
    new_quote,
    redact,
    set_recording_consent,
)
from models.plans import plan_for
from models.quote import REDACTED

STATE_AFTER = {
    Decision.APPROVE: QuoteState.APPROVED,
    Decision.REDACT: QuoteState.APPROVED_REDACTED,
    Decision.WITHDRAW: QuoteState.WITHDRAWN,
    Decision.RESET: QuoteState.PENDING,
}


def make_words(*texts: str) -> list[Word]:
    return [Word(i, i + 0.5, f" {t}") for i, t in enumerate(texts)]


def a_quote(n: int = 5) -> Quote:
    return new_quote("s-1", "p-1", make_words(*(f"w{i}" for i in range(n))))


# -- new_quote and text -------------------------------------------------------


def test_new_quote_is_pending_and_spans_its_words() -> None:
    q = new_quote("s-1", "p-1", make_words("I", "like", "it"), theme_ids=["t-1"])
    assert q.state is QuoteState.PENDING and not q.exportable
    assert (q.start, q.end) == (0, 2.5)
    assert q.text == "I like it" and q.redacted_text == "I like it"
    assert q.theme_ids == ["t-1"] and q.id.startswith("q-")


def test_new_quote_needs_words() -> None:
    with pytest.raises(ValueError):
        new_quote("s", "p", [])


# -- redact -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hidden", "expected"),
    [
        ([], "my name is Sam Jones ok"),
        ([3], "my name is [redacted] Jones ok"),
        ([3, 4], "my name is [redacted] ok"),
        ([4, 3], "my name is [redacted] ok"),
        ([0, 1, 2, 3, 4, 5], "[redacted]"),
        ([0, 2], "[redacted] name [redacted] Sam Jones ok"),
        ([0, 1, 4, 5], "[redacted] is Sam [redacted]"),
        ([3, 3, 4], "my name is [redacted] ok"),
    ],
)
def test_redact_joins_runs_of_hidden_words(hidden: list[int], expected: str) -> None:
    assert redact(make_words("my", "name", "is", "Sam", "Jones", "ok"), hidden) == expected


def test_redact_run_is_not_split_by_an_empty_word() -> None:
    w = [Word(0, 1, " Sam"), Word(1, 1, " "), Word(1, 2, " Jones"), Word(2, 3, " said")]
    assert redact(w, [0, 2]) == "[redacted] said"


@given(st.lists(st.booleans(), min_size=1, max_size=30))
def test_redact_property(hidden_flags: list[bool]) -> None:
    words = make_words(*(f"w{i}" for i in range(len(hidden_flags))))
    hidden = [i for i, h in enumerate(hidden_flags) if h]
    out = redact(words, hidden).split(" ")
    runs = sum(1 for i, h in enumerate(hidden_flags) if h and (i == 0 or not hidden_flags[i - 1]))
    assert out.count(REDACTED) == runs
    assert "[redacted] [redacted]" not in " ".join(out)
    for i, h in enumerate(hidden_flags):
        assert (f"w{i}" in out) is (not h)


# -- decide: the consent state machine ------------------------------------------


@pytest.mark.parametrize("decision", list(Decision))
def test_each_decision_sets_its_state_and_audits(decision: Decision) -> None:
    q = a_quote()
    new, event = decide(q, decision, "2024-05-01T10:00", redactions=[1, 2])
    assert new.state is STATE_AFTER[decision]
    assert q.state is QuoteState.PENDING, "the original quote is not changed"
    assert event.action == f"quote {decision.value}"
    assert (event.subject_kind, event.subject_id) == ("quote", q.id)
    assert event.participant_id == "p-1" and event.at == "2024-05-01T10:00"
    assert event.actor is Actor.PARTICIPANT
    assert event.before == {"state": "pending", "redactions": []}
    assert event.after == {"state": new.state.value, "redactions": new.redactions}
    assert new.redactions == ([1, 2] if decision is Decision.REDACT else [])


def test_decision_given_as_plain_text_is_understood() -> None:
    new, event = decide(a_quote(), "withdraw", "t")  # type: ignore[arg-type]
    assert new.state is QuoteState.WITHDRAWN and event.action == "quote withdraw"


def test_actor_is_recorded() -> None:
    _, event = decide(a_quote(), Decision.APPROVE, "t", actor=Actor.ON_BEHALF)
    assert event.actor is Actor.ON_BEHALF


@pytest.mark.parametrize("bad", [[5], [-1], [0, 5], [100], []])
def test_invalid_redactions_raise(bad: list[int]) -> None:
    q = a_quote(5)
    with pytest.raises(ValueError):
        decide(q, Decision.REDACT, "t", redactions=bad)
    with pytest.raises(ValueError):
        decide(q, Decision.REDACT, "t")


def test_redactions_are_sorted_and_unique() -> None:
    new, _ = decide(a_quote(), Decision.REDACT, "t", redactions=[3, 1, 3])
    assert new.redactions == [1, 3]
    assert new.redacted_text == "w0 [redacted] w2 [redacted] w4"


def test_only_approved_quotes_are_exportable() -> None:
    q = a_quote()
    assert decide(q, Decision.APPROVE, "t")[0].exportable
    assert decide(q, Decision.REDACT, "t", redactions=[0])[0].exportable
    assert not decide(q, Decision.WITHDRAW, "t")[0].exportable
    assert not decide(q, Decision.RESET, "t")[0].exportable


decisions = st.lists(
    st.tuples(
        st.sampled_from(list(Decision)),
        st.lists(st.integers(min_value=-3, max_value=9), max_size=6),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200)
@given(n_words=st.integers(min_value=1, max_value=7), steps=decisions)
def test_state_machine_property(n_words: int, steps: list[tuple[Decision, list[int]]]) -> None:
    quote = a_quote(n_words)
    last_ok: Decision | None = None
    for decision, redactions in steps:
        before = quote
        valid = bool(redactions) and all(0 <= i < n_words for i in redactions)
        if decision is Decision.REDACT and not valid:
            with pytest.raises(ValueError):
                decide(quote, decision, "t", redactions=redactions)
            continue
        quote, event = decide(quote, decision, "t", redactions=redactions)
        last_ok = decision
        assert event.before == {"state": before.state.value, "redactions": before.redactions}
        assert event.after == {"state": quote.state.value, "redactions": quote.redactions}
        assert event.subject_id == quote.id == before.id
        assert all(0 <= i < n_words for i in quote.redactions)
        assert quote.redactions == sorted(set(quote.redactions))
        assert bool(quote.redactions) is (quote.state is QuoteState.APPROVED_REDACTED)
        if quote.state is QuoteState.WITHDRAWN:
            assert not quote.exportable
    if last_ok is None:
        assert quote.state is QuoteState.PENDING
    else:
        assert quote.state is STATE_AFTER[last_ok]
    for i in quote.redactions:
        assert f"w{i}" not in quote.redacted_text.split(" ")


# -- recording consent ------------------------------------------------------------


def test_recording_consent_starts_unasked() -> None:
    p = Participant(id="p-1", pseudonym="Robin")
    assert p.consent_for("s-1") is RecordingConsent.UNASKED
    assert not p.is_recorded_in("s-1")


def test_recording_consent_is_per_session_and_audited() -> None:
    p = Participant(id="p-1", pseudonym="Robin")
    event = set_recording_consent(p, "s-1", RecordingConsent.YES, "t1")
    assert p.is_recorded_in("s-1") and not p.is_recorded_in("s-2")
    assert p.consent["s-1"].at == "t1"
    assert (event.before, event.after) == ("unasked", "yes")
    assert (event.subject_kind, event.subject_id, event.participant_id) == ("session", "s-1", "p-1")
    assert event.action == "recording consent" and event.actor is Actor.FACILITATOR

    event = set_recording_consent(p, "s-1", RecordingConsent.NO, "t2", Actor.PARTICIPANT)
    assert not p.is_recorded_in("s-1") and p.consent_for("s-1") is RecordingConsent.NO
    assert (event.before, event.after, event.actor) == ("yes", "no", Actor.PARTICIPANT)
    assert p.consent["s-1"].at == "t2"


# -- plans --------------------------------------------------------------------------


@pytest.mark.parametrize("activity", list(ActivityKind))
def test_every_activity_has_a_full_plan(activity: ActivityKind) -> None:
    plan = plan_for(activity)
    titles = [step.title.casefold() for step in plan]
    assert "welcome" in titles[0]
    assert "consent" in titles[1]
    assert "warm-up" in titles[2]
    assert "activity" in titles[3] or "discussion" in titles[3]
    assert "wellbeing" in titles[-1] and "check-out" in titles[-1]
    assert all(step.minutes > 0 and step.prompts for step in plan)
    if activity not in (ActivityKind.DISCUSSION, ActivityKind.OTHER):
        assert activity.value in titles[3]


def test_plans_are_fresh_copies() -> None:
    first = plan_for(ActivityKind.MUSIC)
    first[3].prompts.clear()
    assert plan_for(ActivityKind.MUSIC)[3].prompts
