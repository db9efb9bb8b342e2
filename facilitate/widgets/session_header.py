"""The block at the top of the session screen: what, where, who."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from facilitate.plain_text import rich_plain, shown
from facilitate.widgets.session_table import status_text
from models import Participant, Role, Session


class SessionHeader(Static):
    """Session title, venue, activity, date, status and the people in it."""

    session_title = ""

    def show(self, session: Session, people: list[Participant]) -> None:
        """Render ``session`` and its ``people`` (shown by pseudonym only)."""
        self.session_title = session.title
        title = Table.grid(expand=True)
        title.add_column(ratio=1)
        title.add_column(justify="right")
        title.add_row(rich_plain(session.title, style="bold"), status_text(session.status))

        facts = Text()
        for label, value in (
            ("Venue", session.venue or "—"),
            ("Activity", session.activity.value),
            ("Date", session.date or "—"),
        ):
            if facts:
                facts.append("   ")
            facts.append(f"{label} ", style="dim")
            facts.append(shown(value))

        participants = [p.pseudonym for p in people if p.role is Role.PARTICIPANT]
        facilitators = [p.pseudonym for p in people if p.role is Role.FACILITATOR]
        who = Text()
        who.append("Participants ", style="dim")
        who.append(shown(", ".join(participants)) if participants else "none yet")
        if facilitators:
            who.append("   ")
            who.append("Facilitator ", style="dim")
            who.append(shown(", ".join(facilitators)))
        self.update(Group(title, facts, who))
