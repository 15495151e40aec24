#!/usr/bin/env python3
"""Vendor the front-end assets the folium maps need into ``static/vendor/``.

The app must run with no network at all, so every JS/CSS file that the
Leaflet map inside the streamlit-folium iframe loads is served by Streamlit
itself (``server.enableStaticServing`` -> ``/app/static/vendor/...``).

Sources (package registries only, pinned, checked against a SHA-256):

* Leaflet 1.9.4 -- PyPI ``django-js-lib-leaflet==1.9.4.1`` (a wheel that only
  repackages Leaflet's ``dist/``), obtained with ``pip download --no-deps``.
  The wheel is opened as a zip archive; it is never installed nor imported.
* jQuery 3.7.1 -- npm ``jquery@3.7.1`` obtained with ``npm pack``; folium's
  ``Popup`` template calls ``$(...)`` so the maps need it as soon as a popup
  is used.

Everything else folium 0.20 declares by default (bootstrap JS/CSS,
glyphicons, font-awesome, Leaflet.awesome-markers and its rotate CSS) is
deliberately NOT vendored: the maps do not use it, and ``geo/offline.py``
drops it (and refuses elements such as ``folium.Icon`` that would need it).

Downloads are cached under ``.cache/vendor/`` (git-ignored).  Usage::

    python scripts/vendor_assets.py           # (re)build static/vendor/
    python scripts/vendor_assets.py --check   # verify static/vendor/ vs SHA256SUMS (no network)

Rebuilding rewrites ``static/vendor/SHA256SUMS``; ``static/vendor/README.md``
is hand-written documentation and is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "static" / "vendor"
CACHE_DIR = ROOT / ".cache" / "vendor"
SUMS_FILE = VENDOR_DIR / "SHA256SUMS"


@dataclass(frozen=True)
class Asset:
    """One upstream package and the files taken from it."""

    name: str  # sub-directory of static/vendor/
    kind: str  # "pypi" or "npm"
    spec: str  # pip requirement or npm package@version
    archive: str  # file name produced by pip download / npm pack
    archive_sha256: str  # pinned digest of that archive
    version_marker: tuple[str, str]  # (file in archive, text it must contain)
    files: dict[str, str] = field(default_factory=dict)  # archive member -> dest (relative to name/)


ASSETS: tuple[Asset, ...] = (
    Asset(
        name="leaflet",
        kind="pypi",
        spec="django-js-lib-leaflet==1.9.4.1",
        archive="django_js_lib_leaflet-1.9.4.1-py2.py3-none-any.whl",
        archive_sha256="ca775a52be5c6aa33c164f7293c032fc50f617c6a5184bf71c2a608a743ccc33",
        version_marker=("js_lib_leaflet/static/js_lib_leaflet/leaflet.js", "Leaflet 1.9.4"),
        files={
            "js_lib_leaflet/static/js_lib_leaflet/leaflet.js": "leaflet.js",
            "js_lib_leaflet/static/js_lib_leaflet/leaflet.css": "leaflet.css",
            "js_lib_leaflet/static/js_lib_leaflet/images/layers.png": "images/layers.png",
            "js_lib_leaflet/static/js_lib_leaflet/images/layers-2x.png": "images/layers-2x.png",
            "js_lib_leaflet/static/js_lib_leaflet/images/marker-icon.png": "images/marker-icon.png",
            "js_lib_leaflet/static/js_lib_leaflet/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "js_lib_leaflet/static/js_lib_leaflet/images/marker-shadow.png": "images/marker-shadow.png",
            "django_js_lib_leaflet-1.9.4.1.dist-info/LICENSE": "LICENSE",
        },
    ),
    Asset(
        name="jquery",
        kind="npm",
        spec="jquery@3.7.1",
        archive="jquery-3.7.1.tgz",
        archive_sha256="68a9f787516da47c680e09c187bcbac4536b6f85d90eb882844e12919e583f53",
        version_marker=("package/dist/jquery.min.js", "jQuery v3.7.1"),
        files={
            "package/dist/jquery.min.js": "jquery.min.js",
            "package/LICENSE.txt": "LICENSE.txt",
        },
    ),
    Asset(  # vector tiles (PMTiles) in Leaflet: the France map (ui/map_tiles.py, issue 10.2)
        name="protomaps-leaflet",
        kind="npm",
        spec="protomaps-leaflet@5.1.0",
        archive="protomaps-leaflet-5.1.0.tgz",
        archive_sha256="0b45b08d0e6f7d39816415dbe6821d0556e7997ec716ed0123305cc1fe5a3fd8",
        version_marker=("package/package.json", '"version": "5.1.0"'),
        files={
            "package/dist/protomaps-leaflet.js": "protomaps-leaflet.js",
            "package/LICENSE": "LICENSE",
        },
    ),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(asset: Asset) -> Path:
    """Return the cached archive for *asset*, downloading it if needed."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / asset.archive
    if not path.exists():
        if asset.kind == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
                   "--only-binary=:all:", "--dest", str(CACHE_DIR), asset.spec]
        elif asset.kind == "npm":
            npm = shutil.which("npm")
            if npm is None:
                sys.exit("npm is required to fetch %s (apt-get install -y npm)" % asset.spec)
            cmd = [npm, "pack", "--silent", "--pack-destination", str(CACHE_DIR), asset.spec]
        else:  # pragma: no cover
            raise ValueError(asset.kind)
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    if not path.exists():
        sys.exit(f"expected {path} after download")
    digest = sha256(path.read_bytes())
    if digest != asset.archive_sha256:
        sys.exit(f"{path.name}: sha256 {digest} != pinned {asset.archive_sha256}")
    return path


def read_members(archive: Path) -> dict[str, bytes]:
    """Read an archive (wheel/zip or npm .tgz) without installing/importing it."""
    if archive.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(archive) as zf:
            return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    out: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tf:
        for m in tf.getmembers():
            if m.isfile():
                fh = tf.extractfile(m)
                assert fh is not None
                out[m.name] = fh.read()
    return out


def build() -> dict[str, str]:
    sums: dict[str, str] = {}
    for asset in ASSETS:
        members = read_members(fetch(asset))
        marker_file, marker = asset.version_marker
        if marker.encode() not in members[marker_file][:2048]:
            sys.exit(f"{asset.spec}: {marker_file} does not announce {marker!r}")
        dest_root = VENDOR_DIR / asset.name
        if dest_root.exists():
            shutil.rmtree(dest_root)
        for member, rel in asset.files.items():
            data = members[member]
            dest = dest_root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            sums[f"{asset.name}/{rel}"] = sha256(data)
            print(f"  {asset.name}/{rel:<28} {len(data):>8} B")
    SUMS_FILE.write_text("".join(f"{d}  {p}\n" for p, d in sorted(sums.items())))
    return sums


def check() -> list[str]:
    """Compare static/vendor/ with SHA256SUMS; return a list of problems."""
    if not SUMS_FILE.exists():
        return [f"{SUMS_FILE} missing"]
    problems = []
    for line in SUMS_FILE.read_text().splitlines():
        digest, rel = line.split(None, 1)
        path = VENDOR_DIR / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif sha256(path.read_bytes()) != digest:
            problems.append(f"modified: {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify only, no download")
    args = ap.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        print("static/vendor: OK" if not problems else "static/vendor: FAILED")
        return 1 if problems else 0
    build()
    print(f"wrote {SUMS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
