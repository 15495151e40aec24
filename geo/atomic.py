"""Atomic file replacement, the one way the product writes a file that someone may be reading.

A temporary file is written in the target's folder, flushed to disk, given its final mode, then
renamed over the target (``os.replace``): a reader sees the old file or the new one, never half of
one, and a failure leaves the old file untouched. Used by the referential build (parquet), the
exports, the secrets file of the editor accounts and the map layers.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def replace_file(path: str | os.PathLike, write: Callable[[str], None], mode: int, *, sync_dir: bool = False) -> Path:
    """Call ``write(tmp_path)`` to fill a temporary file beside ``path``, then move it into place.

    ``mode`` is the final permission of the file (mkstemp creates it 0600). ``sync_dir`` also
    flushes the folder, so that the rename itself survives a power cut (the secrets file wants it)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_dir:
        try:
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    return path


def write_bytes(path: str | os.PathLike, data: bytes, mode: int, *, sync_dir: bool = False) -> Path:
    """``replace_file`` for a bytes payload."""
    return replace_file(path, lambda tmp: Path(tmp).write_bytes(data), mode, sync_dir=sync_dir)


def current_umask() -> int:
    """The process umask, read without changing it (os.umask would set it, which is not safe while
    other threads create files); 0o022 where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike, timeout: float | None = None,
                   busy: Callable[[], Exception] | None = None) -> Iterator[None]:
    """An exclusive ``fcntl.flock`` on ``path`` (created 0644) for the ``with`` block, across processes.

    ``timeout`` None waits as long as it takes; otherwise, once ``timeout`` seconds have passed,
    raises ``busy()`` (the caller's own French message) or :class:`TimeoutError`. One place for the
    registry's publication lock and the tiles' rebuild lock."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise (busy() if busy else TimeoutError(path)) from None
                    time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
