"""Benchmark: what encryption at rest costs while recording and when a consultation opens.

1. Recording: CPU seconds per second of audio of the real Recorder fed by the
   virtual microphone through PortAudio (when PortAudio is here), plain and
   sealed; then the disk path alone (the writer's blocks with strikes applied,
   the level, the write, an fsync every quarter second, the FLAC made at stop),
   which isolates what sealing adds. Goal: the sealed recording costs under 10 % more.
2. Opening: a fresh workspace opens a consultation of ``--quotes`` quotes
   (``--sessions`` sessions of generated transcript) and reads its sessions,
   quotes and one transcript, plain and encrypted (key already given). Goal:
   under 200 ms more than plain. The passphrase check (scrypt), paid once per
   app start, is shown apart.

Run small in CI::

    python benchmarks/crypto.py --seconds 20 --mic-seconds 3 --sessions 1 --quotes 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _timing import median_ms  # noqa: E402
from quotes import build  # noqa: E402

import sessions.encryption as encryption  # noqa: E402
from sessions.audio import silence_in_place  # noqa: E402
from sessions.recovery import pcm_to_flac  # noqa: E402
from sessions.sealed import RECORDING_CHUNK, SealedFile  # noqa: E402
from sessions.store import Workspace  # noqa: E402

RATE = 16000
#: The writer takes what is queued about every 0.1 s.
BLOCK_S = 0.1
FSYNC_EVERY_S = 0.25
PASSPHRASE = "benchmark passphrase"
RECORD_GOAL = 10.0
OPEN_GOAL_MS = 200.0


def record(folder: Path, seconds: float, sealed: bool) -> float:
    """CPU seconds to write ``seconds`` of speech-like audio and save it as FLAC."""
    rng = np.random.default_rng(3)
    folder.mkdir(parents=True, exist_ok=True)
    partial, flac = folder / "r.pcm.partial", folder / "r.flac"
    for old in (partial, flac):
        old.unlink(missing_ok=True)
    block = int(RATE * BLOCK_S)
    audio = (rng.standard_normal(int(seconds * RATE)) * 3000).astype("<i2")
    strikes = [(seconds / 3, seconds / 3 + 2.0)]
    start = time.process_time()
    fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    writer = SealedFile(fd, encryption.key_for(partial), lenient=True,
                        chunk=RECORDING_CHUNK, buffered=True, create=True) if sealed else None
    written, since_sync = 0, 0.0
    for first in range(0, len(audio), block):
        samples = audio[first:first + block].copy()
        silence_in_place(samples, strikes, RATE, offset=written)
        _level = float(np.sqrt(np.mean(np.square(samples / 32768.0))))
        data = samples.tobytes()
        if writer is not None:
            writer.write_at(data, written * 2)
        else:
            os.pwrite(fd, data, written * 2)
        written += len(samples)
        since_sync += BLOCK_S
        if since_sync >= FSYNC_EVERY_S:
            if writer is not None:
                writer.flush()
            os.fsync(fd)
            since_sync = 0.0
    if writer is not None:
        writer.flush()
    os.fsync(fd)
    os.close(fd)
    pcm_to_flac(partial, flac, RATE, 1, strikes)
    return time.process_time() - start


def record_from_microphone(folders: dict[str, Path], seconds: float, repeat: int,
                           speed: float) -> dict[str, float] | None:
    """CPU seconds per second of audio of the real Recorder, by folder; None without PortAudio.

    The demo speech comes through PortAudio from the virtual microphone
    (tests/virtual_mic.py) at ``speed`` times real time; the whole process's CPU
    is counted (PortAudio's thread, the writer, the microphone's feeder), from
    start to the saved FLAC, for plain and sealed runs taken in turn.
    """
    import ctypes.util

    if ctypes.util.find_library("portaudio") is None or not sys.platform.startswith("linux"):
        return None
    sys.path.insert(0, str(HERE.parent / "tests"))  # the virtual microphone lives with the tests
    from virtual_mic import VirtualMic, load_speech

    from sessions.recorder import Recorder

    speech = load_speech(HERE.parent / "facilitate" / "demo" / "consultation_demo.flac")
    needed = int((seconds * len(folders) * repeat + 30) * RATE)
    speech = np.tile(speech, needed // len(speech) + 1)[:needed]
    cpu: dict[str, list[float]] = {name: [] for name in folders}
    with tempfile.TemporaryDirectory() as tmp, VirtualMic(Path(tmp), speech, speed=speed) as mic:
        mic.install_env()
        for run in range(repeat):
            for name, folder in folders.items():
                start = time.process_time()
                recorder = Recorder(folder, f"{name}-{run}")
                recorder.start()
                mic.go()
                while recorder.elapsed_s < seconds and recorder.is_recording:
                    time.sleep(0.02)
                recorder.stop()
                cpu[name].append((time.process_time() - start) / recorder.elapsed_s)
    return {name: statistics.median(values) for name, values in cpu.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 0 (the goals are reported, not enforced)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="audio recorded per run")
    parser.add_argument("--mic-seconds", type=float, default=60.0,
                        help="audio recorded per run through the virtual microphone")
    parser.add_argument("--mic-speed", type=float, default=4.0,
                        help="how many times real time the microphone is fed")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plain_store = Workspace(root / "plain").create_consultation("Recording, plain")
        sealed_store = Workspace(root / "sealed").create_consultation(
            "Recording, sealed", passphrase=PASSPHRASE
        )
        mic = record_from_microphone(
            {"plain": plain_store.audio_dir, "sealed": sealed_store.audio_dir},
            args.mic_seconds, args.repeat, args.mic_speed,
        )
        if mic is None:
            print("recording through PortAudio: skipped (no PortAudio here)")
        else:
            overhead = (mic["sealed"] / mic["plain"] - 1) * 100
            print(f"recording through PortAudio, whole-process CPU per second of audio "
                  f"({args.mic_seconds:.0f} s runs at {args.mic_speed:g}x, median of "
                  f"{args.repeat}):")
            print(f"  plain   {mic['plain'] * 1000:7.2f} ms")
            print(f"  sealed  {mic['sealed'] * 1000:7.2f} ms")
            print(f"  overhead {overhead:+.1f} % (goal < {RECORD_GOAL:.0f} %): "
                  f"{'met' if overhead < RECORD_GOAL else 'NOT met'}")
        runs = {"plain": [], "sealed": []}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits both alike
            runs["plain"].append(record(plain_store.audio_dir, args.seconds, False))
            runs["sealed"].append(record(sealed_store.audio_dir, args.seconds, True))
        plain_cpu = statistics.median(runs["plain"]) / args.seconds
        sealed_cpu = statistics.median(runs["sealed"]) / args.seconds
        overhead = (sealed_cpu / plain_cpu - 1) * 100
        print(f"disk path alone (writer, fsync, FLAC at stop), CPU per second of audio "
              f"({args.seconds:.0f} s runs, median of {args.repeat}):")
        print(f"  plain   {plain_cpu * 1000:7.2f} ms")
        print(f"  sealed  {sealed_cpu * 1000:7.2f} ms")
        print(f"  overhead {overhead:+.1f} % (goal < {RECORD_GOAL:.0f} %): "
              f"{'met' if overhead < RECORD_GOAL else 'NOT met'}")

        plain = build(root / "open-plain", args.sessions, args.quotes)
        sealed = build(root / "open-sealed", args.sessions, args.quotes)
        encryption.encrypt_consultation(sealed, PASSPHRASE)

        def opening(where: Path, consultation_id: str) -> Callable[[], object]:
            def run() -> object:
                store = Workspace(where).open(consultation_id)
                store.consultation()
                sessions = store.sessions()
                return store.quotes(), store.segments(sessions[0].id)
            return run

        for warm_up in (opening(root / "open-plain", plain.id),
                        opening(root / "open-sealed", sealed.id)):
            warm_up()  # the first call pays for imports and caches of its own
        plain_ms = median_ms(opening(root / "open-plain", plain.id), args.repeat)
        sealed_ms = median_ms(opening(root / "open-sealed", sealed.id), args.repeat)
        unlock_ms = median_ms(lambda: encryption.unlock(sealed.folder, PASSPHRASE), 3)
        size = sum(p.stat().st_size for p in sealed.folder.rglob("*") if p.is_file())
        extra = sealed_ms - plain_ms
        print(f"opening a consultation of {args.quotes} quotes, {args.sessions} sessions "
              f"({size / 1e6:.1f} MB sealed), median of {args.repeat}:")
        print(f"  plain   {plain_ms:7.1f} ms")
        print(f"  sealed  {sealed_ms:7.1f} ms (key given)")
        print(f"  extra   {extra:+7.1f} ms (goal < {OPEN_GOAL_MS:.0f} ms): "
              f"{'met' if extra < OPEN_GOAL_MS else 'NOT met'}")
        print(f"  passphrase check (scrypt, once per app start) {unlock_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
