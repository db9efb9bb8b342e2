"""Silencing ahead of a person who said no, tick by tick, for an hour; and stop versus tick.

The run service (sessions/run.py) with a recorder whose clock the test moves: the
strikes, the sidecar and the store are real, only the microphone is left out, so an
hour of ticks takes a moment.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_run import demo_session

from sessions import recorder as recorder_module
from sessions.atomic import atomic_write_json
from sessions.locations import ensure_private_dir
from sessions.recorder import Recorder
from sessions.run import OFF_RECORD_AHEAD_S, RunningSession, start_recording
from sessions.services import Services

#: How often the run screen ticks.
TICK_S = 0.3


class ClockedRecorder(Recorder):
    """A recorder without a microphone: its clock is :attr:`now`, its strikes are real."""

    def __init__(self, folder: Path, name: str, device: int | str | None = None) -> None:
        """As :class:`Recorder`; nothing opens."""
        super().__init__(folder, name, device)
        self.now = 0.0
        #: Called once, the next time the clock is read (then forgotten).
        self.on_read: Any = None

    @property
    def elapsed_s(self) -> float:
        """The test's clock."""
        hook, self.on_read = self.on_read, None
        if hook is not None:
            hook()
        return self.now

    def start(self) -> None:
        """Write the first sidecar, as a real start does; no stream."""
        ensure_private_dir(self.folder)
        self._started = True
        self._meta = {"version": 1, "name": self.name, "format": "s16le",
                      "sample_rate": self.sample_rate, "channels": 1, "state": "recording",
                      "struck": []}
        atomic_write_json(self.sidecar_path, self._meta)

    def stop(self) -> Path:
        """Finish as a real stop does first (no more strikes), without writing audio."""
        self._finished = True
        return self.flac_path


def clocked_session(services: Services) -> tuple[RunningSession, ClockedRecorder, str]:
    """A running session of the demo's people, Jo having said no; Jo's id."""
    store, session_id, people = demo_session(services, no_consent=("Jo",))
    made: list[ClockedRecorder] = []

    def factory(folder: Path, name: str, device: int | str | None) -> Recorder:
        made.append(ClockedRecorder(folder, name, device))
        return made[0]

    run = start_recording(store, session_id, recorder_factory=factory)
    return run, made[0], people["Jo"]


def test_an_hour_of_a_refuser_speaking_keeps_one_span(monkeypatch: pytest.MonkeyPatch) -> None:
    saved: list[int] = []  # spans in each sidecar written

    def counting_write(path: Path, data: Any) -> None:
        saved.append(len(data.get("struck", [])))

    monkeypatch.setattr(recorder_module, "atomic_write_json", counting_write)
    run, recorder, jo = clocked_session(Services.from_root(None))
    recorder.now = 10.0
    run.mark_speaker(jo)
    ticks = round(3600 / TICK_S)
    for _ in range(ticks):
        recorder.now += TICK_S
        run.tick()
    end = recorder.now
    # One open span, extended tick by tick: the sidecar never grows.
    assert recorder.struck == [(10.0, pytest.approx(end + OFF_RECORD_AHEAD_S, abs=TICK_S))]
    assert max(saved) == 1
    assert len(saved) <= ticks + 2  # at most one sidecar write per tick
    # Another speaker: the span closes where the mark is; a later refusal starts a new one.
    run.mark_speaker(next(p for p in run.people if p != jo and run.is_recorded(p)))
    recorder.now += 60
    run.mark_speaker(jo)
    recorder.now += TICK_S
    run.tick()
    assert len(recorder.struck) == 2


def test_a_strike_inside_the_open_span_changes_nothing(tmp_path: Path) -> None:
    recorder = ClockedRecorder(tmp_path, "inside")
    recorder.start()
    recorder.strike(5.0, 8.0)
    recorder.strike(6.0, 7.0)
    recorder.strike(8.0, 9.0)  # touching: extends
    recorder.strike(12.0, 13.0)  # apart: a new span
    assert recorder.struck == [(5.0, 9.0), (12.0, 13.0)]


def test_stop_and_tick_do_not_race() -> None:
    run, recorder, jo = clocked_session(Services.from_root(None))
    recorder.now = 5.0
    run.mark_speaker(jo)
    recorder.now += TICK_S
    stopper = threading.Thread(target=run.stop)

    def stop_meanwhile() -> None:
        # The tick has decided to strike; the worker's stop begins right now.
        stopper.start()
        stopper.join(0.3)

    recorder.on_read = stop_meanwhile
    run.tick()  # must neither raise nor strike into a stopped recorder
    stopper.join()
    assert run.stopped
    for _ in range(5):
        recorder.now += TICK_S
        run.tick()  # timers firing after stop do nothing
