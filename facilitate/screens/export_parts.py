"""What the export screen shows and decides, kept apart from the screen itself.

The format groups as the facilitator sees them, the preview of what an export
holds and leaves out, the requests and results the export worker passes, the
one-line error wording, and the "replace these files?" dialog.
"""

from __future__ import annotations

import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from facilitate.screens.forms import FormScreen
from models.anonymise import build_anonymiser, name_conflicts
from models.artwork import ArtworkState, exportable_artwork
from models.export_rules import exportable_quotes, keeps_speech, people_in_session
from models.participant import ContributionState, Participant, RecordingConsent, Role
from models.quote import QuoteState
from models.text import clean_text
from sessions.errors import FacilitateError
from sessions.export import build_content, load_source
from sessions.export.content import ExportContent, plural
from sessions.store import ConsultationStore

#: Where exports go unless the facilitator chooses another folder.
EXPORTS_FOLDER = Path("~") / "facilitate-exports"


@dataclass(frozen=True)
class FormatGroup:
    """A kind of output, and the formats it can be written in (format name, label)."""

    key: str
    label: str
    formats: tuple[tuple[str, str], ...]


#: What can be exported, as the facilitator sees it; covers every export format.
GROUPS = (
    FormatGroup(
        "report",
        "Thematic report",
        (
            ("report-md", "Markdown"),
            ("report-docx", "Word"),
            ("report-html", "HTML"),
            ("report-pdf", "PDF"),
        ),
    ),
    FormatGroup(
        "transcripts",
        "Consented transcripts",
        (
            ("transcript-md", "Markdown"),
            ("transcript-txt", "text"),
            ("transcript-docx", "Word"),
            ("transcript-vtt", "WebVTT"),
            ("transcript-srt", "SRT"),
        ),
    ),
    FormatGroup(
        "analysis",
        "Analysis files",
        (
            ("quotes-csv", "CSV"),
            ("quotes-json", "JSON"),
            ("qdpx", "REFI-QDA .qdpx"),
            ("qdc", "codebook .qdc"),
        ),
    ),
    FormatGroup("audit", "Consent audit log (CSV)", (("audit-csv", "CSV"),)),
)


def slug(text: str, fallback: str = "export") -> str:
    """A folder-safe name: lower-case ASCII words joined by hyphens."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-") or fallback


# -- what the workers hand back ------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """What the facilitator asked for."""

    folder: Path
    formats: tuple[str, ...]
    include_pseudonyms: bool
    session_id: str | None


@dataclass(frozen=True)
class ReplaceNeeded:
    """The export worker stopped before writing: these files are already there."""

    request: ExportRequest
    content: ExportContent
    existing: tuple[str, ...]


@dataclass(frozen=True)
class Written:
    """The export worker wrote these files."""

    folder: Path
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class Preview:
    """What an export will hold and what it leaves out, in counts and pseudonyms."""

    exported: int
    pending: int
    withdrawn: int
    #: Quotes approved but left out all the same (speaker not recorded, nothing left).
    held_back: int
    #: "Birch (did not agree to be recorded)", one per person left out of transcripts.
    left_out: tuple[str, ...]
    #: A pseudonym that contains a hidden name, if any.
    clash: str | None
    #: Artwork photos: (shown, not decided yet, not to be used).
    artwork: tuple[int, int, int] = (0, 0, 0)

    def lines(self) -> Content:
        """The preview as two or three lines for the screen."""
        quotes = f"{plural(self.exported, 'approved quote')} will be exported"
        others = []
        if self.pending:
            others.append(f"{self.pending} pending")
        if self.withdrawn:
            others.append(f"{self.withdrawn} withdrawn")
        if self.held_back:
            others.append(f"{self.held_back} approved but not consented")
        if others:
            verb = "is" if self.pending + self.withdrawn + self.held_back == 1 else "are"
            quotes += f"; {' and '.join(others)} {verb} left out"
        if self.left_out:
            people = "leave out " + ", ".join(clean_text(p) for p in self.left_out) + "."
        else:
            people = "everyone's contributions are approved and included."
        parts: list[str | tuple[str, str]] = [
            ("Quotes: ", "bold"),
            quotes + ".\n",
            ("Transcripts: ", "bold"),
            people,
        ]
        if any(self.artwork):
            shown, undecided, declined = self.artwork
            parts += [("\nArtwork: ", "bold"), self._artwork_line(shown, undecided, declined)]
        if self.clash:
            parts.append(
                (
                    f"\n⚠ The pseudonym “{clean_text(self.clash)}” contains a hidden name: "
                    "change it, or leave out pseudonyms too.",
                    "bold $text-warning",
                )
            )
        return Content.assemble(*parts)


    @staticmethod
    def _artwork_line(shown: int, undecided: int, declined: int) -> str:
        """E.g. "2 photos will be shown; 1 not decided yet is left out"."""
        line = f"{plural(shown, 'photo')} will be shown"
        others = [f"{n} {what}" for n, what in ((undecided, "not decided yet"),
                                                 (declined, "not to be used")) if n]
        if others:
            line += f"; {' and '.join(others)} {'is' if undecided + declined == 1 else 'are'} "
            line += "left out"
        return line + "."


def _reasons(person: Participant, session_ids: list[str]) -> list[str]:
    """Why ``person``'s transcript speech in these sessions is left out (if it is)."""
    reasons: list[str] = []
    for session_id in session_ids:
        if keeps_speech(person, session_id):
            continue
        consent = person.consent_for(session_id)
        if consent is RecordingConsent.NO:
            reason = "did not agree to be recorded"
        elif consent is RecordingConsent.UNASKED:
            reason = "not asked about recording"
        elif person.contribution_for(session_id) is ContributionState.WITHDRAWN:
            reason = "withdrew their transcript"
        else:
            reason = "transcript not yet reviewed"
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def build_preview(store: ConsultationStore, session_id: str | None) -> Preview:
    """Count what an export of the consultation (or one session) holds and leaves out."""
    source = load_source(store, session_id)
    sessions = source.sessions
    session_ids = [s.id for s in sessions]
    quotes = [q for q in source.quotes if q.session_id in session_ids]
    exported = exportable_quotes(quotes, source.participants, sessions, source.segments)
    pending = sum(q.state is QuoteState.PENDING for q in quotes)
    withdrawn = sum(q.state is QuoteState.WITHDRAWN for q in quotes)
    approved = sum(q.exportable for q in quotes)
    left_out: list[str] = []
    for person in source.participants:
        present = [s.id for s in sessions if person in people_in_session(s, [person])]
        # Only people who said something: silence left out is nothing left out.
        spoke = [
            sid
            for sid in present
            if any(seg.speaker_id == person.id for seg in source.segments.get(sid, []))
        ]
        reasons = _reasons(person, spoke)
        if reasons:
            role = " (facilitator)" if person.role is Role.FACILITATOR else ""
            left_out.append(f"{person.pseudonym}{role} ({'; '.join(reasons)})")
    anonymiser = build_anonymiser(
        source.consultation.hide_names, source.participants,
        allow=source.consultation.keep_words,
    )
    clashes = name_conflicts(anonymiser, [p.pseudonym for p in source.participants])
    pieces = [a for a in source.artwork if a.session_id in session_ids]
    shown = exportable_artwork(pieces, source.participants, session_ids)
    return Preview(
        exported=len(exported),
        pending=pending,
        withdrawn=withdrawn,
        held_back=approved - len(exported),
        left_out=tuple(left_out),
        clash=clashes[0] if clashes else None,
        artwork=(
            len(shown),
            sum(a.state is ArtworkState.PENDING for a in pieces),
            len(pieces) - len(shown) - sum(a.state is ArtworkState.PENDING for a in pieces),
        ),
    )


def prepare_content(store: ConsultationStore, request: ExportRequest) -> ExportContent:
    """Read and decide what the export shows; a pseudonym clash is a plain error."""
    source = load_source(store, request.session_id)
    if request.include_pseudonyms:
        anonymiser = build_anonymiser(
            source.consultation.hide_names, source.participants,
            allow=source.consultation.keep_words,
        )
        clashes = name_conflicts(anonymiser, [p.pseudonym for p in source.participants])
        if clashes:
            raise FacilitateError(
                f"The pseudonym “{clashes[0]}” contains a hidden name; change the "
                "pseudonym, or tick “Leave out pseudonyms too”."
            )
    return build_content(
        source, session_id=request.session_id, include_pseudonyms=request.include_pseudonyms
    )


def error_line(error: BaseException | None, folder: Path | None) -> str:
    """One line that says what went wrong with an export, in the facilitator's words."""
    where = str(folder) if folder is not None else "the folder"
    if isinstance(error, PermissionError):
        return f"No permission to write to {where}; choose another folder."
    if isinstance(error, FacilitateError):
        return str(error)
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return f"Cannot write to {where}: {reason}."
    return f"Something went wrong: {error!r}"


def folder_opener() -> list[str] | None:
    """The command that opens a folder in the desktop's file manager, if there is one."""
    name = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(name)
    return [found] if found else None


# -- dialogs -------------------------------------------------------------------


class ReplaceDialog(FormScreen[bool]):
    """Ask before replacing files already in the folder; No is the default."""

    compact_below = 16
    BINDINGS = [
        Binding("escape,n", "cancel", "No"),
        Binding("y", "submit", "Replace"),
    ]

    def __init__(self, folder: Path, existing: tuple[str, ...]) -> None:
        super().__init__()
        self.folder = folder
        self.existing = existing
        self.heading = f"Replace {plural(len(existing), 'file')}?"

    def compose(self) -> ComposeResult:
        """The files that would be replaced, and Replace / No."""
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = self.heading
            with VerticalScroll(classes="dialog-body", can_focus=False):
                shown = ", ".join(self.existing[:6])
                more = len(self.existing) - 6
                if more > 0:
                    shown += f" and {more} more"
                yield Static(
                    Text.assemble(
                        f"{self.folder} already holds ",
                        (shown, "bold"),
                        ". Replace them with this export?",
                    ),
                    classes="dialog-note",
                    id="replace-message",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Replace", variant="warning", id="submit")
                yield Button("No", id="cancel")

    def on_mount(self) -> None:
        """No is focused, so a stray enter replaces nothing."""
        self.query_one("#cancel", Button).focus()

    def collect(self) -> bool | None:
        """Replace."""
        return True
