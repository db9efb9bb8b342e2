"""The time stamps stored with consent decisions and records."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    """The current time, to the second, as an ISO 8601 string with its UTC offset."""
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")
