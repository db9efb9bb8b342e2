"""Quotes and the consent state machine each participant controls."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

from models.audit import Actor, AuditEvent
from models.ids import new_id
from models.moments import Moments
from models.transcript import Correction, Segment, Word, aligned, word_keys


class QuoteState(enum.StrEnum):
    """Where a quote stands with the person who said it."""

    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_REDACTED = "approved with redactions"
    WITHDRAWN = "withdrawn"


class Decision(enum.StrEnum):
    """What a participant can decide about one of their quotes."""

    APPROVE = "approve"
    REDACT = "redact"
    WITHDRAW = "withdraw"
    RESET = "reset"


REDACTED = "[redacted]"


@dataclass
class Quote:
    """A span of what a participant said, picked by the facilitator as evidence."""

    id: str
    session_id: str
    participant_id: str
    start: float
    end: float
    words: list[Word]
    theme_ids: list[str] = field(default_factory=list)
    memo: str = ""
    segment_ids: list[str] = field(default_factory=list)
    step_index: int | None = None
    state: QuoteState = QuoteState.PENDING
    #: Indexes into ``words`` the participant chose to hide.
    redactions: list[int] = field(default_factory=list)
    created_at: str = ""

    @property
    def text(self) -> str:
        """The quote as said, with nothing hidden (never for export)."""
        return " ".join(w.text.strip() for w in self.words).strip()

    @property
    def redacted_text(self) -> str:
        """The quote with redacted words shown as [redacted]."""
        return redact(self.words, self.redactions)

    @property
    def exportable(self) -> bool:
        """True when the participant approved the quote (with or without redactions)."""
        return self.state in (QuoteState.APPROVED, QuoteState.APPROVED_REDACTED)


def new_quote(session_id: str, participant_id: str, words: list[Word], **extra: object) -> Quote:
    """Make a pending quote from ``words``; its span is theirs."""
    if not words:
        raise ValueError("a quote needs at least one word")
    return Quote(
        id=new_id("q"),
        session_id=session_id,
        participant_id=participant_id,
        start=words[0].start,
        end=words[-1].end,
        words=list(words),
        **extra,  # type: ignore[arg-type]
    )


def redact(words: list[Word], hidden: list[int]) -> str:
    """Join ``words``, replacing each run of hidden words with one [redacted]."""
    hidden_set = set(hidden)
    parts: list[str] = []
    for index, word in enumerate(words):
        if index in hidden_set:
            if not parts or parts[-1] != REDACTED:
                parts.append(REDACTED)
        elif word.text.strip():
            parts.append(word.text.strip())
    return " ".join(parts)


def decide(
    quote: Quote,
    decision: Decision,
    at: str,
    actor: Actor = Actor.PARTICIPANT,
    redactions: list[int] | None = None,
) -> tuple[Quote, AuditEvent]:
    """Apply a participant's decision; return the new quote and its audit event.

    The last decision always wins: a participant may change their mind as often
    as they like. Redactions must be word indexes within the quote.
    """
    decision = Decision(decision)
    if decision is Decision.REDACT:
        chosen = sorted(set(redactions or []))
        if any(i < 0 or i >= len(quote.words) for i in chosen):
            raise ValueError("redactions must be words within the quote")
        if not chosen:
            raise ValueError("choose at least one word to redact")
        new = replace(quote, state=QuoteState.APPROVED_REDACTED, redactions=chosen)
    elif decision is Decision.APPROVE:
        new = replace(quote, state=QuoteState.APPROVED, redactions=[])
    elif decision is Decision.WITHDRAW:
        new = replace(quote, state=QuoteState.WITHDRAWN, redactions=[])
    else:
        new = replace(quote, state=QuoteState.PENDING, redactions=[])
    event = AuditEvent(
        at=at,
        actor=actor,
        action=f"quote {decision.value}",
        subject_kind="quote",
        subject_id=quote.id,
        participant_id=quote.participant_id,
        before={"state": quote.state.value, "redactions": list(quote.redactions)},
        after={"state": new.state.value, "redactions": list(new.redactions)},
    )
    return new, event


# -- making and finding quotes --------------------------------------------------------


def segment_words(segment: Segment) -> list[Word]:
    """The words a quote from ``segment`` holds: what the transcript says, with their ids.

    A corrected segment's words already say the corrected text (see
    :func:`models.transcript.retext`), each keeping the id and time of the
    word it corrects, so a quote names the same words the transcript does.
    """
    return [replace(w) for w in aligned(segment).words if w.text.strip()]


def quote_from_span(
    session_id: str,
    segments: Sequence[Segment],
    word_range: tuple[int, int] | None = None,
    participant_id: str | None = None,
    theme_ids: Iterable[str] = (),
    memo: str = "",
    step_index: int | None = None,
    created_at: str = "",
) -> Quote:
    """Make a pending quote from whole ``segments``, or words ``[first, stop)`` of one.

    The quote is attributed to ``participant_id`` or, by default, to the
    segments' speaker. Segments of unknown speaker need an explicit participant;
    segments by several known speakers, or by someone other than
    ``participant_id``, are refused, because a quote is one person's words for
    them alone to review.
    """
    if not segments:
        raise ValueError("Choose at least one segment for the quote.")
    ordered = sorted(segments, key=lambda s: s.start)
    if word_range is not None:
        if len(ordered) != 1:
            raise ValueError("A word range picks words within one segment.")
        words = segment_words(ordered[0])
        first, stop = word_range
        if not 0 <= first < stop <= len(words):
            raise ValueError(
                f"Words {first}..{stop} are not within the segment's {len(words)} words."
            )
        words = words[first:stop]
    else:
        words = [w for s in ordered for w in segment_words(s)]
    # A quote is one person's words, reviewed by that person alone: words known to
    # be someone else's must never go to them for approval.
    known = {s.speaker_id for s in ordered if s.speaker_id is not None}
    if len(known) > 1:
        raise ValueError(
            "These segments are said by more than one person; a quote holds one "
            "person's words. Choose segments said by one person."
        )
    if participant_id is None:
        if not known or len(known) != len({s.speaker_id for s in ordered}):
            raise ValueError(
                "These segments have no single known speaker; choose who said the quote."
            )
        participant_id = known.pop()
    elif known and participant_id not in known:
        raise ValueError(
            "These words are attributed to someone else; a quote can only go to the "
            "person who said it (correct the segment's speaker first if it is wrong)."
        )
    if not words:
        raise ValueError("The chosen span has no words to quote.")
    return new_quote(
        session_id,
        participant_id,  # type: ignore[arg-type]
        words,
        theme_ids=list(dict.fromkeys(theme_ids)),
        memo=memo.strip(),
        segment_ids=[s.id for s in ordered],
        step_index=step_index,
        created_at=created_at,
    )


def filter_quotes(
    quotes: Iterable[Quote],
    theme: str | Collection[str] | None = None,
    participant: str | None = None,
    state: QuoteState | Collection[QuoteState] | None = None,
    session: str | None = None,
) -> list[Quote]:
    """The quotes matching every filter given, in their original order.

    ``theme`` is a theme id, or a collection of ids matching a quote tagged with
    any of them (pass a parent with its children to include nested themes).
    ``state`` is one state or a collection of states.
    """
    themes = {theme} if isinstance(theme, str) else set(theme) if theme is not None else None
    states = (
        {QuoteState(state)}
        if isinstance(state, str)
        else {QuoteState(s) for s in state}
        if state is not None
        else None
    )
    return [
        q
        for q in quotes
        if (themes is None or not themes.isdisjoint(q.theme_ids))
        and (participant is None or q.participant_id == participant)
        and (states is None or q.state in states)
        and (session is None or q.session_id == session)
    ]


def tag_quote(quote: Quote, theme_ids: Iterable[str]) -> Quote:
    """Return ``quote`` tagged with ``theme_ids`` (deduplicated, order kept)."""
    return replace(quote, theme_ids=list(dict.fromkeys(theme_ids)))


# -- quotes follow the transcript ------------------------------------------------------


def _asked_again(quote: Quote, updated: Quote, at: str) -> tuple[Quote, AuditEvent | None]:
    """An approval rests on the words approved: if they changed, the quote is pending again.

    A withdrawal or a pending quote stays as it is; redactions are kept (they
    only ever hide more).
    """
    if not quote.exportable or word_keys(quote.words) == word_keys(updated.words):
        return updated, None
    pending = replace(updated, state=QuoteState.PENDING)
    event = AuditEvent(
        at=at,
        actor=Actor.SYSTEM,
        action="quote asked again",
        subject_kind="quote",
        subject_id=quote.id,
        participant_id=quote.participant_id,
        before={"state": quote.state.value},
        after={"state": pending.state.value},
        note="its words were corrected after it was approved, so it is asked about again",
    )
    return pending, event


def follow_correction(
    quote: Quote, segments: Sequence[Segment], correction: Correction, at: str = ""
) -> tuple[Quote, AuditEvent | None]:
    """``quote`` after a correction of one of its segments, and the audit event if re-asked.

    The quote keeps its span of words: its surviving words, the words that
    replaced any of them, and words inserted between two of them (or, for a
    withdrawn quote, next to one of them), all in the
    transcript's order and with the transcript's spelling. Redactions follow
    the words (a word replacing a redacted one is redacted). If the words of an
    approved quote changed, it goes back to pending.
    """
    old_ids = {w.id for w in quote.words}
    if not old_ids:
        return quote, None
    by_id = {s.id: s for s in segments}
    flat = [w for sid in quote.segment_ids if sid in by_id for w in by_id[sid].words]
    # A withdrawn quote also takes words typed at its edges: when in doubt, hide more.
    edges = quote.state is QuoteState.WITHDRAWN
    inside: list[int] = []
    for index, word in enumerate(flat):
        sides = correction.between.get(word.id)
        if (
            word.id in old_ids
            or not old_ids.isdisjoint(correction.replaces.get(word.id, ()))
            or (sides is not None and all(s in old_ids for s in sides))
            or (edges and sides is not None and any(s in old_ids for s in sides))
        ):
            inside.append(index)
    if not inside:
        return quote, None
    words = [replace(w) for w in flat[inside[0] : inside[-1] + 1] if w.text.strip()]
    hidden = correction.carry(
        {quote.words[i].id for i in quote.redactions if 0 <= i < len(quote.words)}
    )
    updated = replace(
        quote,
        words=words,
        start=words[0].start,
        end=words[-1].end,
        redactions=[i for i, w in enumerate(words) if w.id in hidden],
    )
    if updated.redactions == [] and quote.state is QuoteState.APPROVED_REDACTED:
        updated = replace(updated, state=QuoteState.APPROVED)
    return _asked_again(quote, updated, at)


def follow_new_transcript(
    quote: Quote, segments: Sequence[Segment], at: str = ""
) -> tuple[Quote, AuditEvent | None]:
    """``quote`` after the session was transcribed again, and the audit event if re-asked.

    Word ids carried over by the new transcript keep the quote's words; beyond
    them the quote takes every word whose middle lies within its old span (for
    a withdrawn quote, whoever the transcript now says spoke it: when in doubt,
    hide more). Redactions follow ids, and time: a new word touching the time
    of a redacted old word is redacted.
    """
    old_ids = {w.id for w in quote.words}
    hidden_old = [quote.words[i] for i in quote.redactions if 0 <= i < len(quote.words)]
    withdrawn = quote.state is QuoteState.WITHDRAWN
    words: list[Word] = []
    for segment in sorted(segments, key=lambda s: s.start):
        if not withdrawn and segment.speaker_id not in (None, quote.participant_id):
            continue
        for word in segment.words:
            middle = (word.start + word.end) / 2
            if word.text.strip() and (
                word.id in old_ids or quote.start <= middle <= quote.end
            ):
                words.append(replace(word))
    if not words:
        return quote, None
    hidden_ids = {w.id for w in hidden_old}
    hidden_times = Moments((h.start, h.end) for h in hidden_old)
    redactions = [
        i
        for i, w in enumerate(words)
        if w.id in hidden_ids or hidden_times.touches(w.start, w.end)
    ]
    taken = {w.id for w in words}
    linked = [s.id for s in segments if any(w.id in taken for w in s.words)]
    updated = replace(
        quote, words=words, start=words[0].start, end=words[-1].end,
        redactions=redactions, segment_ids=linked,
    )
    return _asked_again(quote, updated, at)


def deletion_refused(quote: Quote) -> str | None:
    """Why ``quote`` may not be deleted, or None when it may.

    Deleting a quote deletes the decisions recorded on it. A mistaken quote
    nobody has decided on can go; one its speaker withdrew, or hid words of,
    must stay, or the words they took back would be shown again.
    """
    if quote.state is QuoteState.WITHDRAWN:
        return ("Its speaker withdrew this quote: it stays, so their words stay out of "
                "every export.")
    if quote.redactions:
        return ("Its speaker hid words in this quote: it stays, so those words stay out of "
                "every export.")
    return None
