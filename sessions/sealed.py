"""The sealed file: how an encrypted consultation keeps every file on disk.

A sealed file is a short header followed by fixed-size records, each one chunk
of the plain bytes encrypted on its own with AES-256-GCM::

    header  (48 bytes)  b"FACSEAL1" | chunk size (u32) | 0 (u32) | file id (16) | key id (16)
    record i            nonce (12) | chunk i encrypted | tag (16)

Every record is authenticated together with the header and its own index, so
records cannot be swapped, moved or taken from another file unnoticed. Because
records sit at fixed places, any byte can be read without decrypting the rest
(playback seeks), and a recording can grow by rewriting only its last record:
a kill while it is being written tears that one record, which a reader drops,
so at most one chunk (a quarter of a second of audio) is lost. Each rewrite
takes a fresh random nonce, never reusing one under the same key.

Nothing here knows where keys come from: see :mod:`sessions.encryption`.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sessions.errors import StoreDamaged, StoreUnreadable

#: The first bytes of every sealed file.
MAGIC = b"FACSEAL1"
HEADER_SIZE = 48
NONCE_SIZE = 12
TAG_SIZE = 16
#: Chunk for files written whole (store, transcripts, saved recordings).
FILE_CHUNK = 64 * 1024
#: Chunk for a recording in progress: a quarter of a second of 16 kHz 16-bit audio,
#: so a kill never tears more than that.
RECORDING_CHUNK = 8000


@dataclass(frozen=True)
class Key:
    """A consultation's data key and the id that says which key sealed a file."""

    material: bytes
    key_id: bytes
    _cipher: Any = field(default=None, compare=False, repr=False)

    def cipher(self) -> AESGCM:
        """The AES-GCM cipher for this key (made once)."""
        if self._cipher is None:
            object.__setattr__(self, "_cipher", AESGCM(self.material))
        return self._cipher


class SealedDamaged(StoreDamaged):
    """A sealed file whose bytes do not decrypt: changed, torn or from another key."""

    def __init__(self, path: object, reason: str) -> None:
        StoreUnreadable.__init__(
            self, path,
            f"The encrypted file {path} is damaged ({reason}); it has not been changed. "
            "Restore it from a backup or move it aside, then try again.",
        )


def is_sealed(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) starts a sealed file."""
    return head[: len(MAGIC)] == MAGIC


def file_is_sealed(path: os.PathLike[str] | str) -> bool:
    """True when the file at ``path`` is sealed (False when it cannot be read)."""
    try:
        with open(path, "rb") as file:
            return is_sealed(file.read(len(MAGIC)))
    except OSError:
        return False


def new_header(key: Key, chunk: int) -> bytes:
    """A fresh header for a file sealed with ``key`` in chunks of ``chunk`` bytes."""
    return MAGIC + struct.pack("<II", chunk, 0) + secrets.token_bytes(16) + key.key_id


def _record_size(chunk: int) -> int:
    return NONCE_SIZE + chunk + TAG_SIZE


def _aad(header: bytes, index: int) -> bytes:
    return header + struct.pack("<Q", index)


def seal_record(key: Key, header: bytes, index: int, plain: bytes) -> bytes:
    """Encrypt chunk ``index`` of a file with ``header``: nonce, ciphertext and tag."""
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + key.cipher().encrypt(nonce, plain, _aad(header, index))


def seal(key: Key, data: bytes, chunk: int = FILE_CHUNK) -> bytes:
    """``data`` as a whole sealed file."""
    header = new_header(key, chunk)
    parts = [header]
    view = memoryview(data)
    for index, start in enumerate(range(0, len(data), chunk)):
        parts.append(seal_record(key, header, index, bytes(view[start:start + chunk])))
    return b"".join(parts)


def _parse_header(header: bytes, key: Key, where: str) -> int:
    """The chunk size in ``header``; raises SealedDamaged when it is not ours or not this key's."""
    if len(header) < HEADER_SIZE or not is_sealed(header):
        raise SealedDamaged(where, "not a sealed facilitate file")
    chunk = struct.unpack_from("<I", header, len(MAGIC))[0]
    if not 0 < chunk <= 64 * 1024 * 1024:
        raise SealedDamaged(where, "its header is damaged")
    if header[32:48] != key.key_id:
        raise SealedDamaged(where, "it was sealed with another consultation's key")
    return chunk


def unseal(key: Key, blob: bytes, where: str = "a sealed file") -> bytes:
    """The plain bytes of a whole sealed file; raises SealedDamaged if any record fails."""
    header = bytes(blob[:HEADER_SIZE])
    chunk = _parse_header(header, key, where)
    size = _record_size(chunk)
    out = []
    body = memoryview(blob)[HEADER_SIZE:]
    cipher = key.cipher()
    for index, start in enumerate(range(0, len(body), size)):
        record = bytes(body[start:start + size])
        if len(record) <= NONCE_SIZE + TAG_SIZE:
            raise SealedDamaged(where, "it ends in a torn record")
        try:
            out.append(cipher.decrypt(record[:NONCE_SIZE], record[NONCE_SIZE:],
                                      _aad(header, index)))
        except InvalidTag:
            raise SealedDamaged(where, "it does not decrypt (changed on disk?)") from None
    return b"".join(out)


class SealedFile:
    """Random access to the plain bytes of a sealed file open as ``fd``.

    ``lenient`` is for a recording in progress or cut short: a record that does
    not decrypt reads as zeros (silence) in the middle and is dropped at the end,
    since a kill can tear the record being written. Otherwise such a record
    raises :class:`SealedDamaged`. Writing (:meth:`write_at`) rewrites only the
    records it touches.
    """

    def __init__(self, fd: int, key: Key, *, lenient: bool = False, where: str = "",
                 chunk: int = RECORDING_CHUNK, buffered: bool = False,
                 create: bool = False) -> None:
        self.fd = fd
        self.buffered = buffered
        #: The last chunk, written but not sealed yet (``buffered`` only).
        self._pending: tuple[int, bytes] | None = None
        self.key = key
        self.lenient = lenient
        self.where = where or "a sealed file"
        head = os.pread(fd, HEADER_SIZE, 0)
        if not head and create:
            # A new file: it gets its header now, before any audio.
            head = new_header(key, chunk)
            _pwrite_all(fd, head, 0)
        self.header = head
        self.chunk = _parse_header(head, key, self.where)
        self.record = _record_size(self.chunk)
        #: One whole chunk kept decrypted: readers go forward, a byte at a time at worst.
        self._cache: tuple[int, bytes] | None = None

    def _records(self) -> tuple[int, int]:
        """Whole records on disk, and the bytes of the (shorter) last one."""
        body = max(0, os.fstat(self.fd).st_size - HEADER_SIZE)
        return body // self.record, body % self.record

    def size(self) -> int:
        """How many plain bytes can be read now (a torn last record counts as none)."""
        whole, rest = self._records()
        if rest > NONCE_SIZE + TAG_SIZE:
            last = self._chunk(whole, rest)
            return whole * self.chunk + (len(last) if last is not None else 0)
        if rest and not self.lenient:
            raise SealedDamaged(self.where, "it ends in a torn record")
        return whole * self.chunk

    def settled_size(self) -> int:
        """Plain bytes in every record but the last: those a live writer no longer rewrites."""
        whole, rest = self._records()
        return max(0, whole - (0 if rest else 1)) * self.chunk

    def _chunk(self, index: int, length: int | None = None) -> bytes | None:
        """Plain chunk ``index``; None when it does not decrypt (lenient only)."""
        if self._pending is not None and self._pending[0] == index:
            return self._pending[1]
        if self._cache is not None and self._cache[0] == index:
            return self._cache[1]
        raw = os.pread(self.fd, length or self.record, HEADER_SIZE + index * self.record)
        try:
            plain = self.key.cipher().decrypt(
                raw[:NONCE_SIZE], raw[NONCE_SIZE:], _aad(self.header, index)
            )
        except (InvalidTag, ValueError):
            if self.lenient:
                return None
            raise SealedDamaged(self.where, f"part {index} does not decrypt") from None
        if len(plain) == self.chunk:
            # Only whole chunks are kept: the last one may still be growing.
            self._cache = (index, plain)
        return plain

    def read_at(self, offset: int, count: int, size: int | None = None) -> bytes:
        """Up to ``count`` plain bytes from ``offset`` (fewer at the end)."""
        end = min(offset + count, self.size() if size is None else size)
        out = bytearray()
        while offset < end:
            index, within = divmod(offset, self.chunk)
            plain = self._chunk(index, self._length(index))
            if plain is None:  # torn in the middle: silence of the same length
                plain = bytes(self.chunk)
            piece = plain[within:within + (end - offset)]
            if not piece:
                break
            out += piece
            offset += len(piece)
        return bytes(out)

    def _length(self, index: int) -> int | None:
        """Bytes of record ``index`` on disk (None: a whole record); 0 when it is not there."""
        whole, rest = self._records()
        if index < whole:
            return None
        return rest if index == whole and rest > NONCE_SIZE + TAG_SIZE else 0

    def write_at(self, data: bytes, offset: int) -> None:
        """Write plain ``data`` at ``offset``, resealing each chunk it touches.

        With ``buffered``, a last chunk not yet full stays in memory until
        :meth:`flush` (the recorder flushes before each fsync, so nothing that
        was forced to disk is held back) or until it fills up.
        """
        view = memoryview(data)
        while view:
            index, within = divmod(offset, self.chunk)
            old = self._current(index)
            take = min(len(view), self.chunk - within)
            padded = old.ljust(within, b"\0")
            plain = padded[:within] + bytes(view[:take]) + padded[within + take:]
            if self.buffered and len(plain) < self.chunk:
                self._pending = (index, plain)  # only the last chunk can be short
            else:
                self._seal_chunk(index, plain)
                if self._pending is not None and self._pending[0] == index:
                    self._pending = None
            view = view[take:]
            offset += take

    def flush(self) -> None:
        """Seal the last chunk held in memory (see ``buffered``)."""
        if self._pending is not None:
            index, plain = self._pending
            self._seal_chunk(index, plain)
            self._pending = None

    def _current(self, index: int) -> bytes:
        """Chunk ``index`` as it stands, in memory or on disk (b"" when there is none yet)."""
        if self._pending is not None and self._pending[0] == index:
            return self._pending[1]
        length = self._length(index)
        if length == 0:
            return b""
        old = self._chunk(index, length)
        if old is None:  # torn: it reads as silence, so it is rewritten as silence
            old = bytes(self.chunk if length is None else length - NONCE_SIZE - TAG_SIZE)
        return old

    def _seal_chunk(self, index: int, plain: bytes) -> None:
        _pwrite_all(self.fd, seal_record(self.key, self.header, index, plain),
                    HEADER_SIZE + index * self.record)
        self._cache = (index, plain)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


class _SealedIO(io.RawIOBase):
    """A seekable file object over a :class:`SealedFile`'s plain bytes."""

    _file: SealedFile
    _fd: int
    _pos = 0
    _size = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Always seekable."""
        return True

    def size(self) -> int:
        """The plain size in bytes."""
        return self._size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` (from the start, here, or the end)."""
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += self._size
        if offset < 0:
            raise ValueError("negative seek position")
        self._pos = offset
        return offset

    def tell(self) -> int:
        """Where the next read or write starts."""
        return self._pos

    def readinto(self, buffer: Any) -> int:
        """Read plain bytes into ``buffer``; 0 at the end."""
        view = memoryview(buffer).cast("B")
        data = self._file.read_at(self._pos, len(view), self._size)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)


class SealedWriter(_SealedIO):
    """A new sealed file written (and read back, and rewritten) through a file object.

    What soundfile writes an encrypted recording into when it is saved or
    silenced: each chunk is sealed once it is full (a FLAC header rewritten at
    the end reseals only its chunk), so the plain audio is never on disk and
    never whole in memory. Close it before putting the file in place.
    """

    def __init__(self, path: os.PathLike[str] | str, key: Key) -> None:
        super().__init__()
        self.name = os.fspath(path)
        self._fd = os.open(path, os.O_RDWR | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
        self._file = SealedFile(self._fd, key, chunk=FILE_CHUNK, where=self.name,
                                buffered=True, create=True)

    def writable(self) -> bool:
        """Always writable."""
        return True

    def write(self, data: Any) -> int:
        """Write ``data`` at the current place; return its length."""
        raw = bytes(data)
        self._file.write_at(raw, self._pos)
        self._pos += len(raw)
        self._size = max(self._size, self._pos)
        return len(raw)

    def close(self) -> None:
        """Seal the last chunk and let go of the file."""
        if not self.closed:
            try:
                self._file.flush()
            finally:
                os.close(self._fd)
        super().close()


class SealedReader(_SealedIO):
    """A read-only, seekable file object over a sealed file's plain bytes.

    What soundfile, PyAV and faster-whisper read an encrypted recording through:
    the plain audio only ever exists in memory.
    """

    def __init__(self, path: os.PathLike[str] | str, key: Key, *, lenient: bool = False) -> None:
        super().__init__()
        self.name = os.fspath(path)
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            self._file = SealedFile(self._fd, key, lenient=lenient, where=self.name)
            self._size = self._file.size()
        except BaseException:
            os.close(self._fd)
            raise

    def close(self) -> None:
        """Let go of the file."""
        if not self.closed:
            os.close(self._fd)
        super().close()
