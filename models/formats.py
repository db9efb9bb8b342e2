"""Transcript text formats: plain text, JSON-ready dicts, SubRip and WebVTT."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from models.transcript import Segment

SpeakerName = Callable[[str | None], str]


def _no_speaker(_: str | None) -> str:
    return ""


def _stamp(seconds: float, decimal: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _line(segment: Segment, speaker: SpeakerName) -> str:
    name = speaker(segment.speaker_id)
    text = segment.text.strip()
    return f"{name}: {text}" if name else text


def to_text(segments: Sequence[Segment], speaker: SpeakerName = _no_speaker) -> str:
    """One line per segment, prefixed with the speaker's name when known."""
    return "".join(_line(s, speaker) + "\n" for s in segments)


def to_srt(segments: Sequence[Segment], speaker: SpeakerName = _no_speaker) -> str:
    """SubRip subtitles, numbered from 1."""
    blocks = [
        f"{n}\n{_stamp(s.start, ',')} --> {_stamp(s.end, ',')}\n{_line(s, speaker)}\n"
        for n, s in enumerate(segments, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: Sequence[Segment], speaker: SpeakerName = _no_speaker) -> str:
    """WebVTT captions; speakers use the standard <v Name> voice tag."""
    blocks = ["WEBVTT\n"]
    for s in segments:
        name = speaker(s.speaker_id)
        text = f"<v {name}>{s.text.strip()}" if name else s.text.strip()
        blocks.append(f"{_stamp(s.start, '.')} --> {_stamp(s.end, '.')}\n{text}\n")
    return "\n".join(blocks)


def to_records(
    segments: Sequence[Segment], speaker: SpeakerName = _no_speaker
) -> list[dict[str, Any]]:
    """Plain dicts for JSON: times, speaker, text and words."""
    return [
        {
            "start": round(s.start, 3),
            "end": round(s.end, 3),
            "speaker": speaker(s.speaker_id) or None,
            "text": s.text.strip(),
            "words": [
                {
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "text": w.text.strip(),
                    "probability": round(w.probability, 3),
                }
                for w in s.words
            ],
        }
        for s in segments
    ]
