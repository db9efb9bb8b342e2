"""``facilitate erase``: forget a participant, from the command line.

Only click is imported at load time; the services load inside the command.
"""

from __future__ import annotations

import sys

import click

from facilitate.cli_errors import one_line_errors, say_unreadable
from models.text import clean_text


@click.command()
@click.argument("participant_id", required=False)
@click.option("--list", "list_people", is_flag=True, help="List everyone with their ids.")
@click.option("--yes", is_flag=True, help="Erase without asking (for scripts).")
@click.pass_obj
@one_line_errors
def erase(data_dir: str | None, participant_id: str | None, list_people: bool, yes: bool) -> None:
    """Erase PARTICIPANT_ID: their words, voice, quotes, record and trail.

    Says what will be removed, in numbers, and asks first (the answer defaults
    to no). Exports made before are listed for you to delete by hand.
    """
    from sessions.erasure import erase_participant, erasure_plan, find_participant
    from sessions.errors import FacilitateError
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    if list_people or participant_id is None:
        if participant_id is None and not list_people:
            raise FacilitateError(
                "Say who to erase: facilitate erase PARTICIPANT_ID "
                "('facilitate erase --list' lists everyone with their ids)."
            )
        stores, problems = workspace.readable()
        say_unreadable(problems)
        for store in stores:
            click.echo(clean_text(f"{store.consultation().title}  [{store.id}]"))
            for person in store.participants():
                click.echo(clean_text(f"  {person.id}  {person.pseudonym}"))
        if problems:
            # As 'facilitate sessions' does: the listing is not the whole workspace.
            sys.exit(1)
        return
    store, person = find_participant(workspace, participant_id)
    plan = erasure_plan(store, person.id)
    click.echo(clean_text(f"Erasing {person.pseudonym} from {store.consultation().title} removes:"))
    for line in plan.summary():
        click.echo(clean_text(f"  - {line}"))
    click.echo("This cannot be undone.")
    if not yes and not click.confirm(clean_text(f"Erase {person.pseudonym}?"), default=False):
        click.echo("Nothing was changed.")
        return
    report = erase_participant(store, person.id)
    for line in report.lines():
        click.echo(clean_text(line))
