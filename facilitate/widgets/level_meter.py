"""A one-line input level meter for the run screen."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

#: The quietest level the meter shows, in dB below full scale.
FLOOR_DB = -60.0


def level_db(level: float) -> float:
    """An RMS level (0..1 of full scale) in dBFS, floored at :data:`FLOOR_DB`."""
    if level <= 0:
        return FLOOR_DB
    return max(FLOOR_DB, 20 * math.log10(level))


class LevelMeter(Widget):
    """A bar from -60 dBFS to 0: green for speech, amber when loud, red near clipping."""

    DEFAULT_CSS = """
    LevelMeter {
        height: 1;
        width: 1fr;
    }
    """

    level: reactive[float] = reactive(0.0)
    """The input's RMS level, 0..1 of full scale."""

    def render(self) -> Text:
        """The label, the bar and the level in dB."""
        db = level_db(self.level)
        label = "Level "
        value = f" {db:4.0f} dB" if db > FLOOR_DB else "   —    "
        width = max(4, self.size.width - len(label) - len(value))
        filled = round((db - FLOOR_DB) / -FLOOR_DB * width)
        green, amber = round(width * 0.8), round(width * 0.95)
        bar = Text(label, style="dim")
        for cell in range(width):
            if cell >= filled:
                bar.append("░", style="dim")
            else:
                bar.append("█", style="green" if cell < green else
                           "yellow" if cell < amber else "red")
        bar.append(value, style="dim")
        return bar
