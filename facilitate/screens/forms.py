"""Modal forms: new consultation, new session, import audio.

Each form checks its fields itself, shows what is wrong under the field, and
dismisses with a small draft of what was typed (or None when cancelled). The
screen that opened it does the work with the services.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from facilitate.plain_text import fill, plain
from models import ActivityKind
from models.participant import pseudonym_problem

CODEBOOKS: list[tuple[str, str]] = [
    ("Ten characteristics of a good service", "ten-characteristics"),
    ("Empty: add themes as they emerge", "empty"),
]


@dataclass
class ConsultationDraft:
    """What the new-consultation form collected."""

    title: str
    question: str = ""
    codebook: str = "ten-characteristics"
    #: When given, the consultation is encrypted from its first byte.
    passphrase: str = ""


@dataclass
class SessionDraft:
    """What the new-session form collected."""

    title: str
    venue: str = ""
    activity: ActivityKind = ActivityKind.DISCUSSION
    date: str = ""
    participants: list[str] = field(default_factory=list)
    facilitators: list[str] = field(default_factory=list)


ResultType = TypeVar("ResultType")


class FormScreen(ModalScreen[ResultType | None], Generic[ResultType]):
    """A dialog with a title, labelled fields, inline errors and Create/Cancel."""

    CSS_PATH = "forms.tcss"
    AUTO_FOCUS = "Input, Select"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save", show=False),
    ]

    #: Below this many rows the fields and buttons lose their borders so all fit.
    compact_below = 34
    #: Shown at the top of the dialog.
    heading = ""
    #: The label of the button that submits.
    submit_label = "Create"

    def compose(self) -> ComposeResult:
        """The dialog frame around the fields of the subclass."""
        with Vertical(classes="dialog") as dialog:
            # Headings and labels may name a theme or a person: text, never markup.
            dialog.border_title = plain(self.heading)
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield from self.compose_fields()
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.submit_label, variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def compose_fields(self) -> ComposeResult:
        """The form's fields; subclasses yield them with :meth:`field`."""
        yield from ()

    def on_resize(self, event: events.Resize) -> None:
        """Go compact in a short terminal, so the buttons stay on screen."""
        compact = event.size.height < self.compact_below
        self.set_class(compact, "-compact")
        for widget in self.query("Input, Select, Button"):
            widget.compact = compact  # type: ignore[attr-defined]

    @staticmethod
    def field(label: str, widget: Input | Select[object], name: str) -> ComposeResult:
        """A label, the widget and an (empty until needed) error line."""
        with Vertical(classes="field"):
            yield Label(plain(label), classes="field-label")
            yield widget
            yield Static("", id=f"{name}-error", classes="field-error")

    def show_error(self, name: str, message: str) -> None:
        """Show ``message`` under the field ``name`` (or clear it with "")."""
        error = self.query_one(f"#{name}-error", Static)
        # Messages quote what was typed (a pseudonym, a path): text, never markup.
        error.update(plain(message))
        error.set_class(bool(message), "-shown")

    def focus_field(self, name: str) -> None:
        """Put the cursor at the end of the Input ``#name``, nothing selected.

        Focusing a field selects all its text (for typing over it); after an error,
        a first Backspace would then wipe what the facilitator meant to correct
        (a whole list of pseudonyms, a long path).
        """
        field = self.query_one(f"#{name}", Input)
        # From now on this field keeps its text when focused: it holds a correction.
        field.select_on_focus = False
        field.cursor_position = len(field.value)
        field.focus()

    def value(self, name: str) -> str:
        """The stripped text of the Input ``#name``."""
        return self.query_one(f"#{name}", Input).value.strip()

    def collect(self) -> ResultType | None:
        """Check the fields; return the draft, or None after showing what is wrong."""
        raise NotImplementedError

    @on(Button.Pressed, "#submit")
    @on(Input.Submitted)
    def action_submit(self) -> None:
        """Finish with the draft when every field is fine."""
        draft = self.collect()
        if draft is not None:
            self.finish(draft)

    def finish(self, draft: ResultType) -> None:
        """Close with ``draft``; a form that must check more first overrides this."""
        self.dismiss(draft)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)


class NewConsultationScreen(FormScreen[ConsultationDraft]):
    """Ask for a new consultation's title, question and codebook."""

    compact_below = 26

    heading = "New consultation"

    def compose_fields(self) -> ComposeResult:
        """Title, question, codebook template."""
        yield from self.field(
            "Title", Input(placeholder="e.g. Day services review", id="title"), "title"
        )
        yield from self.field(
            "Question (optional)",
            Input(placeholder="What are we asking people?", id="question"),
            "question",
        )
        yield from self.field(
            "Codebook",
            Select(CODEBOOKS, value="ten-characteristics", allow_blank=False, id="codebook"),
            "codebook",
        )
        yield from self.field(
            "Passphrase (optional: encrypts it on this laptop)",
            Input(password=True, placeholder="leave empty for none", id="passphrase"),
            "passphrase",
        )

    def collect(self) -> ConsultationDraft | None:
        """Title is required; the rest is optional (a passphrase must be long enough)."""
        from sessions.encryption import MIN_PASSPHRASE

        title = self.value("title")
        self.show_error("title", "" if title else "A consultation needs a title.")
        if not title:
            self.focus_field("title")
            return None
        passphrase = self.query_one("#passphrase", Input).value
        short = 0 < len(passphrase) < MIN_PASSPHRASE
        self.show_error("passphrase", f"Use at least {MIN_PASSPHRASE} characters, or none."
                        if short else "")
        if short:
            self.focus_field("passphrase")
            return None
        codebook = self.query_one("#codebook", Select).value
        return ConsultationDraft(
            title=title,
            question=self.value("question"),
            codebook=str(codebook) if codebook is not Select.NULL else "ten-characteristics",
            passphrase=passphrase,
        )


def split_names(text: str) -> list[str]:
    """Comma-separated names, stripped, blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def repeated_name(names: list[str]) -> str | None:
    """The first name given twice (ignoring case), or None."""
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            return name
        seen.add(name.casefold())
    return None


class NewSessionScreen(FormScreen[SessionDraft]):
    """Plan a session in a consultation: what, where, when and who."""

    heading = "New session"

    def __init__(self, consultation_title: str, today: datetime.date | None = None) -> None:
        super().__init__()
        self.consultation_title = consultation_title
        self.today = today or datetime.date.today()

    def compose_fields(self) -> ComposeResult:
        """Title, venue, activity, date, participants, facilitator."""
        yield Label(fill("in $title", title=self.consultation_title), classes="dialog-subtitle")
        yield from self.field(
            "Title", Input(placeholder="e.g. Painting at the Hub", id="title"), "title"
        )
        yield from self.field(
            "Venue", Input(placeholder="e.g. Riverside community centre", id="venue"), "venue"
        )
        activities = [(kind.value.capitalize(), kind) for kind in ActivityKind]
        yield from self.field(
            "Activity",
            Select(activities, value=ActivityKind.DISCUSSION, allow_blank=False, id="activity"),
            "activity",
        )
        yield from self.field("Date (YYYY-MM-DD)", Input(self.today.isoformat(), id="date"), "date")
        yield from self.field(
            "Participants: pseudonyms, comma separated",
            Input(placeholder="e.g. Ash, Birch, Cedar", id="participants"),
            "participants",
        )
        yield from self.field(
            "Facilitator",
            Input(placeholder="Your name as it should appear", id="facilitator"),
            "facilitator",
        )

    def collect(self) -> SessionDraft | None:
        """Title is required, the date must be a real date, pseudonyms unique."""
        problems: dict[str, str] = {}
        title = self.value("title")
        if not title:
            problems["title"] = "A session needs a title."
        date = self.value("date")
        if date:
            try:
                date = datetime.date.fromisoformat(date).isoformat()
            except ValueError:
                problems["date"] = "Write the date as YYYY-MM-DD, e.g. 2024-05-17."
        participants = split_names(self.value("participants"))
        twice = repeated_name(participants)
        if twice:
            problems["participants"] = f"{twice} is listed twice; each pseudonym once."
        wrong = next((name for name in participants if pseudonym_problem(name)), None)
        if wrong is not None:
            # In a list, say which one: "this one" alone does not.
            which = wrong if len(wrong) <= 24 else wrong[:23] + "…"
            problems["participants"] = f"{which}: {pseudonym_problem(wrong)}"
        for name in ("title", "date", "participants"):
            self.show_error(name, problems.get(name, ""))
        if problems:
            self.focus_field(next(iter(problems)))
            return None
        activity = self.query_one("#activity", Select).value
        return SessionDraft(
            title=title,
            venue=self.value("venue"),
            activity=(
                ActivityKind(activity) if activity is not Select.NULL else ActivityKind.DISCUSSION
            ),
            date=date,
            participants=participants,
            facilitators=split_names(self.value("facilitator")),
        )


def clean_path(text: str) -> str:
    """A path as typed or dropped into a terminal: without quotes or escaped spaces."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text.replace("\\ ", " ")


def audio_path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be imported, in one line, or None if it may be.

    The same check as the command line's: a named pipe, a device, a socket, a
    folder or a link loop each get their own line, at once.
    """
    from sessions.audio import file_problem

    problem = file_problem(path)
    return f"{problem}." if problem and not problem.endswith(".") else problem


#: The worker group of the import dialog's audio check.
PROBE = "probe-audio"


class ImportAudioScreen(FormScreen[Path]):
    """Ask for the path of a recording made elsewhere.

    The file is checked here (:func:`sessions.audio.probe_audio` reads only its
    header) so a file that is not audio is a line under the field, and the
    dialog stays open for another try.
    """

    compact_below = 20

    heading = "Import audio"
    submit_label = "Import"

    def __init__(self, session_title: str) -> None:
        super().__init__()
        self.session_title = session_title

    def compose_fields(self) -> ComposeResult:
        """One path field."""
        yield Label(fill("into $title", title=self.session_title), classes="dialog-subtitle")
        yield from self.field(
            "Audio file (WAV, FLAC, MP3, OGG…)",
            Input(placeholder="~/Recordings/session.wav", id="path"),
            "path",
        )
        yield Static(
            "The file is copied into the workspace and transcribed on this laptop.",
            classes="dialog-note",
        )

    def collect(self) -> Path | None:
        """The path must name a readable, non-empty file."""
        text = clean_path(self.query_one("#path", Input).value)
        if not text:
            self.show_error("path", "Type the path of an audio file.")
            return None
        path = Path(text).expanduser()
        problem = audio_path_problem(path)
        self.show_error("path", problem or "")
        return None if problem else path.resolve()

    @property
    def checking(self) -> bool:
        """True while the audio check runs."""
        return self.app.jobs.is_running(self.job_name)

    @property
    def job_name(self) -> str:
        """The app's name for this dialog's audio check."""
        return f"{PROBE}:{id(self)}"

    def finish(self, draft: Path) -> None:
        """Check that the file really is audio before closing."""
        if self.checking:
            return
        self.show_error("path", "")
        self.query_one("#submit", Button).disabled = True
        self.query_one("#submit", Button).label = "Checking…"
        self.app.run_job(
            self.job_name,
            lambda: self.probe(draft),
            owner=self,
            on_success=self._probed,
            on_cancel=self._checked,
            on_failure=self._not_audio,
            toast_failure=False,  # the line goes under the field
        )

    def probe(self, path: Path) -> Path:
        """Read the file's header in the background (a slow disk must not freeze the UI)."""
        from sessions.audio import probe_audio

        probe_audio(path)
        return path

    def _checked(self) -> None:
        """The check has ended: the button is back."""
        submit = self.query_one("#submit", Button)
        submit.disabled = False
        submit.label = self.submit_label

    def _probed(self, path: Path) -> None:
        self._checked()
        self.dismiss(path)

    def _not_audio(self, line: str) -> None:
        self._checked()
        self.show_error("path", line)
        self.focus_field("path")
