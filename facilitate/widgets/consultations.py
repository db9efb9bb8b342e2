"""The list of consultations on the home screen."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from facilitate.plain_text import rich_plain, shown
from models import Consultation, Session


@dataclass
class ConsultationSummary:
    """What the home screen shows of one consultation."""

    consultation: Consultation
    sessions: list[Session] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The consultation id."""
        return self.consultation.id


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_prompt(summary: ConsultationSummary) -> Text:
    """The two or three lines that stand for a consultation in the list."""
    consultation = summary.consultation
    prompt = rich_plain(consultation.title, style="bold")
    if consultation.question:
        prompt.append("\n")
        prompt.append(shown(consultation.question, multiline=True), style="italic")
    themes = len(consultation.codebook.themes)
    prompt.append("\n")
    prompt.append(
        f"{_plural(len(summary.sessions), 'session')} · {_plural(themes, 'theme')}",
        style="dim",
    )
    return prompt


class ConsultationList(OptionList):
    """Consultations, one option each; the option id is the consultation id."""

    def show(self, summaries: list[ConsultationSummary], keep: str | None = None) -> None:
        """Replace the list with ``summaries``, keeping ``keep`` highlighted if present."""
        self.clear_options()
        options: list[Option | None] = []
        for summary in summaries:
            if options:
                options.append(None)
            options.append(Option(summary_prompt(summary), id=summary.id))
        self.add_options(options)
        ids = [s.id for s in summaries]
        if ids:
            self.highlighted = ids.index(keep) if keep in ids else 0

    @property
    def highlighted_id(self) -> str | None:
        """The id of the highlighted consultation, or None if the list is empty."""
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id
