"""People's words on screen: always as text, never as markup or terminal codes.

A title, a pseudonym or a transcript line may hold ``[/x]`` (which would stop
the app), ``[@click=app.quit]`` (which would run an action), ``[laughs]`` or
``[redacted]`` (which would vanish) or an escape sequence (which would reach
the terminal). Widgets are given :class:`~textual.content.Content` or
:class:`~rich.text.Text` built here, or our own markup with the people's
words filled in as plain text (:func:`fill`); never a string built from them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from models.text import clean_text


def shown(text: str, multiline: bool = False) -> str:
    """``text`` as the screen may show it: control characters and escapes taken out."""
    return clean_text(text, multiline)


def plain(text: str, style: str = "", multiline: bool = False) -> Content:
    """``text`` as literal content (optionally styled), whatever brackets it holds."""
    content = Content(clean_text(text, multiline))
    return content.stylize(style) if style else content


def rich_plain(text: str, style: str = "", multiline: bool = False, **options: Any) -> Text:
    """``text`` as a literal Rich ``Text`` (for tables and other Rich renderables)."""
    return Text(clean_text(text, multiline), style=style, **options)


def fill(template: str, **values: object) -> Content:
    """Our markup ``template`` with each ``$name`` replaced by a value, as plain text.

    ``fill("[b]$title[/b] at $venue", title=..., venue=...)``: the template's
    own styles apply; nothing in the values is read as markup.
    """
    return Content.from_markup(
        template, **{name: clean_text(str(value), True) for name, value in values.items()}
    )
