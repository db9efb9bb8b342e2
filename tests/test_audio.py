"""Audio files: probing, decoding, writing and silencing, with real files."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from sessions.audio import AudioInfo, load_audio, probe_audio, silence_spans, write_flac
from sessions.errors import AudioError

READABLE = "(WAV, FLAC, OGG, MP3 or M4A)"


def empty_flac(path: Path, rate: int = 16000) -> Path:
    """Write a valid FLAC stream with a STREAMINFO header and no audio frames.

    libsndfile writes nothing at all for zero frames, so the header is built by
    hand from the FLAC spec (rate 20 bits, channels-1 3 bits, bits-1 5 bits,
    total samples 36 bits, then the MD5).
    """
    packed = (rate << 44) | (0 << 41) | (15 << 36) | 0
    info = struct.pack(">HH", 4096, 4096) + bytes(6) + packed.to_bytes(8, "big") + bytes(16)
    path.write_bytes(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
    return path


def write_m4a(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Encode ``samples`` as AAC in an M4A container with PyAV, as a phone would record."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


# --- probe_audio -------------------------------------------------------------


def test_probe_describes_stereo_flac(data_dir: Path) -> None:
    info = probe_audio(data_dir / "jfk.flac")
    assert info == AudioInfo(duration_s=11.0, sample_rate=44100, channels=2, format="FLAC")


def test_probe_describes_mono_wav(data_dir: Path) -> None:
    info = probe_audio(data_dir / "librispeech_1089-134686-0001.wav")
    assert (info.sample_rate, info.channels, info.format) == (16000, 1, "WAV")
    assert info.duration_s == pytest.approx(3.275)


def test_probe_and_load_demo(demo_audio: Path) -> None:
    info = probe_audio(demo_audio)
    assert info.duration_s == pytest.approx(69.85, abs=0.01)
    assert load_audio(demo_audio).shape[0] == pytest.approx(info.duration_s * 16000, abs=2)


@pytest.mark.parametrize("suffix", ["ogg", "mp3", "m4a"])
def test_other_formats_probe_and_load(tmp_path: Path, data_dir: Path, suffix: str) -> None:
    speech, rate = soundfile.read(data_dir / "librispeech_1089-134686-0001.wav", dtype="float32")
    path = tmp_path / f"speech.{suffix}"
    if suffix == "m4a":
        write_m4a(path, speech, rate)
    else:
        soundfile.write(path, speech, rate)
    info = probe_audio(path)
    assert info.sample_rate == rate and info.channels == 1
    # Lossy codecs pad the ends (AAC adds over 1024 priming samples); still close.
    assert info.duration_s == pytest.approx(3.275, abs=0.15)
    samples = load_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert samples.shape[0] == pytest.approx(3.275 * 16000, abs=0.15 * 16000)
    assert np.abs(samples).max() > 0.1


def bad_file(tmp_path: Path, kind: str) -> Path:
    """A real file (or folder, or absence) of each kind of bad input."""
    path = tmp_path / "input.wav"
    if kind == "random bytes":
        path.write_bytes(np.random.default_rng(7).bytes(48_000))
    elif kind == "text named .wav":
        path.write_text("Notes from the painting session\n" * 40, encoding="utf-8")
    elif kind == "empty file":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    elif kind == "zero-frame flac":
        path = empty_flac(tmp_path / "input.flac")
    elif kind == "zero-frame wav":
        soundfile.write(path, np.zeros(0, dtype=np.float32), 16000)
    return path


BAD_INPUTS = {
    "missing file": "No such file: {path}",
    "folder": "{path} is a folder, not an audio file",
    "empty file": "{path} is empty",
    "random bytes": "{path} is not an audio file facilitate can read " + READABLE,
    "text named .wav": "{path} is not an audio file facilitate can read " + READABLE,
    "zero-frame flac": "{path} contains no audio",
    "zero-frame wav": "{path} contains no audio",
}


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
@pytest.mark.parametrize("read", [probe_audio, load_audio], ids=["probe", "load"])
def test_bad_input_is_one_clear_line(tmp_path: Path, kind: str, read) -> None:
    path = bad_file(tmp_path, kind)
    with pytest.raises(AudioError) as caught:
        read(path)
    message = str(caught.value)
    assert message == BAD_INPUTS[kind].format(path=path)
    assert "\n" not in message


def test_unreadable_file_is_one_line(tmp_path: Path, data_dir: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read a file whatever its mode")
    path = tmp_path / "locked.wav"
    path.write_bytes((data_dir / "librispeech_1089-134686-0001.wav").read_bytes())
    path.chmod(0)
    with pytest.raises(AudioError, match=r"^Cannot read .*locked\.wav: Permission denied$"):
        probe_audio(path)


def test_truncated_file_still_loads_what_is_there(tmp_path: Path, data_dir: Path) -> None:
    # A recording cut short by a crash must still give up the audio it holds.
    whole = (data_dir / "librispeech_1089-134686-0001.wav").read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[: len(whole) // 2])
    assert probe_audio(path).sample_rate == 16000
    assert load_audio(path).shape[0] > 16000


# --- load_audio --------------------------------------------------------------


def test_load_resamples_and_averages_stereo(data_dir: Path) -> None:
    samples = load_audio(data_dir / "jfk.flac")
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert samples.shape[0] == pytest.approx(11.0 * 16000, abs=2)


def test_load_mixes_channels_by_averaging(data_dir: Path) -> None:
    path = data_dir / "stereo_two_speakers.wav"
    stereo, rate = soundfile.read(path, dtype="float32")
    assert rate == 16000 and stereo.shape[1] == 2
    mono = load_audio(path)
    # Same rate, so only the mix (and 16-bit rounding) separates the two.
    np.testing.assert_allclose(mono, stereo.mean(axis=1), atol=1e-4)


def test_load_at_other_rate(data_dir: Path) -> None:
    samples = load_audio(data_dir / "librispeech_1089-134686-0001.wav", sample_rate=8000)
    assert samples.shape[0] == pytest.approx(3.275 * 8000, abs=2)


# --- write_flac --------------------------------------------------------------


def test_write_flac_round_trips_privately_and_atomically(tmp_path: Path) -> None:
    rate = 16000
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
    path = tmp_path / "take.flac"
    path.write_bytes(b"old contents")
    write_flac(path, tone, rate)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["take.flac"]  # no temporary left behind
    back, back_rate = soundfile.read(path, dtype="float32")
    assert back_rate == rate
    np.testing.assert_allclose(back, tone, atol=1 / 32768 + 1e-6)
    assert probe_audio(path) == AudioInfo(1.0, rate, 1, "FLAC")


def test_write_flac_stereo_and_clipping(tmp_path: Path) -> None:
    loud = np.full((800, 2), 3.0, dtype=np.float32)
    path = tmp_path / "loud.flac"
    write_flac(path, loud, 8000)
    back, _ = soundfile.read(path, dtype="float32")
    assert back.shape == (800, 2)
    assert back.max() == pytest.approx(1.0, abs=1e-4)


# --- silence_spans -----------------------------------------------------------


def test_silence_spans_zeroes_exactly_and_copies() -> None:
    rate = 100
    samples = np.ones(1000, dtype=np.float32)
    out = silence_spans(samples, rate, [(1.0, 2.0), (9.5, 20.0), (-1.0, 0.05)])
    assert samples.min() == 1.0  # the original is untouched
    assert out.dtype == np.float32
    assert np.all(out[100:200] == 0.0) and out[99] == 1.0 and out[200] == 1.0
    assert np.all(out[950:] == 0.0) and out[949] == 1.0
    assert np.all(out[:5] == 0.0) and out[5] == 1.0
    assert int((out == 0).sum()) == 100 + 50 + 5


def test_silence_spans_rounds_outwards() -> None:
    out = silence_spans(np.ones(100, dtype=np.float32), 10, [(1.05, 1.95)])
    assert np.all(out[10:20] == 0.0) and out[9] == 1.0 and out[20] == 1.0


def test_silence_nothing_or_empty_span() -> None:
    samples = np.ones(10, dtype=np.float32)
    assert np.array_equal(silence_spans(samples, 10, []), samples)
    assert np.array_equal(silence_spans(samples, 10, [(0.5, 0.5)]), samples)


# --- import hygiene ----------------------------------------------------------


def test_importing_audio_services_loads_no_heavy_libraries() -> None:
    code = (
        "import sys, sessions.audio, sessions.transcriber, sessions.whisper_models\n"
        "heavy = {'faster_whisper', 'ctranslate2', 'av', 'soundfile', 'textual'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    root = Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
