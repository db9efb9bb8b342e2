"""Replacing a session's transcript with a fresh one without losing anyone's work.

A session is transcribed again (another model, a changed consent that silences
someone, a re-run) and the new segments rarely line up with the old ones. This
module is the one place that carries over, by time rather than by segment:

- participants' transcript redactions, word by word: any new word that touches
  the time of a hidden old word is hidden. A redaction is never lost; at worst
  a neighbouring word is hidden too.
- the facilitator's speaker choices: new words take the speaker of the old
  segment they fall in, and a new segment spanning two old speakers is split.
- the facilitator's text corrections: whole when a new segment covers the same
  audio, otherwise word by word where the new model heard the same words; an
  edit that cannot be placed confidently is counted, never silently dropped.
- quotes, pointed at their words in the new transcript (by id where the new
  model heard the same word, else by time); an approved quote whose words
  changed is asked about again.
- a participant's approval of their whole contribution, reset to pending (and
  audited) when the words attributed to them changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from models import Segment, SessionStatus, Word, format_clock
from models.ids import new_id
from models.moments import Moments
from models.quote import follow_new_transcript, segment_words
from models.transcript import (
    aligned,
    correct_segment,
    join_words,
    says_its_text,
    token_key,
)
from sessions.clock import now_iso
from sessions.store import ConsultationStore
from sessions.transcript_edits import ask_again

#: Two segments cover the same audio when both ends are this close (seconds).
SAME_SPAN_S = 0.3
#: ... or when each covers at least this share of the other.
SAME_SHARE = 0.8
#: A word-by-word edit is placed only if this share of the old words is found again.
MATCHED_SHARE = 0.75
#: A hidden old word that no new word touches hides the nearest new word this close (s).
NEAREST_S = 0.5


@dataclass
class LostEdit:
    """A text correction that could not be placed in the new transcript."""

    start: float
    end: float
    text: str
    original_text: str


@dataclass
class TranscriptMerge:
    """The new transcript with the old one's work carried over, and what could not be."""

    segments: list[Segment]
    edits_kept: int = 0
    #: Corrections on speech still in the transcript that could not be placed.
    edits_lost: list[LostEdit] = field(default_factory=list)
    #: Corrections on speech no longer transcribed (struck or silenced since).
    edits_gone: int = 0
    #: Words hidden in the new transcript because they touch a hidden old word.
    words_hidden: int = 0


@dataclass
class TranscriptUpdate:
    """What saving a fresh transcript did, for the facilitator to be told."""

    merge: TranscriptMerge
    had_transcript: bool
    quotes_relinked: int = 0
    #: Approved quotes whose words changed, so their speakers are asked again.
    quotes_asked_again: int = 0
    #: Pseudonyms of participants whose contribution approval went back to pending.
    approvals_reset: list[str] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        """The saved segments."""
        return self.merge.segments

    @property
    def edits_lost(self) -> int:
        """How many corrections could not be carried over."""
        return len(self.merge.edits_lost)

    def summary(self) -> str:
        """One honest paragraph: never "edits kept" when some were not."""
        merge = self.merge
        parts = [f"{len(merge.segments)} segments"]
        if merge.edits_lost:
            where = ", ".join(format_clock(e.start) for e in merge.edits_lost[:5])
            more = "…" if len(merge.edits_lost) > 5 else ""
            count = len(merge.edits_lost)
            parts.append(
                f"{count} edit{'s' if count != 1 else ''} could not be carried over "
                f"(at {where}{more}); the model's text is there instead"
            )
        elif merge.edits_kept:
            parts.append("edits kept")
        if merge.edits_gone:
            parts.append(f"{merge.edits_gone} edited segment(s) no longer transcribed")
        if merge.words_hidden:
            parts.append(f"{merge.words_hidden} redacted word(s) still hidden")
        if self.quotes_relinked:
            parts.append(f"{self.quotes_relinked} quote(s) re-linked")
        if self.quotes_asked_again:
            parts.append(
                f"{self.quotes_asked_again} approved quote(s) to be asked about again "
                "(their words changed)"
            )
        if self.approvals_reset:
            names = ", ".join(self.approvals_reset)
            parts.append(f"approval reset to pending for {names} (their words changed)")
        return "; ".join(parts) + "."


# -- the pure merge ---------------------------------------------------------------------


def _overlap(a: Segment, b: Segment) -> float:
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def _same_span(old: Segment, new: Segment) -> bool:
    if abs(old.start - new.start) <= SAME_SPAN_S and abs(old.end - new.end) <= SAME_SPAN_S:
        return True
    longest = max(old.end - old.start, new.end - new.start)
    return longest > 0 and _overlap(old, new) >= SAME_SHARE * longest


def _norm(token: str) -> str:
    """A word as compared across models: case and punctuation ignored."""
    return re.sub(r"[^\w']", "", token.lower())


def _old_at(old: list[Segment], t: float) -> Segment | None:
    """The old segment holding time ``t``, or the nearest one within NEAREST_S."""
    best: Segment | None = None
    best_gap = NEAREST_S
    for segment in old:
        if segment.start <= t <= segment.end:
            return segment
        gap = min(abs(segment.start - t), abs(segment.end - t))
        if gap < best_gap:
            best, best_gap = segment, gap
    return best


def _split_by_speaker(segment: Segment, old: list[Segment]) -> list[Segment]:
    """Give ``segment`` the old speakers of its words, splitting it where they change.

    Words outside any old segment keep the speaker the marks gave the segment.
    """
    if not segment.words:
        best = max(old, key=lambda o: _overlap(o, segment), default=None)
        duration = max(segment.end - segment.start, 1e-6)
        if best is not None and _overlap(best, segment) >= 0.5 * duration:
            return [replace(segment, speaker_id=best.speaker_id)]
        return [segment]
    runs: list[tuple[str | None, list[Word]]] = []
    for word in segment.words:
        source = _old_at(old, (word.start + word.end) / 2)
        speaker = source.speaker_id if source is not None else segment.speaker_id
        if runs and runs[-1][0] == speaker:
            runs[-1][1].append(word)
        else:
            runs.append((speaker, [word]))
    if len(runs) == 1:
        return [replace(segment, speaker_id=runs[0][0])]
    parts = []
    for speaker, words in runs:
        text = join_words(words)
        parts.append(replace(
            segment, id=new_id("g"), start=words[0].start, end=words[-1].end,
            words=words, text=text, original_text=text, speaker_id=speaker, redactions=[],
        ))
    return parts


class _Tokens:
    """The new segments' words as editable slots, so several corrections can be placed."""

    def __init__(self, segments: list[Segment]) -> None:
        self.slots = {i: [[t] for t in s.text.split()] for i, s in enumerate(segments)}
        self.claimed: set[tuple[int, int]] = set()
        self.changed: set[int] = set()
        #: Per new segment, the old segments whose corrections were placed in it.
        self.sources: dict[int, list[Segment]] = {}

    def place(self, old: Segment, candidates: list[int]) -> bool:
        """Apply ``old``'s correction word by word onto ``candidates``; False if it can't be.

        Each changed run of the model's old words must be found again, in order,
        in one new segment; words nobody heard again leave the edit unplaced.
        """
        before = old.original_text.split()
        after = old.text.split()
        found = [(k, j) for k in candidates for j in range(len(self.slots[k]))
                 if (k, j) not in self.claimed]
        if not before or not found:
            return False
        matcher = SequenceMatcher(
            None, [_norm(t) for t in before],
            [_norm(" ".join(self.slots[k][j])) for k, j in found], autojunk=False)
        where: dict[int, tuple[int, int]] = {}
        for a, b, size in matcher.get_matching_blocks():
            for d in range(size):
                where[a + d] = found[b + d]
        if len(where) < MATCHED_SHARE * len(before):
            return False
        # (slot, tokens, how): how is "replace", "append" or "prepend".
        changes: list[tuple[tuple[int, int], list[str], str]] = []
        cleared: list[tuple[int, int]] = []
        opcodes = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                continue
            if i2 > i1:
                slots = [where.get(i) for i in range(i1, i2)]
                keys = [s for s in slots if s is not None]
                if len(keys) != len(slots):
                    return False
                first_k, first_j = keys[0]
                if keys != [(first_k, first_j + d) for d in range(len(keys))]:
                    return False  # not one run of words in one segment
                changes.append((keys[0], after[j1:j2], "replace"))
                cleared += keys[1:]
            elif (anchor := where.get(i1 - 1)) is not None:
                changes.append((anchor, after[j1:j2], "append"))
            elif (anchor := where.get(i1)) is not None:
                changes.append((anchor, after[j1:j2], "prepend"))
            else:
                return False
        touched = {slot for slot, _, _ in changes} | set(cleared)
        trial = {k: [list(t) for t in self.slots[k]] for k, _ in touched}
        for (k, j), tokens, how in changes:
            current = trial[k][j]
            trial[k][j] = (tokens if how == "replace" else
                           [*current, *tokens] if how == "append" else [*tokens, *current])
        for k, j in cleared:
            trial[k][j] = []
        if any(not any(slots) for slots in trial.values()):
            return False  # would leave a segment with no words
        self.slots.update(trial)
        self.claimed |= touched
        self.changed |= set(trial)
        for k in trial:
            self.sources.setdefault(k, []).append(old)
        return True

    def text(self, index: int) -> str:
        """The segment's text with the placed corrections."""
        return " ".join(t for slot in self.slots[index] for t in slot)


def _carry_redactions(old: list[Segment], segments: list[Segment]) -> tuple[list[Segment], int]:
    """Hide every new word that is (by id) or touches a hidden old word; return both and the count.

    A hidden old word that no new word touches hides the nearest new word close
    by, and a new segment without word times that touches one is hidden whole:
    when in doubt, hide more, never less.
    """
    hidden_old = [s.words[i] for s in old for i in s.redactions if 0 <= i < len(s.words)]
    spans = [(w.start, w.end) for w in hidden_old]
    # A new word that carries a hidden word's id is that word, wherever its time moved.
    hidden_ids = {w.id for w in hidden_old}
    if not spans:
        return [replace(s, redactions=[]) for s in segments], 0
    moments = Moments(spans)
    result = []
    for segment in segments:
        words = segment.words
        if not words and moments.touches(segment.start, segment.end):
            words = segment_words(segment)
            result.append(replace(segment, words=words, redactions=list(range(len(words)))))
            continue
        hidden = [
            i for i, w in enumerate(words) if w.id in hidden_ids or moments.touches(w.start, w.end)
        ]
        result.append(replace(segment, redactions=hidden))
    carried = {s.words[i].id for s in result for i in s.redactions}
    for word in hidden_old:
        start, end = word.start, word.end
        if word.id in carried or any(_hides(s, start, end) for s in result):
            continue
        # No new word touches it: hide the nearest word of a segment around it.
        near = [(max(w.start - end, start - w.end, 0.0), k, i)
                for k, s in enumerate(result)
                if s.start - NEAREST_S <= end and start <= s.end + NEAREST_S
                for i, w in enumerate(s.words)]
        near = [n for n in near if n[0] <= NEAREST_S]
        if near:
            _, k, i = min(near)
            result[k].redactions = sorted({*result[k].redactions, i})
    return result, sum(len(s.redactions) for s in result)


def _hides(segment: Segment, start: float, end: float) -> bool:
    """True when one of ``segment``'s hidden words touches ``start``..``end``."""
    hidden = Moments([(segment.words[i].start, segment.words[i].end) for i in segment.redactions])
    return hidden.touches(start, end)


def merge_transcripts(old: list[Segment], new: list[Segment]) -> TranscriptMerge:
    """Carry the work done on ``old`` into the fresh transcript ``new`` (see the module doc).

    ``new`` segments that cover the same audio as an old one keep its id (so
    quotes still find it), its speaker and, if it was corrected, its text (the
    new model's words become ``original_text``). Neither list is changed.
    """
    old = sorted(old, key=lambda s: s.start)
    matched: dict[int, Segment] = {}
    used: set[str] = set()
    for index, segment in enumerate(sorted(new, key=lambda s: s.start)):
        same = [o for o in old if o.id not in used and _same_span(o, segment)]
        if same:
            same.sort(key=lambda o: (o.original_text != segment.original_text,
                                     -_overlap(o, segment)))
            matched[index] = same[0]
            used.add(same[0].id)
    segments: list[Segment] = []
    fixed: set[int] = set()  # indexes (in ``segments``) of same-span matches
    sources: dict[int, list[Segment]] = {}  # where a carried correction came from
    kept = 0
    for index, segment in enumerate(sorted(new, key=lambda s: s.start)):
        model_text = segment.original_text or segment.text
        match = matched.get(index)
        if match is None:
            segments.extend(_split_by_speaker(replace(segment, original_text=model_text), old))
            continue
        fixed.add(len(segments))
        if match.edited:
            kept += 1
            sources[len(segments)] = [match]
        segments.append(replace(
            segment, id=match.id, speaker_id=match.speaker_id,
            text=match.text if match.edited else segment.text, original_text=model_text,
        ))
    tokens = _Tokens(segments)
    lost: list[LostEdit] = []
    gone = 0
    for edited in (o for o in old if o.edited and o.id not in used):
        candidates = [k for k, s in enumerate(segments)
                      if k not in fixed and _overlap(s, edited) > 0]
        if not candidates:
            gone += 1
        elif tokens.place(edited, candidates):
            kept += 1
        else:
            lost.append(LostEdit(edited.start, edited.end, edited.text, edited.original_text))
    for k in tokens.changed:
        segments[k] = replace(segments[k], text=tokens.text(k))
    sources.update(tokens.sources)
    # Words say what their segment's text says (a carried correction included),
    # and keep the ids of the old words they match, so decisions follow them.
    segments, typed = _typed_words(segments, sources)
    segments = carry_word_ids(old, segments, keep=typed)
    segments, hidden = _carry_redactions(old, segments)
    return TranscriptMerge(segments, kept, lost, gone, hidden)


def _typed_words(
    segments: list[Segment], sources: dict[int, list[Segment]]
) -> tuple[list[Segment], set[tuple[int, int]]]:
    """Align each segment's words to its text; a carried correction's typed words stay put.

    A word the facilitator typed (one the new model did not hear as such) stands
    for the audio of the old word it was typed over, not for whatever new word
    it lands beside: the model may no longer hear that audio at all (struck or
    silenced since). Such a word keeps its old id and spans its old time as well
    as its new one, so a strike or a decision on the old word still reaches it.
    Returns the segments and the positions (segment, word) of the typed words kept.
    """
    result: list[Segment] = []
    typed: set[tuple[int, int]] = set()
    for k, segment in enumerate(segments):
        segment = replace(segment, redactions=[])
        if k not in sources or says_its_text(segment):
            result.append(aligned(segment))
            continue
        fixed, correction = correct_segment(segment, segment.text)
        typed_ids = set(correction.replaces) | set(correction.between)
        was = [w for s in sorted(sources[k], key=lambda s: s.start) for w in s.words]
        words = list(fixed.words)
        matcher = SequenceMatcher(
            None, [token_key(w.text) for w in was], [token_key(w.text) for w in words],
            autojunk=False,
        )
        for a, b, size in matcher.get_matching_blocks():
            for d in range(size):
                old_word, word = was[a + d], words[b + d]
                if word.id not in typed_ids:
                    continue  # the new model heard it: its own id and time are right
                words[b + d] = replace(
                    word, id=old_word.id,
                    start=min(word.start, old_word.start), end=max(word.end, old_word.end),
                )
                typed.add((k, b + d))
        result.append(replace(fixed, words=words))
    return result, typed


#: A new word takes an old word's id only if their middles are this close (seconds).
SAME_WORD_S = 1.0


def carry_word_ids(
    old: list[Segment], new: list[Segment], keep: set[tuple[int, int]] | frozenset = frozenset()
) -> list[Segment]:
    """``new`` with each word that the old transcript also heard, at about the same time,
    taking the old word's id: quotes and decisions made on it then still find it.

    Words at the positions in ``keep`` (segment, word) already hold their old id.
    """
    kept_ids = {new[k].words[i].id for k, i in keep}
    before = [w for s in sorted(old, key=lambda s: s.start) for w in s.words
              if w.id not in kept_ids]
    after = [(k, i, w) for k, s in enumerate(new) for i, w in enumerate(s.words)
             if (k, i) not in keep]
    matcher = SequenceMatcher(
        None, [token_key(w.text) for w in before], [token_key(w.text) for _, _, w in after],
        autojunk=False,
    )
    ids: dict[tuple[int, int], str] = {}
    for a, b, size in matcher.get_matching_blocks():
        for d in range(size):
            old_word = before[a + d]
            k, i, word = after[b + d]
            drift = (old_word.start + old_word.end) / 2 - (word.start + word.end) / 2
            if abs(drift) <= SAME_WORD_S:
                ids[(k, i)] = old_word.id
    used = set(ids.values()) | kept_ids
    result = []
    for k, segment in enumerate(new):
        words = []
        for i, word in enumerate(segment.words):
            if (k, i) in keep:
                words.append(word)
                continue
            carried = ids.get((k, i))
            if carried is None and word.id in used:
                # Its own id is an old word's that another new word carries on.
                carried = f"{word.id}~{k}.{i}"
            words.append(replace(word, id=carried) if carried else word)
        result.append(replace(segment, words=words))
    return result


# -- saving it ----------------------------------------------------------------------------


def _said_by(segments: list[Segment]) -> dict[str | None, list[str]]:
    said: dict[str | None, list[str]] = {}
    for segment in sorted(segments, key=lambda s: s.start):
        said.setdefault(segment.speaker_id, []).extend(segment.text.split())
    return said


def save_transcript(
    store: ConsultationStore, session_id: str, fresh: list[Segment], model_name: str
) -> TranscriptUpdate:
    """Replace the session's transcript with ``fresh``, keeping everyone's work on the old one.

    In one store transaction: merges (see :func:`merge_transcripts`), re-links
    quotes whose segments are gone, resets to pending (with a system audit
    event) the approved contribution of anyone whose words changed, saves the
    segments and marks the session transcribed with ``model_name``.
    """
    with store.transaction():
        old = store.segments(session_id)
        merge = merge_transcripts(old, fresh)
        update = TranscriptUpdate(merge, had_transcript=bool(old))
        segments = merge.segments
        update.quotes_relinked, update.quotes_asked_again = _follow_quotes(
            store, session_id, segments
        )
        if old:
            update.approvals_reset = _reset_changed_approvals(
                store, session_id, old, segments, model_name)
        store.save_segments(session_id, segments)
        session = store.session(session_id)
        session.transcribed_with = model_name
        if session.status in (SessionStatus.RECORDED, SessionStatus.TRANSCRIBING):
            session.status = SessionStatus.TRANSCRIBED
        store.save_session(session)
    return update


def _follow_quotes(
    store: ConsultationStore, session_id: str, segments: list[Segment]
) -> tuple[int, int]:
    """Point every quote at its words in the new transcript.

    An approved quote whose words changed is asked about again (and audited).
    Returns how many quotes changed and how many are to be asked again.
    """
    changed = asked = 0
    at = now_iso()
    for quote in store.quotes(session_id):
        followed, event = follow_new_transcript(quote, segments, at)
        if followed != quote:
            store.save_quote(followed)
            changed += 1
        if event is not None:
            store.append_audit(event)
            asked += 1
    return changed, asked


def _reset_changed_approvals(
    store: ConsultationStore,
    session_id: str,
    old: list[Segment],
    new: list[Segment],
    model_name: str,
) -> list[str]:
    """Approvals rest on the words approved: if a person's words changed, ask them again.

    Only approvals are reset; a withdrawal stays a withdrawal.
    """
    before, after = _said_by(old), _said_by(new)
    at = now_iso()
    why = f"transcribed again with {model_name}; the words attributed to them changed"
    return [
        participant.pseudonym
        for participant in store.participants()
        if before.get(participant.id, []) != after.get(participant.id, [])
        and ask_again(store, session_id, participant.id, at, why)
    ]
