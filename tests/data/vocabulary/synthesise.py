"""Make the vocabulary clips: sentences with local words, spoken by espeak-ng.

Run once by hand (needs espeak-ng); the clips it writes are committed, so the
tests and ``benchmarks/vocabulary.py`` never need espeak-ng. Each voice speaks
every sentence, 0.8 s apart, into one 16 kHz mono FLAC; ``clips.json`` says
where each sentence starts and ends, and what was said.

    .venv/bin/python tests/data/vocabulary/synthesise.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from sessions.audio import load_audio  # noqa: E402

HERE = Path(__file__).parent
RATE = 16_000
GAP_S = 0.8

#: Sentences a consultation in a small northern town might hear: towns and their
#: short names, venues, services and activity words. The last three hold none, to
#: see whether the hints put words where there are none.
SENTENCES = [
    "We get the mini bus from Skem to the Riverside community centre every Tuesday.",
    "The Recovery College in Ormskirk runs a pottery course for beginners.",
    "I went to Tanhouse for the decoupage group, but it had closed.",
    "My support worker from Richmond Fellowship helped me fill in the forms.",
    "The Beacon cafe in Burscough gives us a reason to get up in the morning.",
    "Since the mosaic project I feel I have something to show people.",
    "Making Space found me a place on the allotment at Digmoor.",
    "The crisis team in Wigan never rang me back.",
    "Up at Whitemoss there is nothing for young people to do.",
    "Pathways gave me a volunteer role at the Beacon.",
    "What I value most is the peer support on a Thursday.",
    "Jo and Alex painted the mural outside the Concourse.",
    "I usually walk there when the weather is good.",
    "Nobody asked us what we thought about the changes.",
    "It helps to have a routine during the week.",
]

#: espeak-ng voices (accent + variant), speeds (words a minute) and pitches.
VOICES = [
    ("en-gb+f3", 150, 50),
    ("en-us+m3", 165, 40),
    ("en-gb-scotland+f2", 145, 60),
    ("en-gb-x-rp+m5", 160, 45),
]


def speak(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """One sentence from espeak-ng, as 16 kHz mono float32."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "s.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), text],
            check=True,
        )
        return load_audio(wav, RATE)


def main() -> None:
    """Write one FLAC per voice and the index of what each says."""
    gap = np.zeros(int(GAP_S * RATE), dtype=np.float32)
    index = {"sample_rate": RATE, "made_with": "espeak-ng", "clips": []}
    for number, (voice, speed, pitch) in enumerate(VOICES, 1):
        parts: list[np.ndarray] = []
        said = []
        at = 0
        for text in SENTENCES:
            samples = speak(text, voice, speed, pitch)
            said.append({"start": round(at / RATE, 3), "end": round((at + len(samples)) / RATE, 3),
                         "text": text})
            parts += [samples, gap]
            at += len(samples) + len(gap)
        name = f"voice{number}.flac"
        soundfile.write(HERE / name, np.concatenate(parts), RATE, subtype="PCM_16")
        index["clips"].append({"file": name, "voice": voice, "speed": speed, "pitch": pitch,
                               "sentences": said})
    (HERE / "clips.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
