"""Slower or faster playback keeps a voice at its own pitch, block by block, at any output rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

import sessions.playback as playback
from sessions.playback import _Decoder


def peak_hz(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency in ``samples``."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize("speed", [0.75, 1.5])
@pytest.mark.parametrize("out_rate", [16000, 48000])
def test_a_440_hz_tone_still_peaks_at_440_hz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             speed: float, out_rate: int) -> None:
    rate = 16000
    tone = tmp_path / "tone.wav"
    soundfile.write(tone, 0.5 * np.sin(2 * np.pi * 440 * np.arange(4 * rate) / rate), rate)
    monkeypatch.setattr(playback, "BLOCK_S", 0.7)  # many block edges, as in a long recording
    decoder = _Decoder(tone, 0.0, None, speed, [])
    if out_rate != rate:
        decoder.set_output_rate(out_rate)
    blocks = []
    while not decoder.done:
        blocks.append(decoder.read())
    decoder.close()
    played = np.concatenate(blocks)
    assert peak_hz(played, out_rate) == pytest.approx(440, abs=3)  # resampled: 330 / 660 Hz
    assert len(played) / out_rate == pytest.approx(4 / speed, abs=0.15)
    # No clicks at the block edges: the tone's level holds all through.
    middle = played[out_rate // 10:-out_rate // 10]
    assert np.abs(middle).max() < 0.6
