"""Who said what, and what is off the record (models/attribution.py)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Marker, MarkerKind, Participant, RecordingConsent, Segment, Word
from models.attribution import (
    MIN_SPLIT_S,
    attribute_speakers,
    drop_off_record,
    merge_spans,
    off_record_spans,
    overlaps,
    speaker_at,
    speaker_marks,
)
from models.participant import ConsentRecord


def seg(start: float, end: float, speaker: str | None = None, step: float = 1.0) -> Segment:
    """A segment with one word per ``step`` seconds, named by their start times."""
    words = []
    t = start
    while t < end - 1e-9:
        words.append(Word(t, min(end, t + step * 0.9), f" w{t:g}"))
        t += step
    text = "".join(w.text for w in words).strip()
    return Segment(start, end, text, words, speaker, original_text=text)


def said(speaker: str, at: float) -> Marker:
    return Marker(MarkerKind.SPEAKER, at, participant_id=speaker)


def strike(at: float, end: float | None) -> Marker:
    return Marker(MarkerKind.STRIKE, at, end_s=end)


def person(pid: str, answer: RecordingConsent | None, session: str = "s-1") -> Participant:
    p = Participant(id=pid, pseudonym=pid.upper())
    if answer is not None:
        p.consent[session] = ConsentRecord(answer, "t")
    return p


def all_words(segments: list[Segment]) -> list[Word]:
    return [w for s in segments for w in s.words]


# -- attribute_speakers ---------------------------------------------------------


def test_no_marks_leaves_segments_as_they_are() -> None:
    segments = [seg(0, 3), seg(4, 6)]
    assert attribute_speakers(segments, [Marker(MarkerKind.BOOKMARK, 1.0)]) == segments


def test_speaker_is_the_one_marked_at_the_midpoint() -> None:
    marks = [said("a", 0.0), said("b", 10.0)]
    # 8.5..10.5: the mark at 10 is too near the end to split; the midpoint 9.5 is a's.
    out = attribute_speakers([seg(2, 4), seg(8.5, 10.5, step=0.5), seg(11, 13)], marks)
    assert [s.speaker_id for s in out] == ["a", "a", "b"]


def test_speech_before_the_first_mark_has_no_speaker() -> None:
    out = attribute_speakers([seg(0, 2), seg(6, 8)], [said("a", 5.0)])
    assert [s.speaker_id for s in out] == [None, "a"]


def test_marks_are_used_in_time_order() -> None:
    out = attribute_speakers([seg(11, 13)], [said("b", 10.0), said("a", 0.0)])
    assert out[0].speaker_id == "b"
    assert [m.participant_id for m in speaker_marks([said("b", 10), said("a", 0)])] == ["a", "b"]
    assert speaker_at(speaker_marks([said("a", 0), said("b", 10)]), 10.0) == "b"


def test_mark_inside_a_long_segment_splits_it() -> None:
    original = seg(0, 10)
    before = copy.deepcopy(original)
    out = attribute_speakers([original], [said("a", 0.0), said("b", 5.0)])
    assert [s.speaker_id for s in out] == ["a", "b"]
    assert [w.text for w in out[0].words] == [f" w{i}" for i in range(5)]
    assert [w.text for w in out[1].words] == [f" w{i}" for i in range(5, 10)]
    assert out[0].text == "w0 w1 w2 w3 w4" and out[1].text == "w5 w6 w7 w8 w9"
    assert (out[0].start, out[0].end, out[1].start, out[1].end) == (0, 4.9, 5, 9.9)
    assert len({s.id for s in out} | {original.id}) == 3
    assert all_words(out) == original.words
    assert original == before, "the caller's segment is not changed"


def test_several_marks_split_into_several_parts() -> None:
    out = attribute_speakers([seg(0, 12)], [said("a", 0), said("b", 4), said("c", 8)])
    assert [s.speaker_id for s in out] == ["a", "b", "c"]
    assert all_words(out) == seg(0, 12).words


def test_late_key_press_does_not_split_off_a_sliver() -> None:
    # b starts talking at 20 but the key is pressed 0.6 s late: no one-word sliver for a.
    late = 20.0 + MIN_SPLIT_S * 0.6
    out = attribute_speakers([seg(12, 19), seg(20, 26)], [said("a", 0.0), said("b", late)])
    assert [s.speaker_id for s in out] == ["a", "b"]
    assert len(out) == 2 and out[1].start == 20


def test_mark_leaving_a_short_tail_does_not_split() -> None:
    out = attribute_speakers([seg(0, 6, step=0.5)], [said("a", 0), said("b", 5.2)])
    assert len(out) == 1 and out[0].speaker_id == "a"


def test_facilitator_assigned_speaker_is_kept() -> None:
    kept = seg(0, 10, speaker="p-chosen")
    out = attribute_speakers([kept, seg(12, 14)], [said("a", 0), said("b", 5)])
    assert out[0] is kept and out[0].speaker_id == "p-chosen" and len(out[0].words) == 10
    assert out[1].speaker_id == "b"


def test_input_segments_are_not_mutated() -> None:
    segments = [seg(0, 2), seg(3, 5)]
    out = attribute_speakers(segments, [said("a", 0)])
    assert [s.speaker_id for s in segments] == [None, None]
    assert [s.speaker_id for s in out] == ["a", "a"]


def test_split_text_spaces_words_without_leading_space() -> None:
    words = [Word(i, i + 0.9, f"w{i}") for i in range(6)]
    segment = Segment(0, 5.9, "w0 w1 w2 w3 w4 w5", words)
    out = attribute_speakers([segment], [said("a", 0), said("b", 3)])
    assert [s.text for s in out] == ["w0 w1 w2", "w3 w4 w5"]


@settings(max_examples=100)
@given(
    starts=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6, unique=True),
    marks=st.lists(
        st.tuples(st.sampled_from("abc"), st.floats(min_value=0, max_value=80)), max_size=8
    ),
)
def test_attribution_never_loses_or_duplicates_words(
    starts: list[int], marks: list[tuple[str, float]]
) -> None:
    segments = [seg(s * 10, s * 10 + 8, step=0.7) for s in sorted(starts)]
    out = attribute_speakers(segments, [said(p, at) for p, at in marks])
    assert all_words(out) == all_words(segments)
    if marks:
        first = min(at for _, at in marks)
        for s in out:
            assert s.words and s.start == s.words[0].start and s.end == s.words[-1].end
            if s.midpoint >= first:
                assert s.speaker_id is not None


# -- off_record_spans -------------------------------------------------------------


def test_strikes_are_off_the_record() -> None:
    spans = off_record_spans([strike(5, 8), strike(20, 22)], [], "s-1", 60)
    assert spans == [(5, 8), (20, 22)]


def test_strike_without_an_end_or_empty_is_nothing() -> None:
    assert off_record_spans([strike(5, None), strike(6, 6)], [], "s-1", 60) == []


def test_reversed_strike_still_strikes() -> None:
    assert off_record_spans([strike(8, 5)], [], "s-1", 60) == [(5, 8)]


def test_strikes_are_clamped_to_the_recording() -> None:
    assert off_record_spans([strike(-2, 3), strike(55, 70)], [], "s-1", 60) == [(0, 3), (55, 60)]


def test_non_consenting_speaker_is_off_until_the_next_mark() -> None:
    people = [person("a", RecordingConsent.YES), person("n", RecordingConsent.NO)]
    markers = [said("a", 0), said("n", 10), said("a", 15), said("n", 40)]
    assert off_record_spans(markers, people, "s-1", 50) == [(10, 15), (40, 50)]


def test_unasked_and_unknown_speakers_are_off_the_record() -> None:
    people = [person("a", RecordingConsent.YES), person("u", None)]
    markers = [said("a", 0), said("u", 10), said("a", 12), said("ghost", 20), said("a", 25)]
    assert off_record_spans(markers, people, "s-1", 30) == [(10, 12), (20, 25)]


def test_consent_is_per_session() -> None:
    people = [person("a", RecordingConsent.YES, session="s-other")]
    assert off_record_spans([said("a", 5)], people, "s-1", 30) == [(5, 30)]
    assert off_record_spans([said("a", 5)], people, "s-other", 30) == []


def test_consenting_speakers_and_other_marks_leave_nothing_off() -> None:
    people = [person("a", RecordingConsent.YES), person("b", RecordingConsent.YES)]
    markers = [said("a", 0), said("b", 5), Marker(MarkerKind.BOOKMARK, 7),
               Marker(MarkerKind.STEP, 8, step_index=1)]
    assert off_record_spans(markers, people, "s-1", 30) == []


def test_strikes_and_refused_speech_merge() -> None:
    people = [person("a", RecordingConsent.YES), person("n", RecordingConsent.NO)]
    markers = [said("a", 0), strike(8, 12), said("n", 10), said("n", 14), said("a", 20)]
    assert off_record_spans(markers, people, "s-1", 30) == [(8, 20)]


# -- merge_spans and drop_off_record ------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        ([], []),
        ([(5, 8), (1, 2)], [(1, 2), (5, 8)]),
        ([(1, 3), (2, 5)], [(1, 5)]),
        ([(1, 3), (3, 5)], [(1, 5)]),
        ([(1, 10), (2, 3)], [(1, 10)]),
        ([(4, 4), (6, 5)], []),
        ([(0, 1), (5, 6), (0.5, 5.5)], [(0, 6)]),
    ],
)
def test_merge_spans(spans: list[tuple[float, float]], merged: list[tuple[float, float]]) -> None:
    assert merge_spans(spans) == merged


def test_drop_off_record_removes_words_and_emptied_segments() -> None:
    keep, cut, gone = seg(0, 4), seg(5, 10), seg(12, 14)
    out = drop_off_record([keep, cut, gone], [(6.5, 8.2), (11, 15)])
    assert out[0] is keep
    # The words either side of the struck stretch become two segments, so
    # neither stretches over the silence.
    assert len(out) == 3
    assert [w.text for w in out[1].words] == [" w5"]
    assert [w.text for w in out[2].words] == [" w9"]
    assert out[1].text == "w5" and (out[1].start, out[1].end) == (5, 5.9)
    assert out[2].text == "w9" and (out[2].start, out[2].end) == (9, 9.9)
    assert cut.words == seg(5, 10).words, "the caller's segment is not changed"


def test_drop_off_record_drops_wordless_segments_inside_a_span() -> None:
    bare_in, bare_out = Segment(5, 6, "hm"), Segment(20, 21, "ok")
    assert drop_off_record([bare_in, bare_out], [(4, 7)]) == [bare_out]


def test_drop_off_record_without_spans_keeps_everything() -> None:
    segments = [seg(0, 3)]
    assert drop_off_record(segments, []) is segments


times = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=200)
@given(
    raw_words=st.lists(st.tuples(times, st.floats(min_value=0, max_value=3)), max_size=40),
    raw_spans=st.lists(st.tuples(times, st.floats(min_value=0, max_value=20)), max_size=6),
    per_segment=st.integers(min_value=1, max_value=8),
)
def test_after_drop_no_word_overlaps_a_span(
    raw_words: list[tuple[float, float]],
    raw_spans: list[tuple[float, float]],
    per_segment: int,
) -> None:
    words = sorted((Word(s, s + d, f" x{i}") for i, (s, d) in enumerate(raw_words)),
                   key=lambda w: w.start)
    segments = [
        Segment(chunk[0].start, max(w.end for w in chunk), "", list(chunk))
        for chunk in (words[i:i + per_segment] for i in range(0, len(words), per_segment))
    ]
    spans = merge_spans([(s, s + d) for s, d in raw_spans])
    out = drop_off_record(segments, spans)
    kept = all_words(out)
    for w in kept:
        assert not any(w.start < e and w.end > s for s, e in spans)
    # Nothing on the record is lost.
    assert kept == [w for w in words if not overlaps(w.start, w.end, spans)]
    assert all(s.words for s in out)
    # No segment reaches across an off-record stretch (it would be misattributed).
    for segment in out:
        for before, after in zip(segment.words, segment.words[1:], strict=False):
            assert not overlaps(before.end, after.start, spans)


def hidden_texts(segments: list[Segment]) -> list[str]:
    return [s.words[i].text for s in segments for i in s.redactions]


def test_split_keeps_hidden_words_hidden() -> None:
    original = seg(0, 10)
    original.redactions = [1, 7]
    out = attribute_speakers([original], [said("a", 0), said("b", 5)])
    assert [s.redactions for s in out] == [[1], [2]]
    assert hidden_texts(out) == [" w1", " w7"]


def test_drop_keeps_hidden_words_hidden() -> None:
    original = seg(0, 6)
    original.redactions = [0, 4]
    out = drop_off_record([original], [(1.95, 3.95)])
    assert [[w.text for w in s.words] for s in out] == [[" w0", " w1"], [" w4", " w5"]]
    assert [s.redactions for s in out] == [[0], [0]] and hidden_texts(out) == [" w0", " w4"]
    assert original.redactions == [0, 4]
