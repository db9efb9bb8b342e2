"""A photo drawn in the terminal with half-block characters, or its description instead.

Each character cell shows two pixels, one above the other: the upper half
block "▀" in the top pixel's colour on the bottom pixel's colour. It needs
only a colour terminal, no graphics protocol; on a terminal without colour
(or when the picture cannot be read) the description is shown in its place.
"""

from __future__ import annotations

import io
from typing import Any

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from facilitate.plain_text import shown

#: Colour systems that can draw a picture (a 16-colour one draws it roughly, shapes kept).
COLOUR_TERMINALS = ("truecolor", "256", "standard", "windows")


class HalfBlocks:
    """A Rich renderable of an image, ``max_rows`` rows high at most."""

    def __init__(self, image: Any, max_rows: int = 16) -> None:
        self.image = image
        self.max_rows = max_rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Two pixel rows per line of text, scaled to the width available."""
        from PIL import Image

        w, h = self.image.size
        # Terminal cells are about twice as tall as wide, and each holds two pixel rows.
        width = max(1, min(options.max_width, round(w * self.max_rows * 2 / max(h, 1))))
        # A tall, narrow piece is already one column wide; it is squeezed rather than
        # allowed to grow past its rows and push the maker's choices off the screen.
        rows = max(1, min(self.max_rows, round(h * width / max(w, 1) / 2)))
        small = self.image.resize((width, rows * 2), Image.Resampling.BILINEAR)
        pixels = small.load()
        margin = Segment(" " * ((options.max_width - width) // 2))  # centred
        for y in range(0, rows * 2, 2):
            yield margin
            for x in range(width):
                top, bottom = pixels[x, y], pixels[x, y + 1]
                yield Segment(
                    "▀", Style(color=Color.from_rgb(*top[:3]), bgcolor=Color.from_rgb(*bottom[:3]))
                )
            yield Segment.line()


class Picture(Static):
    """Shows an artwork photo, with its description beneath (or alone, where it must)."""

    DEFAULT_CSS = """
    Picture { height: auto; width: 100%; content-align: center top; }
    """

    def show(self, image: bytes | None, description: str, max_rows: int = 16) -> None:
        """Draw ``image`` (JPEG or PNG bytes) above ``description``."""
        caption = Text(shown(description) or "A photo of your work.", style="bold",
                       justify="center")
        drawn = None
        if image is not None and self.app.console.color_system in COLOUR_TERMINALS:
            drawn = _decode(image)
        if drawn is None:
            self.update(caption)
            return
        from rich.console import Group

        self.update(Group(HalfBlocks(drawn, max_rows), caption))


def _decode(data: bytes) -> Any:
    """The image in ``data`` as RGB, or None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            return opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
