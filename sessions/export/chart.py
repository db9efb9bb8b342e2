"""The "themes at a glance" chart: approved quotes and people per theme, as a PNG.

matplotlib is imported here only, when a report is written, so the app and the
command line start without it. It draws on a bare Figure with the Agg canvas
(no pyplot: no window, no display, no global state shared between threads)
and keeps its font cache in a private temporary folder rather than the
user's home, since nothing of an export should linger elsewhere.
"""

from __future__ import annotations

import io
import os
import tempfile
import textwrap
from collections.abc import Sequence
from typing import Any

_config_dir: tempfile.TemporaryDirectory[str] | None = None

#: Colours that stay apart in greyscale print: quotes dark, people light.
QUOTES_COLOUR = "#2f5d50"
PEOPLE_COLOUR = "#9cc3b2"


def _figure(width: float, height: float) -> Any:
    """A matplotlib Figure on the Agg canvas, its font cache in a private temporary folder."""
    global _config_dir
    if "MPLCONFIGDIR" not in os.environ:
        # The folder is made 0700; it goes when the process ends.
        _config_dir = tempfile.TemporaryDirectory(prefix="facilitate-mpl-")
        os.environ["MPLCONFIGDIR"] = _config_dir.name
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    return figure


def theme_chart(rows: Sequence[tuple[str, int, int]]) -> bytes:
    """A horizontal bar chart of (theme, quotes, people) rows, as PNG bytes."""
    names = [_short(name) for name, _, _ in rows][::-1]
    quotes = [q for _, q, _ in rows][::-1]
    people = [p for _, _, p in rows][::-1]
    fig = _figure(7.0, 1.2 + 0.42 * max(len(rows), 1))
    ax = fig.add_subplot()
    positions = range(len(rows))
    bar = 0.38
    ax.barh([p + bar / 2 for p in positions], quotes, bar, label="Approved quotes",
            color=QUOTES_COLOUR)
    ax.barh([p - bar / 2 for p in positions], people, bar, label="People", color=PEOPLE_COLOUR)
    # Theme names are typed text: "$5 fares$" must not be set as a formula.
    ax.set_yticks(list(positions), names, fontsize=9, parse_math=False)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    # Above the bars, where it can never hide one.
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    out = io.BytesIO()
    # No metadata: matplotlib otherwise stamps its name and version into the file.
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _short(name: str, limit: int = 38) -> str:
    """A theme name short enough for the chart's axis."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


#: Reached dark, reference light, as the theme chart pairs its bars.
REACHED_COLOUR = QUOTES_COLOUR
REFERENCE_COLOUR = "#c9c9c9"
#: Labels of under-reached groups stand out in a colour that still reads in greyscale.
UNDER_COLOUR = "#a33b20"


def reach_figure(groups: Sequence[Any]) -> Any:
    """Reached against reference shares per group, side by side, as a matplotlib Figure.

    ``groups`` are :class:`~sessions.export.reach_section.ChartGroup`: a group
    whose reached share is None gets no reached bar and no figure, only its
    reference bar and a label saying why.
    """

    def label(text: str) -> str:
        # A long group name is cut short; its notes ("not shown ...") never are.
        name, _, notes = text.partition(" — ")
        wrapped = textwrap.fill(name, 32, max_lines=2, placeholder="…")
        return wrapped + (f"\n{textwrap.fill(notes, 32)}" if notes else "")

    labels = [label(g.label) for g in groups][::-1]
    ordered = list(groups)[::-1]
    lines = sum(text.count("\n") + 1 for text in labels)
    # About the width it is printed at (15 cm), so its type prints at its size.
    fig = _figure(6.0, 1.3 + 0.28 * lines + 0.2 * len(groups))
    ax = fig.add_subplot()
    bar = 0.38
    shown = [(n, g.reached) for n, g in enumerate(ordered) if g.reached is not None]
    # Only groups whose share the table shows are handed to matplotlib at all.
    reached = ax.barh([n + bar / 2 for n, _ in shown], [s for _, s in shown], bar,
                      color=REACHED_COLOUR)
    reference = ax.barh([n - bar / 2 for n in range(len(ordered))],
                        [g.reference for g in ordered], bar, color=REFERENCE_COLOUR)
    ax.bar_label(reached, fmt="%.0f%%", padding=2, fontsize=7)
    ax.bar_label(reference, fmt="%.0f%%", padding=2, fontsize=7, color="#555555")
    # Labels are text, never matplotlib's "$...$" mathematics.
    ax.set_yticks(list(range(len(ordered))), labels, fontsize=8, parse_math=False)
    for tick, group in zip(ax.get_yticklabels(), ordered, strict=True):
        if group.under_reached:
            tick.set_color(UNDER_COLOUR)
            tick.set_fontweight("bold")
    top = max([g.reference for g in ordered] + [s for _, s in shown] + [10.0])
    # Room for the figures at the bars' ends.
    ax.set_xlim(0, min(112.0, top * 1.15 + 5))
    ax.set_xlabel("Share of people (%)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    # Drawn keys, not the bars': with every reached share hidden there is no
    # reached bar to take its colour from.
    from matplotlib.patches import Patch

    keys = [Patch(color=REACHED_COLOUR, label="Reached"),
            Patch(color=REFERENCE_COLOUR, label="Reference")]
    ax.legend(handles=keys, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=8,
              frameon=False)
    fig.tight_layout()
    return fig


def reach_chart(groups: Sequence[Any]) -> bytes:
    """:func:`reach_figure` as PNG bytes."""
    out = io.BytesIO()
    reach_figure(groups).savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
