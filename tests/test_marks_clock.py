"""Speaker marks follow the recorder's sample clock: stalls of the microphone or the disk
never put a mark behind (or ahead of) the speech it was pressed for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import require_portaudio, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
#: Within this of the audio, a mark gives each line to the right person.
TOLERANCE_S = 0.25


def test_marks_land_on_the_audio_through_microphone_and_disk_stalls(tmp_path: Path) -> None:
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")
    plan = {
        "home": str(tmp_path / "home"),
        "mic": str(tmp_path / "mic"),
        "speech": str(ROOT / "facilitate" / "demo" / "consultation_demo.flac"),
        "seconds": 7.0,
        "speed": 2.0,
        # The microphone delivers nothing for 0.8 s after 2 s of audio, and the
        # disk holds the writer up for 1.5 s about 1.5 s in (wall time).
        "mic_stalls": {"2.0": 0.8},
        "disk_stall": [1.5, 1.5],
        "marks": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "marks_child.py"), json.dumps(plan)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    marks = [e for e in events if e["event"] == "marked"]
    assert len(marks) == len(plan["marks"]), events
    for mark in marks:
        assert abs(mark["at_s"] - mark["point"]) <= TOLERANCE_S, marks
    # The disk stall did hold the writer back while marks were pressed.
    assert any(m["point"] - m["written_s"] > 0.5 for m in marks), marks
    (stopped,) = [e for e in events if e["event"] == "stopped"]
    assert stopped["overflows"] == 0
    assert abs(stopped["duration_s"] - plan["seconds"]) < 1.0
