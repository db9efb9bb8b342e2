"""Reading exports back, and the REFI-QDA schemas, for the export tests."""

from __future__ import annotations

import html
import re
import zipfile
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).parent / "data" / "refi-qda"


@cache
def project_schema() -> etree.XMLSchema:
    """The REFI-QDA Project schema (QDA-XML 1.0)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "Project-mrt2019.xsd")))


@cache
def codebook_schema() -> etree.XMLSchema:
    """The REFI-QDA Codebook schema, repaired as it is read.

    The copy in tests/data came from a PDF: spaces between names and
    attributes are lost ("xsd:elementname=") and hyphens are U+2010, so it is
    not well-formed XML. These three mechanical fixes restore the published
    schema; nothing else changes.
    """
    text = (SCHEMAS / "Codebook.xsd").read_text(encoding="utf-8").replace("\u2010", "-")
    text = re.sub(
        r"<(/?)xsd:(element|complexType|attribute|simpleType|restriction|pattern)"
        r"(name|type|base|value)=",
        r"<\1xsd:\2 \3=",
        text,
    )
    text = re.sub(r"\"(?=[A-Za-z]+=)", '" ', text)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def _xml_text(data: bytes) -> str:
    """All text and attribute values of an XML document, one per line."""
    root = etree.fromstring(data)
    parts = [t for t in root.itertext()]
    for element in root.iter():
        parts += [str(v) for v in element.attrib.values()]
    return "\n".join(parts)


def _docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    props = document.core_properties
    parts += [props.title or "", props.author or "", props.last_modified_by or ""]
    # The raw XML of the parts an export writes to (the body and the document
    # properties), so nothing hides where python-docx's text view does not look.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name == "word/document.xml" or (
                name.startswith("docProps/") and name.endswith(".xml")
            ):
                parts.append(_xml_text(archive.read(name)))
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    """A PDF's text, page after page, with its document properties."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    info = reader.metadata or {}
    pages = [page.extract_text() or "" for page in reader.pages]
    return "\n".join([*(str(v) for v in info.values()), *pages])


def read_back(folder: Path) -> dict[str, str]:
    """Every exported file's readable text, by file name (zips: every member)."""
    texts: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".docx":
            texts[path.name] = _docx_text(path)
        elif path.suffix == ".pdf":
            texts[path.name] = pdf_text(path)
        elif path.suffix in (".jpg", ".png"):
            continue  # pictures hold no text (artwork is checked by its bytes)
        elif path.suffix == ".qdpx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    data = archive.read(name)
                    raw = data.decode("utf-8")
                    text = _xml_text(data) if name.endswith(".qde") else raw
                    texts[f"{path.name}/{name}"] = raw + "\n" + text
        else:
            raw = path.read_bytes().decode("utf-8-sig")
            if path.suffix in (".html", ".vtt"):
                raw += "\n" + html.unescape(raw)
            elif path.suffix == ".qdc":
                raw += "\n" + _xml_text(path.read_bytes())
            texts[path.name] = raw
    return texts
