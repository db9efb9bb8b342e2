"""``facilitate vocabulary`` and ``facilitate models add``: helping the model hear local words.

Kept apart from ``__main__`` (added with ``cli.add_command``); only click is
imported at load time, so ``facilitate --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from facilitate.cli_errors import one_line_errors

if TYPE_CHECKING:
    from sessions.store import ConsultationStore


def _consultation_store(
    data_dir: str | None, consultation_id: str | None
) -> ConsultationStore:
    """The store named by ``consultation_id`` (or a session id), or the only one there is."""
    from sessions.errors import FacilitateError, NotFound
    from sessions.locations import id_for_path
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    if consultation_id is None:
        ids = workspace.consultation_ids()
        if len(ids) != 1:
            raise FacilitateError(
                "Say which consultation with --consultation ID; 'facilitate sessions' lists them."
                if ids
                else "There are no consultations yet; make one in the app first."
            )
        return workspace.open(ids[0])
    try:
        return workspace.open(id_for_path(consultation_id, "consultation id"))
    except NotFound:
        # A session id names its consultation too: the one a facilitator has to hand.
        try:
            return workspace.find_session(consultation_id)[0]
        except NotFound:
            raise NotFound(
                f"No consultation or session {consultation_id!r}; "
                "'facilitate sessions' lists them."
            ) from None


@click.command()
@click.option(
    "--consultation",
    "consultation_id",
    default=None,
    help="The consultation (or one of its sessions) by id; needed when there are several.",
)
@click.option("--add", "added", multiple=True, help="A word or phrase to listen out for.")
@click.option("--remove", "removed", multiple=True, help="A word or phrase to stop using.")
@click.option(
    "--from-file",
    "from_file",
    default=None,
    help="Add the words in a text file (one a line, or separated by commas).",
)
@click.pass_obj
@one_line_errors
def vocabulary(
    data_dir: str | None,
    consultation_id: str | None,
    added: tuple[str, ...],
    removed: tuple[str, ...],
    from_file: str | None,
) -> None:
    """List or change the words the transcriber listens out for in a consultation.

    Venues, activities, pseudonyms, theme names and names to hide are used
    already; add local words (towns and their short names, services, nicknames).
    The list stays on this laptop and is never exported.
    """
    from models.text import clean_text
    from models.vocabulary import hinted_terms, parse_terms, term_key
    from models.wording import plural
    from sessions.vocabulary import (
        add_to_vocabulary,
        read_terms_file,
        remove_from_vocabulary,
        suggestions,
        transcriber_terms,
    )

    store = _consultation_store(data_dir, consultation_id)
    new = parse_terms("\n".join(added))
    if from_file is not None:
        new += read_terms_file(Path(from_file))
    if new:
        add_to_vocabulary(store, new)
        click.echo(f"Added {plural(len(new), 'word')}.", err=True)
    if removed:
        listed = {term_key(t) for t in store.consultation().vocabulary.words}
        listed |= {term_key(t) for t in suggestions(store)}
        # A word that is not there is said to be so, not counted as removed.
        found = [t for t in removed if term_key(t) in listed]
        for term in removed:
            if term_key(term) not in listed:
                click.echo(clean_text(f"{term!r} is not on the list; nothing to remove."),
                           err=True)
        if found:
            remove_from_vocabulary(store, found)
            click.echo(f"Removed {plural(len(found), 'word')}.", err=True)
    consultation = store.consultation()
    own = {term_key(t) for t in consultation.vocabulary.words}
    offered = {term_key(t) for t in suggestions(store)}
    terms = transcriber_terms(store)
    given = len(hinted_terms(terms))
    click.echo(clean_text(f"Words listened for in {consultation.title}:"))
    for index, term in enumerate(terms):
        where = "your word" if term_key(term) in own else "from the consultation"
        if index >= given:
            where += "; past the length the model is given"
        click.echo(clean_text(f"  {term}  ({where})"))
    left_out = [t for t in consultation.vocabulary.left_out if term_key(t) in offered]
    for term in left_out:
        click.echo(clean_text(f"  {term}  (left out; --add it to use it again)"))
    if not terms:
        click.echo("  none yet: add some with --add WORD")
    elif given < len(terms):
        click.echo(
            f"The model is given the first {given} of {len(terms)}: a long list slows it "
            "down, so put the words that matter first.",
            err=True,
        )


@click.command(name="add")
@click.argument("path")
@click.option("--name", default=None, help="The name to choose it by (default: the folder's).")
@click.pass_obj
@one_line_errors
def add_model(data_dir: str | None, path: str, name: str | None) -> None:
    """Copy a CTranslate2 Whisper model folder (from a stick, say) into the workspace."""
    from models.text import clean_text
    from sessions.model_folders import add_model as copy_model
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    click.echo(clean_text(f"Checking and copying {path}..."), err=True)
    info = copy_model(Path(path), workspace.models_dir, name)
    click.echo(
        clean_text(
            f"Added the model {info.name}; use it with --model {info.name}, "
            "or choose it in the app."
        )
    )
