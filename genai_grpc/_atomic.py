"""Files that appear whole or not at all: written under a temporary name in the same
directory, flushed to disk, then renamed into place. A failed or interrupted write leaves
nothing behind but what was there before."""

from __future__ import annotations

import errno
import os
import tempfile
from types import TracebackType


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which races with threads.
_MODE = 0o666 & ~_umask()


class AtomicFile:
    """Write with `write()`, then `commit()`; leaving the `with` block without a commit
    removes the temporary file. With `overwrite=False` an existing file is never replaced
    (FileExistsError, checked at the start and again, atomically, at the rename)."""

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> None:
        self.path = os.fspath(path)
        self._overwrite = overwrite
        if not overwrite and os.path.lexists(self.path):
            raise FileExistsError(errno.EEXIST, "the file exists", self.path)
        directory = os.path.dirname(os.path.abspath(self.path))
        fd, self._temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(self.path)}.", suffix=".part")
        self._file = os.fdopen(fd, "wb")
        if hasattr(os, "fchmod"):  # mkstemp's 0600 would make the result unreadable to others
            os.fchmod(fd, _MODE)
        self._done = False

    def write(self, chunk: bytes | memoryview) -> None:
        """Append bytes to the temporary file."""
        self._file.write(chunk)

    def commit(self) -> None:
        """Flush to disk and move the file into place."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self._overwrite:
            os.replace(self._temp, self.path)
        else:
            self._link()
        self._done = True

    def discard(self) -> None:
        """Drop the temporary file (safe after commit, and twice)."""
        self._file.close()
        if not self._done:
            self._done = True
            try:
                os.unlink(self._temp)
            except FileNotFoundError:
                pass

    def _link(self) -> None:
        try:
            os.link(self._temp, self.path)  # fails if the path exists, with no window
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "the file exists", self.path) from None
        except OSError:  # a file system without hard links
            if os.path.lexists(self.path):
                raise FileExistsError(errno.EEXIST, "the file exists", self.path) from None
            os.replace(self._temp, self.path)
            return
        os.unlink(self._temp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()


def write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> None:
    """Write `data` to `path` atomically."""
    with AtomicFile(path, overwrite=overwrite) as out:
        out.write(data)
        out.commit()
