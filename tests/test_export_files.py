"""Exports of a consultation built through the store: files, folders, formats, the CLI."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import skip_or_fail
from export_helpers import codebook_schema, project_schema, read_back
from lxml import etree

from facilitate.export_cli import export
from models import (
    ActivityKind,
    ContributionReview,
    ContributionState,
    Decision,
    Participant,
    Quote,
    RecordingConsent,
    Role,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
)
from sessions.errors import FacilitateError
from sessions.export import ExportProgress, expand_formats, export_all
from sessions.export.refi_qda import PROJECT_NS, code_guid, read_codebook, read_codebook_file
from sessions.store import ConsultationStore, Workspace


def _segment(start: float, text: str, speaker: str) -> Segment:
    words = [
        Word(start + i * 0.5, start + i * 0.5 + 0.4, f" {w}") for i, w in enumerate(text.split())
    ]
    return Segment(words[0].start, words[-1].end, text, words, speaker_id=speaker)


@pytest.fixture
def store(private_workspace: Path) -> ConsultationStore:
    """A small consultation: two sessions, three people, quotes in every state."""
    store = Workspace(private_workspace).create_consultation("Day services", "What helps?")
    consultation = store.consultation()
    consultation.hide_names = ["Riverside"]
    store.save_consultation(consultation)
    themes = consultation.codebook.themes
    people = [
        Participant(id="p-1", pseudonym="Sam", real_name="Dave Smith"),
        Participant(id="p-2", pseudonym="Jo", real_name="Karen"),
        Participant(id="p-3", pseudonym="Alex", role=Role.FACILITATOR),
    ]
    for p in people:
        store.save_participant(p)
    for sid, activity in (("s-1", ActivityKind.PAINTING), ("s-2", ActivityKind.MUSIC)):
        store.save_session(
            Session(
                id=sid,
                consultation_id=consultation.id,
                title=f"{activity.value.title()} at Riverside",
                venue="Riverside hall",
                activity=activity,
                date="2024-03-01" if sid == "s-1" else "2024-03-08",
                participant_ids=["p-1", "p-2"],
            )
        )
        store.set_recording_consent("p-1", sid, RecordingConsent.YES)
        store.set_recording_consent("p-2", sid, RecordingConsent.NO)
        store.set_recording_consent("p-3", sid, RecordingConsent.YES)
    sam = store.participant("p-1")
    sam.contribution["s-1"] = ContributionReview(ContributionState.APPROVED, "t")
    store.save_participant(sam)
    s1 = [
        _segment(0, "Welcome to the painting session", "p-3"),
        _segment(5, "I come here because Dave's mum said so", "p-1"),
        _segment(12, "I would rather not be recorded", "p-2"),
        _segment(20, "It is somewhere safe to go at Riverside", "p-1"),
    ]
    s2 = [_segment(0, "Music makes me feel confident again", "p-1")]
    store.save_segments("s-1", s1)
    store.save_segments("s-2", s2)

    def quote(sid: str, words: list[Word], theme: int, decision: Decision, **kw: object) -> Quote:
        q = new_quote(sid, "p-1", words, theme_ids=[themes[theme].id])
        q, event = decide(q, decision, "2024-03-02T10:00:00+00:00", **kw)  # type: ignore[arg-type]
        store.save_quote(q)
        store.append_audit(event)
        return q

    quote("s-1", s1[3].words, 0, Decision.APPROVE)
    quote("s-1", s1[1].words[:4], 1, Decision.REDACT, redactions=[2])
    quote("s-1", s1[1].words[5:], 1, Decision.WITHDRAW)
    quote("s-2", s2[0].words, 7, Decision.APPROVE)
    quote("s-2", s2[0].words[:2], 7, Decision.RESET)  # pending: never exported
    return store


def test_report_quotes_are_exactly_the_approved_ones(
    store: ConsultationStore, tmp_path: Path
) -> None:
    export_all(store, tmp_path / "out", ["quotes-json", "report-md"])
    data = json.loads((tmp_path / "out" / "quotes.json").read_text(encoding="utf-8"))
    assert sorted(q["text"] for q in data["quotes"]) == [
        "I come [redacted] because",
        "It is somewhere safe to go at [name]",
        "Music makes me feel confident again",
    ]
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    quoted = [line[2:] for line in report.splitlines() if line.startswith("> ") and "—" not in line]
    assert sorted(quoted) == sorted(q["text"] for q in data["quotes"])
    assert "> — Sam, painting session" in report
    assert "> — Sam, music session" in report
    assert "Dave" not in report and "Karen" not in report and "Riverside" not in report


def test_transcripts_keep_only_consented_speech(store: ConsultationStore, tmp_path: Path) -> None:
    written = export_all(store, tmp_path / "out", ["transcript-txt"])
    first, second = (p.read_text(encoding="utf-8") for p in written)
    assert "Alex: Welcome to the painting session" in first
    assert "Sam: I come [redacted] because Sam's" in first
    assert "[Jo's contribution is not included]" in first
    assert "rather not" not in first and "mum said so" not in first
    # Sam has not approved their contribution to session 2: only a placeholder.
    assert "[Sam's contribution is not included]" in second
    assert "Music makes" not in second


def test_docx_opens_and_has_a_heading_per_theme_heard(
    store: ConsultationStore, tmp_path: Path
) -> None:
    from docx import Document

    export_all(store, tmp_path / "out", ["report-docx", "transcript-docx"])
    document = Document(str(tmp_path / "out" / "report.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    texts = [p.text for p in document.paragraphs]
    heard = {t for q in store.quotes() if q.state.value.startswith("approved") for t in q.theme_ids}
    quiet = next(t for t in texts if t.startswith("No quotes were approved under these themes"))
    for theme in store.consultation().codebook.themes:
        # A theme no approved quote was heard under is named once, not given an empty section.
        if theme.id in heard:
            assert theme.name in headings
        else:
            assert theme.name not in headings and theme.name in quiet
    assert "Music makes me feel confident again" in texts


def test_qdpx_and_qdc_validate_and_codes_round_trip(
    store: ConsultationStore, tmp_path: Path
) -> None:
    export_all(store, tmp_path / "out", ["qda"])
    qdpx = tmp_path / "out" / "project.qdpx"
    with zipfile.ZipFile(qdpx) as archive:
        project = etree.fromstring(archive.read("project.qde"))
        sources = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    project_schema().assertValid(project)
    qdc = (tmp_path / "out" / "codebook.qdc").read_bytes()
    codebook_schema().assertValid(etree.fromstring(qdc))

    themes = store.consultation().codebook.themes
    for book in (read_codebook(qdc), read_codebook_file(qdpx)):
        assert [(t.name, t.description) for t in book.themes] == [
            (t.name, t.description) for t in themes
        ]
    # Every coding selects an approved quote's text and points at its theme's code.
    ns = {"q": PROJECT_NS}
    coded: dict[str, str] = {}
    for source in project.iterfind(".//q:TextSource", ns):
        text = sources["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            (ref,) = selection.iterfind("q:Coding/q:CodeRef", ns)
            coded[text[start:end]] = ref.get("targetGUID")
    assert coded == {
        "It is somewhere safe to go at [name]": code_guid(themes[0].id),
        "I come [redacted] because": code_guid(themes[1].id),
        # Session 2's transcript is not shared, so this quote has a source of its own.
        "Music makes me feel confident again": code_guid(themes[7].id),
    }


def test_files_are_private_and_never_overwritten(store: ConsultationStore, tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    progress: list[ExportProgress] = []
    written = export_all(store, out, on_progress=progress.append)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700  # a parent made here too
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    assert progress[0].done == 0 and progress[-1].fraction == 1.0
    assert [p.path for p in progress[1:]] == written
    before = (out / "report.md").read_bytes()
    with pytest.raises(FacilitateError, match="report.md already exists"):
        export_all(store, out, ["report-md"])
    assert (out / "report.md").read_bytes() == before
    assert export_all(store, out, ["report-md"], overwrite=True) == [out / "report.md"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_word_files_carry_the_exports_time_and_no_ones_name(
    store: ConsultationStore, tmp_path: Path
) -> None:
    from docx import Document

    export_all(store, tmp_path / "out", ["report-docx", "transcript-docx"])
    files = sorted((tmp_path / "out").glob("*.docx"))
    assert len(files) >= 2
    for path in files:
        props = Document(str(path)).core_properties
        assert props.created.year >= 2024 and props.modified == props.created
        assert props.comments == "" and props.author == "facilitate"


def test_no_pseudonyms_names_nobody(store: ConsultationStore, tmp_path: Path) -> None:
    export_all(store, tmp_path / "out", include_pseudonyms=False)
    for name, text in read_back(tmp_path / "out").items():
        for word in ("Sam", "Jo's", "Alex", "Dave", "Karen", "Riverside"):
            assert word not in text, f"{name} shows {word}"


def test_one_session_only(store: ConsultationStore, tmp_path: Path) -> None:
    written = export_all(store, tmp_path / "out", ["transcripts", "quotes-json"], session_id="s-2")
    assert len([p for p in written if p.name.startswith("transcript-")]) == 5
    data = json.loads((tmp_path / "out" / "quotes.json").read_text(encoding="utf-8"))
    assert [q["session"] for q in data["quotes"]] == ["Music at [name]"]


def test_a_pseudonym_on_the_hide_list_is_refused(store: ConsultationStore, tmp_path: Path) -> None:
    consultation = store.consultation()
    consultation.hide_names.append("Sam")
    store.save_consultation(consultation)
    with pytest.raises(FacilitateError, match="'Sam'"):
        export_all(store, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unknown_formats_are_named() -> None:
    assert expand_formats(["report", "qdc"]) == [
        "report-md", "report-html", "report-docx", "report-pdf", "qdc"
    ]
    with pytest.raises(FacilitateError, match="'pdf'"):
        expand_formats(["pdf"])


def test_cli_exports_and_refuses_to_overwrite(
    store: ConsultationStore, private_workspace: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "cli"
    args = ["--to", str(out), "--format", "report-md", "--format", "quotes-csv"]
    result = runner.invoke(export, args, obj=str(private_workspace))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["quotes.csv", "report.md"]
    again = runner.invoke(export, [*args, "--session", "s-1"], obj=str(private_workspace))
    assert again.exit_code == 2
    assert "already exists" in again.output and "Traceback" not in again.output
    forced = runner.invoke(
        export, [*args, "--consultation", store.id, "--overwrite"], obj=str(private_workspace)
    )
    assert forced.exit_code == 0, forced.output
    missing = runner.invoke(export, [*args, "--session", "s-nope"], obj=str(private_workspace))
    assert missing.exit_code == 2 and "s-nope" in missing.output


def test_report_docx_opens_in_libreoffice(store: ConsultationStore, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        skip_or_fail("LibreOffice (soffice) is not installed")
    export_all(store, tmp_path / "out", ["report-docx"])
    report = str(tmp_path / "out" / "report.docx")
    # One LibreOffice profile for both conversions, private to this test.
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    for target in ("pdf", "txt:Text"):
        subprocess.run(
            [soffice, profile, "--headless", "--convert-to", target,
             "--outdir", str(tmp_path / "lo"), report],
            check=True, capture_output=True, timeout=180,
        )
    pdf = (tmp_path / "lo" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and re.search(rb"/Type\s*/Page\b", pdf)
    # The Word report's first pages as a reader's office suite draws them, for a person
    # to look at beside the PDF's (tests/artefacts/report-pages/).
    import pypdfium2

    pages = Path(__file__).parent / "artefacts" / "report-pages"
    pages.mkdir(parents=True, exist_ok=True)
    drawn = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(min(4, len(drawn))):
            drawn[index].render(scale=1.2).to_pil().save(pages / f"word-page-{index + 1}.png")
    finally:
        drawn.close()
    text = (tmp_path / "lo" / "report.txt").read_text(encoding="utf-8-sig")
    assert "Somewhere to go" in text and "It is somewhere safe to go at [name]" in text


def test_cli_format_choices_match_the_exporters() -> None:
    from facilitate.export_cli import FORMAT_CHOICES
    from sessions.export import FORMAT_GROUPS, FORMATS

    assert set(FORMAT_CHOICES) == set(FORMATS) | set(FORMAT_GROUPS)
