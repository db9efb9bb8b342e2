"""Export and the hide list, driven through the app: real store in tmp_path, no model needed."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from export_helpers import read_back
from quote_fixtures import open_screen, painting_session, segment
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.worker import WorkerFailed

from facilitate.app import FacilitateApp
from facilitate.screens import SessionScreen
from facilitate.screens import export as export_screen
from facilitate.screens.export import GROUPS, ExportScreen, ReplaceDialog, build_preview
from facilitate.screens.names import NamesScreen
from models import RecordingConsent
from models.audit import Actor
from models.participant import ContributionState
from models.quote import Decision
from sessions.export import FORMATS
from sessions.planning import create_session
from sessions.quotes import make_quote
from sessions.review import apply_decision, review_contribution
from sessions.services import Services
from sessions.store import ConsultationStore

SIZE = (120, 40)

ASH_APPROVED = "I come here because nobody judges me"
BIRCH_APPROVED = "My sister Morag drives me to the Hub on Tuesdays"
ASH_DAVE = "I always chat with Dave at the front desk"
ASH_WITHDRAWN = "The bus from the village only runs twice a day"
BIRCH_PENDING = "Painting makes the week feel shorter somehow"
CEDAR_UNRECORDED = "I would rather not be on the tape today"


@dataclass
class Made:
    """What the tests look up again."""

    store: ConsultationStore
    session_id: str


def consultation(services: Services) -> Made:
    """Ash and Birch consented and approved some quotes; Cedar said no to recording."""
    store, session = painting_session(services, ("Ash", "Birch", "Cedar"))
    people = {p.pseudonym: p for p in store.participants()}
    # A real name kept on the laptop: it must never reach an export.
    store.save_participant(replace(people["Ash"], real_name="Ashley Brown"))
    ids = {name: p.id for name, p in people.items()}
    for name, answer in (
        ("Ash", RecordingConsent.YES),
        ("Birch", RecordingConsent.YES),
        ("Jo", RecordingConsent.YES),
        ("Cedar", RecordingConsent.NO),
    ):
        store.set_recording_consent(ids[name], session.id, answer)
    segments = [
        segment(0, ASH_APPROVED, ids["Ash"]),
        segment(10, BIRCH_APPROVED, ids["Birch"]),
        segment(30, ASH_DAVE, ids["Ash"]),
        segment(40, ASH_WITHDRAWN, ids["Ash"]),
        segment(60, BIRCH_PENDING, ids["Birch"]),
        segment(80, CEDAR_UNRECORDED, ids["Cedar"]),
    ]
    store.save_segments(session.id, segments)
    themes = {t.name: t.id for t in store.consultation().codebook.themes}
    quotes = [
        make_quote(store, session.id, [s.id], theme_ids=[themes["Acceptance"]])
        for s in segments[:5]
    ]
    for quote in quotes[:3]:
        apply_decision(store, quote.id, Decision.APPROVE)
    apply_decision(store, quotes[3].id, Decision.WITHDRAW)
    for name in ("Ash", "Birch"):
        review_contribution(
            store, ids[name], session.id, ContributionState.APPROVED, Actor.PARTICIPANT
        )
    return Made(store, session.id)


def notifications(app: FacilitateApp) -> list[tuple[str, str]]:
    """(severity, message) of every notification the app has shown."""
    return [(n.severity, str(n.message)) for n in app._notifications]


async def settle(app: FacilitateApp, pilot: Pilot[None]) -> None:
    """Let background work finish (failing is fine: the app reports it) and the UI catch up."""
    for _ in range(3):
        await pilot.pause()
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
    await pilot.pause()


async def open_export(app: FacilitateApp, pilot: Pilot[None], folder: Path) -> ExportScreen:
    """From home, press e on the (only) consultation and point it at ``folder``."""
    await pilot.press("e")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#folder", Input).value = str(folder)
    return screen


async def export_now(app: FacilitateApp, pilot: Pilot[None]) -> None:
    """Press ctrl+s and wait for the export (and any question) to be done."""
    await pilot.press("ctrl+s")
    await settle(app, pilot)


def report_quotes(path: Path) -> set[str]:
    """The quote texts in report.md (blockquote lines, attributions left out)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        line.removeprefix("> ").strip()
        for line in lines
        if line.startswith("> ") and not line.startswith("> —")
    }


def test_the_groups_cover_every_format() -> None:
    shown = [fmt for group in GROUPS for fmt, _ in group.formats]
    assert sorted(shown) == sorted(FORMATS)


def test_preview_counts_what_is_left_out() -> None:
    made = consultation(Services.from_root(None))
    preview = build_preview(made.store, None)
    assert (preview.exported, preview.pending, preview.withdrawn) == (3, 1, 1)
    assert preview.left_out == ("Cedar (did not agree to be recorded)",)
    assert preview.clash is None


async def test_export_from_the_app_writes_exactly_the_approved_quotes(tmp_path: Path) -> None:
    services = Services.from_root(None)
    consultation(services)
    out = tmp_path / "out"
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, out)
        preview = str(screen.query_one("#preview", Static).content)
        assert "3 approved quotes will be exported" in preview
        assert "1 pending and 1 withdrawn are left out" in preview
        assert "Cedar (did not agree to be recorded)" in preview

        await export_now(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        errors = [m for s, m in notifications(app) if s == "error"]
        assert not errors
        written = str(screen.query_one("#written", Static).content)
        assert str(out) in written and "report.md" in written
        assert screen.written_folder == out

    assert report_quotes(out / "report.md") == {ASH_APPROVED, BIRCH_APPROVED, ASH_DAVE}
    files = read_back(out)
    assert {"report.md", "report.docx", "report.html", "quotes.csv", "audit-log.csv"} <= set(files)
    everything = "\n".join(files.values())
    for left_out in (ASH_WITHDRAWN, "village", CEDAR_UNRECORDED, "Ashley", "Brown"):
        assert left_out not in everything
    # A pending quote's words are not in the report (the approved transcript may hold them).
    assert BIRCH_PENDING not in (out / "report.md").read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700


async def test_a_second_export_asks_before_replacing(tmp_path: Path) -> None:
    services = Services.from_root(None)
    made = consultation(services)
    out = tmp_path / "out"
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_export(app, pilot, out)
        await export_now(app, pilot)
        before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
        assert "report.md" in before

        # Something changes, then the facilitator exports again into the same folder.
        quote = next(q for q in made.store.quotes() if q.text == BIRCH_PENDING)
        apply_decision(made.store, quote.id, Decision.APPROVE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReplaceDialog)
        assert dialog.heading == f"Replace {len(before)} files?"
        await pilot.click("#cancel")  # "No"
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
        assert after == before
        assert any("Nothing was replaced" in m for _, m in notifications(app))

        # Yes replaces them, and the newly approved quote is in the report.
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ReplaceDialog)
        await pilot.click("#submit")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
    assert BIRCH_PENDING in report_quotes(out / "report.md")


async def test_names_added_in_the_names_screen_stay_out_of_the_export(tmp_path: Path) -> None:
    services = Services.from_root(None)
    made = consultation(services)
    out = tmp_path / "out"
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, out)
        screen.query_one("#export").focus()  # off the folder field: h is a key, not a letter
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, NamesScreen)
        # Ash's real name is on the list already, greyed and not removable.
        names = app.screen.query_one("#names", OptionList)
        ash = next(p for p in made.store.participants() if p.pseudonym == "Ash")
        real = names.get_option(f"real-{ash.id}")
        assert real.disabled and "Ashley Brown" in str(real.prompt)

        await pilot.press(*"Morag, Sandy", "enter")
        await pilot.pause()
        assert made.store.consultation().hide_names == ["Morag", "Sandy"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        await export_now(app, pilot)

    everything = "\n".join(read_back(out).values())
    assert "Morag" not in everything
    assert "My sister [name] drives me" in everything


async def test_a_common_word_kept_in_the_names_screen_is_shown_while_the_name_is_hidden(
    tmp_path: Path,
) -> None:
    services = Services.from_root(None)
    made = consultation(services)
    out = tmp_path / "out"
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, out)
        screen.query_one("#export").focus()
        await pilot.press("h")
        await pilot.pause()
        names = app.screen
        assert isinstance(names, NamesScreen)
        names.query_one("#new-name", Input).value = "The Hub Centre"
        await pilot.press("enter")
        await pilot.pause()
        # Every part of a hidden name is hidden, "the" included, until kept.
        names.query_one("#new-name", Input).value = "the"
        await pilot.click("#keep")
        await pilot.pause()
        assert made.store.consultation().keep_words == ["the"]
        listing = names.query_one("#names", OptionList)
        assert "kept" in str(listing.get_option("keep-0").prompt)
        await pilot.press("escape")
        await settle(app, pilot)
        await export_now(app, pilot)

    everything = "\n".join(read_back(out).values())
    assert "Hub" not in everything
    assert "drives me to [name] on Tuesdays" in everything
    assert "at the front desk" in everything  # "the" alone is kept


async def test_suggestions_list_names_in_approved_text_and_confirm_them() -> None:
    services = Services.from_root(None)
    made = consultation(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "H", NamesScreen)
        await pilot.click("#suggest")
        await settle(app, pilot)
        assert "Dave" in screen.suggestions and "Morag" in screen.suggestions
        # Withdrawn and unconsented words are never suggested: they are never exported.
        assert "The" not in screen.suggestions
        suggestions = screen.query_one("#suggestions", OptionList)
        assert suggestions.has_focus

        suggestions.highlighted = screen.suggestions.index("Dave")
        await pilot.press("y")
        await pilot.pause()
        assert "Dave" in made.store.consultation().hide_names
        assert "Dave" not in screen.suggestions

        suggestions.highlighted = screen.suggestions.index("Morag")
        await pilot.press("n")
        await pilot.pause()
        assert "Morag" not in made.store.consultation().hide_names
        assert "Morag" not in screen.suggestions

        # Asked again, a dismissed or hidden name is not suggested again.
        await pilot.click("#suggest")
        await settle(app, pilot)
        assert "Dave" not in screen.suggestions and "Morag" not in screen.suggestions

        # A custom name can be removed; a participant's real name cannot be picked.
        names = screen.query_one("#names", OptionList)
        names.focus()
        names.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        assert made.store.consultation().hide_names == []


async def test_session_screen_exports_that_session_only(tmp_path: Path) -> None:
    services = Services.from_root(None)
    made = consultation(services)
    other = create_session(made.store, "Music at the Mill", participants=["Ash"])
    out = tmp_path / "one"
    app = FacilitateApp(services, open_session=made.session_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("E")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.session_id == made.session_id
        assert "this session only" in str(screen.query_one("#scope", Static).content)
        folder = screen.query_one("#folder", Input).value
        assert folder.startswith("~/facilitate-exports/day-services-review-painting-at-the-hub-")
        screen.query_one("#folder", Input).value = str(out)
        # Only the report and the transcripts, as Markdown.
        for box in screen.query(".group").results(Checkbox):
            box.value = False
        await pilot.pause()
        assert not screen.query_one("#fmt-transcript-srt", Checkbox).value
        screen.query_one("#fmt-report-md", Checkbox).value = True
        screen.query_one("#fmt-transcript-md", Checkbox).value = True
        await pilot.pause()
        assert screen.query_one("#group-report", Checkbox).value
        await export_now(app, pilot)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["report.md", "transcript-01-painting-at-the-hub.md"]
    assert other.title not in (out / "report.md").read_text(encoding="utf-8")


async def test_an_unwritable_folder_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.from_root(None)
    consultation(services)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() == 0:
        # Root writes anywhere: have the writer fail as it would for anyone else.
        def refuse(*_: object, **__: object) -> list[Path]:
            raise PermissionError(13, "Permission denied", str(locked / "out"))

        monkeypatch.setattr(export_screen, "write_content", refuse)
    app = FacilitateApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_export(app, pilot, locked / "out")
            await export_now(app, pilot)
            assert isinstance(app.screen, ExportScreen)
            errors = [m for s, m in notifications(app) if s == "error"]
            assert errors == [f"No permission to write to {locked / 'out'}; choose another folder."]
            assert screen.query_one("#export").disabled is False
            assert not screen.query_one("#progress-row").display
    finally:
        locked.chmod(0o700)


async def test_a_pseudonym_with_a_hidden_name_is_a_clear_error(tmp_path: Path) -> None:
    services = Services.from_root(None)
    made = consultation(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, tmp_path / "clash")
        consultation_ = made.store.consultation()
        consultation_.hide_names = ["Birch"]
        made.store.save_consultation(consultation_)
        screen.refresh_preview()
        await settle(app, pilot)
        preview = str(screen.query_one("#preview", Static).content)
        assert "“Birch” contains a hidden name" in preview

        await export_now(app, pilot)
        errors = [m for s, m in notifications(app) if s == "error"]
        assert len(errors) == 1 and "contains a hidden name" in errors[0]
        assert "\n" not in errors[0]
        assert not (tmp_path / "clash").exists()

        # Leaving out pseudonyms too makes the same export possible.
        screen.query_one("#no-pseudonyms", Checkbox).value = True
        await export_now(app, pilot)
    report = (tmp_path / "clash" / "report.md").read_text(encoding="utf-8")
    assert "Birch" not in report and ASH_APPROVED in report


async def test_open_the_folder_without_a_file_manager_shows_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.from_root(None)
    consultation(services)
    out = tmp_path / "out"
    monkeypatch.setattr(export_screen, "folder_opener", lambda: None)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, out)
        screen.query_one("#export").focus()
        await pilot.press("o")  # nothing exported yet: a hint, not a crash
        await pilot.pause()
        await export_now(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        last = notifications(app)[-1][1]
        assert str(out) in last and "\n" not in last


async def test_open_the_folder_runs_the_file_manager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.from_root(None)
    consultation(services)
    out = tmp_path / "out"
    launched: list[list[str]] = []

    class FakePopen:
        def __init__(self, args: list[str], **_: object) -> None:
            launched.append(args)

    monkeypatch.setattr(export_screen, "folder_opener", lambda: ["/usr/bin/xdg-open"])
    monkeypatch.setattr(export_screen.subprocess, "Popen", FakePopen)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, out)
        await export_now(app, pilot)
        screen.query_one("#export").focus()
        await pilot.press("o")
        await pilot.pause()
    assert launched == [["/usr/bin/xdg-open", str(out)]]


def test_default_folder_is_named_after_the_consultation_and_date() -> None:
    import datetime

    made = consultation(Services.from_root(None))
    screen = ExportScreen(made.store, today=datetime.date(2024, 6, 1))
    assert screen.default_folder() == "~/facilitate-exports/day-services-review-2024-06-01"
    assert re.fullmatch(r"[a-z0-9~/.-]+", screen.default_folder())


async def test_the_folder_field_keeps_the_path_when_focused(tmp_path: Path) -> None:
    services = Services.from_root(None)
    consultation(services)
    app = FacilitateApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(app, pilot, tmp_path / "out")
        field = screen.query_one("#folder", Input)
        assert not field.compact  # a bordered field, not plain text
        screen.query_one("#export").focus()
        await pilot.pause()
        field.focus()
        await pilot.pause()
        assert field.selection.is_empty
        assert field.cursor_position == len(field.value)
        await pilot.press(*"-2")
        assert field.value == f"{tmp_path / 'out'}-2"


async def test_a_stray_enter_on_the_way_in_writes_nothing(tmp_path: Path) -> None:
    services = Services.from_root(None)
    consultation(services)
    app = FacilitateApp(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, tmp_path / "out")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert not (tmp_path / "out").exists()
