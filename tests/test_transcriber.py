"""The transcriber with the real tiny.en model on real recordings."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from conftest import require_model

from models.attribution import overlaps
from models.transcript import Segment
from sessions.audio import load_audio
from sessions.errors import AudioError, Cancelled, ModelError
from sessions.locations import models_dir, workspace_root
from sessions.transcriber import Progress, Transcriber
from sessions.whisper_models import ModelInfo, resolve_model


def words_of(text: str) -> str:
    """Lower-case words only, so checks ignore case and punctuation."""
    return " ".join(re.findall(r"[a-z']+", text.lower()))


def text_of(segments: list[Segment]) -> str:
    return words_of(" ".join(s.text for s in segments))


def mostly_heard(phrase: str, text: str, share: float = 0.7) -> bool:
    """True when at least ``share`` of the phrase's words are in ``text``.

    tiny.en's int8 kernels differ a little between CPUs ("stuffed" for
    "stuff", "commissioners measure" for "commission has measured"), so a
    phrase is checked word by word, not letter for letter.
    """
    heard = set(text.split())
    wanted = words_of(phrase).split()
    return sum(w in heard for w in wanted) / len(wanted) >= share


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    """One loaded tiny.en shared by the module: loading takes seconds, transcribing less."""
    require_model()
    found = Transcriber(resolve_model(None, models_dir(workspace_root())))
    found.load()
    return found


@pytest.fixture(scope="module")
def demo_run(transcriber: Transcriber) -> tuple[list[Segment], list[Progress]]:
    """The demo recording transcribed once, with every progress report kept."""
    demo = Path(__file__).parent.parent / "facilitate" / "demo" / "consultation_demo.flac"
    reports: list[Progress] = []
    return transcriber.transcribe(demo, on_progress=reports.append), reports


def test_model_name(transcriber: Transcriber) -> None:
    assert transcriber.model_name == "tiny.en"
    assert transcriber.loaded


def test_jfk_stereo_44k(transcriber: Transcriber, data_dir: Path) -> None:
    segments = transcriber.transcribe(data_dir / "jfk.flac")
    assert "ask not what your country can do for you" in text_of(segments)
    for segment in segments:
        assert segment.original_text == segment.text and not segment.edited
        assert segment.words and 0 <= segment.start < segment.end <= 11.0
        assert words_of("".join(w.text for w in segment.words)) == words_of(segment.text)
        for word in segment.words:
            assert type(word.start) is float and type(word.probability) is float
            assert segment.start <= word.start <= word.end <= segment.end
            assert 0.0 <= word.probability <= 1.0


def test_librispeech(transcriber: Transcriber, data_dir: Path) -> None:
    text = text_of(transcriber.transcribe(data_dir / "librispeech_1089-134686-0001.wav"))
    assert mostly_heard("stuff it into you", text) and "belly" in text


def test_stereo_two_speakers(transcriber: Transcriber, data_dir: Path) -> None:
    # Channels are mixed, so the louder left voice is what tiny.en hears.
    text = text_of(transcriber.transcribe(data_dir / "stereo_two_speakers.wav"))
    assert "behind the curtain on the left" in text


def test_samples_give_the_same_words_as_the_file(transcriber: Transcriber, data_dir: Path) -> None:
    path = data_dir / "jfk.flac"
    from_file = transcriber.transcribe(path)
    from_samples = transcriber.transcribe(load_audio(path))
    assert [s.text for s in from_samples] == [s.text for s in from_file]


def test_demo_consultation(
    demo_run: tuple[list[Segment], list[Progress]], demo_turns: Path
) -> None:
    segments, _ = demo_run
    text = text_of(segments)
    for phrase in (
        "you can be yourself here",
        "public transport is terrible",
        "do you think the commission has measured the right things",
    ):
        assert mostly_heard(phrase, text), phrase
    # Most reference words are heard (tiny.en on synthetic voices is not perfect).
    reference = words_of(" ".join(t["text"] for t in json.loads(demo_turns.read_text())["turns"]))
    heard = set(text.split())
    assert sum(w in heard for w in reference.split()) / len(reference.split()) > 0.85
    starts = [s.start for s in segments]
    assert starts == sorted(starts) and segments[-1].end <= 69.9


def test_progress_rises_to_one_with_an_eta(
    demo_run: tuple[list[Segment], list[Progress]],
) -> None:
    segments, reports = demo_run
    assert len(reports) == len(segments) + 1
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 1
    total = reports[-1].total_s
    assert reports[-1] == Progress(1.0, total, total, 0.0, len(segments))
    assert reports[-1].total_s == pytest.approx(69.85, abs=0.01)
    assert [r.segments for r in reports[:-1]] == list(range(1, len(segments) + 1))
    etas = [r.eta_s for r in reports[:-1]]
    assert all(eta is not None and eta >= 0 for eta in etas)
    for report in reports:
        assert report.done_s == pytest.approx(report.fraction * report.total_s)


def test_cancel_from_progress(transcriber: Transcriber, demo_audio: Path) -> None:
    stop = threading.Event()
    reports: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        reports.append(progress)
        stop.set()

    with pytest.raises(Cancelled):
        transcriber.transcribe(demo_audio, on_progress=on_progress, cancelled=stop)
    assert len(reports) == 1 and reports[0].fraction < 0.5


def test_cancelled_before_start(data_dir: Path) -> None:
    stop = threading.Event()
    stop.set()
    fresh = Transcriber(ModelInfo("tiny.en", Path("/nonexistent"), "bundled"))
    with pytest.raises(Cancelled):
        fresh.transcribe(data_dir / "jfk.flac", cancelled=stop)
    assert not fresh.loaded  # it stopped before loading anything


def test_struck_span_is_never_transcribed(transcriber: Transcriber, data_dir: Path) -> None:
    struck = (4.0, 7.5)  # "what your country can do for you"
    segments = transcriber.transcribe(data_dir / "jfk.flac", off_record=[struck])
    words = [w for s in segments for w in s.words]
    assert words, "speech outside the strike is still transcribed"
    assert not any(overlaps(w.start, w.end, [struck]) for w in words)
    text = text_of(segments)
    assert "country can do for you" not in text
    assert "fellow americans" in text and "what you can do for your country" in text


def test_bad_audio_is_an_audio_error(transcriber: Transcriber, tmp_path: Path) -> None:
    path = tmp_path / "minutes.wav"
    path.write_text("These are the minutes, not a recording.\n", encoding="utf-8")
    with pytest.raises(AudioError, match="is not an audio file facilitate can read"):
        transcriber.transcribe(path)
    with pytest.raises(AudioError, match="No such file"):
        transcriber.transcribe(tmp_path / "gone.flac")


def test_silence_gives_no_segments_and_full_progress(transcriber: Transcriber) -> None:
    import numpy as np

    reports: list[Progress] = []
    silence = np.zeros(16000 * 3, dtype=np.float32)
    segments = transcriber.transcribe(silence, on_progress=reports.append)
    assert segments == []
    assert reports == [Progress(1.0, 3.0, 3.0, 0.0, 0)]


def test_concurrent_load_gives_one_model(data_dir: Path) -> None:
    require_model()
    fresh = Transcriber(resolve_model(None, models_dir(workspace_root())), cpu_threads=1)
    loaded: list[object] = []
    threads = [threading.Thread(target=lambda: loaded.append(fresh.load())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loaded) == 4 and all(model is loaded[0] for model in loaded)


def test_model_folder_without_tokenizer(tmp_path: Path) -> None:
    folder = tmp_path / "small.en"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0" * 64)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    broken = Transcriber(ModelInfo("small.en", folder, "workspace"))
    with pytest.raises(ModelError, match=r"has no tokenizer\.json"):
        broken.load()


def test_damaged_model_is_one_line(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "small.en"
    folder.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (folder / name).write_text("damaged in copying", encoding="utf-8")
    broken = Transcriber(ModelInfo("small.en", folder, "workspace"))
    with pytest.raises(ModelError) as caught:
        broken.transcribe(data_dir / "librispeech_1089-134686-0001.wav")
    message = str(caught.value)
    assert message.startswith(f"Cannot load the Whisper model small.en from {folder}: ")
    assert "\n" not in message
