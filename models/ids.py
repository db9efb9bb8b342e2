"""Short, readable identifiers for entities."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """Return a new id such as ``s-3f9a2c1d``: a kind prefix and 8 hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"
