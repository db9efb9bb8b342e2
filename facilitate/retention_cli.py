"""``facilitate retention``: how long material is kept, and deleting what is due.

Only click is imported at load time; the services load inside the commands.
"""

from __future__ import annotations

import sys

import click

from facilitate.cli_errors import one_line_errors, say_unreadable, typed_consultation_id
from models.text import clean_text


@click.group(invoke_without_command=True)
@click.pass_context
@one_line_errors
def retention(ctx: click.Context) -> None:
    """Show each consultation's retention settings and what is due for deletion."""
    if ctx.invoked_subcommand is not None:
        return
    from sessions.retention import due_items, retention_policy
    from sessions.services import Services

    workspace = Services.from_root(ctx.obj).workspace
    stores, problems = workspace.readable()
    say_unreadable(problems)
    for store in stores:
        policy = retention_policy(store)
        until = policy.keep_until or "no date set"
        click.echo(clean_text(f"{store.consultation().title}  [{store.id}]  kept until: {until}"))
        for session in store.sessions():
            if session.id in policy.audio_until_approved:
                state = "audio deleted" if session.id in policy.audio_deleted else "audio kept"
                click.echo(
                    clean_text(
                        f"  {session.id}  {session.title}: audio goes once the transcript "
                        f"is approved ({state})"
                    )
                )
    due = due_items(workspace)
    if due:
        click.echo("Due for deletion ('facilitate retention delete' deletes after asking):")
        for item in due:
            click.echo(clean_text(f"  - {item.line()}"))
    else:
        click.echo("Nothing is due for deletion." if not problems else
                   "Nothing is due in the consultations that could be opened.")
    if problems:
        # As 'facilitate sessions' does: the listing is not the whole workspace.
        sys.exit(1)


@retention.command(name="keep-until")
@click.argument("day")
@click.option("--consultation", "consultation_id", required=True, help="The consultation id.")
@click.pass_obj
@one_line_errors
def keep_until(data_dir: str | None, day: str, consultation_id: str) -> None:
    """Keep a consultation until DAY (YYYY-MM-DD), then delete it; 'never' clears the date."""
    from sessions.retention import set_keep_until
    from sessions.services import Services

    store = Services.from_root(data_dir).workspace.open(typed_consultation_id(consultation_id))
    policy = set_keep_until(store, "" if day.strip().lower() == "never" else day)
    title = store.consultation().title
    if policy.keep_until:
        click.echo(clean_text(f"{title} is kept until {policy.keep_until}, then deleted."))
    else:
        click.echo(clean_text(f"{title} has no retention date: it is kept until you delete it."))


@retention.command(name="audio")
@click.argument("session_id")
@click.option(
    "--once-approved/--keep",
    default=True,
    help="Delete the raw audio once the transcript is approved (default), or keep it.",
)
@click.pass_obj
@one_line_errors
def audio(data_dir: str | None, session_id: str, once_approved: bool) -> None:
    """Delete SESSION_ID's raw audio once its transcript is approved (or keep it)."""
    from sessions.retention import set_audio_until_approved
    from sessions.services import Services

    store, session = Services.from_root(data_dir).workspace.find_session(session_id)
    set_audio_until_approved(store, session.id, once_approved)
    if once_approved:
        click.echo(
            clean_text(f"{session.title}: the raw audio goes once the transcript is approved.")
        )
    else:
        click.echo(clean_text(f"{session.title}: the raw audio is kept."))


@retention.command(name="delete")
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
@click.pass_obj
@one_line_errors
def delete(data_dir: str | None, yes: bool) -> None:
    """Delete what is due, asking for each (the answer defaults to no)."""
    from sessions.retention import delete_due, due_items
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    problems = workspace.readable()[1]
    say_unreadable(problems)
    items = due_items(workspace)
    if not items:
        click.echo("Nothing is due for deletion." if not problems else
                   "Nothing is due in the consultations that could be opened.")
        return
    for item in items:
        question = clean_text(f"{item.line()}: delete now? This cannot be undone.")
        if yes or click.confirm(question, default=False):
            click.echo(clean_text(delete_due(workspace, item)))
        else:
            click.echo("Kept; it stays on the list.")
