"""A consultation's vocabulary in the store, the app and the command line; models from a stick.

Real stores in tmp_path, the real app driven by Pilot, the real command in a
process. The model is loaded only where a model folder must be checked.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from export_helpers import read_back
from quote_fixtures import open_screen, painting_session, segment
from textual.widgets import Input, OptionList

from facilitate.app import FacilitateApp
from facilitate.screens.vocabulary import VocabularyScreen
from models import RecordingConsent
from models.audit import Actor
from models.participant import ContributionState
from models.quote import Decision
from models.vocabulary import Vocabulary
from sessions.erasure import erase_participant
from sessions.errors import FacilitateError, ModelError
from sessions.export import FORMATS, export_all
from sessions.model_folders import add_model
from sessions.quotes import make_quote
from sessions.review import apply_decision, review_contribution
from sessions.services import Services
from sessions.vocabulary import (
    add_to_vocabulary,
    read_terms_file,
    remove_from_vocabulary,
    transcriber_terms,
)
from sessions.whisper_models import bundled_model_path, resolve_model

#: A word only the vocabulary holds: if it is ever in an export, the vocabulary leaked.
ONLY_IN_VOCABULARY = "Zebedee Allotments"
SLOW_FORMATS = {"report-docx", "report-pdf", "transcript-docx"}


def facilitate(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``facilitate ARGS`` in a fresh process on the test's workspace."""
    return subprocess.run(
        [sys.executable, "-m", "facilitate", *args],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )


def test_the_transcriber_hears_the_facilitators_words_then_the_consultations() -> None:
    store, _session = painting_session(Services.from_root(None), ("Ash", "Birch"))
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    store.save_participant(replace(ash, real_name="Ashley Brown"))
    add_to_vocabulary(store, ["Skem", "mini bus"])
    terms = transcriber_terms(store)
    assert terms[:2] == ["Skem", "mini bus"]
    # Venue, real name, pseudonyms, activity and themes follow, each once.
    for term in ("The Hub", "Ashley Brown", "Ash", "Birch", "painting", "Acceptance"):
        assert term in terms
    remove_from_vocabulary(store, ["Acceptance", "Skem"])
    vocabulary = store.consultation().vocabulary
    assert vocabulary == Vocabulary(words=["mini bus"], left_out=["Acceptance"])
    assert "Acceptance" not in transcriber_terms(store)


def test_erasing_someone_leaves_their_names_nowhere_in_the_vocabulary() -> None:
    store, _session = painting_session(Services.from_root(None), ("Ash", "Birch"))
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    store.save_participant(replace(ash, real_name="Ashley Brown"))
    add_to_vocabulary(store, ["Skem", "ashley brown"])
    remove_from_vocabulary(store, ["Ash"])  # a suggestion left out is stored by name
    assert store.consultation().vocabulary.left_out == ["Ash"]
    erase_participant(store, ash.id)
    assert store.consultation().vocabulary == Vocabulary(words=["Skem"])
    assert not {"Ash", "Ashley Brown"} & set(transcriber_terms(store))


def test_a_vocabulary_file_is_read_or_refused_in_one_line(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("\ufeffSkem, Ormskirk\n# venues\nthe Beacon\n", encoding="utf-8")
    assert read_terms_file(words) == ["Skem", "Ormskirk", "the Beacon"]
    binary = tmp_path / "words.flac"
    binary.write_bytes(b"fLaC\xff\xfe\x00\x81")
    for path in (binary, tmp_path / "missing.txt", tmp_path):
        with pytest.raises(FacilitateError) as error:
            read_terms_file(path)
        assert "\n" not in str(error.value)


def test_the_vocabulary_and_names_it_helped_hear_never_reach_an_export(tmp_path: Path) -> None:
    store, session = painting_session(Services.from_root(None), ("Ash",))
    ash = store.participants()[0]
    store.save_participant(replace(ash, real_name="Ashley Brown"))
    store.set_recording_consent(ash.id, session.id, RecordingConsent.YES)
    add_to_vocabulary(store, [ONLY_IN_VOCABULARY, "Skem", "Dave Whittle"])
    # What a model steered by the vocabulary would write: names spelled as listed.
    said = segment(0, "Ashley Brown and Dave Whittle took the mini bus to Skem", ash.id)
    store.save_segments(session.id, [said])
    consultation = store.consultation()
    consultation.hide_names = ["Dave Whittle"]
    store.save_consultation(consultation)
    quote = make_quote(store, session.id, [said.id])
    apply_decision(store, quote.id, Decision.APPROVE)
    review_contribution(store, ash.id, session.id, ContributionState.APPROVED, Actor.PARTICIPANT)

    # Every kind of file but the Word ones and the PDF made from them: the text they
    # hold is the same report and transcript, and they take seconds to write.
    export_all(store, tmp_path / "out", [f for f in FORMATS if f not in SLOW_FORMATS])
    everything = "\n".join(read_back(tmp_path / "out").values())
    assert "took the mini bus to Skem" in everything
    for leak in ("Zebedee", "Ashley", "Brown", "Dave", "Whittle"):
        assert leak not in everything, leak


async def test_the_facilitator_adds_and_leaves_out_words_in_the_app() -> None:
    services = Services.from_root(None)
    store, _session = painting_session(services)
    app = FacilitateApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, "V", VocabularyScreen)
        field = screen.query_one("#new-term", Input)
        assert field.has_focus
        field.value = "Skem, mini bus"
        await pilot.press("enter")
        await pilot.pause()
        assert store.consultation().vocabulary.words == ["Skem", "mini bus"]
        assert screen.terms[:3] == ["Skem", "mini bus", "The Hub"]

        listing = screen.query_one("#terms", OptionList)
        # del from the Add button takes nothing: the word is chosen in the list.
        screen.query_one("#add").focus()
        await pilot.press("delete")
        await pilot.pause()
        assert store.consultation().vocabulary.words == ["Skem", "mini bus"]
        assert listing.has_focus
        listing.highlighted = screen.terms.index("The Hub")
        await pilot.press("delete")
        await pilot.pause()
        assert store.consultation().vocabulary.left_out == ["The Hub"]
        assert "The Hub" not in screen.terms
        # A suggestion left out is listed apart, and Enter brings it back.
        listing.highlighted = len(screen.terms)
        await pilot.press("enter")
        await pilot.pause()
        assert "The Hub" in screen.terms
        assert store.consultation().vocabulary.left_out == []
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, VocabularyScreen)


def test_facilitate_vocabulary_adds_from_a_file_and_removes(tmp_path: Path) -> None:
    store, session = painting_session(Services.from_root(None))
    words = tmp_path / "words.txt"
    words.write_text("Ormskirk\nthe Beacon\n", encoding="utf-8")
    # A session id names its consultation: the id the facilitator has to hand.
    result = facilitate(
        "vocabulary", "--consultation", session.id, "--add", "Skem", "--from-file", str(words),
        "--remove", "Acceptance",
    )
    assert result.returncode == 0, result.stderr
    assert "Skem  (your word)" in result.stdout
    assert "The Hub  (from the consultation)" in result.stdout
    assert "Acceptance  (left out" in result.stdout
    store.forget_cached_files()
    assert store.consultation().vocabulary.words == ["Skem", "Ormskirk", "the Beacon"]
    missing = facilitate("vocabulary", "--from-file", str(tmp_path / "nothing.txt"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "No vocabulary file" in missing.stderr


def test_models_add_says_what_a_folder_lacks(tmp_path: Path) -> None:
    folder = tmp_path / "small.en"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0")
    (folder / "config.json").write_text("{}")
    result = facilitate("models", "add", str(folder))
    assert result.returncode == 2
    assert "tokenizer.json" in result.stderr
    assert "vocabulary.json or vocabulary.txt" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("facilitate: ")  # one line says it all


def test_a_model_folder_from_a_stick_is_copied_in_once_it_loads(tmp_path: Path) -> None:
    bundled = bundled_model_path()
    if bundled is None:
        pytest.skip("the bundled tiny.en model is not installed")
    models_dir = Services.from_root(None).workspace.models_dir
    stick = tmp_path / "stick" / "tiny-copy.en"
    shutil.copytree(bundled, stick)

    broken = tmp_path / "stick" / "broken.en"
    shutil.copytree(stick, broken)
    (broken / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelError) as error:
        add_model(broken, models_dir)
    said = str(error.value)
    assert "\n" not in said and "does not load" in said and "nothing was added" in said
    # The folder the facilitator gave, never the temporary copy that is gone.
    assert str(broken) in said and ".adding-" not in said
    assert not (models_dir / "broken.en").exists()
    assert not [p for p in models_dir.iterdir() if p.name.startswith(".")]

    info = add_model(stick, models_dir)
    assert info.path == models_dir / "tiny-copy.en" and info.english_only
    assert resolve_model("tiny-copy.en", models_dir).path == info.path
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in info.path.iterdir()} == {0o600}
    with pytest.raises(FacilitateError, match="already there"):
        add_model(stick, models_dir)
