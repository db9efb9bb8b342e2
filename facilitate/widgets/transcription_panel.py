"""Progress of importing and transcribing a recording."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from facilitate.messages import TranscriptionProgress
from models import format_clock

CANCEL_HINT = "x cancels the transcription; the recording is kept"


def eta_text(eta_s: float | None) -> str:
    """A rough, friendly time left ("about 12 s left", "about 3:05 left")."""
    if eta_s is None:
        return "working out time left…"
    if eta_s < 60:
        return f"about {max(1, round(eta_s))} s left"
    return f"about {format_clock(eta_s)} left"


class TranscriptionPanel(Vertical):
    """A stage line, a progress bar and the time left; hidden while idle."""

    def compose(self) -> ComposeResult:
        """Stage above, bar and ETA below."""
        yield Label("", id="stage")
        with Horizontal(id="bar-row"):
            yield ProgressBar(total=None, show_eta=False, id="bar")
            yield Label("", id="eta")
        yield Label(CANCEL_HINT, id="hint")

    def start(self) -> None:
        """Show the panel with an indeterminate bar."""
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#stage", Label).update("Starting…")
        self.query_one("#eta", Label).update("")
        self.query_one("#hint", Label).update(CANCEL_HINT)
        self.remove_class("-cancelling")
        self.display = True

    def stop(self) -> None:
        """Hide the panel."""
        self.display = False

    def cancelling(self) -> None:
        """Say the work is stopping; later progress reports are ignored."""
        self.query_one("#stage", Label).update("Cancelling…")
        self.query_one("#hint", Label).update("stopping after the current segment")
        self.add_class("-cancelling")

    def report(self, progress: TranscriptionProgress) -> None:
        """Show ``progress``."""
        if self.has_class("-cancelling"):
            return
        stage = progress.stage
        if progress.total_s:
            stage += f"  {format_clock(progress.done_s)} of {format_clock(progress.total_s)}"
        if progress.segments:
            stage += f"  · {progress.segments} segments"
        self.query_one("#stage", Label).update(stage)
        bar = self.query_one(ProgressBar)
        if progress.fraction is None:
            bar.update(total=None)
            self.query_one("#eta", Label).update("")
        else:
            bar.update(total=100, progress=round(100 * progress.fraction, 1))
            self.query_one("#eta", Label).update(eta_text(progress.eta_s))
