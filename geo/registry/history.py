"""The history of the registry: every publication is a numbered version that can be restored.

Pure Python, no Streamlit. Layout (in the data directory, beside the registry: ``data/versions/``
for ``data/registry/``; :func:`versions_dir_for`)::

    versions/objets/ab/abcdef…      every distinct file content once, named by its sha256
    versions/0001/manifest.json     {"fichiers": {"cpts/auray.yaml": "<sha256>", …}}
    versions/0001/diff.json         the changes from the previous version (history_diff.tree_diff)
    versions/0001/meta.json         numero, date (UTC ISO), editeur, operation, libelle, resume,
                                    compte, sources, documents, sources_citees,
                                    restaure — written last

Why content-addressed files rather than a full copy per version: a publication changes a few
CPTS files, and the registry also holds the source documents (imported spreadsheets included);
500 full copies would grow with the documents, while each distinct content stored once grows
only with what really changed. A restore rebuilds the tree from the objects, checking each one's
sha256, so the files come back byte-identical.

Safety (same rules as the publication, geo/registry/store.py):

* versions are written under the registry lock (``<root>/.lock``), by the publication itself;
* a version is assembled in ``versions/.partial-NNNN-…`` (objects first, meta.json last) and
  renamed to ``NNNN`` only after the registry swap succeeded: a folder named ``NNNN`` is always
  whole. A publication killed between its swap and that rename left a complete partial version:
  the next holder of the lock keeps it if the live registry is exactly its content, else drops it;
* objects are written to a temporary name and renamed, so an object is never half-written.

Another way of publishing (the in-app editor) records its version the same way, holding the lock:
``recover(root, vdir)`` and ``ensure_initial(root, vdir)`` first, then ``prepare_version(vdir, staging,
operation="modification", libelle=…, editeur=…)`` once the new tree is staged and validated,
``pending.commit()`` right after the swap, ``pending.discard()`` if anything fails.

Version 1 (« État initial ») is the registry as it was the first time the history was used
(:func:`ensure_initial`). The tree of a version is every file of the registry except the lock,
staging folders and the two files that belong to the code, not to the data: ``README.md`` and
``schema.json`` (generated from the model).
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import history_diff
from .files import LOCK_NAME, STAGING_PREFIX

VERSIONS_NAME = "versions"
OBJECTS = "objets"
PARTIAL = ".partial-"
CODE_FILES = frozenset({"README.md", "schema.json"})
_NUMBER = re.compile(r"^\d{4,}$")

OPERATIONS = {"initial": "État initial", "import": "Import", "modification": "Modification",
              "restauration": "Restauration"}


def versions_dir_for(root: Path) -> Path:
    """``<data dir>/versions`` for the registry ``<data dir>/registry`` (tests on a copy get their own)."""
    return Path(root).resolve().parent / VERSIONS_NAME


def os_user() -> str:
    """The name of the person running a command (CLI default editor)."""
    try:
        return getpass.getuser() or "inconnu"
    except Exception:  # no user name in the environment (some containers)
        return "inconnu"


def fr_datetime(iso: str) -> str:
    """'2026-12-01T03:40:12Z' -> '1er décembre 2026 à 03:40 UTC' (the date of a version, in French)."""
    from ..formatting import fr_date
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError:
        return iso
    return f"{fr_date(when.date())} à {when:%H:%M} UTC"


# ---------------------------------------------------------------- trees and objects

def _skip(rel_parts: tuple[str, ...]) -> bool:
    top = rel_parts[0]
    return top == LOCK_NAME or top.startswith(STAGING_PREFIX) or (len(rel_parts) == 1 and top in CODE_FILES)


def tree(root: Path) -> dict[str, Path]:
    """Relative path -> file of the registry's data files (see module doc for what is left out)."""
    root = Path(root)
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        base = here.relative_to(root).parts
        dirnames[:] = sorted(d for d in dirnames if not _skip(base + (d,)))
        for f in filenames:
            if not _skip(base + (f,)):
                out["/".join(base + (f,))] = here / f
    return dict(sorted(out.items()))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_of(files: dict[str, Path]) -> dict[str, str]:
    return {rel: _sha(p.read_bytes()) for rel, p in files.items()}


def _object_path(vdir: Path, digest: str) -> Path:
    return vdir / OBJECTS / digest[:2] / digest


def _write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename: never a half-written file under ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def read_object(vdir: Path, digest: str) -> bytes:
    data = _object_path(vdir, digest).read_bytes()
    if _sha(data) != digest:
        raise OSError(f"objet {digest[:12]}… de l'historique altéré")
    return data


# ---------------------------------------------------------------- reading versions

def numbers(vdir: Path) -> list[int]:
    """The numbers of the complete versions, ascending (one directory listing, nothing read)."""
    try:
        names = os.listdir(vdir)
    except FileNotFoundError:
        return []
    return sorted(int(n) for n in names if _NUMBER.match(n))


def _vpath(vdir: Path, n: int) -> Path:
    return Path(vdir) / f"{n:04d}"


def read_meta(vdir: Path, n: int) -> dict:
    return json.loads((_vpath(vdir, n) / "meta.json").read_bytes())


def list_versions(vdir: Path, offset: int = 0, limit: int | None = None) -> tuple[int, list[dict]]:
    """(number of versions, metas newest first from ``offset``, at most ``limit``): only meta.json files
    of the requested page are read."""
    nums = numbers(vdir)[::-1]
    page = nums[offset:] if limit is None else nums[offset:offset + limit]
    return len(nums), [read_meta(vdir, n) for n in page]


def read_manifest(vdir: Path, n: int) -> dict[str, str]:
    return json.loads((_vpath(vdir, n) / "manifest.json").read_bytes())["fichiers"]


def read_diff(vdir: Path, n: int) -> dict:
    return json.loads((_vpath(vdir, n) / "diff.json").read_bytes())


def exists(vdir: Path, n: int) -> bool:
    return (_vpath(vdir, n) / "meta.json").is_file()


# ---------------------------------------------------------------- writing versions

@dataclass
class PendingVersion:
    """A version assembled in ``partial`` and not yet visible; commit() after the registry swap."""

    vdir: Path
    numero: int
    partial: Path
    meta: dict

    def commit(self) -> dict:
        os.rename(self.partial, _vpath(self.vdir, self.numero))
        _fsync_dir(self.vdir)
        return self.meta

    def discard(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def prepare_version(vdir: Path, new_root: Path, *, operation: str, libelle: str, editeur: str | None,
                    restaure: int | None = None, now: dt.datetime | None = None) -> PendingVersion:
    """Store the objects of the tree at ``new_root`` (the staging folder about to be swapped in) and
    write the next version into a partial folder. Call it holding the registry lock."""
    vdir = Path(vdir)
    nums = numbers(vdir)
    numero = (nums[-1] + 1) if nums else 1
    files = tree(new_root)
    manifest: dict[str, str] = {}
    for rel, path in files.items():
        data = path.read_bytes()
        digest = _sha(data)
        manifest[rel] = digest
        if not _object_path(vdir, digest).is_file():
            _write_bytes(_object_path(vdir, digest), data)
    if nums:
        previous = read_manifest(vdir, nums[-1])
        diff = history_diff.tree_diff(previous, manifest, lambda rel: read_object(vdir, previous[rel]),
                                      lambda rel: files[rel].read_bytes())
    else:
        diff = history_diff.tree_diff({}, manifest, lambda rel: b"", lambda rel: files[rel].read_bytes())
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    meta = {
        "numero": numero,
        "date": when.isoformat().replace("+00:00", "Z"),
        "editeur": editeur or "non renseigné",
        "operation": operation,
        "libelle": libelle,
        "resume": "registre tel qu'il était au premier usage de l'historique" if operation == "initial"
        else history_diff.summary(diff),
        "compte": history_diff.counts(diff),
        "sources": diff["sources_ajoutees"],
        "documents": diff["documents_ajoutes"],
        "sources_citees": diff["sources_citees"],
        "restaure": restaure,
        "fichiers": len(manifest),
    }
    partial = vdir / f"{PARTIAL}{numero:04d}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        partial.mkdir(parents=True)
        _write_bytes(partial / "manifest.json", _json_bytes({"fichiers": manifest}))
        _write_bytes(partial / "diff.json", _json_bytes(diff))
        _write_bytes(partial / "meta.json", _json_bytes(meta))  # last: a meta means the rest is there
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return PendingVersion(vdir, numero, partial, meta)


def recover(root: Path, vdir: Path) -> list[str]:
    """Under the lock: settle the partial versions a killed publication left. One whose content is
    exactly the live registry (the swap happened, the rename did not) becomes a version; the others
    are removed. Returns what was done, for tests and logs."""
    vdir = Path(vdir)
    if not vdir.is_dir():
        return []
    done = []
    live = None
    for partial in sorted(vdir.glob(f"{PARTIAL}*")):
        meta_ok = (partial / "meta.json").is_file() and (partial / "manifest.json").is_file()
        numero = int(partial.name[len(PARTIAL):].split("-")[0] or 0)
        if meta_ok and not _vpath(vdir, numero).exists() and numero == (max(numbers(vdir), default=0) + 1):
            live = manifest_of(tree(root)) if live is None else live
            if json.loads((partial / "manifest.json").read_bytes())["fichiers"] == live:
                os.rename(partial, _vpath(vdir, numero))
                done.append(f"gardée {numero}")
                continue
        shutil.rmtree(partial, ignore_errors=True)
        done.append(f"retirée {partial.name}")
    for tmp in vdir.glob(f"{OBJECTS}/*/.tmp-*"):
        tmp.unlink(missing_ok=True)
    return done


def ensure_initial(root: Path, vdir: Path, editeur: str | None = None) -> dict | None:
    """Under the lock: version 1 « État initial » from the live registry when there is no version yet."""
    if numbers(vdir):
        return None
    pending = prepare_version(vdir, root, operation="initial", libelle=OPERATIONS["initial"], editeur=editeur)
    return pending.commit()


def start(root: Path, vdir: Path | None = None, timeout: float = 5.0) -> Path:
    """First use of the history (CLI ``history``, the Historique page): take the lock, settle what a
    killed publication left, create version 1 if needed. Never fails: on a read-only data folder or a
    busy lock the history is only read. Returns the versions folder."""
    from .files import registry_lock
    from .problems import PublishError
    vdir = Path(vdir) if vdir is not None else versions_dir_for(root)
    if numbers(vdir) and not any(vdir.glob(f"{PARTIAL}*")):
        return vdir
    try:
        with registry_lock(root, timeout=timeout):
            recover(root, vdir)
            ensure_initial(root, vdir)
    except (OSError, PublishError):
        pass
    return vdir
