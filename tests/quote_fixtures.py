"""A consultation with a transcript and quotes, built through the services (no model needed)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from models import ActivityKind, Session
from models.transcript import Segment, Word
from sessions.planning import create_session
from sessions.quotes import make_quote
from sessions.services import Services
from sessions.store import ConsultationStore

ASH_ONE = "I come here because nobody judges me"
ASH_TWO = "The bus from the village only runs twice a day"
BIRCH_ONE = "My sister Morag drives me to the Hub on Tuesdays"
PIN = "4321"

ScreenT = TypeVar("ScreenT", bound=Screen[object])


def segment(start: float, text: str, speaker: str) -> Segment:
    """A segment of ``text`` with one word a second, attributed to ``speaker``."""
    words = [Word(start + i, start + i + 1, f" {w}") for i, w in enumerate(text.split())]
    return Segment(
        start=start, end=words[-1].end, text=f" {text}", words=words, speaker_id=speaker,
        original_text=f" {text}",
    )


@dataclass
class Consultation:
    """What the tests need to find again."""

    store: ConsultationStore
    session_id: str
    ash: str
    birch: str
    themes: dict[str, str]
    quotes: dict[str, str]


def painting_session(
    services: Services, participants: tuple[str, ...] = ("Ash", "Birch")
) -> tuple[ConsultationStore, Session]:
    """A new consultation with one planned painting session at the Hub (facilitator Jo)."""
    store = services.workspace.create_consultation("Day services review", "What helps?")
    session = create_session(
        store,
        "Painting at the Hub",
        venue="The Hub",
        activity=ActivityKind.PAINTING,
        date="2024-05-17",
        facilitators=["Jo"],
        participants=list(participants),
    )
    return store, session


def consultation_with_quotes(services: Services, quotes: bool = True) -> Consultation:
    """Ash and Birch in a painting session: three segments, and a quote of each when asked."""
    store, session = painting_session(services)
    people = {p.pseudonym: p.id for p in store.participants()}
    ash, birch = people["Ash"], people["Birch"]
    segments = [
        segment(0, ASH_ONE, ash),
        segment(10, BIRCH_ONE, birch),
        segment(30, ASH_TWO, ash),
    ]
    store.save_segments(session.id, segments)
    themes = {t.name: t.id for t in store.consultation().codebook.themes}
    made: dict[str, str] = {}
    if quotes:
        made["ash1"] = make_quote(
            store, session.id, [segments[0].id], theme_ids=[themes["Acceptance"]]
        ).id
        made["birch1"] = make_quote(
            store, session.id, [segments[1].id], theme_ids=[themes["Somewhere to go"]]
        ).id
        made["ash2"] = make_quote(
            store, session.id, [segments[2].id], theme_ids=[themes["The local context"]]
        ).id
    return Consultation(store, session.id, ash, birch, themes, made)


def screen_text(app: App[object]) -> str:
    """Everything drawn on the terminal now: the compositor's lines and the SVG screenshot's."""
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    svg = app.export_screenshot()
    drawn = " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg))
    return "\n".join(lines) + "\n" + drawn.replace("\xa0", " ")


async def open_screen(pilot: Pilot[None], key: str, kind: type[ScreenT]) -> ScreenT:
    """Press ``key`` and return the screen it opened, which must be a ``kind``."""
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen
