"""How the command line reports problems: one line on stderr, never a traceback.

The project's own errors (:class:`~sessions.errors.FacilitateError`) are bad
input and exit 2, as click's usage errors do; a disk or permission problem
exits 1 with a plain line; anything else is a bug: one line that points at the
workspace log, which holds the traceback, and exit 1.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status for bad input (a missing or unreadable file, an unknown id).
BAD_INPUT = 2
#: Exit status when the command could not finish (the disk, permissions, a bug).
FAILED = 1
#: Exit status when the user stopped the command (as a shell reports Ctrl+C).
INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit with the bad-input status."""
    from models.text import clean_text

    # Messages may quote a title or an id typed by someone: never terminal codes.
    click.echo(clean_text(f"facilitate: {message}"), err=True)
    sys.exit(BAD_INPUT)


def typed_consultation_id(text: str) -> str:
    """``text``, typed as a consultation id, once it could be one; else a one-line NotFound.

    A mistyped id is told apart from an id in a hand-edited store (which
    ``sessions.locations.id_for_path`` refuses): the user only has to look it up.
    """
    from models.ids import is_id
    from sessions.errors import NotFound

    if not is_id(text):
        raise NotFound(f"No consultation {text!r}; 'facilitate sessions' lists them.")
    return text


def say_unreadable(problems: Sequence[Exception]) -> None:
    """One line on stderr for each consultation that could not be opened (locked, damaged).

    A listing that left one out without a word would let a facilitator think a
    person or a due deletion is not there when it is only locked away.
    """
    from models.text import clean_text

    for problem in problems:
        click.echo(clean_text(f"! {problem}"), err=True)


def workspace() -> Path:
    """The workspace folder of the command running now (``--data-dir`` or the default)."""
    from sessions.locations import workspace_root

    context = click.get_current_context(silent=True)
    data_dir = context.find_root().obj if context is not None else None
    return workspace_root(data_dir if isinstance(data_dir, str) else None)


def failed(error: BaseException) -> NoReturn:
    """Log ``error`` in the workspace, print its one line, and exit 1."""
    from facilitate.failures import report_error

    line = report_error(workspace(), error, "command line", unexpected="unexpected error")
    click.echo(f"facilitate: {line}", err=True)
    sys.exit(FAILED)


def one_line_errors(command: F) -> F:
    """Turn every error into one line on stderr, never a traceback; bugs go to the log."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sessions.errors import Cancelled, FacilitateError

        try:
            return command(*args, **kwargs)
        except (Cancelled, KeyboardInterrupt):
            click.echo("facilitate: stopped; anything already saved is complete.", err=True)
            sys.exit(INTERRUPTED)
        except click.exceptions.Abort:
            # Ctrl+C or no answer (end of input) at a question such as "Erase Sam?":
            # nothing after the question happens, and this is no bug to log.
            click.echo("facilitate: no answer, so it stopped; nothing more was changed.", err=True)
            sys.exit(INTERRUPTED)
        except click.ClickException:
            raise  # click's usage errors: click prints them and exits 2
        except BrokenPipeError:
            # The reader stopped reading ('facilitate erase --list | head'): nothing went
            # wrong here, so nothing to log or say; stdout goes nowhere from now on, so
            # Python's own flush at exit cannot complain either.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(FAILED)
        except OSError as error:  # disk, permissions (the project's StorageError too)
            failed(error)
        except FacilitateError as error:
            fail(str(error))
        except Exception as error:
            failed(error)

    return wrapper  # type: ignore[return-value]
