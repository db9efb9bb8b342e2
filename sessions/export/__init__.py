"""Export only what was consented: reports, transcripts, data and REFI-QDA files.

The one entry point is :func:`export_all`. It reads the consultation from its
store, asks :mod:`models.export_rules` what may leave the laptop, anonymises
every string once (:func:`sessions.export.content.build_content`), and writes
each chosen format atomically into a private folder. No existing file is ever
replaced unless ``overwrite`` is set, and that is checked for every file
before the first is written, so a refused export leaves nothing half-done.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sessions.atomic import atomic_write_bytes, remove_stale_temps
from sessions.errors import Cancelled, FacilitateError, WouldOverwrite
from sessions.export.content import (
    ExportContent,
    ExportSource,
    SessionEntry,
    build_content,
    load_source,
)
from sessions.locations import PRIVATE_DIR
from sessions.store import ConsultationStore

REPORT_FORMATS = ("report-md", "report-html", "report-docx")
TRANSCRIPT_FORMATS = (
    "transcript-md",
    "transcript-txt",
    "transcript-docx",
    "transcript-vtt",
    "transcript-srt",
)
DATA_FORMATS = ("quotes-csv", "quotes-json", "audit-csv")
QDA_FORMATS = ("qdpx", "qdc")
#: Every format, in the order they are written.
FORMATS = REPORT_FORMATS + TRANSCRIPT_FORMATS + DATA_FORMATS + QDA_FORMATS
#: Names that stand for several formats.
FORMAT_GROUPS = {
    "all": FORMATS,
    "report": REPORT_FORMATS,
    "transcripts": TRANSCRIPT_FORMATS,
    "data": DATA_FORMATS,
    "qda": QDA_FORMATS,
}

__all__ = [
    "FORMATS",
    "FORMAT_GROUPS",
    "ExportProgress",
    "ExportSource",
    "build_content",
    "expand_formats",
    "export_all",
    "export_source",
    "load_source",
    "plan_files",
    "write_content",
]


@dataclass(frozen=True)
class ExportProgress:
    """How far an export has got: ``done`` of ``total`` files, the last one ``path``."""

    done: int
    total: int
    path: Path | None = None

    @property
    def fraction(self) -> float:
        """Progress from 0 to 1."""
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[ExportProgress], None]


def expand_formats(formats: Iterable[str] | None) -> list[str]:
    """Turn format names and group names into the formats to write, in a stable order."""
    chosen: set[str] = set()
    for name in formats or ("all",):
        key = name.strip().lower()
        if key in FORMAT_GROUPS:
            chosen.update(FORMAT_GROUPS[key])
        elif key in FORMATS:
            chosen.add(key)
        else:
            known = ", ".join([*FORMAT_GROUPS, *FORMATS])
            raise FacilitateError(f"Unknown export format {name!r}; choose from {known}.")
    return [f for f in FORMATS if f in chosen]


def _slug(text: str, fallback: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-")
    return slug or fallback


def _transcript_name(session: SessionEntry, extension: str) -> str:
    # Built from the anonymised title, so no hidden name reaches a file name.
    return f"transcript-{session.index:02d}-{_slug(session.title, 'session')}.{extension}"


Renderer = Callable[[], bytes | None]


def _renderers(content: ExportContent, fmt: str) -> list[tuple[str, Renderer]]:
    """(file name, renderer) pairs for one format; renderers import only what they need."""
    from sessions.export import data, refi_qda, report, transcripts

    def text(render: Callable[[], str]) -> Renderer:
        return lambda: render().encode("utf-8")

    if fmt == "report-md":
        return [("report.md", text(lambda: report.render_markdown(content)))]
    if fmt == "report-html":
        return [("report.html", text(lambda: report.render_html(content)))]
    if fmt == "report-docx":
        return [("report.docx", lambda: report.render_docx(content))]
    if fmt in TRANSCRIPT_FORMATS:
        kind = fmt.removeprefix("transcript-")
        pick: dict[str, Callable[[SessionEntry], str | bytes]] = {
            "md": transcripts.render_markdown,
            "txt": transcripts.render_text,
            "docx": transcripts.render_docx,
            "vtt": transcripts.render_vtt,
            "srt": transcripts.render_srt,
        }
        render = pick[kind]

        def one(session: SessionEntry) -> Renderer:
            def run() -> bytes:
                result = render(session)
                return result if isinstance(result, bytes) else result.encode("utf-8")

            return run

        return [(_transcript_name(s, kind), one(s)) for s in content.sessions]
    if fmt == "quotes-csv":
        # A byte-order mark, so spreadsheet programs read the UTF-8 as UTF-8.
        return [("quotes.csv", lambda: b"\xef\xbb\xbf" + data.render_quotes_csv(content).encode())]
    if fmt == "quotes-json":
        return [("quotes.json", text(lambda: data.render_quotes_json(content)))]
    if fmt == "audit-csv":
        return [
            ("audit-log.csv", lambda: b"\xef\xbb\xbf" + data.render_audit_csv(content).encode())
        ]
    if fmt == "qdpx":
        return [("project.qdpx", lambda: refi_qda.render_qdpx(content))]
    if fmt == "qdc":
        if not content.themes:
            return []  # the schema needs at least one code
        return [("codebook.qdc", lambda: refi_qda.render_codebook(content))]
    raise FacilitateError(f"Unknown export format {fmt!r}.")


def plan_files(content: ExportContent, formats: Iterable[str] | None = None) -> list[str]:
    """The file names an export of ``content`` in ``formats`` would write."""
    return [name for fmt in expand_formats(formats) for name, _ in _renderers(content, fmt)]


def _prepare_folder(out_dir: Path) -> Path:
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise FacilitateError(f"{out_dir} is a file, not a folder; choose a folder to export to.")
    if not out_dir.exists():
        out_dir.mkdir(parents=True)
        # Only a folder made here is narrowed to 0700: an existing one (say,
        # Documents) keeps the permissions its owner gave it.
        os.chmod(out_dir, PRIVATE_DIR)
    return out_dir


def export_source(
    source: ExportSource,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    *,
    session_id: str | None = None,
    include_pseudonyms: bool = True,
    on_progress: ProgressCallback | None = None,
    overwrite: bool = False,
    cancel: threading.Event | None = None,
) -> list[Path]:
    """Export ``source`` (already read) to ``out_dir``; see :func:`export_all`."""
    content = build_content(
        source, session_id=session_id, include_pseudonyms=include_pseudonyms
    )
    return write_content(
        content, out_dir, formats, on_progress=on_progress, overwrite=overwrite, cancel=cancel
    )


def write_content(
    content: ExportContent,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    overwrite: bool = False,
    cancel: threading.Event | None = None,
) -> list[Path]:
    """Write already-decided ``content`` in ``formats``; see :func:`export_all`."""
    planned = [
        (name, render)
        for fmt in expand_formats(formats)
        for name, render in _renderers(content, fmt)
    ]
    out_dir = _prepare_folder(out_dir)
    remove_stale_temps(out_dir)  # a killed export's copies, perhaps of words since withdrawn
    if not overwrite:
        for name, _ in planned:
            if (out_dir / name).exists():
                raise WouldOverwrite(out_dir / name)
    written: list[Path] = []
    if on_progress is not None:
        on_progress(ExportProgress(0, len(planned)))
    for name, render in planned:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        data = render()
        if data is None:
            continue
        path = out_dir / name
        atomic_write_bytes(path, data)
        written.append(path)
        if on_progress is not None:
            on_progress(ExportProgress(len(written), len(planned), path))
    return written


def export_all(
    store: ConsultationStore,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    *,
    session_id: str | None = None,
    include_pseudonyms: bool = True,
    on_progress: ProgressCallback | None = None,
    overwrite: bool = False,
    cancel: threading.Event | None = None,
) -> list[Path]:
    """Export a consultation (or one session) in ``formats`` (default: all) to ``out_dir``.

    Only consented material is written, anonymised; files are 0600 and a folder
    made here is 0700. Raises FacilitateError naming the file if one exists and
    ``overwrite`` is false. ``on_progress`` is called before the first file and
    after each; setting ``cancel`` stops between files (raising Cancelled).
    Returns the paths written.
    """
    source = load_source(store, session_id)
    return export_source(
        source,
        out_dir,
        formats,
        session_id=session_id,
        include_pseudonyms=include_pseudonyms,
        on_progress=on_progress,
        overwrite=overwrite,
        cancel=cancel,
    )
