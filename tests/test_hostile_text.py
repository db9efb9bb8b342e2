"""User and transcript text is text: cleaned on the way in, on the way out, and ids on disk.

The domain rule (:mod:`models.text`), the services that save what people type,
every export format, the command line, and a hand-edited session id that
tries to climb out of the workspace.
"""

from __future__ import annotations

import html
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import DATA
from export_helpers import pdf_text
from hostile_fixtures import (
    CODES,
    FORBIDDEN,
    MARKUP,
    cleaned,
    cleaned_name,
    hostile,
    hostile_consultation,
    hostile_name,
)
from quote_fixtures import consultation_with_quotes, painting_session

from models import Recording, Session
from models.codebook import Codebook, add_theme, describe_theme, rename_theme
from models.ids import is_id, new_id
from models.text import clean_text, clean_text_positions, is_clean
from sessions.codebook_io import parse_codebook
from sessions.errors import NotFound
from sessions.export import export_all
from sessions.export.refi_qda import read_codebook
from sessions.importer import import_audio
from sessions.locations import BadId
from sessions.planning import (
    add_participant,
    create_consultation,
    create_session,
    save_plan,
)
from sessions.quotes import set_memo
from sessions.services import Services
from sessions.transcript_edits import edit_text

# -- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "single", "multi"),
    [
        ("a\x1b[2Jb", "ab", "ab"),
        ("copy\x1b]52;c;aGk=\x07me", "copyme", "copyme"),
        ("copy\x1b]52;c;aGk=\x1b\\me", "copyme", "copyme"),
        ("\x9b31mred", "red", "red"),
        ("nul\x00l", "null", "null"),
        ("\u202eevil\u202c", "evil", "evil"),
        ("lone\x1b", "lone", "lone"),
        ("dcs\x1bPq#0\x1b\\done", "dcsdone", "dcsdone"),
        ("c1\x85next", "c1 next", "c1\nnext"),
        ("tab\there", "tab here", "tab\there"),
        ("one\r\ntwo\rthree", "one two three", "one\ntwo\nthree"),
        ("[/x] [laughs] [@click=app.quit]q[/]", "[/x] [laughs] [@click=app.quit]q[/]",
         "[/x] [laughs] [@click=app.quit]q[/]"),
        ("Zoë, Łódź, 日本, ß", "Zoë, Łódź, 日本, ß", "Zoë, Łódź, 日本, ß"),
    ],
)
def test_clean_text_keeps_words_and_drops_codes(raw: str, single: str, multi: str) -> None:
    assert clean_text(raw) == single
    assert clean_text(raw, multiline=True) == multi
    assert is_clean(single) and is_clean(multi, multiline=True)


def test_an_unterminated_command_loses_only_its_escape() -> None:
    assert clean_text("x\x1b]52;c;aGk=") == "x52;c;aGk="


def test_positions_follow_the_words_through_cleaning() -> None:
    raw = "I \x1b[2Jcome \x9b31mhere"
    text, moved = clean_text_positions(raw)
    assert text == "I come here"
    assert len(moved) == len(raw) + 1
    start = raw.index("come")
    assert text[moved[start] : moved[start + 4]] == "come"
    assert text[moved[raw.index("here")] : moved[len(raw)]] == "here"


def test_ids_are_what_new_id_makes_and_nothing_that_climbs() -> None:
    assert is_id(new_id("s")) and is_id("s-1") and is_id("c-3f9a2c1d")
    for bad in ("../../x", "s-1/../x", "s-1.json", "", "S-1", "s-", "-1", "s 1", "s-\x1b"):
        assert not is_id(bad), bad


# -- on the way in ------------------------------------------------------------------------


def test_what_people_type_is_saved_cleaned_brackets_and_all() -> None:
    services = Services.from_root(None)
    store = create_consultation(services.workspace, hostile("Day"), hostile("Why?"))
    consultation = store.consultation()
    assert consultation.title == cleaned("Day")
    assert consultation.question == cleaned("Why?")
    session = create_session(
        store, hostile("Painting"), venue=hostile("Hub"), facilitators=[hostile_name("Jo")],
        participants=[hostile_name("Ash")],
    )
    assert (session.title, session.venue) == (cleaned("Painting"), cleaned("Hub"))
    assert session.facilitators == [cleaned_name("Jo")]
    person = add_participant(store, session.id, hostile_name("Birch"), real_name=hostile("Karen"))
    assert (person.pseudonym, person.real_name) == (cleaned_name("Birch"), cleaned("Karen"))
    assert {p.pseudonym for p in store.participants()} >= {cleaned_name("Ash"), cleaned_name("Jo")}

    plan = store.session(session.id).plan
    plan[0].title = hostile("Welcome")
    plan[0].prompts = [hostile("Say hello"), "\x1b[2J"]
    saved = save_plan(store, session.id, plan).plan
    assert saved[0].title == cleaned("Welcome")
    assert saved[0].prompts == [cleaned("Say hello")]


def test_memos_corrections_and_themes_are_saved_cleaned() -> None:
    services = Services.from_root(None)
    c = consultation_with_quotes(services)
    quote = set_memo(c.store, c.quotes["ash1"], hostile("Why") + "\nsecond line")
    assert quote.memo == cleaned("Why") + "\nsecond line"

    segment = c.store.segments(c.session_id)[0]
    corrected = edit_text(c.store, c.session_id, segment.id, hostile("I come here"))
    assert corrected.text.strip() == cleaned("I come here")

    codebook, theme = add_theme(Codebook(), hostile("Hope"), hostile("Looking") + "\nahead")
    assert theme.name == cleaned("Hope")
    assert theme.description == cleaned("Looking") + "\nahead"
    codebook = rename_theme(codebook, theme.id, "\u202eHope\x1b[2J again")
    codebook = describe_theme(codebook, theme.id, "\x9b31mplain")
    (saved,) = codebook.themes
    assert (saved.name, saved.description) == ("Hope again", "plain")


def test_imported_codebooks_come_in_cleaned() -> None:
    csv_text = "name,description,parent\n" + f'"{hostile("Hope")}","{hostile("Why")}",\n'
    (theme,) = parse_codebook(csv_text).themes
    assert (theme.name, theme.description) == (cleaned("Hope"), cleaned("Why"))

    # XML cannot carry C0 codes, but it can carry C1 codes and overrides.
    qdc = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="1" name="Hope\x9b31m [/x]\u202e" isCodable="true">'
        "<Description>[laughs]\u202e</Description></Code></Codes></CodeBook>"
    )
    (code,) = read_codebook(qdc.encode("utf-8")).themes
    assert (code.name, code.description) == ("Hope [/x]", "[laughs]")


# -- on the way out: every export format ------------------------------------------------------


def _members(path: Path) -> dict[str, bytes]:
    """A file's bytes, or every member of a zip (docx, qdpx) by name."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return {f"{path.name}/{n}": archive.read(n) for n in archive.namelist()}
    if path.suffix == ".pdf":  # binary: its text as a reader's PDF viewer shows it
        return {path.name: pdf_text(path).encode("utf-8")}
    return {path.name: path.read_bytes()}


def test_every_export_format_carries_no_control_code(tmp_path: Path) -> None:
    services = Services.from_root(None)
    h = hostile_consultation(services)
    written = export_all(h.store, tmp_path / "out")
    suffixes = {p.suffix for p in written}
    assert {".md", ".txt", ".csv", ".json", ".html", ".docx", ".pdf", ".qdpx", ".qdc"} <= suffixes
    assert {".vtt", ".srt"} <= suffixes
    checked = 0
    for name, data in (m for p in written for m in _members(p).items()):
        if name.endswith((".jpeg", ".png")):
            continue
        text = data.decode("utf-8-sig")
        for shown in (text, html.unescape(text)):  # entities such as &#27; count too
            found = set(FORBIDDEN.findall(shown))
            assert not found, f"{name} holds {found!r}"
        checked += 1
    assert checked >= 13
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    quotes = (tmp_path / "out" / "quotes.json").read_text(encoding="utf-8")
    # The words stay: brackets are text, and the redaction reads as one.
    assert "[laughs]" in quotes and "I [redacted] here" in quotes
    assert "Painting" in report and "end" in report


# -- the command line -----------------------------------------------------------------------


def facilitate(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``facilitate ARGS`` in a fresh process on the test's workspace, output as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "facilitate", *args],
        capture_output=True, timeout=120, env=os.environ.copy(),
    )


def test_sessions_lists_hostile_titles_without_terminal_codes() -> None:
    services = Services.from_root(None)
    hostile_consultation(services)
    result = facilitate("sessions")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    for stream in (out, result.stderr.decode("utf-8")):
        assert not FORBIDDEN.search(stream), repr(stream)
    assert cleaned("Day services") in out and cleaned("Painting") in out
    assert all(code not in out for code in CODES)
    assert all(trap in out for trap in MARKUP)


# -- ids on disk -------------------------------------------------------------------------------


def files_under(root: Path) -> set[Path]:
    """Every file below ``root``."""
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("bad_id", ["../../x", "../../../../x"])
def test_a_hand_edited_session_id_is_one_line_and_writes_nothing(
    tmp_path: Path, private_workspace: Path, bad_id: str
) -> None:
    services = Services.from_root(None)
    store, _session = painting_session(services)
    store.save_session(Session(id=bad_id, consultation_id=store.id, title="Edited by hand"))
    before = files_under(tmp_path)

    result = facilitate("import", str(DATA / "jfk.flac"), "--session", bad_id, "--no-transcribe")
    assert result.returncode == 2
    lines = result.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1 and "not a valid session id" in lines[0], lines
    assert "Traceback" not in result.stderr.decode("utf-8")
    # Nothing new anywhere but the store's own folder (its lock, its empty folders).
    new = files_under(tmp_path) - before
    assert all(store.folder in p.parents for p in new), new
    assert not [p for p in files_under(tmp_path.parent) if p.stem == "x"]

    with pytest.raises(NotFound, match="not a valid session id"):
        import_audio(store, bad_id, DATA / "jfk.flac")
    with pytest.raises(BadId):
        store.segments(bad_id)
    with pytest.raises(BadId):
        store.save_segments(bad_id, [])
    edited = store.session(bad_id)
    edited.recording = Recording(file="../../x.flac", duration_s=1.0, sample_rate=16000)
    with pytest.raises(BadId, match="not a valid recording file name"):
        store.audio_path(edited)
    assert not [p for p in files_under(tmp_path.parent) if p.stem == "x"]


def test_export_refuses_a_consultation_id_that_is_a_path() -> None:
    services = Services.from_root(None)
    painting_session(services)
    result = facilitate("export", "--consultation", "../..", "--to", "out")
    assert result.returncode == 2
    (line,) = result.stderr.decode("utf-8").strip().splitlines()
    assert "No consultation '../..'" in line  # refused as an id, never followed as a path


def test_cli_errors_quoting_typed_text_carry_no_codes() -> None:
    Services.from_root(None).workspace.create_consultation("Library")
    result = facilitate("import", str(DATA / "jfk.flac"), "--session", "s-\x1b[2J\u202e")
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert not FORBIDDEN.search(err) and len(err.strip().splitlines()) == 1
    assert io.StringIO(err).readline().startswith("facilitate: ")
