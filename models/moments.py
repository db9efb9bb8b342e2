"""Moments in a recording: time intervals, and whether a word touches one."""

from __future__ import annotations

import bisect
from collections.abc import Iterable


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    # Exact equality catches zero-length words, which a strict overlap test misses.
    return (a_start < b_end and b_start < a_end) or (a_start == b_start and a_end == b_end)


class Moments:
    """Time intervals (a word's span, a strike) with a fast "does this word touch one?"."""

    def __init__(self, spans: Iterable[tuple[float, float]] = ()) -> None:
        ordered = sorted((min(s, e), max(s, e)) for s, e in spans)
        self._starts = [s for s, _ in ordered]
        self._ends = [e for _, e in ordered]
        # Running maximum of ends: lets the backward scan stop early.
        self._reach: list[float] = []
        for end in self._ends:
            self._reach.append(max(end, self._reach[-1]) if self._reach else end)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def touches(self, start: float, end: float) -> bool:
        """True when ``start``..``end`` overlaps (or exactly equals) any interval."""
        index = bisect.bisect_right(self._starts, end) - 1
        while index >= 0 and self._reach[index] >= start:
            if _overlap(start, end, self._starts[index], self._ends[index]):
                return True
            index -= 1
        return False
