"""Participant review: decisions, contribution review, the PIN and its rate limit, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Actor, ContributionState, Participant, Segment, Session, Word
from models.quote import Decision, QuoteState, decide, new_quote
from models.review import (
    FIRST_WAIT_S,
    FREE_TRIES,
    MAX_WAIT_S,
    NotTheirs,
    PinGuard,
    PinOutcome,
    own_segments,
    redact_segment,
    review_contribution,
)
from sessions import review
from sessions.errors import NotFound
from sessions.locations import workspace_root
from sessions.store import ConsultationStore, Workspace

STATE_OF = {
    Decision.APPROVE: QuoteState.APPROVED,
    Decision.REDACT: QuoteState.APPROVED_REDACTED,
    Decision.WITHDRAW: QuoteState.WITHDRAWN,
    Decision.RESET: QuoteState.PENDING,
}


def words(n: int) -> list[Word]:
    return [Word(i, i + 0.5, f" w{i}") for i in range(n)]


decisions = st.lists(
    st.tuples(st.sampled_from(list(Decision)), st.lists(st.integers(0, 7), min_size=1, max_size=4)),
    min_size=1,
    max_size=20,
)


@given(steps=decisions, actor=st.sampled_from(list(Actor)))
def test_final_state_is_the_last_decision(steps: list, actor: Actor) -> None:
    quote = new_quote("s-1", "p-1", words(8))
    for decision, chosen in steps:
        quote, event = decide(quote, decision, "t", actor, chosen)
        assert event.actor is actor
        assert all(0 <= i < len(quote.words) for i in quote.redactions)
    assert quote.state is STATE_OF[steps[-1][0]]
    assert bool(quote.redactions) == (steps[-1][0] is Decision.REDACT)


# -- transcript contribution (pure) ------------------------------------------------------


def test_contribution_review_returns_a_new_participant_and_event() -> None:
    person = Participant(id="p-1", pseudonym="Robin")
    approved, event = review_contribution(person, "s-1", ContributionState.APPROVED, "t")
    assert person.contribution_for("s-1") is ContributionState.PENDING
    assert approved.contribution_for("s-1") is ContributionState.APPROVED
    assert (event.before, event.after, event.actor) == ("pending", "approved", Actor.PARTICIPANT)
    withdrawn, event = review_contribution(approved, "s-1", "withdrawn", "t2", Actor.ON_BEHALF)
    assert withdrawn.contribution_for("s-1") is ContributionState.WITHDRAWN
    assert event.before == "approved" and event.actor is Actor.ON_BEHALF


def test_only_the_speaker_redacts_their_segment() -> None:
    segment = Segment(0, 3, "a b c", words(3), speaker_id="p-1")
    assert own_segments([segment, Segment(0, 1, "x", speaker_id="p-2")], "p-1") == [segment]
    redacted, event = redact_segment(segment, "p-1", [2, 0, 2], "t")
    assert redacted.redactions == [0, 2] and segment.redactions == []
    assert event.before == {"redactions": []} and event.after == {"redactions": [0, 2]}
    assert redact_segment(redacted, "p-1", [], "t")[0].redactions == []  # change of mind
    with pytest.raises(NotTheirs):
        redact_segment(segment, "p-2", [0], "t")
    with pytest.raises(ValueError):
        redact_segment(segment, "p-1", [3], "t")


# -- PIN guard ------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pin_guard_waits_after_three_wrong_and_doubles() -> None:
    clock = FakeClock()
    guard = PinGuard(clock)
    checked: list[str] = []

    def wrong() -> bool:
        checked.append("x")
        return False

    for _ in range(FREE_TRIES - 1):
        first = guard.attempt(wrong)
        assert first.outcome is PinOutcome.WRONG and first.wait_s == 0
    third = guard.attempt(wrong)
    assert third.outcome is PinOutcome.WRONG and third.wait_s == FIRST_WAIT_S
    blocked = guard.attempt(wrong)
    assert blocked.outcome is PinOutcome.WAIT and len(checked) == FREE_TRIES  # not even checked
    clock.now += FIRST_WAIT_S
    assert guard.attempt(wrong).wait_s == 2 * FIRST_WAIT_S
    clock.now += 2 * FIRST_WAIT_S
    assert guard.attempt(wrong).wait_s == 4 * FIRST_WAIT_S
    clock.now += 4 * FIRST_WAIT_S
    assert guard.attempt(lambda: True).ok
    assert guard.failures == 0 and guard.wait_s() == 0
    for _ in range(60):
        clock.now += MAX_WAIT_S
        guard.attempt(wrong)
    assert guard.wait_s() == MAX_WAIT_S


# -- the service, on real files ----------------------------------------------------------------


@pytest.fixture
def store(private_workspace: Path) -> ConsultationStore:
    store = Workspace(workspace_root()).create_consultation("Day services")
    store.save_participant(Participant(id="p-1", pseudonym="Robin"))
    store.save_participant(Participant(id="p-2", pseudonym="Sam"))
    store.save_session(Session(id="s-1", consultation_id=store.id, title="One"))
    store.save_segments("s-1", [Segment(0, 3, "a b c", words(3), speaker_id="p-1", id="g-1"),
                                Segment(4, 5, "d", words(1), speaker_id="p-2", id="g-2")])
    return store


def reopen(store: ConsultationStore) -> ConsultationStore:
    """A new Workspace on the same folder: nothing cached in memory survives."""
    return Workspace(store.folder.parent.parent).open(store.id)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=decisions, actor=st.sampled_from([Actor.PARTICIPANT, Actor.ON_BEHALF]))
def test_decisions_are_stored_audited_and_survive_reopening(
    store: ConsultationStore, steps: list, actor: Actor
) -> None:
    quote = new_quote("s-1", "p-1", words(8))
    store.save_quote(quote)
    audit_before = len(store.audit("p-1"))
    for decision, chosen in steps:
        before = store.quote(quote.id)
        after = review.apply_decision(store, quote.id, decision, actor, chosen)
        event = store.audit("p-1")[-1]
        assert event.actor is actor and event.subject_id == quote.id
        assert event.before == {"state": before.state.value, "redactions": before.redactions}
        assert event.after == {"state": after.state.value, "redactions": after.redactions}
    again = reopen(store)
    final = again.quote(quote.id)
    assert final.state is STATE_OF[steps[-1][0]]
    assert all(0 <= i < len(final.words) for i in final.redactions)
    assert len(again.audit("p-1")) == audit_before + len(steps)


def test_quotes_for_shows_only_their_own(store: ConsultationStore) -> None:
    mine = new_quote("s-1", "p-1", words(2))
    theirs = new_quote("s-1", "p-2", words(2))
    store.save_quote(theirs)
    store.save_quote(mine)
    assert review.quotes_for(store, "p-1") == [mine]
    assert review.quotes_for(store, "p-1", "s-2") == []
    with pytest.raises(NotFound):
        review.apply_decision(store, "q-nope", Decision.APPROVE)


def test_bad_redaction_writes_nothing(store: ConsultationStore) -> None:
    quote = new_quote("s-1", "p-1", words(2))
    store.save_quote(quote)
    with pytest.raises(ValueError):
        review.apply_decision(store, quote.id, Decision.REDACT, redactions=[5])
    assert store.quote(quote.id) == quote and store.audit() == []


def test_contribution_and_own_word_redaction_are_stored_and_audited(
    store: ConsultationStore,
) -> None:
    review.review_contribution(store, "p-1", "s-1", ContributionState.WITHDRAWN)
    review.review_contribution(store, "p-1", "s-1", ContributionState.APPROVED, Actor.ON_BEHALF)
    review.redact_own_words(store, "p-1", "s-1", "g-1", [1])
    with pytest.raises(NotTheirs):
        review.redact_own_words(store, "p-1", "s-1", "g-2", [0])
    with pytest.raises(NotFound):
        review.review_contribution(store, "p-1", "s-nope", ContributionState.APPROVED)
    again = reopen(store)
    assert again.participant("p-1").contribution_for("s-1") is ContributionState.APPROVED
    assert [s.redactions for s in again.segments("s-1")] == [[1], []]
    trail = again.audit("p-1")
    assert [(e.action, e.actor, e.before, e.after) for e in trail] == [
        ("transcript withdrawn", Actor.PARTICIPANT, "pending", "withdrawn"),
        ("transcript approved", Actor.ON_BEHALF, "withdrawn", "approved"),
        ("transcript redact", Actor.PARTICIPANT, {"redactions": []}, {"redactions": [1]}),
    ]
    assert again.audit("p-2") == []


def test_pin_is_stored_salted_and_checked(store: ConsultationStore) -> None:
    assert not review.has_pin(store) and not review.check_pin(store, "1234")
    with pytest.raises(ValueError):
        review.set_pin(store, "12")
    review.set_pin(store, "2468")
    stored = store.consultation().pin_hash
    assert "2468" not in stored and stored.startswith("scrypt$")
    again = reopen(store)
    assert review.check_pin(again, "2468") and not review.check_pin(again, "2469")
    review.set_pin(store, "2468")
    assert store.consultation().pin_hash != stored  # a fresh salt each time
    assert not review.verify_pin("2468", "garbage") and not review.verify_pin("2468", "")
