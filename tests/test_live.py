"""Live transcription (sessions/live.py) with the real tiny.en model and real speech.

The demo consultation is fed straight to the live transcriber, and once through
the real recorder and PortAudio via the virtual microphone (the recorder runs in
a subprocess, as in tests/test_recorder.py, and this process tails its file).
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, require_model, require_portaudio
from virtual_mic import VirtualMic, load_speech

from models import Segment
from sessions.live import LiveTranscriber, find_cut
from sessions.recorder import partial_path
from sessions.services import Services

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "recorder_child.py"
RATE = 16000


def words(segments: list[Segment]) -> list[str]:
    """Lower-case words without punctuation."""
    found = (re.sub(r"[^\w']", "", w.lower()) for s in segments for w in s.text.split())
    return [w for w in found if w]


def word_error(reference: list[str], hypothesis: list[str]) -> float:
    """Substitutions, insertions and deletions over the reference length (approximate)."""
    matcher = difflib.SequenceMatcher(a=reference, b=hypothesis, autojunk=False)
    errors = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes()
                 if op != "equal")
    return errors / max(1, len(reference))


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_speech(DEMO / "consultation_demo.flac")


@pytest.fixture(scope="module")
def whole_file(speech: np.ndarray) -> list[Segment]:
    """The whole-file pass the live transcript is judged against."""
    require_model()
    return Services.from_root("/nonexistent-models").transcriber().transcribe(
        speech.astype(np.float32) / 32768.0)


def assert_clean_joins(segments: list[Segment]) -> None:
    """Pieces never overlap, so no stretch of audio (and no word) is heard twice."""
    ends = [(s.start, s.end) for s in segments]
    for (start, end), (next_start, _) in zip(ends, ends[1:], strict=False):
        assert start <= end <= next_start + 0.05, (end, next_start)
    times = [w.start for s in segments for w in s.words]
    assert times == sorted(times)


def test_find_cut_is_in_a_pause() -> None:
    tone = np.sin(np.arange(RATE * 6) * 0.3).astype(np.float32) * 0.3
    tone[int(4.0 * RATE):int(4.6 * RATE)] = 0.0
    cut = find_cut(tone, RATE, min_s=1.0)
    assert cut is not None and 4.0 * RATE <= cut <= 4.6 * RATE
    assert find_cut(tone, RATE, min_s=4.7) is None
    assert find_cut(tone, RATE, min_s=4.7, must=True) is not None


def test_live_matches_the_whole_file_pass(speech: np.ndarray,
                                          whole_file: list[Segment]) -> None:
    require_model()
    services = Services.from_root(None)
    updates = []
    live = LiveTranscriber.for_model(services.transcriber().model, on_update=updates.append)
    live.start()
    for start in range(0, len(speech), 800):  # 50 ms blocks, as the recorder writes them
        live.feed(speech[start:start + 800])
    segments = live.finish()
    assert live.pieces >= 3 and updates
    assert_clean_joins(segments)
    error = word_error(words(whole_file), words(segments))
    print(f"live vs whole-file word error {error:.1%} over {live.pieces} pieces")
    # tiny.en on synthetic speech: the whole-file pass itself is ~10% off the script,
    # and live pieces land within a few percent of it (the goal is 5%).
    assert error < 0.08
    assert abs(len(words(segments)) - len(words(whole_file))) <= 0.03 * len(words(whole_file))


def test_struck_speech_is_never_transcribed(speech: np.ndarray) -> None:
    require_model()
    turns = json.loads((DEMO / "consultation_demo.json").read_text())["turns"]
    freak = next(t for t in turns if "freak" in t["text"])
    live = LiveTranscriber.for_model(Services.from_root(None).transcriber().model)
    live.set_off_record([(freak["start"], freak["end"])])
    live.start()
    live.feed(speech)
    text = " ".join(words(live.finish()))
    assert "freak" not in text and "realised" not in text
    assert "yourself" in text  # the turn before is kept


def test_live_through_the_virtual_microphone(tmp_path: Path, speech: np.ndarray,
                                            whole_file: list[Segment]) -> None:
    require_model()
    require_portaudio()
    if not sys.platform.startswith("linux"):
        pytest.skip("the virtual microphone needs ALSA")
    folder = tmp_path / "audio"
    folder.mkdir()
    services = Services.from_root(None)
    live = LiveTranscriber.for_model(services.transcriber().model)
    live.transcriber.load()
    with VirtualMic(tmp_path / "mic", speech, speed=4.0) as mic:
        plan = {"folder": str(folder), "name": "live", "until": len(speech) / RATE + 0.3}
        child = subprocess.Popen([sys.executable, str(CHILD), json.dumps(plan)], env=mic.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 cwd=ROOT)
        assert child.stdout is not None
        stopped = None
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "started":
                live.follow(partial_path(folder, "live"))
                mic.go()
            if event["event"] in ("stopped", "start_error", "stop_error", "error"):
                stopped = event
                break
        child.wait(timeout=30)
    assert stopped is not None and stopped["event"] == "stopped", stopped
    began = time.perf_counter()
    segments = live.finish()
    latency = time.perf_counter() - began
    print(f"stop to transcript {latency:.2f} s at 4x real time; {live.pieces} pieces")
    assert_clean_joins(segments)
    error = word_error(words(whole_file), words(segments))
    print(f"through the virtual microphone: word error vs whole file {error:.1%}")
    assert error < 0.10
    assert latency < 15  # fed at 4x, so a backlog is allowed; real time is benchmarked


#: Whisper's own transcript of the stretch before 17 min 10 s of the demo played over
#: and over, as the live transcriber had it then: the context for the next piece.
SEVENTEEN_MINUTES_IN = (
    "the center? Public transport is terrible. If you take away our minimars, we simply "
    "want to be able to get to places. Since I'm doing anything is hard work and takes a "
    "lot on planning. A lot on things are close by, but you can't get there. When we saw "
    "what they had achieved in the pottery, we all thought, wow, if he can do that, I can "
    "do it. Do you think the commissioner's measure the right thing?"
)


def test_a_hallucination_over_a_pause_is_not_carried_on(speech: np.ndarray) -> None:
    """Across 2**24 samples (17.5 min), with the context the live transcriber had there.

    There, the piece from 1030.05 s ends in the last fifth of a second of a pause,
    which Whisper heard as "Thank you. Thank you so much."; as context, that became
    ". . . ." in the next piece, and within a minute every piece was only dots (the
    rest of an hour-long session was lost). Now neither reaches the transcript or
    the context, and the minute after it is transcribed as well as the first.
    """
    require_model()
    start_s = 1030.05
    first = round(start_s * RATE)
    assert first < 2**24 < first + 75 * RATE  # past where float32 stops counting samples
    audio = np.tile(speech, 18)[first:first + 75 * RATE]
    live = LiveTranscriber.for_model(Services.from_root(None).transcriber().model)
    # Pick up where that session was (no public way: a session starts at zero).
    live._segments = [Segment(start_s - 25.0, start_s, SEVENTEEN_MINUTES_IN,
                              original_text=SEVENTEEN_MINUTES_IN)]
    live._buffer_start = first
    live.start()
    for begin in range(0, len(audio), 800):
        live.feed(audio[begin:begin + 800])
        while live.fed_s - live.done_s > 49.0 and live.error is None:
            time.sleep(0.01)  # live: the worker keeps up with the microphone
    segments = live.finish()[1:]
    assert segments and segments[0].start >= start_s
    heard = words(segments)
    assert all(re.search(r"\w", s.text) for s in segments), [s.text for s in segments]
    assert "thank" not in heard and "." not in live._prompt_text().replace(". ", "")
    # The turns wholly inside the stretch (the demo repeats every 70 s) were all heard.
    turns = json.loads((DEMO / "consultation_demo.json").read_text())["turns"]
    length = len(speech) / RATE
    reference: list[str] = []
    for repeat in (14, 15, 16):
        for turn in turns:
            if start_s + 0.5 < repeat * length + turn["start"] < start_s + 74.0:
                reference += words([Segment(0.0, 1.0, turn["text"])])
    said = [w for s in segments for w in s.words
            if start_s + 0.5 < w.start < start_s + 74.0]
    error = word_error(reference, words([Segment(0.0, 1.0, "".join(w.text for w in said))]))
    print(f"word error after 17 min: {error:.1%}")
    assert error < 0.25
