"""A consultation's lock, shared by every thread and every process that opens it.

The app, a second window and the command line may all have one consultation
open at once. Each read-modify-write of its files (the store and the transcripts)
holds an OS file lock (``flock``) on a small file next to the store, so one
process's write never starts from a copy of the store another process has since
changed. The lock file also holds a token that every writer replaces: a process
that finds a token it did not see last time knows its cached copy is stale and
reads the files again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from sessions.errors import FacilitateError, StoreBusy, storage_error
from sessions.locations import PRIVATE_FILE

#: The lock file, in the consultation's folder.
LOCK_FILE = ".store.lock"
#: How long a read or write waits for another process before saying so.
WAIT_SECONDS = 30.0
#: Bytes of the token a writer leaves in the lock file.
TOKEN_SIZE = 16
#: Errors that leave a folder readable but the lock file impossible to make: reads
#: go ahead without it (nobody can write there either); writes are refused.
_CANNOT_MAKE = (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT)


class StoreLock:
    """Re-entrant: one thread at a time in this process, one process at a time on disk.

    Use it as ``with lock:``. The outermost entry takes the file lock and, when
    another process has written since this object last looked, calls
    ``on_change`` so cached copies of the files are dropped before anything is read.
    """

    def __init__(self, folder: Path, on_change: Callable[[], None]) -> None:
        self.path = Path(folder) / LOCK_FILE
        self._on_change = on_change
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._writable = False
        #: Why the lock file could not be opened, when it could not (writes need it).
        self._unavailable: FacilitateError | None = None
        #: The token in the lock file when this object last held the lock or wrote.
        self._seen: bytes | None = None

    def __enter__(self) -> None:
        self._thread.acquire()
        if self._depth == 0:
            try:
                self._take()
            except BaseException:
                self._thread.release()
                raise
        self._depth += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._release()
        self._thread.release()

    def note_write(self) -> None:
        """Leave a new token for other processes; call it, holding the lock, before a write."""
        if self._depth == 0:
            raise RuntimeError("a store file was written without holding its lock")
        if self._fd is None or not self._writable:
            # Without the file lock a write could undo another process's: refuse it.
            raise self._unavailable or storage_error(
                OSError(errno.EBADF, "no lock"), self.path, "lock"
            )
        token = secrets.token_bytes(TOKEN_SIZE)
        try:
            os.pwrite(self._fd, token, 0)
        except OSError as error:
            raise storage_error(error, self.path, "save") from error
        self._seen = token

    def _take(self) -> None:
        fd, self._writable = self._open()
        if fd is None:
            return
        try:
            self._wait(fd)
            token = os.pread(fd, TOKEN_SIZE, 0)
        except BaseException:
            os.close(fd)  # closing drops the file lock too
            raise
        self._fd = fd
        if token != self._seen:
            self._seen = token
            self._on_change()

    def _open(self) -> tuple[int | None, bool]:
        """The lock file and whether it may be written, opened afresh for each hold.

        Opened per hold, never kept: a forked child never shares a held lock.
        """
        self._unavailable = None
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path, flags, PRIVATE_FILE), True
        except OSError as error:
            if error.errno not in _CANNOT_MAKE:
                raise storage_error(error, self.path, "open") from error
            self._unavailable = storage_error(error, self.path.parent, "save to")
        try:  # a read-only disk may still hold the lock file that writers made
            return os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), False
        except OSError:
            return None, False

    def _wait(self, fd: int) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        pause = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            except OSError as error:
                if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP):
                    # A file system without locks (rare network shares): carry on as
                    # before, one writer at a time being the user's to arrange.
                    return
                raise storage_error(error, self.path, "lock") from error
            if time.monotonic() > deadline:
                raise StoreBusy(self.path.parent, WAIT_SECONDS)
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
