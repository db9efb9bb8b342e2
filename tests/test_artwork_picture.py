"""The artwork photo in a participant's review stays within the rows it is given.

The review sizes the photo so that the maker's choices (yes / don't use)
stay on screen below it, at 80x24 too. A photo of a tall, narrow piece (a
scroll, a totem, a phone photo of a doorway mural) must shrink to fit those
rows like any other, not push the choices off the bottom of the screen.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from rich.console import Console

from facilitate.widgets.picture import HalfBlocks


def drawn_lines(width: int, height: int, max_rows: int, columns: int) -> list[str]:
    """The lines a photo of ``width`` x ``height`` pixels is drawn as, ``columns`` wide."""
    # Colours are left out of the captured text, so each line reads as the cells it fills.
    console = Console(width=columns, color_system=None)
    with console.capture() as captured:
        console.print(HalfBlocks(Image.new("RGB", (width, height), "red"), max_rows))
    return captured.get().splitlines()


def test_a_tall_narrow_photo_keeps_to_its_rows() -> None:
    # A scroll 18 pixels wide and 1,200 high (as stored after import) at 80x24.
    lines = drawn_lines(18, 1200, max_rows=8, columns=80)
    assert 1 <= len(lines) <= 8
    assert all("▀" in line for line in lines)


def test_an_ordinary_photo_uses_its_rows() -> None:
    lines = drawn_lines(1200, 900, max_rows=16, columns=100)
    assert len(lines) >= 14  # not shrunk for nothing


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 1200),
    height=st.integers(1, 1200),
    max_rows=st.integers(4, 16),
    columns=st.integers(10, 120),
)
def test_any_photo_fits_its_rows_and_columns(
    width: int, height: int, max_rows: int, columns: int
) -> None:
    lines = drawn_lines(width, height, max_rows, columns)
    assert 1 <= len(lines) <= max_rows
    assert all(len(line.rstrip()) <= columns for line in lines)
