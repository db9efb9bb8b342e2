"""Encryption at rest: nothing readable without the passphrase, and nothing lost on a kill.

Built through the real services on real files: a consultation with names,
transcript words, quotes and an imported recording is encrypted, and then
every byte under its folder is searched for those words, names and audio.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pytest
import soundfile
from conftest import require_portaudio, skip_or_fail
from hypothesis import given, settings
from PIL import Image
from quote_fixtures import consultation_with_quotes

import sessions.encryption as encryption
from sessions.artwork import add_artwork, artworks, image_bytes
from sessions.audio import load_audio, probe_audio, silence_file
from sessions.importer import import_audio
from sessions.sealed import (
    HEADER_SIZE,
    Key,
    SealedDamaged,
    SealedFile,
    SealedReader,
    file_is_sealed,
    seal,
    unseal,
)
from sessions.services import Services
from sessions.store import Workspace

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PASSPHRASE = "lanterns over the harbour"
REAL_NAME = "Morwenna Tregenza"


@pytest.fixture(autouse=True)
def quick_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cheaper scrypt (the cost of a guess is not what is tested) and no key kept after."""
    monkeypatch.setattr(encryption, "SCRYPT_N", 2**12)
    monkeypatch.delenv(encryption.PASSPHRASE_ENV, raising=False)
    encryption.forget_keys()
    yield
    encryption.forget_keys()


def a_key() -> Key:
    """A fresh random key."""
    return Key(os.urandom(32), os.urandom(16))


# -- the sealed file -------------------------------------------------------------------


def test_a_sealed_file_reads_back_and_refuses_any_change() -> None:
    key = a_key()
    data = os.urandom(150_000)
    blob = seal(key, data, chunk=10_000)
    assert unseal(key, blob) == data
    assert data[:64] not in blob
    flipped = bytearray(blob)
    flipped[HEADER_SIZE + 20_050] ^= 1
    with pytest.raises(SealedDamaged, match="does not decrypt"):
        unseal(key, bytes(flipped))
    record = 12 + 10_000 + 16
    first, second = HEADER_SIZE, HEADER_SIZE + record
    swapped = blob[:first] + blob[second:second + record] + blob[first:second] \
        + blob[second + record:]
    with pytest.raises(SealedDamaged):
        unseal(key, swapped)  # records are bound to their place
    with pytest.raises(SealedDamaged, match="another consultation"):
        unseal(a_key(), blob)


def test_a_recording_in_progress_loses_only_its_torn_last_chunk(tmp_path: Path) -> None:
    key = a_key()
    path = tmp_path / "partial"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    sealed = SealedFile(fd, key, lenient=True, chunk=1000, create=True)
    written = b""
    rng = random.Random(4)
    while len(written) < 20_000:
        block = os.urandom(rng.randint(1, 700))
        sealed.write_at(block, len(written))
        written += block
    sealed.write_at(bytes(2500), 3000)  # a strike: zeros over audio already written
    written = written[:3000] + bytes(2500) + written[5500:]
    os.close(fd)
    with SealedReader(path, key, lenient=True) as reader:
        assert reader.read() == written
        reader.seek(4321)
        assert reader.read(3000) == written[4321:7321]
    # A kill while the last record was being rewritten: it is dropped, nothing before it.
    os.truncate(path, path.stat().st_size - 3)
    with SealedReader(path, key, lenient=True) as reader:
        kept = reader.read()
    assert written.startswith(kept) and len(written) - len(kept) <= 1000
    # A record torn in the middle (a strike cut short) reads as silence, in place.
    raw = bytearray(path.read_bytes())
    raw[HEADER_SIZE + 2 * (12 + 1000 + 16) + 40] ^= 0xFF
    path.write_bytes(bytes(raw))
    with SealedReader(path, key, lenient=True) as reader:
        again = reader.read()
    assert again[2000:3000] == bytes(1000)
    assert again[:2000] == kept[:2000] and again[3000:] == kept[3000:]


@settings(max_examples=60, deadline=None)
@given(
    writes=st.lists(st.tuples(st.integers(0, 5000), st.binary(min_size=1, max_size=900)),
                    min_size=1, max_size=25),
    buffered=st.booleans(),
)
def test_any_writes_read_back_as_written(
    tmp_path_factory: pytest.TempPathFactory, writes: list[tuple[int, bytes]], buffered: bool
) -> None:
    """Writes anywhere (appends, overwrites, strikes) read back as on a plain file."""
    key = a_key()
    path = tmp_path_factory.mktemp("sealed") / "file"
    model = bytearray()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        sealed = SealedFile(fd, key, chunk=700, buffered=buffered, create=True)
        for where, data in writes:
            where = min(where, len(model))  # no holes: a recording only grows at its end
            sealed.write_at(data, where)
            model[where:where + len(data)] = data
        sealed.flush()
    finally:
        os.close(fd)
    with SealedReader(path, key) as reader:
        assert reader.read() == bytes(model)


# -- an encrypted consultation -----------------------------------------------------------


def noise(seconds: float, seed: int = 7) -> np.ndarray:
    """Loud white noise: FLAC stores it verbatim, so a plain file shows its samples."""
    rng = np.random.default_rng(seed)
    return rng.integers(-20000, 20000, int(seconds * 16000)).astype(np.int16)


def build(tmp_path: Path) -> tuple[Services, str, str, np.ndarray, bytes]:
    """A consultation with a real name, a transcript, quotes and an imported recording."""
    services = Services.from_root(tmp_path / "workspace")
    made = consultation_with_quotes(services)
    store = made.store
    ash = store.participant(made.ash)
    ash.real_name = REAL_NAME
    store.save_participant(ash)
    source = tmp_path / "outside.wav"
    soundfile.write(source, noise(6.0), 16000, subtype="PCM_16")
    import_audio(store, made.session_id, source)
    photo = tmp_path / "painting.png"
    Image.effect_mandelbrot((64, 48), (-2, -1.5, 1, 1.5), 60).convert("RGB").save(photo)
    piece = add_artwork(store, made.session_id, made.ash, photo, "The harbour at dusk")
    stored = soundfile.read(store.audio_dir / f"{made.session_id}.flac", dtype="int16")[0]
    return services, store.id, made.session_id, stored, image_bytes(store, piece)


def secrets_in(folder: Path, samples: np.ndarray, photo: bytes = b"") -> list[str]:
    """Every file under ``folder`` holding a transcript word, a name or 100 samples in plain."""
    needles = [w.encode() for w in ("Morag", "nobody judges", "village", "Tuesdays")]
    needles += [REAL_NAME.encode(), b"Day services review", b"harbour at dusk", b"fLaC"]
    needles += [photo[:32], photo[len(photo) // 2:len(photo) // 2 + 64]] if photo else []
    for start in range(0, len(samples) - 100, len(samples) // 7):
        window = samples[start:start + 100]
        needles += [window.astype("<i2").tobytes(), window.astype(">i2").tobytes()]
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(folder)}: {n[:20]!r}" for n in needles if n in data]
    return found


def load_audio_plain(samples: np.ndarray) -> np.ndarray:
    """int16 samples as load_audio gives them (float32 in -1..1)."""
    return (samples / 32768.0).astype(np.float32)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*") if p.is_file()
    }


def test_an_encrypted_consultation_is_unreadable_without_its_passphrase(tmp_path: Path) -> None:
    services, consultation_id, session_id, stored, photo = build(tmp_path)
    store = services.workspace.open(consultation_id)
    folder = store.folder
    before = (store.segments(session_id), store.quotes(), store.participants())
    # The search finds what a plain consultation shows: words, a real name, audio, the photo.
    plain = " ".join(secrets_in(folder, stored, photo))
    for shows in ("Morag", "Morwenna", "audio/", "artwork/"):
        assert shows in plain, shows

    code = encryption.encrypt_consultation(store, PASSPHRASE)
    assert len(code.replace("-", "")) >= 24
    assert secrets_in(folder, stored, photo) == []
    assert encryption.plain_files(folder) == []
    for path in folder.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600, path
    with pytest.raises(RuntimeError, match="not recognised"):
        soundfile.info(str(folder / "audio" / f"{session_id}.flac"))  # not audio to anyone else

    # A fresh process: no key yet.
    encryption.forget_keys()
    untouched = snapshot(folder)
    with pytest.raises(encryption.Locked, match="passphrase"):
        Workspace(tmp_path / "workspace").open(consultation_id)
    os.environ[encryption.PASSPHRASE_ENV] = "not the passphrase"
    try:
        with pytest.raises(encryption.WrongPassphrase, match="nothing was changed"):
            Workspace(tmp_path / "workspace").open(consultation_id)
    finally:
        del os.environ[encryption.PASSPHRASE_ENV]
    with pytest.raises(encryption.WrongPassphrase):
        encryption.unlock(folder, "lanterns over the harbour!")
    assert snapshot(folder) == untouched

    encryption.unlock(folder, PASSPHRASE)
    again = Workspace(tmp_path / "workspace").open(consultation_id)
    assert (again.segments(session_id), again.quotes(), again.participants()) == before
    (piece,) = artworks(again)
    assert Image.open(io.BytesIO(image_bytes(again, piece))).size == (64, 48)
    recording = again.audio_dir / f"{session_id}.flac"
    assert probe_audio(recording).duration_s == pytest.approx(6.0)
    heard = load_audio(recording)
    assert np.allclose(heard, stored / 32768.0, atol=1e-4)
    # Playback seeks into it and reads it in blocks, decrypting as it goes.
    from sessions.playback import _Decoder

    decoder = _Decoder(recording, 2.0, 3.0, 1.0, [])
    played = np.concatenate([decoder.read() for _ in range(40) if not decoder.done])
    decoder.close()
    assert np.allclose(played[:8000], stored[32000:40000] / 32768.0, atol=1e-4)
    # Silencing (a strike, an erasure) rewrites it sealed, with the span exact zero.
    assert silence_file(recording, [(1.0, 2.0)])
    assert file_is_sealed(recording)
    heard = load_audio(recording)
    assert len(heard) == len(stored)  # the FLAC header, rewritten at the end, is sealed too
    assert not heard[16000:32000].any() and heard[:15000].any()
    assert np.array_equal(heard[32000:], load_audio_plain(stored)[32000:])
    assert secrets_in(folder, stored, photo) == []


def test_the_recovery_key_sets_a_new_passphrase(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "workspace")
    store = workspace.create_consultation("Day services review", passphrase=PASSPHRASE)
    code = store.recovery_key
    assert code is not None
    assert b"Day services review" not in (store.folder / "store.json").read_bytes()
    encryption.forget_keys()
    with pytest.raises(encryption.WrongPassphrase):
        encryption.unlock_with_recovery(store.folder, "AAAAA-BBBBB-CCCCC-DDDDD-EEEE", "new one!")
    encryption.unlock_with_recovery(store.folder, code.lower(), "a brand new passphrase")
    encryption.forget_keys()
    with pytest.raises(encryption.WrongPassphrase):
        encryption.unlock(store.folder, PASSPHRASE)
    encryption.unlock(store.folder, "a brand new passphrase")
    assert Workspace(tmp_path / "workspace").open(store.id).consultation().title == (
        "Day services review"
    )


def test_a_kill_while_encrypting_leaves_a_consultation_that_opens(tmp_path: Path) -> None:
    services, consultation_id, session_id, stored, photo = build(tmp_path)
    store = services.workspace.open(consultation_id)
    before = (store.segments(session_id), [q.id for q in store.quotes()])
    files = len(encryption.plain_files(store.folder))
    assert files >= 3
    root = tmp_path / "workspace"
    # Killed after the key file (before any file), half way, and on the last file.
    for kill_at in (1, files // 2 + 1, files):
        child = subprocess.Popen(
            [sys.executable, str(TESTS / "encrypt_child.py"), str(root), consultation_id,
             PASSPHRASE],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        assert child.stdout is not None
        seen = 0
        for line in child.stdout:
            seen += "sealing" in json.loads(line)
            if seen == kill_at:
                time.sleep(random.uniform(0.0, 0.15))  # in the pause, or in the sealing
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert seen == kill_at, child.stderr.read() if child.stderr else ""
        encryption.forget_keys()
        assert encryption.is_encrypted(store.folder)
        encryption.unlock(store.folder, PASSPHRASE)
        reopened = Workspace(root).open(consultation_id)  # finishes the sealing
        assert encryption.plain_files(store.folder) == []
        assert (reopened.segments(session_id), [q.id for q in reopened.quotes()]) == before
        recording = reopened.audio_dir / f"{session_id}.flac"
        assert np.allclose(load_audio(recording), stored / 32768.0, atol=1e-4)
        assert secrets_in(store.folder, stored, photo) == []
        # Back to plain for the next kill: a fresh copy of the plain consultation.
        if kill_at != files:
            for path in store.folder.rglob("*"):
                if path.is_file() and file_is_sealed(path):
                    path.write_bytes(encryption.read_file(path))
            (store.folder / encryption.KEY_FILE).unlink()
            encryption.forget_keys()
            store = Workspace(root).open(consultation_id)


def test_a_kill_while_recording_encrypted_keeps_what_was_saved(tmp_path: Path) -> None:
    require_portaudio()
    if not sys.platform.startswith("linux"):
        skip_or_fail("the virtual microphone needs ALSA, which only Linux has")
    from virtual_mic import VirtualMic, load_speech

    speech = load_speech(ROOT / "facilitate" / "demo" / "consultation_demo.flac")
    from models import Marker, MarkerKind, SessionStatus
    from sessions.planning import create_session
    from sessions.run import recover_session

    workspace = Workspace(tmp_path / "workspace")
    store = workspace.create_consultation("Day services review", passphrase=PASSPHRASE)
    session = create_session(store, "Talk", participants=["Ash"])
    session.status = SessionStatus.RECORDING
    # A strike the run screen saved that the recorder never heard of: recovery applies it.
    session.markers.append(Marker(MarkerKind.STRIKE, 1.25, end_s=1.5))
    store.save_session(session)
    folder = store.audio_dir
    with VirtualMic(tmp_path / "mic", speech, speed=1.0) as mic:
        env = {**mic.env, encryption.PASSPHRASE_ENV: PASSPHRASE}
        plan = {"folder": str(folder), "name": session.id, "strikes": [[1.5, 0.5, 1.0]]}
        child = subprocess.Popen(
            [sys.executable, str(TESTS / "recorder_child.py"), json.dumps(plan)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        assert child.stdout is not None
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "started":
                mic.go()
            if event["event"] == "elapsed" and float(event["s"]) >= 2.5:
                break
        fed_s = mic.fed_s
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    partial = folder / f"{session.id}.pcm.partial"
    assert file_is_sealed(partial)
    assert secrets_in(store.folder, speech[: int(fed_s * 16000)]) == []
    # Opening the session again recovers it, as the app does.
    assert recover_session(store, session.id).startswith("Recovered")
    recorded = store.session(session.id).recording
    assert recorded is not None
    assert fed_s - 1.0 <= recorded.duration_s <= fed_s + 0.05, (recorded.duration_s, fed_s)
    saved = folder / f"{session.id}.flac"
    assert file_is_sealed(saved)
    samples = np.rint(load_audio(saved) * 32768).astype(np.int32)
    assert not samples[8000:16000].any()  # the recorder's strike survived the kill, sealed
    assert not samples[20000:24000].any()  # and the run screen's, applied on recovery
    n = min(len(samples), len(speech)) - 24000
    assert np.corrcoef(samples[24000:24000 + n], speech[24000:24000 + n])[0, 1] > 0.99
    assert secrets_in(store.folder, speech[: int(fed_s * 16000)]) == []


def test_the_command_line_encrypts_and_asks_for_the_passphrase(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from facilitate.__main__ import cli

    root = tmp_path / "workspace"
    store = Workspace(root).create_consultation("Day services review")
    runner = CliRunner()
    env = {encryption.PASSPHRASE_ENV: PASSPHRASE}
    done = runner.invoke(cli, ["--data-dir", str(root), "encrypt", store.id], env=env)
    assert done.exit_code == 0, done.output
    assert "Recovery key: " in done.output
    assert encryption.plain_files(store.folder) == []
    encryption.forget_keys()
    locked = runner.invoke(cli, ["--data-dir", str(root), "sessions"])
    assert locked.exit_code == 1
    assert f"Consultation {store.id} is encrypted" in locked.output
    assert "Day services review" not in locked.output
    encryption.forget_keys()
    wrong = runner.invoke(cli, ["--data-dir", str(root), "sessions"],
                          env={encryption.PASSPHRASE_ENV: "not it at all"})
    assert "That passphrase does not open" in wrong.output
    encryption.forget_keys()
    listed = runner.invoke(cli, ["--data-dir", str(root), "sessions"], env=env)
    assert listed.exit_code == 0 and "Day services review" in listed.output


async def test_the_app_asks_once_for_the_passphrase_and_encrypts_in_place(
    tmp_path: Path,
) -> None:
    from textual.widgets import Input

    from facilitate.app import FacilitateApp
    from facilitate.screens.home import HomeScreen
    from facilitate.screens.passphrase import (
        NewPassphraseScreen,
        RecoveryKeyScreen,
        UnlockScreen,
    )
    from facilitate.widgets import ConsultationList

    root = tmp_path / "workspace"
    workspace = Workspace(root)
    locked = workspace.create_consultation("Encrypted review", passphrase=PASSPHRASE)
    plain = workspace.create_consultation("Plain review")
    encryption.forget_keys()
    app = FacilitateApp(Services.from_root(root))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)  # asked at start
        field = app.screen.query_one("#passphrase", Input)
        field.value = "not the passphrase"
        untouched = snapshot(locked.folder)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "does not open" in str(app.screen.query_one("#passphrase-error").render())
        assert snapshot(locked.folder) == untouched
        app.screen.query_one("#passphrase", Input).value = PASSPHRASE
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert not home.locked
        shown = [s.consultation.title for s in home.summaries]
        assert shown == ["Encrypted review", "Plain review"]
        # A screenshot would hold the encrypted consultation's title in plain: none is saved.
        assert app.deliver_screenshot() is None
        assert not (root / "screenshots").exists()

        # E on the plain one: a passphrase twice, then the recovery key, once.
        home.query_one(ConsultationList).highlighted = 1
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, NewPassphraseScreen)
        app.screen.query_one("#passphrase", Input).value = "another passphrase"
        app.screen.query_one("#again", Input).value = "another passphrase"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RecoveryKeyScreen)
        assert len(app.screen.code) >= 24
        await pilot.click("#submit")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

        # A new consultation with a passphrase is encrypted from its first byte.
        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#title", Input).value = "Made encrypted"
        app.screen.query_one("#passphrase", Input).value = "short"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least" in str(app.screen.query_one("#passphrase-error").render())
        app.screen.query_one("#passphrase", Input).value = "a third passphrase"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RecoveryKeyScreen)
        made = next(s for s in home.summaries if s.consultation.title == "Made encrypted")
    assert encryption.plain_files(plain.folder) == []
    folder = root / "consultations" / made.id
    assert encryption.is_encrypted(folder) and encryption.plain_files(folder) == []
    assert b"Made encrypted" not in (folder / "store.json").read_bytes()
    assert b"Plain review" not in (plain.folder / "store.json").read_bytes()
    assert b"Encrypted review" not in (locked.folder / "store.json").read_bytes()


def test_live_transcription_follows_an_encrypted_recording_as_it_is_written(
    tmp_path: Path,
) -> None:
    import threading

    from sessions.live import LiveTranscriber

    store = Workspace(tmp_path / "workspace").create_consultation("Live", passphrase=PASSPHRASE)
    partial = store.audio_dir / "live.pcm.partial"
    audio = noise(3.0, seed=11)
    # The reader of the live transcriber, on its own (the worker would need the model).
    live = LiveTranscriber(transcriber=None)  # type: ignore[arg-type]
    reader = threading.Thread(target=live._follow, args=(partial,))
    reader.start()
    fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    writer = SealedFile(fd, encryption.key_for(partial), lenient=True, buffered=True,
                        create=True)
    for n, first in enumerate(range(0, len(audio), 1600)):  # as the recorder: 0.1 s blocks
        writer.write_at(audio[first:first + 1600].tobytes(), first * 2)
        if n % 3 == 2:
            writer.flush()  # before each fsync
            time.sleep(0.01)
    writer.flush()
    live._follow_done.set()
    reader.join(timeout=10)
    os.close(fd)
    assert live.error is None
    heard = np.concatenate(live._blocks)
    assert len(heard) == len(audio)
    assert np.array_equal(np.rint(heard * 32768).astype(np.int16), audio)
    assert secrets_in(store.folder, audio) == []


async def test_a_wrong_passphrase_in_the_environment_still_lets_the_app_ask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FACILITATE_PASSPHRASE opens one consultation; the other's passphrase is asked for."""
    from textual.widgets import Input

    from facilitate.app import FacilitateApp
    from facilitate.screens.home import HomeScreen
    from facilitate.screens.passphrase import UnlockScreen

    root = tmp_path / "workspace"
    workspace = Workspace(root)
    workspace.create_consultation("Opened by the variable", passphrase=PASSPHRASE)
    workspace.create_consultation("Its own passphrase", passphrase="a passphrase of its own")
    encryption.forget_keys()
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, PASSPHRASE)
    app = FacilitateApp(Services.from_root(root))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Not a dead end: asked at start for the one the variable does not open.
        assert isinstance(app.screen, UnlockScreen)
        app.screen.query_one("#passphrase", Input).value = "a passphrase of its own"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen) and not home.locked
        shown = sorted(s.consultation.title for s in home.summaries)
        assert shown == ["Its own passphrase", "Opened by the variable"]


def test_the_doctor_counts_an_encrypted_consultation_as_closed_not_broken(
    tmp_path: Path,
) -> None:
    from sessions.doctor import check_stores

    root = tmp_path / "workspace"
    Workspace(root).create_consultation("Encrypted review", passphrase=PASSPHRASE)
    encryption.forget_keys()
    check = check_stores(root)
    assert check.ok, check.detail
    assert "1 encrypted consultation not checked" in check.detail
    assert encryption.PASSPHRASE_ENV in check.detail


def test_at_a_terminal_a_passphrase_variable_that_does_not_open_it_asks_for_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    store = Workspace(root).create_consultation("Encrypted review", passphrase=PASSPHRASE)
    encryption.forget_keys()
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, "another consultation's passphrase")
    with pytest.raises(encryption.WrongPassphrase):  # a script: told, never asked
        encryption.folder_key(store.folder)
    asked: list[str] = []

    def prompt(folder: Path) -> str:
        asked.append(folder.name)
        return PASSPHRASE

    monkeypatch.setattr(encryption, "passphrase_prompt", prompt)
    assert encryption.folder_key(store.folder) is not None
    assert asked == [store.folder.name]
