"""What the command line says to a new facilitator at its questions and with a typo.

In process (click's runner) on a real workspace: no answer at "Erase Ash?",
a mistyped consultation id, removing a word that is not on the vocabulary,
and a locked consultation that listings must not leave out without a word.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from quote_fixtures import painting_session

from facilitate.__main__ import cli
from facilitate.cli_errors import INTERRUPTED
from facilitate.failures import log_path
from sessions import encryption
from sessions.encryption import PASSPHRASE_ENV
from sessions.services import Services


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_no_answer_at_the_erase_question_stops_without_calling_it_a_bug(
    private_workspace: Path,
) -> None:
    store, _ = painting_session(Services.from_root(None))
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    # Empty input is what a script or a closed terminal gives (Ctrl+C is the same Abort).
    result = CliRunner().invoke(cli, ["erase", ash.id], input="")
    assert result.exit_code == INTERRUPTED
    line = one_line(result.stderr)
    assert line == "facilitate: no answer, so it stopped; nothing more was changed."
    assert "unexpected" not in result.output
    assert not log_path(private_workspace).exists()
    assert ash.id in {p.id for p in store.participants()}


@pytest.mark.parametrize(
    "args",
    [
        ["retention", "keep-until", "2027-03-31", "--consultation", "nope"],
        ["export", "--consultation", "nope", "--to", "out"],
        ["encrypt", "nope"],
        ["encrypt", "c-00000000", "--recovery-key"],
    ],
)
def test_a_mistyped_consultation_id_is_not_called_a_hand_edited_store(args: list[str]) -> None:
    painting_session(Services.from_root(None))
    result = CliRunner().invoke(cli, args, input="")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith("facilitate: No consultation '")
    assert "'facilitate sessions' lists them" in line and "edited by hand" not in line


def test_removing_a_word_that_is_not_on_the_vocabulary_says_so() -> None:
    store, _ = painting_session(Services.from_root(None))
    runner = CliRunner()
    runner.invoke(cli, ["vocabulary", "--consultation", store.id, "--add", "Ormskirk"])
    result = runner.invoke(
        cli, ["vocabulary", "--consultation", store.id, "--remove", "Ormskrik",
              "--remove", "ormskirk"]
    )
    assert result.exit_code == 0, result.output
    assert "'Ormskrik' is not on the list; nothing to remove." in result.stderr
    assert "Removed 1 word." in result.stderr
    assert store.consultation().vocabulary.words == []


def test_listings_name_a_consultation_the_passphrase_does_not_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = Services.from_root(None)
    painting_session(services)
    locked = services.workspace.create_consultation("Locked review", passphrase="right horse")
    encryption.forget_keys()  # as a new process finds it
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong horse")
    runner = CliRunner()
    try:
        for args in (["erase", "--list"], ["retention"], ["retention", "delete"]):
            result = runner.invoke(cli, args, input="")
            line = one_line(result.stderr)
            assert line.startswith("! ") and locked.id in line, (args, result.stderr)
            assert "Nothing is due for deletion." not in result.output
            # The listings, as 'facilitate sessions', are not the whole workspace: exit 1.
            assert result.exit_code == (0 if args == ["retention", "delete"] else 1), args
    finally:
        encryption.forget_keys()


def test_a_listing_piped_into_a_reader_that_stops_early_says_nothing(
    private_workspace: Path,
) -> None:
    painting_session(Services.from_root(None))
    # 'true' reads nothing and is gone long before Python has started and writes.
    command = f"{shlex.quote(sys.executable)} -m facilitate erase --list | true"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            timeout=120, env=os.environ.copy())
    assert result.stderr == ""  # not "facilitate: Broken pipe."
    assert not log_path(private_workspace).exists()
