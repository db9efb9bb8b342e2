"""At 80x24 every screen a facilitator or participant meets shows its essential controls.

One SVG snapshot per screen at 80 columns by 24 lines (pytest-textual-snapshot). The
workspace is built the same way each run: fixed ids, a fixed clock and a fixed today,
so a snapshot changes only when what the screen draws changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from quote_fixtures import PIN, Consultation, consultation_with_quotes
from test_review_app import start_review
from textual.pilot import Pilot

import facilitate.screens.export
import facilitate.screens.forms
import facilitate.screens.keeping
import facilitate.screens.run
import models.ids
import sessions.clock
import sessions.retention
import sessions.wellbeing
from facilitate.app import FacilitateApp
from models import RecordingConsent
from sessions.consent import record_answer
from sessions.review import set_pin
from sessions.services import Services
from sessions.wellbeing import add_follow_up

SIZE = (80, 24)
TODAY = dt.date(2024, 5, 20)
NOW = dt.datetime(2024, 5, 17, 10, 30, tzinfo=dt.UTC)


class FixedDate(dt.date):
    """A date whose today is always ``TODAY``."""

    @classmethod
    def today(cls) -> FixedDate:
        return cls(TODAY.year, TODAY.month, TODAY.day)


class FixedDatetime(dt.datetime):
    """A datetime whose now is always ``NOW``, shown in UTC whatever the machine's zone."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> FixedDatetime:
        return cls.fromtimestamp(NOW.timestamp(), tz or dt.UTC)

    def astimezone(self, tz: dt.tzinfo | None = None) -> dt.datetime:
        return dt.datetime.astimezone(self, tz or dt.UTC)


FIXED_DT = SimpleNamespace(
    date=FixedDate, datetime=FixedDatetime, timedelta=dt.timedelta, UTC=dt.UTC,
    timezone=dt.timezone, time=dt.time,
)


@pytest.fixture(autouse=True)
def fixed_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Ids count up, the clock stands still, and this process has no PortAudio."""
    counter = itertools.count(1)
    monkeypatch.setattr(
        models.ids, "secrets", SimpleNamespace(token_hex=lambda n: f"{next(counter):0{2 * n}x}")
    )
    monkeypatch.setattr(sessions.clock, "datetime", FixedDatetime)
    for module in (facilitate.screens.keeping, sessions.retention):
        monkeypatch.setattr(module, "dt", FIXED_DT)
    for module in (facilitate.screens.export, facilitate.screens.forms):
        monkeypatch.setattr(module, "datetime", FIXED_DT)
    monkeypatch.setattr(sessions.wellbeing, "date", FixedDate)
    # Free disk differs from machine to machine; the run screen shows it as hours left.
    monkeypatch.setattr(facilitate.screens.run, "hours_left", lambda folder: 434.0)
    # The run screen as on a laptop without PortAudio: it shows its problem line, which
    # draws the same on every machine, where a real microphone's level never would.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    monkeypatch.syspath_prepend(str(fake))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)


def fixed_app(open_session: bool) -> tuple[FacilitateApp, Consultation]:
    """Ash and Birch's painting session: three quotes, everyone consented, a PIN set."""
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    set_pin(c.store, PIN)
    for person in c.store.participants():
        record_answer(c.store, c.session_id, person.id, RecordingConsent.YES)
    add_follow_up(c.store, c.birch, "Found the session hard; call before next week",
                  session_id=c.session_id)
    return FacilitateApp(services, open_session=c.session_id if open_session else None), c


def pressing(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press ``keys`` and let the screen settle."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        before = pilot.app.screen
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # Checked here too, so a snapshot regenerated without a look still cannot lose
        # them: the keys opened a screen, and its footer ends with the way to every key.
        assert (pilot.app.screen is before) == (not keys), keys
        footer = pilot.app.screen._compositor.render_strips()[-1].text.rstrip()
        assert footer.endswith(("? Keys", "f1 Keys")), footer

    return run_before


# screen: (start in the session?, the keys that open it)
SCREENS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "home": (False, ()),
    "help": (False, ("question_mark",)),
    "follow_ups": (False, ("u",)),
    "reach": (False, ("a",)),
    "keeping": (False, ("K",)),
    "vocabulary": (False, ("V",)),
    "session": (True, ()),
    "transcript": (True, ("t",)),
    "quotes": (True, ("u",)),
    "codebook": (True, ("k",)),
    "consent": (True, ("c",)),
    "plan": (True, ("p",)),
    "export": (True, ("E",)),
    "run": (True, ("r",)),
    "artwork": (True, ("a",)),
    "report_frame": (True, ("w",)),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_at_80_by_24(snap_compare, screen: str) -> None:  # noqa: ANN001 - fixture
    in_session, keys = SCREENS[screen]
    app, _ = fixed_app(in_session)
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing(*keys))


def test_participant_review_at_80_by_24(snap_compare) -> None:  # noqa: ANN001 - fixture
    app, c = fixed_app(open_session=True)

    async def review(pilot: Pilot[None]) -> None:
        await start_review(app, pilot, c.ash, None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=review)
