"""The ``facilitate export`` command: write only consented material to a folder.

Kept apart from ``__main__`` so it can be added with ``cli.add_command(export)``.
The group passes the workspace folder (``--data-dir``) as the context object.
"""

from __future__ import annotations

from pathlib import Path

import click

from facilitate.cli_errors import one_line_errors, typed_consultation_id

#: Mirrors sessions.export.FORMATS and FORMAT_GROUPS; listed here so that
#: ``--help`` needs no import of the exporters (python-docx loads on use).
FORMAT_CHOICES = (
    "all",
    "report",
    "transcripts",
    "data",
    "qda",
    "report-md",
    "report-html",
    "report-docx",
    "report-pdf",
    "transcript-md",
    "transcript-txt",
    "transcript-docx",
    "transcript-vtt",
    "transcript-srt",
    "quotes-csv",
    "quotes-json",
    "audit-csv",
    "qdpx",
    "qdc",
)


@click.command()
@click.option("--consultation", "consultation_id", help="The consultation id to export.")
@click.option("--session", "session_id", help="Export one session only (its id).")
@click.option(
    "--to",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (made private if it does not exist).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES, case_sensitive=False),
    help="What to write; repeat for several (default: all).",
)
@click.option("--no-pseudonyms", is_flag=True, help="Name nobody, not even by pseudonym.")
@click.option("--overwrite", is_flag=True, help="Replace files already in the folder.")
@click.pass_obj
@one_line_errors
def export(
    data_dir: str | None,
    consultation_id: str | None,
    session_id: str | None,
    out_dir: Path,
    formats: tuple[str, ...],
    no_pseudonyms: bool,
    overwrite: bool,
) -> None:
    """Export what participants approved: report, transcripts, data, REFI-QDA."""
    from models.text import clean_text
    from models.wording import plural
    from sessions.errors import FacilitateError, WouldOverwrite
    from sessions.export import ExportProgress, export_all
    from sessions.export_history import record_export, unnoted_line
    from sessions.services import Services

    workspace = Services.from_root(data_dir).workspace
    if session_id is not None:
        store, _ = workspace.find_session(session_id)
        if consultation_id is not None and store.id != consultation_id:
            raise FacilitateError(
                f"Session {session_id} is not in consultation {consultation_id}."
            )
    elif consultation_id is not None:
        store = workspace.open(typed_consultation_id(consultation_id))
    else:
        ids = workspace.consultation_ids()
        if len(ids) != 1:
            raise FacilitateError(
                "Say which consultation to export with --consultation ID "
                "(or one session with --session ID); 'facilitate sessions' lists them."
                if ids
                else "There are no consultations to export yet."
            )
        store = workspace.open(ids[0])

    def report(progress: ExportProgress) -> None:
        if progress.path is not None:
            click.echo(f"  wrote {progress.path}", err=True)

    try:
        written = export_all(
            store,
            out_dir,
            formats or None,
            session_id=session_id,
            include_pseudonyms=not no_pseudonyms,
            on_progress=report,
            overwrite=overwrite,
        )
    except WouldOverwrite as error:
        raise FacilitateError(
            f"{error.path} already exists; nothing was written. Choose an empty folder "
            "with --to, or add --overwrite to replace the files."
        ) from error
    try:
        # Noted so that erasing someone later lists this copy for deleting by hand.
        record_export(store, written, session_id)
    except (FacilitateError, OSError) as error:
        click.echo(clean_text(unnoted_line(out_dir, error)), err=True)
    click.echo(f"Wrote {plural(len(written), 'file')} to {out_dir}.")
