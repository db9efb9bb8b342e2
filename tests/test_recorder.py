"""The recorder, through real PortAudio and the virtual microphone (tests/virtual_mic.py).

Each recording runs in a subprocess (tests/recorder_child.py): PortAudio reads the
ALSA configuration once per process, and the crash test needs a process to kill.
The microphone is fed from this process at 10x real time where timing does not
matter, and at real time where it does (the kill test).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import require_portaudio, skip_or_fail
from virtual_mic import VirtualMic, load_speech

from sessions.recorder import (
    NO_INPUT,
    NO_PORTAUDIO,
    SAMPLE_RATE,
    _Resampler,
    format_duration,
    partial_path,
    recover,
    sidecar_path,
)

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "recorder_child.py"
RATE = SAMPLE_RATE

pytestmark = pytest.mark.needs_portaudio


def require_alsa_portaudio() -> None:
    """PortAudio, and ALSA under it: the virtual microphone is an ALSA plugin."""
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """The demo consultation (70 s, 16 kHz mono) as int16 samples."""
    return load_speech(ROOT / "facilitate" / "demo" / "consultation_demo.flac")


class Child:
    """A recorder subprocess and the events it reports."""

    def __init__(self, plan: dict[str, object], mic: VirtualMic | None,
                 env: dict[str, str] | None = None) -> None:
        self.events: list[dict[str, object]] = []
        self.mic = mic
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), json.dumps(plan)],
            env=env if env is not None else (mic.env if mic else None),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )

    def next_event(self, timeout: float = 30.0) -> dict[str, object]:
        """The next event; the microphone starts feeding once the recorder has started."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"recorder child ended early: {stderr[-2000:]}")
        event = json.loads(line)
        self.events.append(event)
        if event["event"] == "started" and self.mic is not None:
            self.mic.go()
        return event

    def run(self, timeout: float = 60.0) -> dict[str, object]:
        """Read events until the child exits; return the last one."""
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, f"recorder child timed out: {self.events[-3:]}"
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()
            if not line:
                break
            event = json.loads(line)
            self.events.append(event)
            if event["event"] == "started" and self.mic is not None:
                self.mic.go()
        self.proc.wait(timeout=10)
        stderr = self.proc.stderr.read() if self.proc.stderr else ""
        assert self.proc.returncode == 0, stderr[-2000:]
        return self.events[-1]

    def first(self, kind: str) -> dict[str, object]:
        """The first event of a kind."""
        return next(e for e in self.events if e["event"] == kind)


@pytest.fixture
def mic(tmp_path: Path, speech: np.ndarray) -> Iterator[VirtualMic]:
    """The demo speech at 10x real time."""
    require_alsa_portaudio()
    with VirtualMic(tmp_path / "mic", speech, speed=10.0) as virtual:
        yield virtual


def read_flac(path: Path) -> tuple[np.ndarray, soundfile._SoundFileInfo]:
    """Samples (int16) and format of a saved recording."""
    info = soundfile.info(str(path))
    samples, _rate = soundfile.read(str(path), dtype="int16")
    return samples, info


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equally long signals."""
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n].astype(float), b[:n].astype(float))[0, 1])


def test_records_the_demo_through_the_virtual_microphone(
    tmp_path: Path, mic: VirtualMic, speech: np.ndarray
) -> None:
    folder = tmp_path / "audio"
    until = (len(speech) - RATE // 2) / RATE  # all but the last half second
    done = Child({"folder": str(folder), "name": "demo", "until": until}, mic).run()
    assert done["event"] == "stopped", done
    path = Path(str(done["path"]))
    assert path == folder / "demo.flac"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["demo.flac"]  # partial, sidecar gone
    samples, info = read_flac(path)
    assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
    assert until <= info.duration <= until + 0.2  # stops within a few blocks of asking
    assert info.duration == pytest.approx(float(done["elapsed"]), abs=1e-9)
    assert correlation(samples, speech) > 0.999
    assert done["overflows"] == 0


def test_a_killed_recording_is_recovered_to_within_a_second(
    tmp_path: Path, speech: np.ndarray
) -> None:
    require_alsa_portaudio()
    folder = tmp_path / "audio"
    # Real time here: the loss on a kill is a matter of wall-clock time.
    with VirtualMic(tmp_path / "mic", speech, speed=1.0) as mic:
        child = Child(
            {"folder": str(folder), "name": "killed", "strikes": [[2.5, 1.0, 1.5]]}, mic
        )
        while True:
            event = child.next_event()
            if event["event"] == "elapsed" and float(event["s"]) >= 3.0:
                break
        fed_s = mic.fed_s
        child.proc.send_signal(signal.SIGKILL)
        child.proc.wait(timeout=10)
    assert partial_path(folder, "killed").exists()
    assert sidecar_path(folder, "killed").exists()

    found = recover(folder)
    assert [r.name for r in found] == ["killed"]
    got = found[0]
    assert got.path == folder / "killed.flac"
    assert fed_s - 1.0 <= got.duration_s <= fed_s + 0.05, (got.duration_s, fed_s)
    assert got.struck == ((1.0, 1.5),)
    assert got.message.startswith("Recovered 0:03 of recording killed")
    assert not partial_path(folder, "killed").exists()
    assert not sidecar_path(folder, "killed").exists()
    samples, info = read_flac(got.path)
    assert (info.samplerate, info.channels) == (16000, 1)
    assert info.duration == pytest.approx(got.duration_s)
    assert not samples[RATE : RATE * 3 // 2].any()  # the strike survived the kill
    assert correlation(samples[: RATE], speech[: RATE]) > 0.999
    assert correlation(samples[RATE * 2 :], speech[RATE * 2 : len(samples)]) > 0.999
    assert recover(folder) == []  # nothing left to do


def test_struck_spans_are_exact_silence(
    tmp_path: Path, mic: VirtualMic, speech: np.ndarray
) -> None:
    folder = tmp_path / "audio"
    plan = {
        "folder": str(folder), "name": "struck", "until": 12.0,
        # One span already on disk, one running on into audio not yet recorded.
        "strikes": [[5.0, 2.0, 3.5], [6.0, 5.5, 8.25]],
    }
    done = Child(plan, mic).run()
    assert done["event"] == "stopped", done
    samples, _info = read_flac(Path(str(done["path"])))
    for start, end in [(2.0, 3.5), (5.5, 8.25)]:
        assert not samples[int(start * RATE) : int(end * RATE)].any()
        assert speech[int(start * RATE) : int(end * RATE)].any()  # there was speech to strike
    kept = np.ones(len(samples), dtype=bool)
    kept[2 * RATE : int(3.5 * RATE)] = False
    kept[int(5.5 * RATE) : int(8.25 * RATE)] = False
    assert np.array_equal(samples[kept], speech[: len(samples)][kept])


def test_pause_excludes_the_paused_time(tmp_path: Path, mic: VirtualMic) -> None:
    folder = tmp_path / "audio"
    plan = {"folder": str(folder), "name": "paused", "until": 5.0,
            "pause_at": 2.0, "pause_for": 1.0}
    child = Child(plan, mic)
    started = time.monotonic()
    done = child.run()
    assert time.monotonic() - started > 1.3  # the pause really lasted
    assert done["event"] == "stopped", done
    still = child.first("still_paused")
    assert still["paused"] is True
    assert still["level"] == 0.0
    # Over a second of pause (ten seconds of audio at this feed rate) nothing was added.
    assert still["elapsed"] == still["settled"]
    assert 2.0 <= float(still["settled"]) <= 2.5
    assert float(child.first("resumed")["elapsed"]) >= float(still["settled"])
    _samples, info = read_flac(Path(str(done["path"])))
    assert 5.0 <= info.duration <= 5.2
    assert info.duration == pytest.approx(float(done["elapsed"]))


def test_opens_at_the_device_rate_and_resamples(
    tmp_path: Path, speech: np.ndarray
) -> None:
    require_alsa_portaudio()
    # The microphone runs at 48 kHz; the recorder is told 16 kHz is not on offer.
    at_48k = np.interp(np.arange(len(speech) * 3) / 3.0, np.arange(len(speech)), speech)
    with VirtualMic(tmp_path / "mic", at_48k.astype(np.int16), speed=10.0, rate=48000) as mic:
        plan = {"folder": str(tmp_path / "audio"), "name": "resampled", "until": 8.0,
                "device_rates": [48000]}
        child = Child(plan, mic)
        done = child.run()
    assert child.first("started")["device_rate"] == 48000
    assert done["event"] == "stopped", done
    samples, info = read_flac(Path(str(done["path"])))
    assert (info.samplerate, info.channels) == (16000, 1)
    # The microphone runs at 10x: a stop a few tens of milliseconds late on a busy
    # machine is most of a second of its audio. What matters is the rate.
    assert 8.0 <= info.duration <= 9.0
    assert correlation(samples, speech) > 0.99


def test_resampler_is_continuous_across_blocks() -> None:
    t = np.arange(48000 * 2) / 48000
    tone = np.sin(2 * np.pi * 440 * t) * 10000
    whole = _Resampler(48000, 16000).process(tone, last=True)
    pieces = _Resampler(48000, 16000)
    split = np.array_split(tone, 77)
    blocks = np.concatenate([pieces.process(b, last=i == len(split) - 1)
                             for i, b in enumerate(split)])
    assert np.allclose(whole, blocks)
    assert len(whole) == 32000  # the last block gives out what the filter held back
    expected = np.sin(2 * np.pi * 440 * (np.arange(len(whole)) / 16000)) * 10000
    error = whole[200:-200] - expected[200:-200]
    assert np.sqrt(np.mean(error**2)) < 100  # -40 dB: plenty for speech
    # 44.1 kHz: a fractional ratio.
    tone = np.sin(2 * np.pi * 300 * np.arange(44100) / 44100)
    out = _Resampler(44100, 16000).process(tone, last=True)
    assert len(out) == 16000
    assert np.max(np.abs(out[100:-100])) == pytest.approx(1.0, abs=0.02)


def test_no_portaudio_is_one_clear_line(tmp_path: Path) -> None:
    # Exactly what sounddevice does when libportaudio is missing: OSError at import.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=str(fake))
    child = Child({"folder": str(tmp_path / "audio"), "mode": "check"}, None, env)
    done = child.run()
    assert child.first("check")["problem"] == NO_PORTAUDIO
    assert done == {"event": "start_error", "kind": "DeviceError", "message": NO_PORTAUDIO}
    assert "\n" not in NO_PORTAUDIO
    assert not (tmp_path / "audio").exists()  # nothing left behind


def test_no_input_device_is_one_clear_line(tmp_path: Path) -> None:
    require_alsa_portaudio()
    config = tmp_path / "nothing.asoundrc"
    config.write_text('pcm.!default { type hw; card 97 }\nctl.!default { type hw; card 97 }\n')
    env = dict(os.environ, ALSA_CONFIG_PATH=f"/usr/share/alsa/alsa.conf:{config}")
    child = Child({"folder": str(tmp_path / "audio"), "mode": "check"}, None, env)
    done = child.run()
    if child.first("check")["devices"]:
        pytest.skip("this machine has a real sound card, so 'no microphone' cannot be staged")
    assert child.first("check")["problem"] == NO_INPUT
    assert done == {"event": "start_error", "kind": "DeviceError", "message": NO_INPUT}


def test_an_unknown_device_is_one_clear_line(tmp_path: Path, mic: VirtualMic) -> None:
    child = Child({"folder": str(tmp_path / "audio"), "device": "no such microphone"}, mic)
    done = child.run()
    assert done["event"] == "start_error"
    assert done["kind"] == "DeviceError"
    assert str(done["message"]).startswith("No microphone called 'no such microphone'")
    assert "\n" not in str(done["message"])


TINY = 200 * 1024


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[tuple[Path, bool]]:
    """A 200 KiB tmpfs (about six seconds of audio) when this machine lets us mount one
    (root, as in CI); else a plain folder, and the child limits its file size instead."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TINY}", "tmpfs", str(folder)],
                            capture_output=True, text=True)
    mounted = result.returncode == 0
    try:
        yield folder, mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_stops_cleanly_and_keeps_the_audio(
    tiny_disk: tuple[Path, bool], mic: VirtualMic, speech: np.ndarray
) -> None:
    folder, mounted = tiny_disk
    plan: dict[str, object] = {"folder": str(folder), "name": "full"}
    if not mounted:
        plan["file_size_limit"] = TINY  # the same failure, reported as EFBIG
    child = Child(plan, mic)
    done = child.run()
    error = child.first("error")
    kept_s = float(error["elapsed"])
    kept = format_duration(kept_s)
    assert 5.0 < kept_s < 6.6
    partial = partial_path(folder, "full")
    if not mounted:
        assert error["message"] == (
            f"Recording stopped: cannot write full.pcm.partial (File too large); "
            f"the first {kept} was kept."
        )
        assert done["event"] == "stopped", done  # the FLAC is smaller than the limit
        samples, _info = read_flac(Path(str(done["path"])))
        assert np.array_equal(samples, speech[: round(kept_s * RATE)])
        return
    assert error["message"] == (
        f"The disk is full; recording stopped and the first {kept} was kept."
    )
    # No room for the FLAC either: the raw audio stays, to be saved later.
    assert done["event"] == "stop_error", done
    assert "free some space" in str(done["message"])
    assert partial.stat().st_size // 2 == round(kept_s * RATE)
    assert not list(folder.glob(".*.tmp"))  # no half-written FLAC left

    subprocess.run(["mount", "-o", "remount,size=2m", str(folder)], check=True)
    found = recover(folder)
    assert [round(r.duration_s, 4) for r in found] == [round(kept_s, 4)]
    samples, _info = read_flac(found[0].path)
    assert np.array_equal(samples, speech[: len(samples)])
