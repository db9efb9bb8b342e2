"""REFI-QDA exchange files (QDA-XML 1.0), read by NVivo, ATLAS.ti, MAXQDA, QualCoder.

- ``.qdpx``: a zip of ``project.qde`` (the Project schema) and ``sources/``: one
  plain-text source per consented transcript, with each approved quote a
  ``PlainTextSelection`` (character positions into that text) coded with its
  themes. Approved quotes whose speech is not in a shared transcript (the
  speaker approved the quote but not their whole contribution) go into a
  second source per session, so their coding is never lost.
- ``.qdc``: the codebook alone (the Codebook schema); :func:`read_codebook`
  reads one back (or the codebook inside a ``.qde``/``.qdpx``) into a
  :class:`models.Codebook`.

GUIDs are UUIDs. A theme's code GUID is derived from its id, so exporting twice
gives the same codes and an analysis tool can merge the files.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from pathlib import Path

from models.codebook import Codebook, Theme
from models.ids import new_id
from models.text import clean_text
from sessions.errors import FacilitateError
from sessions.export.content import (
    ExportContent,
    QuoteEntry,
    SessionEntry,
    ThemeEntry,
    clean_for_xml,
)

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "facilitate"

#: Namespace for the name-based UUIDs of codes and the exporting user.
_FACILITATE_UUID = uuid.UUID("6f1c3d52-8d0e-4c4e-9a63-2b7f5e0c9a11")
_USER_GUID = str(uuid.uuid5(_FACILITATE_UUID, "user:facilitate"))


def code_guid(theme_id: str) -> str:
    """The code GUID for a theme: stable across exports."""
    return str(uuid.uuid5(_FACILITATE_UUID, f"theme:{theme_id}"))


def _guid() -> str:
    return str(uuid.uuid4())


def _add_codes(parent: ET.Element, ns: str, themes: Sequence[ThemeEntry]) -> None:
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    for top in (t for t in themes if t.depth == 0):
        element = _code(codes, ns, top)
        for child in (t for t in themes if t.parent_id == top.id):
            _code(element, ns, child)


def _code(parent: ET.Element, ns: str, theme: ThemeEntry) -> ET.Element:
    element = ET.SubElement(
        parent,
        f"{{{ns}}}Code",
        {"guid": code_guid(theme.id), "name": theme.name, "isCodable": "true"},
    )
    if theme.description:
        ET.SubElement(element, f"{{{ns}}}Description").text = theme.description
    return element


def _tostring(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def render_codebook(content: ExportContent) -> bytes | None:
    """The codebook as a ``.qdc`` document; None when there are no themes.

    The schema needs at least one code, so an empty codebook has no file.
    """
    content = clean_for_xml(content)
    if not content.themes:
        return None
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN})
    _add_codes(root, CODEBOOK_NS, content.themes)
    return _tostring(root, CODEBOOK_NS)


def _source_text(session: SessionEntry) -> tuple[str, list[tuple[str, tuple[int, int]]]]:
    """A session's transcript as one text, and where each approved quote lies in it.

    A quote over several lines is one selection while its lines follow one
    another, and a selection per run otherwise: a selection never takes in
    another speaker's line.
    """
    parts: list[str] = []
    found: list[tuple[str, tuple[int, int]]] = []
    open_runs: dict[str, tuple[int, int, int]] = {}  # quote id -> (start, end, line index)
    offset = 0
    for index, line in enumerate(session.lines):
        prefix = "" if line.placeholder else f"{line.speaker}: "
        for quote_id, start, end in line.quote_spans:
            a, b = offset + len(prefix) + start, offset + len(prefix) + end
            run = open_runs.get(quote_id)
            if run is not None and run[2] == index - 1:
                open_runs[quote_id] = (run[0], b, index)
                continue
            if run is not None:
                found.append((quote_id, (run[0], run[1])))
            open_runs[quote_id] = (a, b, index)
        text = f"{prefix}{line.text}\n"
        parts.append(text)
        offset += len(text)
    found += [(quote_id, (a, b)) for quote_id, (a, b, _) in open_runs.items()]
    return "".join(parts), found


def _quotes_text(quotes: Sequence[QuoteEntry]) -> tuple[str, list[tuple[str, tuple[int, int]]]]:
    parts: list[str] = []
    found: list[tuple[str, tuple[int, int]]] = []
    offset = 0
    for quote in quotes:
        found.append((quote.id, (offset, offset + len(quote.text))))
        text = f"{quote.text}\n— {quote.attribution}\n\n"
        parts.append(text)
        offset += len(text)
    return "".join(parts), found


class _Project:
    """Builds project.qde and its source files."""

    def __init__(self, content: ExportContent) -> None:
        self.content = content
        self.at = content.generated_at
        self.root = ET.Element(
            f"{{{PROJECT_NS}}}Project",
            {
                "name": content.title or "Consultation",
                "origin": ORIGIN,
                "creatingUserGUID": _USER_GUID,
                "creationDateTime": self.at,
            },
        )
        users = ET.SubElement(self.root, f"{{{PROJECT_NS}}}Users")
        ET.SubElement(users, f"{{{PROJECT_NS}}}User", {"guid": _USER_GUID, "name": ORIGIN})
        self.known_codes = {t.id for t in content.themes}
        if content.themes:
            book = ET.SubElement(self.root, f"{{{PROJECT_NS}}}CodeBook")
            _add_codes(book, PROJECT_NS, content.themes)
        self.sources: ET.Element | None = None
        self.files: dict[str, str] = {}

    def add_source(
        self,
        name: str,
        description: str,
        text: str,
        selections: list[tuple[str, tuple[int, int]]],
        quotes: dict[str, QuoteEntry],
    ) -> None:
        if self.sources is None:
            self.sources = ET.SubElement(self.root, f"{{{PROJECT_NS}}}Sources")
        guid = _guid()
        self.files[f"sources/{guid}.txt"] = text
        source = ET.SubElement(
            self.sources,
            f"{{{PROJECT_NS}}}TextSource",
            {
                "guid": guid,
                "name": name,
                "plainTextPath": f"internal://{guid}.txt",
                "creatingUser": _USER_GUID,
                "creationDateTime": self.at,
            },
        )
        if description:
            ET.SubElement(source, f"{{{PROJECT_NS}}}Description").text = description
        for quote_id, (start, end) in sorted(selections, key=lambda kv: kv[1]):
            quote = quotes[quote_id]
            codes = [t for t in quote.theme_ids if t in self.known_codes]
            selection = ET.SubElement(
                source,
                f"{{{PROJECT_NS}}}PlainTextSelection",
                {
                    "guid": _guid(),
                    "name": text[start:end][:60],
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": _USER_GUID,
                    "creationDateTime": self.at,
                },
            )
            ET.SubElement(selection, f"{{{PROJECT_NS}}}Description").text = quote.attribution
            for theme_id in codes:
                coding = ET.SubElement(
                    selection,
                    f"{{{PROJECT_NS}}}Coding",
                    {"guid": _guid(), "creatingUser": _USER_GUID, "creationDateTime": self.at},
                )
                ET.SubElement(
                    coding, f"{{{PROJECT_NS}}}CodeRef", {"targetGUID": code_guid(theme_id)}
                )

    def finish(self) -> bytes:
        description = " ".join(p for p in (self.content.question, *self.content.method) if p)
        if description:
            ET.SubElement(self.root, f"{{{PROJECT_NS}}}Description").text = description
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", _tostring(self.root, PROJECT_NS))
            for path, text in self.files.items():
                archive.writestr(path, text.encode("utf-8"))
        return buffer.getvalue()


def render_qdpx(content: ExportContent) -> bytes:
    """The whole export as a ``.qdpx`` project: codebook, transcripts, coded quotes."""
    content = clean_for_xml(content)
    project = _Project(content)
    quotes = {q.id: q for q in content.quotes}
    for session in content.sessions:
        subtitle = ", ".join(
            p for p in (session.date, session.venue, f"{session.activity} session") if p
        )
        text, selections = _source_text(session)
        placed = {q for q, _ in selections if q in quotes}
        if session.lines:
            project.add_source(
                f"{session.index:02d} {session.title}",
                f"Consented transcript: {subtitle}",
                text,
                [(q, span) for q, span in selections if q in quotes],
                quotes,
            )
        loose = [q for q in content.quotes if q.session_id == session.id and q.id not in placed]
        if loose:
            loose_text, loose_spans = _quotes_text(loose)
            project.add_source(
                f"{session.index:02d} {session.title}: approved quotes",
                f"Approved quotes whose speaker did not share the whole transcript: {subtitle}",
                loose_text,
                loose_spans,
                quotes,
            )
    return project.finish()


# -- reading a codebook back ------------------------------------------------------


def _read_codes(element: ET.Element, ns: str, parent_id: str | None, out: list[Theme]) -> None:
    for code in element.findall(f"{{{ns}}}Code"):
        # A codebook file is someone else's text: no control characters come in with it.
        name = " ".join(clean_text(code.get("name") or "").split())
        description = clean_text(code.findtext(f"{{{ns}}}Description") or "", True).strip()
        theme = Theme(id=new_id("t"), name=name, description=description, parent_id=parent_id)
        if name:
            out.append(theme)
        # Themes nest one level: deeper codes join their top-level ancestor.
        _read_codes(code, ns, parent_id or (theme.id if name else None), out)


def read_codebook(data: bytes, name: str = "the file") -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``, or a ``.qde`` project's codebook) into a Codebook."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise FacilitateError(f"{name} is not a REFI-QDA codebook ({error}).") from error
    if root.tag == f"{{{CODEBOOK_NS}}}CodeBook":
        ns, book = CODEBOOK_NS, root
    elif root.tag == f"{{{PROJECT_NS}}}Project":
        ns, found = PROJECT_NS, root.find(f"{{{PROJECT_NS}}}CodeBook")
        if found is None:
            return Codebook()
        book = found
    else:
        raise FacilitateError(f"{name} is not a REFI-QDA codebook (its root is {root.tag}).")
    themes: list[Theme] = []
    codes = book.find(f"{{{ns}}}Codes")
    if codes is not None:
        _read_codes(codes, ns, None, themes)
    return Codebook(themes=themes)


def read_codebook_file(path: Path) -> Codebook:
    """Read the codebook from a ``.qdc``, ``.qde`` or ``.qdpx`` file."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                data = archive.read("project.qde")
        else:
            data = path.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise FacilitateError(f"Cannot read a codebook from {path} ({error}).") from error
    return read_codebook(data, str(path))
