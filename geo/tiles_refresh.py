"""Keep a scope's vector tiles true to the data after every publication (tiles of geo/tiles.py).

The tiles carry each commune's CPTS colour and names and the CPTS territories: a publication (an
import, an edit, a restore) makes them stale. :func:`refresh` compares the digest of the data the
tiles were built from (the manifest's) with the current data's (:func:`geo.tiles.data_digest`) and
rebuilds when they differ. It is what both callers run:

- the app, in a background thread (ui/tiles_refresh.py), after a publication it made or when it
  sees stale tiles (a publication by another process, a restart);
- the CLI, synchronously, after a command that published (geo/cli/tiles.py ``after_publications``).

One rebuild at a time per scope, across processes: an exclusive ``fcntl.flock`` on
``<scope dir>/.tiles.lock``; the second caller then finds the tiles current and does nothing. The
outcome is written to ``<scope dir>/tiles-status.json`` (state ``en cours`` with the process id,
``à jour``, ``échec`` with the French message), which any process reads to say on the map that a
rebuild is running or failed. The manifest is swapped atomically by geo/tiles.py as before: a failed
rebuild leaves the previous tiles and manifest in place.

Pure Python, no Streamlit.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .atomic import exclusive_lock, write_bytes
from .tiles import MANIFEST, TilesError, TilesInfo, build_tiles_from, data_digest, read_manifest

STATUS = "tiles-status.json"
LOCK = ".tiles.lock"
BUILDING, CURRENT, FAILED = "en cours", "à jour", "échec"


@dataclass(frozen=True)
class RefreshStatus:
    """The last refresh of a scope's tiles, as written by the process that ran it."""
    state: str               # BUILDING, CURRENT or FAILED
    digest: str | None       # the data digest it was building / failed to build
    error: str | None        # French message of a failure
    date: str                # UTC ISO time of the state
    pid: int | None = None   # the process building

    @property
    def running(self) -> bool:
        """A build is in progress in a live process (a killed one leaves BUILDING behind)."""
        if self.state != BUILDING or not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def read_status(scope) -> RefreshStatus | None:
    try:
        raw = json.loads((scope.dir / STATUS).read_text(encoding="utf-8"))
        return RefreshStatus(state=str(raw["state"]), digest=raw.get("digest"), error=raw.get("error"),
                             date=str(raw.get("date", "")), pid=raw.get("pid"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_status(scope, state: str, digest: str | None, error: str | None = None) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    body = {"state": state, "digest": digest, "error": error, "date": now,
            "pid": os.getpid() if state == BUILDING else None}
    with contextlib.suppress(OSError):  # a read-only data folder: the status is a courtesy, not the tiles
        write_bytes(scope.dir / STATUS, json.dumps(body, ensure_ascii=False, indent=1).encode(), 0o644)


def scope_lock(scope):
    """Exclusive lock of a scope's tiles (blocking): one rebuild at a time, whichever process."""
    scope.dir.mkdir(parents=True, exist_ok=True)
    return exclusive_lock(scope.dir / LOCK)


def tile_scopes(root: Path | None = None) -> list:
    """The built scopes that have tiles (a manifest): the ones a publication may make stale."""
    from .scope import available_scopes
    return [s for s in available_scopes(root) if (s.dir / MANIFEST).exists()]


def refresh(scope, log: Callable[[str], None] = print, registry_root: Path | None = None,
            tiles_root: Path | None = None, force: bool = False) -> TilesInfo | None:
    """Rebuild ``scope``'s tiles when their digest differs from the data's (or ``force``); returns
    the new tiles, None when they were already current. Raises TilesError (French message, also
    written to the status file) when the rebuild fails: the previous tiles stay in place."""
    from . import tiles
    from .atlas import Atlas
    from .paths import REGISTRY_DIR

    tiles_root = tiles_root or tiles.TILES_DIR
    with scope_lock(scope):
        digest = None
        try:
            atlas = Atlas.load(registry_root=registry_root or REGISTRY_DIR, scope=scope)
            digest = data_digest(atlas.communes, atlas.territories)
            current = read_manifest(scope, tiles_root)
            if not force and current is not None and current.digest == digest:
                _write_status(scope, CURRENT, digest)
                return None
            _write_status(scope, BUILDING, digest)
            why = "les données ont changé" if current is None or current.digest != digest else "demandée"
            log(f"Carte {scope.de_nom} : mise à jour des tuiles ({why})…")
            info = build_tiles_from(scope, atlas.communes, atlas.territories, log=log, tiles_root=tiles_root)
        except Exception as e:  # noqa: BLE001 - any failure is reported, the old tiles stay
            message = str(e) if isinstance(e, TilesError) else f"{type(e).__name__} : {e}"
            _write_status(scope, FAILED, digest, message)
            raise TilesError(message) from e
        _write_status(scope, CURRENT, info.digest)
        return info


__all__ = ["RefreshStatus", "read_status", "refresh", "scope_lock", "tile_scopes", "STATUS",
           "BUILDING", "CURRENT", "FAILED"]
