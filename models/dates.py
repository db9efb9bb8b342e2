"""Dates written as people write them in a report: 1 December 2026."""

from __future__ import annotations

import re

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)
_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")


def long_date(text: str) -> str:
    """``2026-12-01`` or ``2026-12-01T13:14:45+00:00`` as ``1 December 2026``.

    Anything that does not start with a valid ISO day is returned unchanged,
    since a facilitator may have typed "spring 2026".
    """
    found = _ISO_DAY.match(text)
    if found is None:
        return text
    year, month, day = (int(g) for g in found.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return text
    return f"{day} {_MONTHS[month - 1]} {year}"


def date_span(dates: list[str]) -> str:
    """The days ``dates`` cover: "1 December 2026" or "1 to 14 December 2026" and so on."""
    days = sorted({d for d in dates if d})
    if not days:
        return ""
    first, last = long_date(days[0]), long_date(days[-1])
    if first == last:
        return first
    a, b = first.split(" "), last.split(" ")
    if len(a) == 3 and len(b) == 3 and _ISO_DAY.match(days[0]) and _ISO_DAY.match(days[-1]):
        if a[2] == b[2] and a[1] == b[1]:
            return f"{a[0]} to {last}"
        if a[2] == b[2]:
            return f"{a[0]} {a[1]} to {last}"
    return f"{first} to {last}"
