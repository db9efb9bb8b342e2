"""Playback decodes a long recording block by block, off the caller's thread.

The real Player (sessions/playback.py) on a real FLAC file; only the sound card is
left out: the test plays the part of PortAudio and pulls frames through the
callback, as the output stream would.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from sessions import playback
from sessions.playback import BLOCK_S, BLOCKS_AHEAD, Player

RATE = 16000


class QuietStream:
    """An output stream that plays nothing; the test calls the callback itself."""

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to close."""


class Stop(Exception):
    """Stands in for sounddevice.CallbackStop."""


class FakeStatus:
    """No output underflow to report."""

    output_underflow = False


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Players open a quiet stream at the rate given in the returned list (first item)."""
    rates = [0]

    def quiet_open(self: Player, sd: Any, rate: int) -> tuple[QuietStream, int]:
        return QuietStream(), rates[0] or rate

    monkeypatch.setattr(playback, "_import_sounddevice", lambda: None)
    monkeypatch.setattr(Player, "_open", quiet_open)
    fake = type("sounddevice", (), {"CallbackStop": Stop})
    monkeypatch.setitem(__import__("sys").modules, "sounddevice", fake)
    return rates


def recording(path: Path, seconds: float) -> np.ndarray:
    """A FLAC of a rising tone with a little noise; its samples as float32."""
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(1)
    samples = (0.3 * np.sin(2 * np.pi * (200 + 5 * t) * t) + 0.01 * rng.standard_normal(len(t)))
    soundfile.write(str(path), samples, RATE, subtype="PCM_16")
    return soundfile.read(str(path), dtype="float32")[0]


def pull(player: Player, frames: int = 512, limit_s: float = 60.0) -> np.ndarray:
    """Everything the output would play, pulled through the callback until it stops."""
    out: list[np.ndarray] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        buffer = np.zeros((frames, 1), dtype=np.float32)
        before = player._played + player._frame
        try:
            player._callback(buffer, frames, None, FakeStatus())
        except Stop:
            out.append(buffer[: player._played + player._frame - before, 0])
            break
        # A real output would play the silence of a late block; only what advanced counts.
        advanced = player._played + player._frame - before
        out.append(buffer[:advanced, 0].copy())
        if advanced < frames:
            time.sleep(0.001)
    return np.concatenate(out)


@pytest.mark.parametrize(("speed", "out_rate"), [(1.0, 0), (1.5, 0), (0.75, 48000)])
def test_block_by_block_plays_what_a_whole_decode_would(
    tmp_path: Path, quiet: list[int], speed: float, out_rate: int
) -> None:
    path = tmp_path / "long.flac"
    whole = recording(path, 3 * BLOCK_S + 1.7)
    quiet[0] = out_rate
    start_s, end_s = 1.25, 3 * BLOCK_S + 1.0
    silence = [(2.0, 3.0), (BLOCK_S + 0.5, BLOCK_S + 1.5)]  # one across a block edge
    player = Player()
    player.play(path, start_s, end_s, speed=speed, silence=silence)
    played = pull(player)
    # The reference: the span decoded whole, silenced, then sped up or slowed down
    # and resampled in one piece by the same kind of speed changer.
    first, last = int(start_s * RATE), int(end_s * RATE) + 1
    expected = whole[first:last].copy()
    for a, b in silence:
        expected[int(a * RATE) - first:int(np.ceil(b * RATE)) - first] = 0
    rate = out_rate or RATE
    expected = playback._Speed(speed, RATE, rate).process(expected, last=True)
    assert abs(len(played) - len(expected)) <= 4
    count = min(len(played), len(expected))
    assert np.max(np.abs(played[:count] - expected[:count])) < 1e-3
    # Off-record speech is exact silence, whatever block it fell in; a changed
    # speed blends its 40 ms frames (and may shift them a little) at each edge.
    margin = 2 if speed == 1.0 and not out_rate else int(0.1 * rate)
    for a, b in silence:
        lo = int((a - start_s) / speed * rate) + margin
        hi = int((b - start_s) / speed * rate) - margin
        assert not played[lo:hi].any()


def test_play_returns_at_once_and_decodes_a_few_blocks_ahead(
    tmp_path: Path, quiet: list[int]
) -> None:
    path = tmp_path / "hour.flac"
    recording(path, 10 * 60.0)  # ten minutes stand in for an hour: the cost is per block
    player = Player()
    began = time.perf_counter()
    player.play(path, 30.0)
    took = time.perf_counter() - began
    # Only the first block was decoded by play() itself.
    assert len(player._audio) == round(BLOCK_S * RATE)
    time.sleep(0.5)
    assert len(player._ahead) <= BLOCKS_AHEAD  # the rest waits until it is nearly heard
    assert player.position_s == pytest.approx(30.0)
    pull(player, limit_s=0.2)
    assert player.position_s is not None and player.position_s > 30.0
    player.stop()
    assert player._decoder is not None
    player._decoder.join(2.0)
    assert not player._decoder.is_alive()  # stopping ends the decoder too
    print(f"play() on a ten-minute file took {took * 1000:.1f} ms")
    assert took < 1.0  # a whole decode took seconds; a block takes milliseconds
