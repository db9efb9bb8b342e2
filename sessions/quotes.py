"""Quotes and the codebook as services: make, tag, list, and edit themes across quotes.

Codebook edits that change quotes (merge, remove) save the consultation and
every changed quote in one atomic store write under the store's lock, so no
quote is ever left tagged with a theme the codebook no longer has.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from models import codebook as cb
from models.audit import Actor, AuditEvent
from models.codebook import Codebook, Theme
from models.overview import Overview, overview
from models.quote import (
    Quote,
    QuoteState,
    deletion_refused,
    filter_quotes,
    quote_from_span,
    tag_quote,
)
from models.session import MarkerKind, Session
from models.text import clean_text
from sessions.clock import now_iso
from sessions.errors import FacilitateError, NotFound
from sessions.store import ConsultationStore
from sessions.transcript_edits import ask_again


def step_at(session: Session, at_s: float) -> int | None:
    """The plan step under way at ``at_s``: the last step mark at or before it."""
    step: int | None = None
    for marker in sorted(session.markers, key=lambda m: m.at_s):
        if marker.at_s > at_s:
            break
        if marker.kind is MarkerKind.STEP and marker.step_index is not None:
            step = marker.step_index
    return step


def _check_themes(codebook: Codebook, theme_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(theme_ids))
    unknown = [t for t in ids if codebook.theme(t) is None]
    if unknown:
        raise NotFound(f"No theme {unknown[0]} in the codebook.")
    return ids


def make_quote(
    store: ConsultationStore,
    session_id: str,
    segment_ids: Sequence[str],
    word_range: tuple[int, int] | None = None,
    participant_id: str | None = None,
    theme_ids: Iterable[str] = (),
    memo: str = "",
) -> Quote:
    """Make, save and return a pending quote from whole segments or words of one segment.

    ``word_range`` is ``(first, stop)``, a slice of the one segment's words.
    The participant defaults to the segments' speaker; the plan step is the one
    under way when the quote starts.
    """
    with store.transaction():
        session = store.session(session_id)
        by_id = {s.id: s for s in store.segments(session_id)}
        missing = [sid for sid in segment_ids if sid not in by_id]
        if missing:
            raise NotFound(f"No segment {missing[0]} in session {session_id}.")
        tags = _check_themes(store.consultation().codebook, theme_ids)
        if participant_id is not None:
            store.participant(participant_id)  # someone real, or NotFound
        quote = quote_from_span(
            session_id,
            [by_id[sid] for sid in dict.fromkeys(segment_ids)],
            word_range=word_range,
            participant_id=participant_id,
            theme_ids=tags,
            memo=clean_text(memo, multiline=True).strip(),
            created_at=now_iso(),
        )
        store.participant(quote.participant_id)  # the segments' speaker is real too
        quote.step_index = step_at(session, quote.start)
        # Choosing who said a quote from speech of unknown speaker says who spoke
        # it: the transcript must agree, since a quote only ever shows words the
        # transcript gives to its speaker.
        unknown = [by_id[sid] for sid in quote.segment_ids if by_id[sid].speaker_id is None]
        if unknown:
            for segment in unknown:
                segment.speaker_id = quote.participant_id
            store.save_segments(session_id, list(by_id.values()))
            ask_again(store, session_id, quote.participant_id, now_iso(),
                      "words of unknown speaker were attributed to them with a quote")
        store.save_quote(quote)
    return quote


def tag(store: ConsultationStore, quote_id: str, theme_ids: Iterable[str]) -> Quote:
    """Replace a quote's themes with ``theme_ids``; return the saved quote."""
    with store.transaction():
        tags = _check_themes(store.consultation().codebook, theme_ids)
        quote = tag_quote(store.quote(quote_id), tags)
        store.save_quote(quote)
    return quote


def delete_quote(store: ConsultationStore, quote_id: str) -> Quote:
    """Take a mistaken quote out, audited; return it as it was.

    Refused (FacilitateError, nothing changed) for a quote its speaker withdrew
    or hid words of: their decision must stay. The transcript keeps its words.
    The audit event names the quote and its state, never its words: the audit
    log is exported, and the words may be withdrawn.
    """
    with store.transaction():
        quote = store.quote(quote_id)
        refused = deletion_refused(quote)
        if refused is not None:
            raise FacilitateError(refused)
        store.remove_quote(quote_id)
        store.append_audit(AuditEvent(
            at=now_iso(), actor=Actor.FACILITATOR, action="quote deleted",
            subject_kind="quote", subject_id=quote.id, participant_id=quote.participant_id,
            before=quote.state.value, after="deleted",
        ))
    return quote


def set_memo(store: ConsultationStore, quote_id: str, memo: str) -> Quote:
    """Replace a quote's memo; return the saved quote."""
    with store.transaction():
        quote = store.quote(quote_id)
        quote.memo = clean_text(memo, multiline=True).strip()
        store.save_quote(quote)
    return quote


def list_quotes(
    store: ConsultationStore,
    session_id: str | None = None,
    theme_id: str | None = None,
    participant_id: str | None = None,
    state: QuoteState | Collection[QuoteState] | None = None,
    include_nested: bool = True,
) -> list[Quote]:
    """A session's (or the consultation's) quotes in time order, filtered.

    With ``include_nested``, filtering by a parent theme also finds quotes
    tagged only with one of its children.
    """
    themes: list[str] | None = None
    if theme_id is not None:
        themes = [theme_id]
        if include_nested:
            themes += [t.id for t in cb.children(store.consultation().codebook, theme_id)]
    quotes = filter_quotes(
        store.quotes(session_id), theme=themes, participant=participant_id, state=state
    )
    return sorted(quotes, key=lambda q: (q.session_id, q.start))


def theme_overview(store: ConsultationStore, session_id: str | None = None) -> Overview:
    """Counts per theme and per participant, and the thin themes."""
    return overview(store.consultation().codebook, store.quotes(session_id, fresh=False))


# -- codebook edits ------------------------------------------------------------------


def _edit_codebook(store: ConsultationStore, edit: Callable[[Codebook], Codebook]) -> Codebook:
    with store.transaction():
        consultation = store.consultation()
        consultation.codebook = edit(consultation.codebook)
        store.save_consultation(consultation)
    return consultation.codebook


def _edit_with_quotes(
    store: ConsultationStore,
    edit: Callable[[Codebook, list[Quote]], tuple[Codebook, list[Quote]]],
) -> Codebook:
    with store.transaction():
        consultation = store.consultation()
        quotes = store.quotes()
        consultation.codebook, updated = edit(consultation.codebook, quotes)
        store.save_consultation(consultation)
        # The editors hand back unchanged quotes as the same objects: save only the rest.
        for before, after in zip(quotes, updated, strict=True):
            if after is not before:
                store.save_quote(after)
    return consultation.codebook


def add_theme(
    store: ConsultationStore, name: str, description: str = "", parent_id: str | None = None
) -> Theme:
    """Add a theme to the consultation's codebook; return it."""
    added: list[Theme] = []

    def edit(codebook: Codebook) -> Codebook:
        new, theme = cb.add_theme(codebook, name, description, parent_id)
        added.append(theme)
        return new

    _edit_codebook(store, edit)
    return added[0]


def rename_theme(store: ConsultationStore, theme_id: str, name: str) -> Codebook:
    """Rename a theme; quotes refer to it by id, so every quote shows the new name."""
    return _edit_codebook(store, lambda c: cb.rename_theme(c, theme_id, name))


def describe_theme(store: ConsultationStore, theme_id: str, description: str) -> Codebook:
    """Change a theme's description."""
    return _edit_codebook(store, lambda c: cb.describe_theme(c, theme_id, description))


def nest_theme(store: ConsultationStore, theme_id: str, parent_id: str | None) -> Codebook:
    """Move a theme under ``parent_id`` (None: back to the top level)."""
    return _edit_codebook(store, lambda c: cb.nest_theme(c, theme_id, parent_id))


def merge_themes(store: ConsultationStore, source_ids: list[str], into_id: str) -> Codebook:
    """Merge themes into ``into_id`` and re-tag every quote, all in one atomic write."""
    return _edit_with_quotes(store, lambda c, q: cb.merge_themes(c, q, source_ids, into_id))


def remove_theme(store: ConsultationStore, theme_id: str) -> Codebook:
    """Delete a theme, untagging every quote, in one atomic write."""
    return _edit_with_quotes(store, lambda c, q: cb.remove_theme(c, q, theme_id))


def replace_codebook(store: ConsultationStore, codebook: Codebook) -> Codebook:
    """Replace the codebook (e.g. after an import); tags of themes no longer there are dropped."""

    def edit(_: Codebook, quotes: list[Quote]) -> tuple[Codebook, list[Quote]]:
        known = {t.id for t in codebook.themes}
        return codebook, [
            q if all(t in known for t in q.theme_ids)
            else tag_quote(q, [t for t in q.theme_ids if t in known])
            for q in quotes
        ]

    return _edit_with_quotes(store, edit)
