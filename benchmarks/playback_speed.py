"""Benchmark: the cost of playing back slower or faster with the voice kept, and of resampling.

Playback changes speed by WSOLA (audiotsm), keeping a voice at its pitch, and
reaches the output's rate with soxr; the recorder resamples a 44.1/48 kHz
microphone to 16 kHz with soxr. All of it runs while sound plays or records, on
a laptop that may be transcribing at the same time, so it must stay cheap.

For each speed ``[`` and ``]`` offer, it changes the demo consultation's speech
block by block (as playback decodes it) to a 48 kHz output, and prints the CPU
time per second of audio and the strongest frequency of a 440 Hz tone changed
the same way (it must stay 440 Hz). Goals: speed change under 5 % of one core
(0.05 s of CPU per second of audio); the recorder's resampling under 1 %.

    python benchmarks/playback_speed.py               # 60 s of speech
    python benchmarks/playback_speed.py --seconds 5   # CI
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sessions.playback import BLOCK_S, SPEEDS, _Speed  # noqa: E402
from sessions.recorder import _Resampler  # noqa: E402

DEMO = ROOT / "facilitate" / "demo" / "consultation_demo.flac"
RATE = 16000
OUT_RATE = 48000
SPEED_GOAL = 0.05
RESAMPLE_GOAL = 0.01


def speech(seconds: float) -> np.ndarray:
    """``seconds`` of the demo's speech (repeated if longer), mono float32 at 16 kHz."""
    import soundfile

    samples, rate = soundfile.read(str(DEMO), dtype="float32")
    assert rate == RATE
    repeats = int(np.ceil(seconds * RATE / len(samples)))
    return np.tile(samples, repeats)[: int(seconds * RATE)]


def cpu_per_second(samples: np.ndarray, speed: float) -> tuple[float, np.ndarray]:
    """CPU seconds per second of audio to change ``samples`` to ``speed`` at 48 kHz."""
    changer = _Speed(speed, RATE, OUT_RATE)
    block = int(BLOCK_S * RATE)
    began = time.process_time()
    out = [changer.process(samples[i:i + block], last=i + block >= len(samples))
           for i in range(0, len(samples), block)]
    spent = time.process_time() - began
    return spent / (len(samples) / RATE), np.concatenate(out)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency in ``samples``."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


def main() -> int:
    """Measure and print; exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of speech")
    args = parser.parse_args()
    audio = speech(args.seconds)
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(3 * RATE) / RATE)).astype(np.float32)
    print(f"{args.seconds:g} s of speech, 16 kHz to a {OUT_RATE // 1000} kHz output, "
          f"blocks of {BLOCK_S:g} s")
    worst = 0.0
    for speed in SPEEDS:
        cost, out = cpu_per_second(audio, speed)
        _, changed_tone = cpu_per_second(tone, speed)
        worst = max(worst, cost)
        print(f"  {speed:>4}x: {cost * 1000:6.1f} ms CPU per second of audio "
              f"({len(out) / OUT_RATE:6.1f} s out); 440 Hz tone peaks at "
              f"{peak_hz(changed_tone, OUT_RATE):.0f} Hz")
    print(f"speed change: worst {worst * 100:.2f} % of a core (goal under {SPEED_GOAL:.0%})")

    mic = np.tile(audio, 3)  # 48 kHz stand-in: three times the samples
    resampler = _Resampler(OUT_RATE, RATE)
    began = time.process_time()
    block = int(0.05 * OUT_RATE)  # the recorder's 50 ms blocks
    for i in range(0, len(mic), block):
        resampler.process(mic[i:i + block] * 32767, last=i + block >= len(mic))
    resample = (time.process_time() - began) / (len(mic) / OUT_RATE)
    print(f"recorder resampling 48 to 16 kHz in 50 ms blocks: {resample * 100:.2f} % of a core "
          f"(goal under {RESAMPLE_GOAL:.0%})")
    met = worst < SPEED_GOAL and resample < RESAMPLE_GOAL
    print("goal met" if met else "goal missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
