"""Short, readable identifiers for entities."""

from __future__ import annotations

import re
import secrets

#: What an id looks like: a kind prefix, a dash, and lowercase letters or digits
#: (``new_id`` makes 8 hex digits). Nothing else, so an id is always safe as a
#: file name: no dots, slashes or backslashes, however the store was edited.
ID_PATTERN = re.compile(r"[a-z]{1,8}-[0-9a-z]{1,32}")


def new_id(prefix: str) -> str:
    """Return a new id such as ``s-3f9a2c1d``: a kind prefix and 8 hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


def is_id(text: object) -> bool:
    """Whether ``text`` has the shape of an id (see ``ID_PATTERN``)."""
    return isinstance(text, str) and ID_PATTERN.fullmatch(text) is not None
