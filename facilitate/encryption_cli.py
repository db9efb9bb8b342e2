"""``facilitate encrypt``, and the passphrase prompt every command uses.

Kept apart from ``__main__`` so it can be added with ``cli.add_command(encrypt)``;
only click is imported at load time, so ``facilitate --help`` stays quick.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from facilitate.cli_errors import one_line_errors, typed_consultation_id


def ask_for_passphrases() -> None:
    """Let commands ask, once each, for the passphrase of an encrypted consultation they open.

    Only at a terminal: a script gets the one-line "set FACILITATE_PASSPHRASE" error
    instead of a prompt that would wait for ever.
    """
    if not sys.stdin.isatty():
        return
    from sessions import encryption

    def prompt(folder: Path) -> str:
        return str(click.prompt(f"Passphrase for consultation {folder.name}", hide_input=True,
                                err=True))

    encryption.passphrase_prompt = prompt


def _new_passphrase() -> str:
    """The passphrase from FACILITATE_PASSPHRASE, or typed twice at the terminal."""
    import os

    from sessions.encryption import PASSPHRASE_ENV, check_passphrase

    chosen = os.environ.get(PASSPHRASE_ENV) or str(click.prompt(
        "New passphrase", hide_input=True, confirmation_prompt=True, err=True
    ))
    check_passphrase(chosen)
    return chosen


def _show_recovery_key(code: str) -> None:
    click.echo(f"Recovery key: {code}")
    click.echo(
        "Print it or write it down and keep it apart from the laptop: it is shown only "
        "this once, and it is the only way in if the passphrase is forgotten.",
        err=True,
    )


@click.command()
@click.argument("consultation_id")
@click.option("--recovery-key", "use_recovery", is_flag=True,
              help="Forgotten passphrase: open with the recovery key and set a new one.")
@click.pass_obj
@one_line_errors
def encrypt(data_dir: str | None, consultation_id: str, use_recovery: bool) -> None:
    """Encrypt a consultation in place with a passphrase (or reset it with the recovery key)."""
    from sessions import encryption
    from sessions.errors import NotFound
    from sessions.locations import consultations_dir
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    folder = consultations_dir(workspace.root) / typed_consultation_id(consultation_id)
    if not folder.is_dir():
        raise NotFound(f"No consultation {consultation_id!r}; 'facilitate sessions' lists them.")
    if use_recovery:
        if not encryption.is_encrypted(folder):
            raise encryption.EncryptionError(
                f"Consultation {consultation_id} is not encrypted; nothing was changed."
            )
        code = str(click.prompt("Recovery key", err=True))
        encryption.unlock_with_recovery(folder, code, _new_passphrase())
        click.echo(f"New passphrase set for consultation {consultation_id}.")
        return
    store = workspace.open(consultation_id)
    code = encryption.encrypt_consultation(store, _new_passphrase())
    click.echo(f"Consultation {consultation_id} is encrypted.", err=True)
    _show_recovery_key(code)
