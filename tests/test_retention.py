"""Retention: dates and "delete the audio once approved", due lists, deletion once confirmed.

Also the command line of erasure and retention, in process (click's runner) on a
real workspace.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from quote_fixtures import painting_session

from facilitate.__main__ import cli
from models import (
    ContributionReview,
    ContributionState,
    Decision,
    Participant,
    QuoteState,
    Role,
    Session,
)
from models.retention import RetentionError, parse_day, transcript_approved
from models.transcript import Segment, Word
from sessions.audio import write_flac
from sessions.importer import import_audio
from sessions.quotes import make_quote
from sessions.retention import (
    delete_due,
    deletions,
    due_items,
    retention_policy,
    set_audio_until_approved,
    set_keep_until,
)
from sessions.review import apply_decision, review_contribution
from sessions.services import Services
from sessions.store import ConsultationStore

TODAY = dt.date(2027, 1, 10)


def _segment(start: float, text: str, speaker: str | None) -> Segment:
    words = [Word(start + i, start + i + 1, f" {w}") for i, w in enumerate(text.split())]
    return Segment(start, words[-1].end, f" {text}", words, speaker, f" {text}")


def _recorded(tmp_path: Path, workspace: Path) -> tuple[Services, ConsultationStore, Session]:
    services = Services.from_root(workspace)
    store, session = painting_session(services)
    source = tmp_path / "in.flac"
    write_flac(source, np.full(16_000 * 12, 0.25, dtype=np.float32), 16_000)
    import_audio(store, session.id, source)
    people = {p.pseudonym: p.id for p in store.participants()}
    store.save_segments(
        session.id,
        [_segment(0, "hello there from Ash", people["Ash"]),
         _segment(6, "and Birch too", people["Birch"])],
    )
    return services, store, store.session(session.id)


def test_parse_day_says_how_to_write_a_date() -> None:
    assert parse_day(" 2027-03-31 ") == dt.date(2027, 3, 31)
    with pytest.raises(RetentionError, match="YYYY-MM-DD"):
        parse_day("31/03/2027")


def test_a_transcript_is_approved_once_every_speaker_decided_and_no_quote_waits() -> None:
    session = Session("s-1", "c-1", "t")
    a, b = Participant("p-a", "A"), Participant("p-b", "B")
    segments = [_segment(0, "one two", "p-a"), _segment(3, "three", "p-b")]
    assert not transcript_approved(session, [a, b], [], [])
    assert not transcript_approved(session, [a, b], segments, [])
    a.contribution["s-1"] = ContributionReview(ContributionState.APPROVED, "x")
    assert not transcript_approved(session, [a, b], segments, [])  # B has not decided
    b.contribution["s-1"] = ContributionReview(ContributionState.WITHDRAWN, "x")
    assert transcript_approved(session, [a, b], segments, [])
    from models.quote import new_quote

    waiting = new_quote("s-1", "p-a", segments[0].words)
    assert not transcript_approved(session, [a, b], segments, [waiting])
    waiting.state = QuoteState.APPROVED
    assert transcript_approved(session, [a, b], segments, [waiting])


def test_a_facilitators_words_wait_for_no_review() -> None:
    """The facilitator speaks but has no participant review: the participants decide."""
    session = Session("s-1", "c-1", "t")
    jo = Participant("p-jo", "Jo", role=Role.FACILITATOR)
    ash = Participant("p-a", "Ash")
    segments = [_segment(0, "welcome everyone", "p-jo"), _segment(3, "hello", "p-a")]
    assert not transcript_approved(session, [jo, ash], segments, [])
    ash.contribution["s-1"] = ContributionReview(ContributionState.APPROVED, "x")
    assert transcript_approved(session, [jo, ash], segments, [])


def test_audio_is_due_once_approved_and_deleted_only_when_asked(
    tmp_path: Path, private_workspace: Path
) -> None:
    services, store, session = _recorded(tmp_path, private_workspace)
    audio = store.audio_path(session)
    set_audio_until_approved(store, session.id, True)
    assert due_items(services.workspace, TODAY) == []  # nobody has decided yet
    quote = make_quote(store, session.id, [store.segments(session.id)[0].id])
    for person in store.participants():
        review_contribution(store, person.id, session.id, ContributionState.APPROVED)
    assert due_items(services.workspace, TODAY) == []  # a quote still waits for Ash
    apply_decision(store, quote.id, Decision.APPROVE)
    [item] = due_items(services.workspace, TODAY)
    assert item.session_id == session.id and "raw audio" in item.line()
    assert audio is not None and audio.exists()  # listing deletes nothing

    line = delete_due(services.workspace, item)

    assert "transcript stays" in line
    assert not audio.exists()
    assert store.session(session.id).recording is None
    assert len(store.segments(session.id)) == 2
    assert session.id in retention_policy(store).audio_deleted
    assert [e.action for e in store.audit()][-1] == "raw audio deleted"
    assert due_items(services.workspace, TODAY) == []


def test_a_consultation_past_its_date_is_deleted_whole_and_noted(
    tmp_path: Path, private_workspace: Path
) -> None:
    services, store, _ = _recorded(tmp_path, private_workspace)
    set_keep_until(store, "2027-01-09")
    assert retention_policy(store).keep_until == "2027-01-09"
    assert due_items(services.workspace, dt.date(2027, 1, 9)) == []  # kept through that day
    [item] = due_items(services.workspace, TODAY)
    assert item.whole_consultation
    folder = store.folder

    delete_due(services.workspace, item)

    assert not folder.exists()
    assert services.workspace.consultation_ids() == []
    [note] = deletions(services.workspace)
    assert note["consultation_id"] == store.id and "retention" in note["why"]
    assert "Day services" not in (private_workspace / "deletions.json").read_text()


def test_command_line_erase_asks_first_and_lists_earlier_exports(
    tmp_path: Path, private_workspace: Path
) -> None:
    services, store, session = _recorded(tmp_path, private_workspace)
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    runner = CliRunner()
    listed = runner.invoke(cli, ["erase", "--list"])
    assert listed.exit_code == 0 and ash.id in listed.output
    exported = runner.invoke(cli, ["export", "--session", session.id, "--to", str(tmp_path / "x")])
    assert exported.exit_code == 0, exported.output

    refused = runner.invoke(cli, ["erase", ash.id], input="\n")
    assert refused.exit_code == 0, refused.output
    assert "1 transcript segment and 4 words" in refused.output
    assert "Nothing was changed." in refused.output
    assert ash.id in {p.id for p in store.participants()}

    done = runner.invoke(cli, ["erase", ash.id], input="y\n")
    assert done.exit_code == 0, done.output
    assert "Erased Ash" in done.output and str(tmp_path / "x") in done.output
    assert ash.id not in {p.id for p in store.participants()}


def test_command_line_retention_sets_dates_and_deletes_after_asking(
    tmp_path: Path, private_workspace: Path
) -> None:
    _, store, session = _recorded(tmp_path, private_workspace)
    runner = CliRunner()
    bad = runner.invoke(cli, ["retention", "keep-until", "soon", "--consultation", store.id])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    ok = runner.invoke(cli, ["retention", "keep-until", "2020-01-01", "--consultation", store.id])
    assert ok.exit_code == 0 and "kept until 2020-01-01" in ok.output
    shown = runner.invoke(cli, ["retention"])
    assert "delete the whole consultation" in shown.output
    kept = runner.invoke(cli, ["retention", "delete"], input="n\n")
    assert "Kept" in kept.output and store.folder.exists()
    gone = runner.invoke(cli, ["retention", "delete"], input="y\n")
    assert gone.exit_code == 0, gone.output
    assert not store.folder.exists()
