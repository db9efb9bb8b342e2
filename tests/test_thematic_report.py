"""The thematic report as a commissioner reads it: frame, block quotes, chart, pages, artwork.

One small consultation is exported once in every report format (module fixture),
then read back: Word with python-docx, PDF with pypdf, pictures with Pillow.
The first PDF pages are rendered to PNG under tests/artefacts/report-pages/
for a person to look at.
"""

from __future__ import annotations

import base64
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from export_helpers import pdf_text, read_back
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from models import (
    ActivityKind,
    ContributionReview,
    ContributionState,
    Decision,
    Participant,
    RecordingConsent,
    Role,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
)
from models.artwork import Artwork, ArtworkState, decide_artwork, exportable_artwork
from models.audit import Actor
from models.dates import date_span, long_date
from models.report_frame import CONTEXT, KEY_MESSAGES, ReportFrame, edit_frame, paragraphs
from sessions import artwork as artworks
from sessions.artwork import ArtworkError
from sessions.export import export_all
from sessions.report_frame import load_frame, save_part
from sessions.store import ConsultationStore, Workspace

ARTEFACTS = Path(__file__).parent / "artefacts" / "report-pages"
CONTEXT_TEXT = "The council asked people who use day services what a good service is."
HEARD = "People described the centre as the one place they felt safe to go."
QUOTES = ("It is somewhere safe to go at Riverside", "Music makes me feel confident again")
SHOWN = ("It is somewhere safe to go at [name]", "Music makes me feel confident again")

# -- the domain: fast -------------------------------------------------------------------------


def test_dates_read_as_people_write_them() -> None:
    assert long_date("2026-12-01T13:14:45+00:00") == "1 December 2026"
    assert long_date("2024-03-08") == "8 March 2024"
    assert long_date("spring 2026") == "spring 2026"
    assert long_date("2024-13-01") == "2024-13-01"
    assert date_span(["2024-03-08", "2024-03-01", ""]) == "1 to 8 March 2024"
    assert date_span(["2024-02-28", "2024-03-01"]) == "28 February to 1 March 2024"
    assert date_span(["2023-12-30", "2024-01-02"]) == "30 December 2023 to 2 January 2024"
    assert date_span([]) == ""


def test_a_frame_edit_is_audited_once_and_cleaned() -> None:
    frame, event = edit_frame(ReportFrame(), CONTEXT, "Why we asked\x1b[31m.\n\nSecond.", "t")
    assert frame.context == "Why we asked.\n\nSecond."
    assert paragraphs(frame.context) == ["Why we asked.", "Second."]
    assert event is not None and event.after == frame.context and event.before == ""
    assert edit_frame(frame, CONTEXT, frame.context, "t")[1] is None  # nothing changed
    frame, event = edit_frame(frame, "t-1", "What we heard.", "t")
    assert frame.what_we_heard == {"t-1": "What we heard."} and event is not None
    assert event.subject_kind == "theme" and event.subject_id == "t-1"
    frame, _ = edit_frame(frame, "t-1", "  ", "t")
    assert frame.what_we_heard == {}
    frame, _ = edit_frame(frame, KEY_MESSAGES, "One\n\n  Two  \n", "t")
    assert frame.messages == ["One", "Two"]


def test_only_approved_artwork_of_a_known_maker_is_exportable() -> None:
    people = [Participant(id="p-1", pseudonym="Sam")]
    art = Artwork("a-1", "s-1", "p-1", "a-1.jpg")
    approved, event = decide_artwork(art, True, "t", Actor.PARTICIPANT)
    assert event.action == "artwork approved" and event.participant_id == "p-1"
    not_used, _ = decide_artwork(approved, False, "t")
    assert not_used.state is ArtworkState.NOT_USED
    stranger = Artwork("a-2", "s-1", "p-9", "a-2.jpg", state=ArtworkState.APPROVED)
    other_session = Artwork("a-3", "s-2", "p-1", "a-3.jpg", state=ArtworkState.APPROVED)
    found = exportable_artwork([art, approved, not_used, stranger, other_session], people, ["s-1"])
    assert found == [approved]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(ArtworkState)), st.sampled_from(["p-1", "p-2"]),
                          st.sampled_from(["s-1", "s-2"]), st.lists(st.booleans(), max_size=4)),
                max_size=8))
def test_no_artwork_leaves_unless_its_maker_last_said_yes(
    pieces: list[tuple[ArtworkState, str, str, list[bool]]],
) -> None:
    people = [Participant(id="p-1", pseudonym="Sam")]  # p-2 was erased
    made = []
    for n, (state, maker, session, answers) in enumerate(pieces):
        art = Artwork(f"a-{n}", session, maker, f"a-{n}.jpg", state=state)
        for answer in answers:  # a maker may change their mind as often as they like
            art, _ = decide_artwork(art, answer, "t")
        made.append(art)
    shown = exportable_artwork(made, people, ["s-1"])
    for art, (state, maker, session, answers) in zip(made, pieces, strict=True):
        said_yes = answers[-1] if answers else state is ArtworkState.APPROVED
        assert (art in shown) == (said_yes and maker == "p-1" and session == "s-1")


# -- the store and the files: one export read back many ways ------------------------------


def _segment(start: float, text: str, speaker: str) -> Segment:
    words = [
        Word(start + i * 0.5, start + i * 0.5 + 0.4, f" {w}") for i, w in enumerate(text.split())
    ]
    return Segment(words[0].start, words[-1].end, text, words, speaker_id=speaker)


def _photo(path: Path, colour: tuple[int, int, int], with_gps: bool = True) -> Path:
    """A photo as a phone takes it: EXIF with GPS position, camera and a comment."""
    image = Image.new("RGB", (1800, 1200), colour)
    for x in range(0, 1800, 97):  # some detail, so each photo's JPEG bytes are its own
        image.paste((x % 255, 40, 200 - x % 200), (x, 0, x + 20, 1200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = 6  # Orientation: turned, so the stored copy is upright and 800 wide
    if with_gps:
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.1)}
    image.save(path, "JPEG", exif=exif, comment=b"Riverside hall, Karen's phone")
    return path


@dataclass
class Exported:
    store: ConsultationStore
    out: Path
    approved: Artwork
    declined: Artwork
    pending: Artwork
    heard_theme: str


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("report")
    store = Workspace(root / "workspace").create_consultation("Day services", "What helps?")
    consultation = store.consultation()
    consultation.hide_names = ["Riverside", "Karen"]
    store.save_consultation(consultation)
    themes = consultation.codebook.themes
    for person in (
        Participant(id="p-1", pseudonym="Sam", real_name="Dave Smith"),
        Participant(id="p-2", pseudonym="Jo", real_name="Karen"),
        Participant(id="p-3", pseudonym="Alex", role=Role.FACILITATOR),
    ):
        store.save_participant(person)
    for sid, activity, date in (
        ("s-1", ActivityKind.PAINTING, "2026-12-01"),
        ("s-2", ActivityKind.MUSIC, "2026-12-08"),
    ):
        store.save_session(
            Session(id=sid, consultation_id=consultation.id, title=f"{activity.value} group",
                    venue="Riverside hall", activity=activity, date=date,
                    participant_ids=["p-1", "p-2"])
        )
        for pid in ("p-1", "p-2", "p-3"):
            store.set_recording_consent(pid, sid, RecordingConsent.YES)
    sam = store.participant("p-1")
    sam.contribution["s-1"] = ContributionReview(ContributionState.APPROVED, "t")
    store.save_participant(sam)
    s1 = [_segment(0, QUOTES[0], "p-1"), _segment(9, "I would rather keep this one", "p-1")]
    s2 = [_segment(0, QUOTES[1], "p-1")]
    store.save_segments("s-1", s1)
    store.save_segments("s-2", s2)
    for sid, words, theme, decision in (
        ("s-1", s1[0].words, 0, Decision.APPROVE),
        ("s-2", s2[0].words, 7, Decision.APPROVE),
        ("s-1", s1[1].words, 1, Decision.WITHDRAW),
    ):
        quote, event = decide(new_quote(sid, "p-1", words, theme_ids=[themes[theme].id]),
                              decision, "t")
        store.save_quote(quote)
        store.append_audit(event)
    save_part(store, "commissioned by", "Day Services Commissioning")
    save_part(store, CONTEXT, CONTEXT_TEXT)
    save_part(store, KEY_MESSAGES, "A safe place matters\nConfidence grows with music")
    save_part(store, themes[0].id, HEARD)
    photos = root / "photos"
    photos.mkdir()
    approved = artworks.add_artwork(store, "s-1", "p-1", _photo(photos / "a.jpg", (200, 80, 40)),
                                    "Painting of the garden")
    declined = artworks.add_artwork(store, "s-1", "p-2", _photo(photos / "b.jpg", (20, 90, 200)),
                                    "Self-portrait with Karen")
    pending = artworks.add_artwork(store, "s-2", "p-1", _photo(photos / "c.png", (10, 160, 60)),
                                   "Clay model of the bus stop")
    artworks.decide(store, approved.id, approve=True)
    artworks.decide(store, declined.id, approve=False)
    out = root / "out"
    export_all(store, out)
    return Exported(store, out, artworks.artwork(store, approved.id),
                    artworks.artwork(store, declined.id), pending, themes[0].name)


def test_import_strips_metadata_turns_upright_and_resizes(exported: Exported) -> None:
    for item in (exported.approved, exported.declined, exported.pending):
        stored = exported.store.folder / "artwork" / item.file
        assert stored.stat().st_mode & 0o777 == 0o600
        with Image.open(stored) as image:
            assert dict(image.getexif()) == {}
            assert not set(image.info) & {"exif", "xmp", "comment", "icc_profile"}
            assert image.size == (800, 1200) == (item.width, item.height)
        assert b"PhoneMaker" not in stored.read_bytes() and b"Karen" not in stored.read_bytes()
    events = [e for e in exported.store.audit() if e.subject_kind == "artwork"]
    assert [e.action for e in events].count("artwork added") == 3
    assert {e.action for e in events} >= {"artwork approved", "artwork not to be used"}


def test_something_not_a_photo_is_one_clear_line(exported: Exported, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    with pytest.raises(ArtworkError, match=r"^notes\.jpg is not a photo .*JPEG or PNG"):
        artworks.add_artwork(exported.store, "s-1", "p-1", bad)


def _members(path: Path) -> list[bytes]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [archive.read(n) for n in archive.namelist()]
    return [path.read_bytes()]


def test_only_approved_artwork_appears_in_any_export(exported: Exported) -> None:
    def stored(item: Artwork) -> bytes:
        return (exported.store.folder / "artwork" / item.file).read_bytes()

    files = sorted(exported.out.iterdir())
    blobs = [blob for path in files for blob in _members(path)]
    blobs += [base64.b64encode(b) for b in blobs if b.startswith(b"<!DOCTYPE html>")]
    html = (exported.out / "report.html").read_bytes()
    for item in (exported.declined, exported.pending):
        assert not any(stored(item)[200:4000] in blob for blob in blobs)
        assert base64.b64encode(stored(item))[400:4000] not in html
    assert any(stored(exported.approved)[200:4000] in blob for blob in blobs)
    assert base64.b64encode(stored(exported.approved))[400:4000] in html
    assert (exported.out / "report-artwork-01.jpg").read_bytes() == stored(exported.approved)
    assert not (exported.out / "report-artwork-02.jpg").exists()
    for name, text in read_back(exported.out).items():
        assert "Self-portrait" not in text and "Clay model" not in text, name
        if name.startswith("report."):
            assert "Painting of the garden, by Sam, painting session" in text, name


def _docx(exported: Exported) -> object:
    from docx import Document

    return Document(str(exported.out / "report.docx"))


def test_word_report_reads_as_a_report(exported: Exported) -> None:
    document = _docx(exported)
    paragraphs_ = document.paragraphs  # type: ignore[attr-defined]
    texts = [p.text for p in paragraphs_]
    assert CONTEXT_TEXT in texts and HEARD in texts
    assert "When: 1 to 8 December 2026" in texts
    quote_styles = {p.style.name for p in paragraphs_ if p.text in SHOWN}
    assert quote_styles == {"Report Quote"}
    assert paragraphs_[texts.index(HEARD)].style.name == "Normal"
    assert len([t for t in texts if t in SHOWN]) == 2
    after = paragraphs_[texts.index(SHOWN[0]) + 1]
    assert after.text == "— Sam, painting session" and after.style.name == "Quote Attribution"
    assert after.style.font.size < paragraphs_[texts.index(SHOWN[0])].style.font.size
    # No empty theme section: every theme heading after "What we heard" has a quote under it.
    start = texts.index("What we heard")
    headings = [i for i, p in enumerate(paragraphs_) if p.style.name in ("Heading 2", "Heading 3")
                and i > start]
    for here, there in zip(headings, [*headings[1:], len(texts)], strict=True):
        section = paragraphs_[here:there]
        if texts[here].startswith(("Other", "How this report")):
            continue
        assert any(p.style.name == "Report Quote" for p in section), texts[here]
    assert any(t.startswith("No quotes were approved under these themes: ") for t in texts)
    footer = document.sections[0].footer._element.xml  # type: ignore[attr-defined]
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert "TOC \\o" in document.element.xml  # type: ignore[attr-defined]
    with zipfile.ZipFile(exported.out / "report.docx") as archive:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in archive.namelist())
    assert 'w:tblHeader w:val="true"' in document.element.xml  # type: ignore[attr-defined]


def _pdf_lines(path: Path) -> list[tuple[float, str]]:
    """Each text run of the PDF's pages with the x position it starts at (points)."""
    from pypdf import PdfReader

    found: list[tuple[float, str]] = []
    for page in PdfReader(str(path)).pages:
        def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                found.append((tm[4] * cm[0] + cm[4], text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def test_pdf_report_reads_as_a_report(exported: Exported) -> None:
    from pypdf import PdfReader

    path = exported.out / "report.pdf"
    text = " ".join(pdf_text(path).split())
    assert CONTEXT_TEXT in text and HEARD in text and "Day Services Commissioning" in text
    for quote in SHOWN:
        assert quote in text
    assert "Page 2 of " in text and "1 to 8 December 2026" in text
    assert "No quotes were approved under these themes:" in text
    reader = PdfReader(str(path))
    assert sum(len(page.images) for page in reader.pages) >= 2  # the chart and the artwork
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and exported.heard_theme in contents
    assert re.search(r"What we heard\s*\d+", contents)
    # Quotes are set in from the body text (a rule and an indent), the attribution too.
    lines = _pdf_lines(path)
    body_x = min(x for x, t in lines if t.startswith(HEARD[:20]))
    quote_x = [x for x, t in lines if t in SHOWN]
    assert len(quote_x) == 2 and all(x > body_x + 20 for x in quote_x)


def test_first_pages_render_for_a_person_to_look_at(exported: Exported) -> None:
    import pypdfium2

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(str(exported.out / "report.pdf"))
    try:
        for index in range(min(4, len(document))):
            image = document[index].render(scale=1.2).to_pil().convert("L")
            target = ARTEFACTS / f"page-{index + 1}.png"
            image.save(target)
            low, high = image.getextrema()
            assert high - low > 100, f"page {index + 1} looks blank"
    finally:
        document.close()
    print(f"report pages rendered to {ARTEFACTS}")


def test_frame_is_saved_atomically_and_audited(exported: Exported) -> None:
    frame = load_frame(exported.store)
    assert frame.context == CONTEXT_TEXT and frame.messages[0] == "A safe place matters"
    events = [e for e in exported.store.audit() if e.action.startswith("report ")]
    assert len(events) == 4 and events[1].after == CONTEXT_TEXT
    store_file = exported.store.folder / "store.json"
    assert store_file.stat().st_mode & 0o777 == 0o600
    assert not any(p.name.startswith(".facilitate-tmp") for p in exported.store.folder.iterdir())


def test_the_command_line_attaches_and_lists_artwork(
    private_workspace: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from facilitate.artwork_cli import artwork

    store = Workspace(private_workspace).create_consultation("Day services", "What helps?")
    store.save_participant(Participant(id="p-1", pseudonym="Sam"))
    store.save_session(Session(id="s-1", consultation_id=store.id, title="Painting",
                               participant_ids=["p-1"]))
    photo = _photo(tmp_path / "phone.jpg", (90, 90, 30))
    runner = CliRunner()
    made = runner.invoke(artwork, ["add", "s-1", str(photo), "--maker", "sam",
                                   "--description", "Sunflowers"], obj=str(private_workspace))
    assert made.exit_code == 0, made.output
    assert "by Sam" in made.output and "approve it in their review" in made.output
    [item] = artworks.artworks(store)
    assert item.participant_id == "p-1" and item.state is ArtworkState.PENDING
    listed = runner.invoke(artwork, ["list", "s-1"], obj=str(private_workspace))
    assert f"{item.id}  Sam  pending  Sunflowers" in listed.output
    wrong = runner.invoke(artwork, ["add", "s-1", str(photo), "--maker", "Kim"],
                          obj=str(private_workspace))
    assert wrong.exit_code != 0 and "No one called 'Kim'" in wrong.output
    assert "Traceback" not in wrong.output and len(wrong.output.strip().splitlines()) == 1


def test_the_report_sends_nothing_and_writes_only_the_workspace(tmp_path: Path) -> None:
    """matplotlib (its font cache), fpdf2 and Pillow stay private, traced as a user runs it."""
    from test_no_network import Folders, assert_private, require_strace, traced_run

    strace = require_strace()
    folders = Folders(tmp_path / "home", tmp_path / "workspace", tmp_path / "temp")
    for folder in (folders.home, folders.workspace, folders.temp):
        folder.mkdir()
    store = Workspace(folders.workspace).create_consultation("Day services", "What helps?")
    store.save_participant(Participant(id="p-1", pseudonym="Sam"))
    store.save_session(Session(id="s-1", consultation_id=store.id, title="Painting",
                               participant_ids=["p-1"]))
    store.set_recording_consent("p-1", "s-1", RecordingConsent.YES)
    said = _segment(0, QUOTES[1], "p-1")
    store.save_segments("s-1", [said])
    theme = store.consultation().codebook.themes[0].id
    quote, _ = decide(new_quote("s-1", "p-1", said.words, theme_ids=[theme]), Decision.APPROVE,
                      "t")
    store.save_quote(quote)
    made = artworks.add_artwork(store, "s-1", "p-1", _photo(tmp_path / "a.jpg", (9, 99, 9)))
    artworks.decide(store, made.id, approve=True)
    out, trace = traced_run(
        strace,
        ["--data-dir", str(folders.workspace), "export", "--to",
         str(folders.workspace / "out"), "--format", "report"],
        folders,
    )
    assert "Wrote 5 files" in out  # md, its photo, html, docx, pdf
    assert_private(trace, folders)


def test_an_erasure_can_remove_someones_artwork(private_workspace: Path, tmp_path: Path) -> None:
    store = Workspace(private_workspace).create_consultation("Day services", "What helps?")
    for pid in ("p-1", "p-2"):
        store.save_participant(Participant(id=pid, pseudonym=pid))
    store.save_session(Session(id="s-1", consultation_id=store.id, title="Painting",
                               participant_ids=["p-1", "p-2"]))
    gone = artworks.add_artwork(store, "s-1", "p-1", _photo(tmp_path / "a.jpg", (1, 2, 3)))
    kept = artworks.add_artwork(store, "s-1", "p-2", _photo(tmp_path / "b.jpg", (3, 2, 1)))
    assert artworks.remove_artwork_of(store, "p-1") == 1
    assert [a.id for a in artworks.artworks(store)] == [kept.id]
    assert not (store.folder / "artwork" / gone.file).exists()
    assert (store.folder / "artwork" / kept.file).exists()


def test_the_export_preview_counts_the_artwork(exported: Exported) -> None:
    from facilitate.screens.export_parts import build_preview

    preview = build_preview(exported.store, None)
    assert preview.artwork == (1, 1, 1)
    assert ("Artwork: 1 photo will be shown; 1 not decided yet and 1 not to be used are "
            "left out.") in preview.lines().plain
