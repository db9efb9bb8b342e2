"""How much evidence each theme and each participant has: counts and thin themes.

Counting rules, so numbers on screen and in reports agree:

- A quote counts once per theme it is tagged with.
- A parent theme's ``total`` rolls up its children: it counts every quote
  tagged with the parent *or* any child, each quote once (a quote tagged with
  the parent and a child, or two children, is still one quote).
- ``live`` means approved (with or without redactions) or still pending:
  evidence that may yet reach the report. Withdrawn quotes never count as live.
- A theme is thin when fewer than :data:`THIN` live quotes support it
  (rolled up, for a parent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.codebook import Codebook
from models.quote import Quote, QuoteState

#: A theme with fewer live (approved or pending) quotes than this is thin.
THIN = 3

LIVE_STATES = frozenset({QuoteState.PENDING, QuoteState.APPROVED, QuoteState.APPROVED_REDACTED})


@dataclass
class StateCounts:
    """Quotes counted by consent state."""

    pending: int = 0
    approved: int = 0
    withdrawn: int = 0

    def add(self, quote: Quote) -> None:
        """Count one quote under its state (approved includes approved with redactions)."""
        if quote.state is QuoteState.WITHDRAWN:
            self.withdrawn += 1
        elif quote.state is QuoteState.PENDING:
            self.pending += 1
        else:
            self.approved += 1

    @property
    def live(self) -> int:
        """Approved or pending: quotes that may still reach the report."""
        return self.pending + self.approved

    @property
    def total(self) -> int:
        """Every quote, withdrawn included."""
        return self.pending + self.approved + self.withdrawn


@dataclass
class ThemeCount:
    """One theme's counts: ``own`` tagged directly, ``total`` with its children rolled up."""

    theme_id: str
    name: str
    parent_id: str | None
    own: StateCounts = field(default_factory=StateCounts)
    total: StateCounts = field(default_factory=StateCounts)

    @property
    def thin(self) -> bool:
        """True when fewer than :data:`THIN` live quotes support this theme."""
        return self.total.live < THIN


@dataclass
class Overview:
    """Counts per theme (codebook order, children after their parent) and per participant."""

    themes: list[ThemeCount]
    participants: dict[str, StateCounts]
    untagged: StateCounts
    quotes: StateCounts

    @property
    def thin_themes(self) -> list[ThemeCount]:
        """The themes that need more evidence."""
        return [t for t in self.themes if t.thin]


def overview(codebook: Codebook, quotes: Iterable[Quote]) -> Overview:
    """Count ``quotes`` per theme and per participant (see the module docstring)."""
    ordered = []
    for parent in (t for t in codebook.themes if t.parent_id is None):
        ordered.append(parent)
        ordered.extend(t for t in codebook.themes if t.parent_id == parent.id)
    # Children whose parent is missing (never made by the editors) still get a row.
    seen = {t.id for t in ordered}
    ordered.extend(t for t in codebook.themes if t.id not in seen)
    counts = {t.id: ThemeCount(t.id, t.name, t.parent_id) for t in ordered}
    participants: dict[str, StateCounts] = {}
    untagged = StateCounts()
    everything = StateCounts()
    for quote in quotes:
        everything.add(quote)
        participants.setdefault(quote.participant_id, StateCounts()).add(quote)
        rolled_up: set[str] = set()
        for theme_id in dict.fromkeys(quote.theme_ids):
            count = counts.get(theme_id)
            if count is None:
                continue
            count.own.add(quote)
            rolled_up.add(theme_id)
            if count.parent_id in counts:
                rolled_up.add(count.parent_id)  # type: ignore[arg-type]
        for theme_id in rolled_up:
            counts[theme_id].total.add(quote)
        if not rolled_up:
            untagged.add(quote)
    return Overview(
        themes=list(counts.values()),
        participants=participants,
        untagged=untagged,
        quotes=everything,
    )
