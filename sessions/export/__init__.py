"""Export only what was consented: reports, transcripts, data and REFI-QDA files.

The one entry point is :func:`export_all`. It reads the consultation from its
store, asks :mod:`models.export_rules` what may leave the laptop, anonymises
every string once (:func:`sessions.export.content.build_content`), and writes
each chosen format into a private folder. No existing file is ever replaced
unless ``overwrite`` is set, and that is checked for every file before the
first is written, so a refused export leaves nothing half-done.

An export is a set of files that belong together, so it is written whole into
a hidden temporary folder next to the target (named by
:func:`sessions.atomic.temp_path`, so it names its writer) and only then moved
into place: a new or empty target folder is swapped in with one rename, so a
kill at any moment leaves either no export or all of it. Into a folder that
already holds other files the finished files are moved one by one, under a
note, ``EXPORT-INCOMPLETE.txt``, that stays there if that short step is cut
short. Temporary folders whose writer is gone are removed by the next export.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sessions.atomic import (
    TEMP_PREFIX,
    atomic_write_text,
    fsync_dir,
    process_alive,
    remove_stale_temps,
    temp_path,
    temp_writer,
)
from sessions.errors import Cancelled, FacilitateError, WouldOverwrite
from sessions.export.content import (
    ExportContent,
    ExportSource,
    SessionEntry,
    build_content,
    load_source,
)
from sessions.locations import PRIVATE_DIR, PRIVATE_FILE
from sessions.store import ConsultationStore

REPORT_FORMATS = ("report-md", "report-html", "report-docx", "report-pdf")
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
        # Markdown cannot hold a picture: each approved artwork photo goes beside it.
        photos = [
            (report.artwork_file_name(n), (lambda art=art: art.image))
            for n, art in enumerate(content.artwork, start=1)
        ]
        # So is each reach chart (the Markdown links to it by name).
        from sessions.export import reach_section

        charts = [
            (reach_section.chart_file_name(table), (lambda t=table: reach_section.chart_for(t)))
            for table in reach_section.charted(content.reach)
        ]
        return [("report.md", text(lambda: report.render_markdown(content))), *photos, *charts]
    if fmt == "report-html":
        return [("report.html", text(lambda: report.render_html(content)))]
    if fmt == "report-docx":
        return [("report.docx", lambda: report.render_docx(content))]
    if fmt == "report-pdf":
        from sessions.export import report_pdf

        return [("report.pdf", lambda: report_pdf.render_pdf(content))]
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


#: The note left in a folder that already held files while an export was moved into it.
INCOMPLETE_NOTE = "EXPORT-INCOMPLETE.txt"


def _target_folder(out_dir: Path) -> Path:
    """The folder to export to, checked; its parent folders are made if missing."""
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise FacilitateError(f"{out_dir} is a file, not a folder; choose a folder to export to.")
    missing = [p for p in (out_dir.parent, *out_dir.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        # Folders made here hold exports of people's words: private, like the exports.
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, PRIVATE_DIR)
    return out_dir


def remove_stale_exports(folder: Path) -> list[Path]:
    """Delete the temporary export folders in ``folder`` whose writer is gone; return them.

    Like :func:`sessions.atomic.remove_stale_temps` for files: an export still
    being written by a live process is left alone.
    """
    removed: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            names = [
                e.name for e in entries
                if e.name.startswith(TEMP_PREFIX) and e.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return removed
    for name in names:
        pid = temp_writer(name)
        if pid is None or process_alive(pid):
            continue
        shutil.rmtree(folder / name, ignore_errors=True)
        if not (folder / name).exists():
            removed.append(folder / name)
    if removed:
        fsync_dir(folder)
    return removed


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to the new private file ``path`` and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_empty_folder(path: Path) -> bool:
    """True for a real (not linked) folder with nothing in it."""
    if path.is_symlink() or not path.is_dir():
        return False
    with os.scandir(path) as entries:
        return next(entries, None) is None


def _swap_in(staged: Path, out_dir: Path) -> bool:
    """Rename the finished ``staged`` folder to ``out_dir`` when that is missing or empty.

    One rename, so the export appears whole or not at all. An existing empty
    folder keeps the permissions its owner gave it. False when ``out_dir``
    holds files (or cannot be replaced), and nothing was moved.
    """
    if out_dir.exists() or out_dir.is_symlink():
        if not _is_empty_folder(out_dir):
            return False
        os.chmod(staged, out_dir.stat().st_mode & 0o7777)
    try:
        os.replace(staged, out_dir)
    except OSError:
        return False  # made meanwhile with files in it, or a mount point: moved file by file
    fsync_dir(out_dir.parent)
    return True


def _stale_note_names(out_dir: Path) -> set[str]:
    """The files an earlier, interrupted move into ``out_dir`` was moving (its note's list)."""
    try:
        text = (out_dir / INCOMPLETE_NOTE).read_text(encoding="utf-8")
    except OSError:
        return set()
    found = re.search(r"^files: (.*)$", text, re.M)
    if found is None:
        return set()
    with contextlib.suppress(ValueError):
        names = json.loads(found[1])
        if isinstance(names, list):
            return {str(n) for n in names}
    return set()


def _write_note(note: Path, names: list[str]) -> None:
    """Write the note that says the folder may hold an unfinished export of ``names``."""
    atomic_write_text(
        note,
        "facilitate was stopped while it moved an export into this folder, so these files "
        "may be a mix of that export and an earlier one. Export again to finish it.\n"
        f"files: {json.dumps(names, ensure_ascii=False)}\n",
    )


def _move_in(staged: Path, out_dir: Path, names: list[str]) -> None:
    """Move the finished files into ``out_dir``, which holds other files, under a note.

    The note says the folder may hold a mix of two exports; it is removed once
    every file is in place. An earlier note stays unless this export rewrote
    every file that one was moving.
    """
    note = out_dir / INCOMPLETE_NOTE
    earlier = _stale_note_names(out_dir)
    _write_note(note, sorted(earlier | set(names)))
    for name in names:
        os.replace(staged / name, out_dir / name)
    fsync_dir(out_dir)
    owed = earlier - set(names)
    if owed:  # files of an earlier, interrupted export that this one did not rewrite
        _write_note(note, sorted(owed))
    else:
        note.unlink()
    fsync_dir(out_dir)
    with contextlib.suppress(OSError):
        staged.rmdir()


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
    out_dir = _target_folder(out_dir)
    remove_stale_exports(out_dir.parent)  # a killed export's folder, perhaps of withdrawn words
    remove_stale_temps(out_dir)  # copies an earlier version's killed export left
    if not overwrite:
        for name, _ in planned:
            if (out_dir / name).exists():
                raise WouldOverwrite(out_dir / name)
    staged = temp_path(out_dir)
    os.mkdir(staged, PRIVATE_DIR)
    os.chmod(staged, PRIVATE_DIR)  # whatever the umask
    try:
        names: list[str] = []
        if on_progress is not None:
            on_progress(ExportProgress(0, len(planned)))
        for name, render in planned:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            data = render()
            if data is None:
                continue
            _write_new(staged / name, data)
            names.append(name)
            if on_progress is not None:
                on_progress(ExportProgress(len(names), len(planned), out_dir / name))
        fsync_dir(staged)
        if not _swap_in(staged, out_dir):
            _move_in(staged, out_dir, names)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


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
