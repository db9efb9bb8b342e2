"""A consultation's vocabulary in its store, and vocabulary files for the command line.

The rules (what is suggested, how the hint is built) are in
:mod:`models.vocabulary`; this module reads what they need from the store and
saves changes under the store's lock, so the app and ``facilitate vocabulary``
never lose each other's words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.anonymise import hide_list
from models.vocabulary import (
    Vocabulary,
    add_terms,
    parse_terms,
    remove_terms,
    suggested_terms,
    vocabulary_terms,
)
from sessions.errors import FacilitateError, storage_error
from sessions.store import ConsultationStore

#: A vocabulary file longer than this is not a word list (a recording named by mistake?).
MAX_FILE_BYTES = 256 * 1024


def suggestions(store: ConsultationStore) -> list[str]:
    """The terms the consultation already holds: venues, names, pseudonyms, activities, themes."""
    consultation = store.consultation()
    sessions = store.sessions()
    participants = store.participants()
    return suggested_terms(
        venues=[s.venue for s in sessions],
        activities=[s.activity.value for s in sessions],
        pseudonyms=[p.pseudonym for p in participants],
        themes=[t.name for t in consultation.codebook.themes],
        names=hide_list(consultation.hide_names, participants),
    )


def transcriber_terms(store: ConsultationStore) -> list[str]:
    """Every term the transcriber listens out for in this consultation, most wanted first."""
    return vocabulary_terms(store.consultation().vocabulary, suggestions(store))


def change_vocabulary(
    store: ConsultationStore, change: Callable[[Vocabulary], Vocabulary]
) -> Vocabulary:
    """Apply ``change`` to the stored vocabulary under the store's lock; return the result."""
    with store.transaction():
        consultation = store.consultation()
        consultation.vocabulary = change(consultation.vocabulary)
        store.save_consultation(consultation)
    return consultation.vocabulary


def add_to_vocabulary(store: ConsultationStore, terms: list[str]) -> Vocabulary:
    """Add the facilitator's ``terms`` (a suggestion left out before is wanted again)."""
    return change_vocabulary(store, lambda vocabulary: add_terms(vocabulary, terms))


def remove_from_vocabulary(store: ConsultationStore, terms: list[str]) -> Vocabulary:
    """Remove ``terms``: the facilitator's own are dropped, suggestions are left out."""
    offered = suggestions(store)
    return change_vocabulary(
        store, lambda vocabulary: remove_terms(vocabulary, terms, offered)
    )


def read_terms_file(path: Path) -> list[str]:
    """The terms in a text file (one per line, or separated by commas).

    Raises :class:`FacilitateError` with one line when the file cannot be used.
    """
    path = Path(path).expanduser()
    try:
        if not path.is_file():
            raise FacilitateError(
                f"No vocabulary file at {path}: give a text file with one word or phrase a line."
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FacilitateError(
                f"{path} is too large for a vocabulary: give a text file of words and phrases."
            )
        data = path.read_bytes()
    except OSError as error:
        raise storage_error(error, path, "read") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FacilitateError(
            f"{path} is not a text file: give one word or phrase a line, saved as UTF-8."
        ) from None
    return parse_terms(text)
