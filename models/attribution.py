"""Who said what, and which stretches of a recording are off the record.

Speaker marks are pressed live, so they are a little late and a little rough;
these rules turn them into attributed segments. Off-record spans (strikes, and
the marked speech of anyone who did not consent) are never transcribed or kept.
"""

from __future__ import annotations

from dataclasses import replace

from models.ids import new_id
from models.participant import Participant
from models.session import Marker, MarkerKind
from models.transcript import Segment, Word, join_words

#: A speaker mark inside a segment splits it only if both parts last this long;
#: shorter slivers are more likely a late key press than a real change of voice.
MIN_SPLIT_S = 1.0

Span = tuple[float, float]


def speaker_marks(markers: list[Marker]) -> list[Marker]:
    """Return the speaker marks in time order."""
    return sorted((m for m in markers if m.kind is MarkerKind.SPEAKER), key=lambda m: m.at_s)


def speaker_at(marks: list[Marker], t: float) -> str | None:
    """Return the participant id of the last speaker mark at or before ``t``."""
    current: str | None = None
    for mark in marks:
        if mark.at_s > t:
            break
        current = mark.participant_id
    return current


def _split_at_marks(segment: Segment, marks: list[Marker]) -> list[Segment]:
    words = segment.words
    if len(words) < 2:
        return [segment]
    for mark in marks:
        if not segment.start + MIN_SPLIT_S <= mark.at_s <= segment.end - MIN_SPLIT_S:
            continue
        cut = next((i for i, w in enumerate(words) if (w.start + w.end) / 2 >= mark.at_s), None)
        if cut is None or cut == 0:
            continue
        head, tail = words[:cut], words[cut:]
        if head[-1].end - head[0].start < MIN_SPLIT_S or tail[-1].end - tail[0].start < MIN_SPLIT_S:
            continue
        first = _segment_of(head, segment)
        second = _segment_of(tail, segment)
        return [first, *_split_at_marks(second, marks)]
    return [segment]


def _segment_of(words: list[Word], parent: Segment) -> Segment:
    text = join_words(words)
    return replace(
        parent,
        id=new_id("g"),
        start=words[0].start,
        end=words[-1].end,
        words=list(words),
        text=text,
        original_text=text,
        redactions=_carried_redactions(words, parent),
    )


def _carried_redactions(words: list[Word], parent: Segment) -> list[int]:
    """The parent's hidden words, as indexes into ``words`` (a subset of its words)."""
    hidden = {id(parent.words[i]) for i in parent.redactions if 0 <= i < len(parent.words)}
    return [index for index, word in enumerate(words) if id(word) in hidden]


def attribute_speakers(segments: list[Segment], markers: list[Marker]) -> list[Segment]:
    """Split segments where a speaker mark falls inside, and set each speaker.

    A segment's speaker is the one marked at its midpoint. Segments already
    given a speaker by the facilitator keep it.
    """
    marks = speaker_marks(markers)
    if not marks:
        return segments
    result: list[Segment] = []
    for segment in segments:
        if segment.speaker_id is not None:
            result.append(segment)
            continue
        for part in _split_at_marks(segment, marks):
            # A copy, so the caller's segments are never changed behind its back.
            result.append(replace(part, speaker_id=speaker_at(marks, part.midpoint)))
    return result


def merge_spans(spans: list[Span]) -> list[Span]:
    """Return ``spans`` sorted with overlapping or touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def off_record_spans(
    markers: list[Marker],
    participants: list[Participant],
    session_id: str,
    duration_s: float,
) -> list[Span]:
    """Spans never to transcribe: strikes, and speech marked as a non-consenting person's."""
    spans: list[Span] = []
    for m in markers:
        if m.kind is MarkerKind.STRIKE:
            end = m.end_s if m.end_s is not None else m.at_s
            # A strike stored end-first must still strike, never be dropped as empty.
            spans.append((min(m.at_s, end), max(m.at_s, end)))
    # Consent is explicit: a mark naming anyone not known to have said yes
    # (refused, never asked, or not in ``participants``) is off the record.
    recorded = {p.id for p in participants if p.is_recorded_in(session_id)}
    marks = speaker_marks(markers)
    for index, mark in enumerate(marks):
        if mark.participant_id is not None and mark.participant_id not in recorded:
            end = marks[index + 1].at_s if index + 1 < len(marks) else duration_s
            spans.append((mark.at_s, end))
    return merge_spans([(max(0.0, s), min(duration_s, e)) for s, e in spans])


def overlaps(start: float, end: float, spans: list[Span]) -> bool:
    """True when ``start``..``end`` overlaps any of ``spans``."""
    return any(start < span_end and end > span_start for span_start, span_end in spans)


def drop_off_record(segments: list[Segment], spans: list[Span]) -> list[Segment]:
    """Remove every word inside an off-record span, and segments left empty.

    A segment whose kept words lie on both sides of an off-record span is split
    there: left whole, it would still stretch over the silenced speech and be
    attributed to whoever was marked speaking in it, the person who said no.
    """
    if not spans:
        return segments
    kept: list[Segment] = []
    for segment in segments:
        if not segment.words:
            if not overlaps(segment.start, segment.end, spans):
                kept.append(segment)
            continue
        words = [w for w in segment.words if not overlaps(w.start, w.end, spans)]
        runs = _runs_between(words, spans)
        if len(runs) == 1 and len(words) == len(segment.words):
            kept.append(segment)
        else:
            kept.extend(_segment_of(run, segment) for run in runs)
    return kept


def _runs_between(words: list[Word], spans: list[Span]) -> list[list[Word]]:
    """Split ``words`` (in time order) wherever an off-record span lies between two."""
    runs: list[list[Word]] = []
    for word in words:
        if runs and not overlaps(runs[-1][-1].end, word.start, spans):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs
