"""How the command line reports problems: one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status for bad input (a missing or unreadable file, an unknown id).
BAD_INPUT = 2
#: Exit status when the user stopped the command (as a shell reports Ctrl+C).
INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit with the bad-input status."""
    from models.text import clean_text

    # Messages may quote a title or an id typed by someone: never terminal codes.
    click.echo(clean_text(f"facilitate: {message}"), err=True)
    sys.exit(BAD_INPUT)


def one_line_errors(command: F) -> F:
    """Turn the errors a user can act on into one line on stderr, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sessions.errors import Cancelled, FacilitateError

        try:
            return command(*args, **kwargs)
        except (Cancelled, KeyboardInterrupt):
            click.echo("facilitate: stopped; anything already saved is complete.", err=True)
            sys.exit(INTERRUPTED)
        except (FacilitateError, ValueError) as error:
            fail(str(error))

    return wrapper  # type: ignore[return-value]
