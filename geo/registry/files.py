"""Filesystem side of a publication: the registry lock, the backup copy, the atomic directory swap
and the byte-for-byte restore. Linux/POSIX (fcntl.flock, renameat2)."""
from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import hashlib
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .problems import PublishError

LOCK_NAME = ".lock"
STAGING_PREFIX = ".staging-"
_STAGING_PREFIX = STAGING_PREFIX
_LOCK_TIMEOUT = 60.0

__all__ = ["LOCK_NAME", "STAGING_PREFIX", "registry_lock", "backup", "snapshot", "fingerprints", "swap_in",
           "restore", "write"]


@contextmanager
def registry_lock(root: Path, timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive lock on <root>/.lock (fcntl.flock): publications run one at a time."""
    root = Path(root)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError("Une autre publication est en cours depuis plus d'une minute : réessayez.") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def ignore_transient(dirpath, names):
    return [n for n in names if n == LOCK_NAME or n.startswith(_STAGING_PREFIX)]


def backup(root: Path, backups: Path) -> Path:
    backups.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = backups / f"registre-{stamp}"
    if dest.exists():
        dest = backups / f"registre-{stamp}-{os.getpid()}"
    shutil.copytree(root, dest, ignore=ignore_transient)
    return dest


def snapshot(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def fingerprints(root: Path) -> dict[str, str]:
    """sha256 of each cpts/<id>.yaml: a publication refuses to overwrite a CPTS changed since the preview."""
    out = {}
    for p in sorted((Path(root) / "cpts").glob("*.yaml")):
        out[p.stem] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


_libc = None


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE). False if unsupported."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in(new: Path, live: Path, old: Path) -> None:
    """Put directory ``new`` at ``live``; the previous ``live`` ends at ``old``."""
    if not live.exists():
        os.rename(new, live)
        return
    if _renameat2_exchange(new, live):
        os.rename(new, old)  # ``new`` now holds the previous directory
        return
    os.rename(live, old)
    os.rename(new, live)


def restore(root: Path, backup: Path) -> None:
    """Make <root> exactly the backup again (files only rewritten where they differ)."""
    for sub in ("cpts", "perimetres"):
        live, saved = root / sub, backup / sub
        if not saved.exists():
            if live.exists():
                shutil.rmtree(live)
            continue
        if not live.is_dir():
            if live.exists():
                live.unlink()
            shutil.copytree(saved, live)
            continue
        want = snapshot(saved)
        have = snapshot(live)
        for rel in have.keys() - want.keys():
            (live / rel).unlink()
        for rel, data in want.items():
            if have.get(rel) != data:
                (live / rel).parent.mkdir(parents=True, exist_ok=True)
                (live / rel).write_bytes(data)
    for p in backup.iterdir():
        if p.is_file():
            target = root / p.name
            if not target.exists() or target.read_bytes() != p.read_bytes():
                target.write_bytes(p.read_bytes())


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
