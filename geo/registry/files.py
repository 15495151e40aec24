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
from pathlib import Path

from ..atomic import exclusive_lock
from .problems import PublishError

LOCK_NAME = ".lock"
STAGING_PREFIX = ".staging-"
_LOCK_TIMEOUT = 60.0

__all__ = ["LOCK_NAME", "STAGING_PREFIX", "PARTIAL_PREFIX", "registry_lock", "copy_tree", "backup", "clean_stale",
           "clean_stale_if_idle", "snapshot", "fingerprints", "swap_in", "restore", "write", "os_error_fr"]


def registry_lock(root: Path, timeout: float = _LOCK_TIMEOUT):
    """Exclusive lock on <root>/.lock (geo.atomic.exclusive_lock): publications run one at a time;
    after ``timeout`` seconds a French PublishError (BUSY)."""
    return exclusive_lock(Path(root) / LOCK_NAME, timeout, busy=lambda: PublishError(
        "Une autre publication est en cours depuis plus d'une minute : réessayez.", PublishError.BUSY))


PARTIAL_PREFIX = ".partial-"  # a backup being written; renamed to registre-… once complete


def _transient(name: str) -> bool:
    return name == LOCK_NAME or name.startswith(STAGING_PREFIX)


def ignore_transient(dirpath, names):
    return [n for n in names if _transient(n)]


def copy_tree(src: Path, dest: Path) -> None:
    """Copy the directory ``src`` to ``dest`` (new), without the lock and staging folders. Unlike
    shutil.copytree, stops at the first error and raises it as is (an OSError with its errno: read-only
    file system, disk full…), so the caller can say what happened in French."""
    dest.mkdir()
    for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
        here = Path(dirpath)
        out = dest / here.relative_to(src)
        dirnames[:] = [d for d in dirnames if not _transient(d)]
        for d in dirnames:
            (out / d).mkdir()
        for f in filenames:
            if not _transient(f):
                shutil.copy2(here / f, out / f)


def backup(root: Path, backups: Path) -> Path:
    """Copy the registry to ``backups/registre-<date-heure>``. Written under a ``.partial-`` name and
    renamed when complete, so a backup folder without that prefix is always whole; a failed copy is
    removed (OSError raised)."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = backups / f"registre-{stamp}"
    if dest.exists():
        dest = backups / f"registre-{stamp}-{os.getpid()}"
    partial = backups / f"{PARTIAL_PREFIX}{dest.name}"
    try:
        copy_tree(root, partial)
        os.rename(partial, dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return dest


def clean_stale(root: Path, backups: Path | None = None) -> list[Path]:
    """Remove what a killed publication left: ``<root>/.staging-*`` folders and ``.partial-*`` backups.
    Call it only while holding the registry lock (then no other publication is running: a staging
    folder or a partial backup belongs to a process that died). Returns what was removed."""
    stale = [p for p in Path(root).glob(f"{STAGING_PREFIX}*") if p.is_dir()]
    if backups is not None and Path(backups).is_dir():
        stale += [p for p in Path(backups).glob(f"{PARTIAL_PREFIX}*") if p.is_dir()]
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)
    return [p for p in stale if not p.exists()]


def clean_stale_if_idle(root: Path, backups: Path | None = None) -> list[Path]:
    """clean_stale, only if no publication holds the lock right now (never waits); [] otherwise or
    when the registry cannot be locked (read-only)."""
    try:
        fd = os.open(Path(root) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return []
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        try:
            return clean_stale(root, backups)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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


_READ_ONLY = {errno.EROFS: "système de fichiers en lecture seule", errno.EACCES: "permission refusée",
              errno.EPERM: "opération non permise"}
_FULL = {errno.ENOSPC: "plus de place sur le disque", errno.EDQUOT: "quota disque dépassé"}


def os_error_fr(exc: OSError, root: Path, backups: Path) -> PublishError:
    """A French PublishError for a system error met while publishing, with its own exit code:
    read-only/permission (READ_ONLY), disk full/quota (DISK_FULL), anything else (IO)."""
    name = getattr(exc, "filename", None)
    where = "le registre"
    if name is not None:
        try:
            Path(name).resolve().relative_to(Path(backups).resolve())
            where = f"le dossier des sauvegardes ({backups})"
        except ValueError:
            where = f"le registre ({root})"
    tail = " Rien n'a été publié : le registre est inchangé."
    if exc.errno in _READ_ONLY:
        return PublishError(f"Écriture impossible dans {where} : {_READ_ONLY[exc.errno]}.{tail} Donnez les droits "
                            "d'écriture sur ce dossier (ou choisissez-en un autre), puis republiez.",
                            PublishError.READ_ONLY)
    if exc.errno in _FULL:
        return PublishError(f"Écriture impossible dans {where} : {_FULL[exc.errno]}.{tail} Libérez de l'espace "
                            "(par exemple d'anciennes sauvegardes), puis republiez.", PublishError.DISK_FULL)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return PublishError(f"Erreur système pendant la publication, dans {where} : {reason}.{tail}", PublishError.IO)
