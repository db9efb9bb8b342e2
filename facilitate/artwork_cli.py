"""``facilitate artwork``: attach photos of what participants made, and list them.

Only click is imported at load time; Pillow and the store load inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click

from facilitate.cli_errors import one_line_errors
from models.text import clean_text


@click.group()
def artwork() -> None:
    """Photos of what participants made (used only if their maker approves)."""


@artwork.command("add")
@click.argument("session_id")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--maker", required=True, help="Who made it: their pseudonym or participant id.")
@click.option("--description", default="", help="What it is; shown where a picture cannot be.")
@click.pass_obj
@one_line_errors
def add(data_dir: str | None, session_id: str, photo: Path, maker: str, description: str) -> None:
    """Attach PHOTO of a participant's work to SESSION_ID, without its metadata."""
    from models.participant import Role
    from sessions.artwork import add_artwork
    from sessions.errors import FacilitateError, NotFound
    from sessions.services import Services

    store, session = Services.from_root(data_dir).workspace.find_session(session_id)
    wanted = maker.strip().casefold()
    people = [p for p in store.participants() if p.id in session.participant_ids]
    person = next(
        (p for p in people if p.id == maker or p.pseudonym.casefold() == wanted), None
    )
    if person is not None and person.role is not Role.PARTICIPANT:
        # Only a participant has a review to say yes in; a facilitator's piece would
        # wait there for ever (the app offers participants only, for the same reason).
        raise FacilitateError(
            f"{person.pseudonym} is a facilitator; artwork is decided on by its maker in "
            "their review, so choose a participant."
        )
    if person is None:
        raise NotFound(
            f"No one called {maker!r} is in session {session_id}; "
            "use a pseudonym or id from 'facilitate artwork list'."
        )
    item = add_artwork(store, session.id, person.id, photo, description)
    click.echo(clean_text(
        f"Attached {item.id} by {person.pseudonym} ({item.width}x{item.height}, location and "
        "camera details removed). It is used only if they approve it in their review."
    ))


@artwork.command("list")
@click.argument("session_id")
@click.pass_obj
@one_line_errors
def list_(data_dir: str | None, session_id: str) -> None:
    """List SESSION_ID's artwork, its makers and their decisions, and who could be a maker."""
    from models.participant import Role
    from sessions.artwork import artworks
    from sessions.services import Services

    store, session = Services.from_root(data_dir).workspace.find_session(session_id)
    names = {p.id: p.pseudonym for p in store.participants()}
    items = artworks(store, session.id)
    if not items:
        click.echo("No artwork yet.")
    for item in items:
        made_by = names.get(item.participant_id, "?")
        click.echo(clean_text(f"{item.id}  {made_by}  {item.state.value}  {item.description}"))
    makers = {p.id for p in store.participants() if p.role is Role.PARTICIPANT}
    people = ", ".join(
        f"{names[p]} ({p})" for p in session.participant_ids if p in names and p in makers
    )
    click.echo(clean_text(f"Participants who can be makers: {people or 'none yet'}"))


@artwork.command("remove")
@click.argument("session_id")
@click.argument("artwork_id")
@click.pass_obj
@one_line_errors
def remove(data_dir: str | None, session_id: str, artwork_id: str) -> None:
    """Remove ARTWORK_ID (attached by mistake, or its photo lost) from SESSION_ID, audited."""
    from sessions.artwork import artworks, remove_artwork
    from sessions.errors import NotFound
    from sessions.services import Services

    store, session = Services.from_root(data_dir).workspace.find_session(session_id)
    if artwork_id not in {item.id for item in artworks(store, session.id)}:
        raise NotFound(
            f"No artwork {artwork_id} in session {session_id}; "
            "'facilitate artwork list SESSION_ID' shows its ids."
        )
    item = remove_artwork(store, artwork_id)
    maker = {p.id: p.pseudonym for p in store.participants()}.get(item.participant_id, "?")
    click.echo(clean_text(f"Removed {item.id} by {maker}; its photo is deleted and "
                          "appears in no export."))
