"""Small helpers for the words people read: counts that agree with their nouns."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """E.g. "1 quote", "3 quotes", "2 people" (with ``many``)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
