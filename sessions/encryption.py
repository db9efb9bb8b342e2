"""Encryption at rest, per consultation: the passphrase, the key, and every sealed read and write.

An encrypted consultation's folder holds ``encryption.json``, the only plain
file that matters: the scrypt settings and salt, and the consultation's random
data key wrapped (AES-256-GCM) twice, once under the passphrase and once under
a recovery key shown a single time when encryption is set up. Every other file
(the store, the transcripts, the recordings, a recording in progress) is a
sealed file (:mod:`sessions.sealed`) under the data key.

The key is asked for once per process: :func:`unlock` checks a passphrase
(a wrong one raises :class:`WrongPassphrase` and writes nothing) and keeps
the key in memory for the rest of the process. Scripts may set
``FACILITATE_PASSPHRASE`` instead. Every reader and writer of consultation files
goes through :func:`key_for`, :func:`read_file`, :func:`write_file` and
:func:`open_audio`, so a consultation that is not encrypted works exactly as before.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sessions.atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from sessions.errors import FacilitateError, StoreUnreadable
from sessions.sealed import (
    FILE_CHUNK,
    Key,
    SealedReader,
    file_is_sealed,
    is_sealed,
    seal,
    unseal,
)

#: The plain file that makes a consultation encrypted.
KEY_FILE = "encryption.json"
#: Environment variable a script may set instead of typing the passphrase.
PASSPHRASE_ENV = "FACILITATE_PASSPHRASE"
#: scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB and about 0.1 s per try on a laptop,
#: once per app start; a guesser pays the same for every guess.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
#: Shortest passphrase accepted.
MIN_PASSPHRASE = 8


class Locked(StoreUnreadable):
    """An encrypted consultation opened before its passphrase was given."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder,
            f"Consultation {folder.name} is encrypted: enter its passphrase "
            f"(or set {PASSPHRASE_ENV} for scripts) to open it.",
        )
        self.folder = folder


class WrongPassphrase(StoreUnreadable):
    """A passphrase (or recovery key) that does not open the consultation.

    Listings report it beside the consultations they can show, as any store that
    cannot be opened.
    """


class EncryptionError(FacilitateError):
    """Encryption cannot be set up or changed as asked (one line saying why)."""


#: Asks for a consultation's passphrase when none is known yet (the command line
#: sets it at a terminal); None: a locked consultation raises :class:`Locked`.
passphrase_prompt: Callable[[Path], str] | None = None

_keys: dict[str, Key] = {}
_keys_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


def _kek(secret: str, salt: bytes, n: int | None = None, r: int = SCRYPT_R,
         p: int = SCRYPT_P) -> bytes:
    """The key-encryption key derived from a passphrase or recovery key."""
    n = SCRYPT_N if n is None else n
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret.encode("utf-8"))


def _wrap(kek: bytes, data_key: bytes, label: bytes) -> str:
    nonce = secrets.token_bytes(12)
    return _b64(nonce + AESGCM(kek).encrypt(nonce, data_key, label))


def _unwrap(kek: bytes, wrapped: str, label: bytes) -> bytes:
    raw = _unb64(wrapped)
    return AESGCM(kek).decrypt(raw[:12], raw[12:], label)


def _recovery_code() -> str:
    """A recovery key to print: 25 letters and digits in groups of five."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode("ascii").rstrip("=")
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def check_passphrase(passphrase: str) -> None:
    """Raise :class:`EncryptionError` (one line) for a passphrase too weak to set."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise EncryptionError(
            f"Choose a passphrase of at least {MIN_PASSPHRASE} characters; nothing was changed."
        )


def is_encrypted(folder: Path) -> bool:
    """True when the consultation in ``folder`` is encrypted."""
    return (Path(folder) / KEY_FILE).exists()


def _folder_key(folder: Path) -> str:
    return os.path.realpath(folder)


def _read_key_file(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StoreUnreadable(
            folder, f"Cannot read {folder.name}/{KEY_FILE} ({error}); the consultation cannot be "
            "opened without it: restore it from a backup."
        ) from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise StoreUnreadable(folder, f"{folder.name}/{KEY_FILE} is not a facilitate key file.")
    return data


def _new_key_file(data_key: bytes, key_id: bytes, passphrase: str) -> tuple[dict[str, Any], str]:
    """The key file's contents for ``data_key``, and the recovery key it also opens with."""
    code = _recovery_code()
    salt, recovery_salt = secrets.token_bytes(16), secrets.token_bytes(16)
    doc = {
        "version": 1,
        "cipher": "AES-256-GCM",
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "key_id": key_id.hex(),
        "passphrase": {"salt": _b64(salt),
                       "wrapped": _wrap(_kek(passphrase, salt), data_key, b"passphrase")},
        "recovery": {"salt": _b64(recovery_salt),
                     "wrapped": _wrap(_kek(_normal_code(code), recovery_salt), data_key,
                                      b"recovery")},
    }
    return doc, code


def _open_key(folder: Path, secret: str, which: str) -> Key:
    doc = _read_key_file(folder)
    try:
        kdf = doc["kdf"]
        part = doc[which]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt = _unb64(part["salt"])
        key_id = bytes.fromhex(doc["key_id"])
        wrapped = part["wrapped"]
    except (KeyError, TypeError, ValueError) as error:
        raise StoreUnreadable(folder, f"{folder.name}/{KEY_FILE} is damaged ({error}).") from None
    label = which.encode("ascii")
    try:
        material = _unwrap(_kek(secret, salt, n, r, p), wrapped, label)
    except (InvalidTag, ValueError):
        what = "passphrase" if which == "passphrase" else "recovery key"
        raise WrongPassphrase(
            folder, f"That {what} does not open consultation {folder.name}; nothing was changed."
        ) from None
    return Key(material, key_id)


def unlock(folder: Path, passphrase: str) -> Key:
    """Check ``passphrase`` for the consultation in ``folder`` and keep its key for this process.

    Raises :class:`WrongPassphrase` (one line) and writes nothing when it is wrong.
    """
    folder = Path(folder)
    key = _open_key(folder, passphrase, "passphrase")
    with _keys_lock:
        _keys[_folder_key(folder)] = key
    return key


def unlock_with_recovery(folder: Path, code: str, new_passphrase: str) -> Key:
    """Open with the recovery key and set ``new_passphrase`` (the recovery key still works)."""
    folder = Path(folder)
    check_passphrase(new_passphrase)
    key = _open_key(folder, _normal_code(code), "recovery")
    doc = _read_key_file(folder)
    salt = secrets.token_bytes(16)
    doc["passphrase"] = {"salt": _b64(salt),
                         "wrapped": _wrap(_kek(new_passphrase, salt), key.material, b"passphrase")}
    atomic_write_text(folder / KEY_FILE, json.dumps(doc, indent=1))
    with _keys_lock:
        _keys[_folder_key(folder)] = key
    return key


def is_unlocked(folder: Path) -> bool:
    """True when this process holds the key of the consultation in ``folder``."""
    with _keys_lock:
        return _folder_key(folder) in _keys


def any_unlocked() -> bool:
    """True when this process holds the key of any consultation (its words may be on screen)."""
    with _keys_lock:
        return bool(_keys)


def forget_keys() -> None:
    """Drop every key this process holds (tests; a future 'lock now')."""
    with _keys_lock:
        _keys.clear()


def folder_key(folder: Path) -> Key | None:
    """The key of the consultation in ``folder``: None when it is not encrypted.

    Raises :class:`Locked` when it is encrypted and no passphrase was given (the
    environment's ``FACILITATE_PASSPHRASE`` is tried first), and
    :class:`WrongPassphrase` when that variable holds a wrong one.
    """
    folder = Path(folder)
    with _keys_lock:
        key = _keys.get(_folder_key(folder))
    if key is not None:
        return key
    if not is_encrypted(folder):
        return None
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        try:
            return unlock(folder, env)
        except WrongPassphrase:
            # Another consultation's passphrase: a person at a terminal is asked for
            # this one's; a script (no prompt) is told the variable does not open it.
            if passphrase_prompt is None:
                raise
    if passphrase_prompt is not None:
        return unlock(folder, passphrase_prompt(folder))
    raise Locked(folder)


def consultation_folder(path: Path) -> Path | None:
    """The consultation folder holding ``path`` (a store, transcript or audio file), if any."""
    path = Path(path)
    for folder in (path.parent, path.parent.parent):
        if (folder / KEY_FILE).exists() or (folder / "store.json").exists():
            return folder
    return None


def key_for(path: Path) -> Key | None:
    """The key files at ``path`` are sealed with; None for a consultation that is not encrypted."""
    folder = consultation_folder(path)
    if folder is None:
        return None
    with _keys_lock:
        key = _keys.get(_folder_key(folder))
    if key is not None:
        return key
    return folder_key(folder)


def read_file(path: Path) -> bytes:
    """The plain bytes of a consultation file, sealed or not (FileNotFoundError as usual)."""
    raw = Path(path).read_bytes()
    return read_sealed(path, raw) if is_sealed(raw) else raw


def read_sealed(path: Path, raw: bytes) -> bytes:
    """The plain bytes of ``raw``, the sealed file read from ``path``."""
    key = key_for(path)
    if key is None:
        # Sealed, yet no key file beside it: the key file was lost or moved.
        raise StoreUnreadable(
            path, f"{path} is encrypted but its consultation has no {KEY_FILE}; "
            "restore that file from a backup."
        )
    return unseal(key, raw, str(path))


def seal_for(path: Path, data: bytes) -> bytes:
    """``data`` as it is written at ``path``: sealed inside an encrypted consultation."""
    key = key_for(path)
    return data if key is None else seal(key, data)


def write_file(path: Path, data: bytes) -> None:
    """Replace the consultation file at ``path`` atomically, sealed when the consultation is."""
    atomic_write_bytes(Path(path), seal_for(path, data))


def open_audio(path: Path, *, lenient: bool = False) -> str | IO[bytes]:
    """What a decoder should open for the recording at ``path``.

    Its path as text for a plain file; for a sealed one, a seekable file object
    that decrypts as it is read, so no plain copy is ever written to disk.
    """
    path = Path(path)
    if not file_is_sealed(path):
        return str(path)
    key = key_for(path)
    if key is None:
        raise Locked(path.parent)
    return SealedReader(path, key, lenient=lenient)


@contextlib.contextmanager
def audio_source(path: Path, *, lenient: bool = False) -> Iterator[str | IO[bytes]]:
    """:func:`open_audio` for the block, closed after it."""
    source = open_audio(path, lenient=lenient)
    try:
        yield source
    finally:
        if not isinstance(source, str):
            source.close()


# -- setting it up -------------------------------------------------------------------


def create_key_file(folder: Path, passphrase: str) -> tuple[Key, str]:
    """Make ``folder`` an encrypted consultation's folder; return its key and recovery key.

    Written atomically before any sealed file, so every sealed file has its key file.
    """
    folder = Path(folder)
    check_passphrase(passphrase)
    if is_encrypted(folder):
        raise EncryptionError(f"Consultation {folder.name} is already encrypted.")
    data_key, key_id = AESGCM.generate_key(bit_length=256), secrets.token_bytes(16)
    doc, code = _new_key_file(data_key, key_id, passphrase)
    atomic_write_text(folder / KEY_FILE, json.dumps(doc, indent=1))
    fsync_dir(folder)
    key = Key(data_key, key_id)
    with _keys_lock:
        _keys[_folder_key(folder)] = key
    return key, code


def plain_files(folder: Path) -> list[Path]:
    """The files in ``folder`` not sealed yet: store, transcripts, recordings, artwork photos."""
    folder = Path(folder)
    found = [folder / "store.json"]
    for sub, pattern in (("transcripts", "*.json"), ("audio", "*.flac"), ("audio", "*.wav"),
                         ("artwork", "*")):
        found += sorted((folder / sub).glob(pattern))
    return [p for p in found if p.is_file() and not p.name.startswith(".")
            and not file_is_sealed(p)]


def seal_in_place(path: Path, key: Key) -> None:
    """Replace the plain file at ``path`` with its sealed copy (temporary file, fsync, rename)."""
    atomic_write_bytes(path, seal(key, path.read_bytes(), FILE_CHUNK))


def encrypt_consultation(store: Any, passphrase: str) -> str:
    """Encrypt the consultation of ``store`` (a ConsultationStore) in place.

    Returns the recovery key, to be shown once.

    Crash-safe: the key file is written first, then each file is replaced by its
    sealed copy (temporary file, fsync, rename). Readers take a file sealed or
    plain, so a kill at any moment leaves a consultation that opens, and
    :func:`finish_encryption` (run whenever it is opened) seals what is left.
    Refused, with nothing changed, while a recording is in progress.
    """
    folder = Path(store.folder)
    check_passphrase(passphrase)
    if is_encrypted(folder):
        raise EncryptionError(f"Consultation {folder.name} is already encrypted.")
    audio = folder / "audio"
    if any(audio.glob("*.pcm.partial")):
        raise EncryptionError(
            "A recording of this consultation is in progress or unrecovered: finish it "
            "(or open the session to recover it), then encrypt; nothing was changed."
        )
    with store.lock:
        key, code = create_key_file(folder, passphrase)
        finish_encryption(store, key)
    return code


def finish_encryption(store: Any, key: Key | None = None) -> int:
    """Seal every consultation file of ``store`` still plain; return how many there were."""
    folder = Path(store.folder)
    from sessions.audio import locked_file  # audio reads through this module

    with store.lock:
        key = key or folder_key(folder)
        if key is None:
            return 0
        todo = plain_files(folder)
        for path in todo:
            # Looked at again just before: a file must never be sealed twice.
            if path.parent.name == "audio":
                with locked_file(path):  # a silencing in another process waits its turn
                    if not file_is_sealed(path):
                        seal_in_place(path, key)
            elif not file_is_sealed(path):
                seal_in_place(path, key)
        if todo:
            store.forget_cached_files()
    return len(todo)
