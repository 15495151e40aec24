"""The app keeps its vector tiles true: a background rebuild after a publication, and a notice on the
map while the tiles shown are older than the data (geo/tiles_refresh.py does the work).

- **Trigger.** Every publication of this process (Éditer, Importer, a restore from Historique) ends
  in geo/registry/store.py's one publication transaction, which signals it through
  geo/registry/published.py: :func:`_on_publication` queues every scope that has tiles. A
  publication by another process (the CLI, another server) or a restart is caught by
  :func:`tiles_notice`: the map's tiles whose digest is not the data's are queued too.
- **One rebuild at a time.** One worker thread per process runs the queue; a scope asked for again
  while it is being rebuilt is run once more afterwards (repeated publishes coalesce: the rebuild
  compares digests and does nothing when the tiles are already current). Across processes
  geo/tiles_refresh.py's file lock serialises them.
- **Out of the server.** The rebuild runs ``python -m geo tiles --region <scope>`` as a child process
  at low priority: tippecanoe and the Python preparing France's features (≈ 30 s of CPU in all)
  neither hold the server's GIL nor add to its memory. The manifest is swapped atomically when the tiles are written.
- **Failures** are logged and shown on the map (« Mise à jour de la carte impossible : … »), from the
  scope's status file (whichever process failed); a failed digest is retried after RETRY_S.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from jinja2 import Template

from geo.paths import REGISTRY_DIR, REPO_ROOT
from geo.registry import published
from geo.tiles import TilesInfo, data_digest
from geo.tiles_refresh import FAILED, read_status, tile_scopes

from .map_elements import DataElement, js_data

log = logging.getLogger(__name__)
RETRY_S = 600.0
NOTICE_MAX = 240   # characters of a failure message on the map (the log has it whole)
NICE = 10
CHILD_TIMEOUT_S = 1800.0   # France takes ≈ 2 min on a loaded machine
FAILED_PREFIX = "Mise à jour de la carte impossible : "


def run_in_child(scope) -> None:
    """Rebuild ``scope``'s tiles in a child process (``python -m geo tiles``) at low CPU priority, in its
    own process group so that a timeout stops tippecanoe too. Raises RuntimeError (French message)."""
    proc = subprocess.Popen([sys.executable, "-m", "geo", "tiles", "--region", scope.key], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        os.setpriority(os.PRIO_PROCESS, proc.pid, NICE)   # tippecanoe inherits it
    except OSError:
        pass
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"reconstruction arrêtée après {CHILD_TIMEOUT_S // 60:.0f} min") from None
    if proc.returncode != 0:
        text = (err or out).strip().removeprefix(FAILED_PREFIX)[-800:]
        raise RuntimeError(text or f"code de sortie {proc.returncode}")


class Refresher:
    """A queue of scopes to rebuild and the one thread that runs it (see module doc)."""

    def __init__(self, runner: Callable[[object], None] = run_in_child):
        self.runner = runner
        self._cond = threading.Condition()
        self._pending: dict[str, object] = {}
        self._running: str | None = None
        self._thread: threading.Thread | None = None
        self.runs: list[str] = []          # scope codes rebuilt, in order (logs, tests)
        self._failures: dict[str, tuple[float, str]] = {}   # scope code -> (monotonic time, message)

    def request(self, scope) -> None:
        with self._cond:
            self._failures.pop(scope.code, None)
            self._pending[scope.code] = scope
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="cpts-tiles-refresh", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def busy(self, scope) -> bool:
        """A rebuild of ``scope`` is queued or running in this process."""
        with self._cond:
            return scope.code in self._pending or self._running == scope.code

    def recent_failure(self, scope) -> str | None:
        """The message of this process's last failed rebuild of ``scope`` if less than RETRY_S old
        (a child that died before writing its status file must not be started again on every rerun)."""
        with self._cond:
            failed = self._failures.get(scope.code)
        return failed[1] if failed is not None and time.monotonic() - failed[0] < RETRY_S else None

    def wait(self, timeout: float = 600.0) -> bool:
        """Until the queue is empty (tests, warm-up scripts); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._thread = None
                    return
                code, scope = next(iter(self._pending.items()))
                del self._pending[code]
                self._running = code
            t0 = time.perf_counter()
            try:
                self.runner(scope)
                log.info("tiles of %s checked/rebuilt in %.1f s", code, time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - logged here, shown on the map (status file or this record)
                log.error("mise à jour de la carte impossible (%s) : %s", code, e)
                with self._cond:
                    self._failures[code] = (time.monotonic(), str(e))
            finally:
                with self._cond:
                    self.runs.append(code)
                    self._running = None
                    self._cond.notify_all()


REFRESHER = Refresher()


def _on_publication(vdir: Path, meta: dict) -> None:
    """A publication of this process: queue every scope that has tiles (the app's registry only;
    the rebuild itself checks whether the map's data changed)."""
    from geo.registry.history import versions_dir_for
    if Path(vdir).resolve() != versions_dir_for(REGISTRY_DIR).resolve():
        return
    for scope in tile_scopes():
        REFRESHER.request(scope)


published.subscribe(_on_publication)

_digests: dict[str, tuple[object, str]] = {}


def current_digest(scope) -> str:
    """data_digest of the app's current data for ``scope`` (once per loaded atlas)."""
    from .data import get_atlas
    atlas = get_atlas(scope)
    memo = _digests.get(scope.code)
    if memo is None or memo[0] is not atlas:
        memo = (atlas, data_digest(atlas.communes, atlas.territories))
        _digests[scope.code] = memo
    return memo[1]


def last_publication() -> str | None:
    """« 1er décembre 2026 à 09:12 UTC »: the date of the registry's latest version, if any."""
    from geo.registry import history
    vdir = history.versions_dir_for(REGISTRY_DIR)
    try:
        nums = history.numbers(vdir)
        return history.fr_datetime(history.read_meta(vdir, nums[-1])["date"]) if nums else None
    except (OSError, ValueError, KeyError):
        return None


def tiles_notice(scope, tiles: TilesInfo, refresher: Refresher = REFRESHER) -> str | None:
    """None when ``tiles`` show the current data; else the French notice of the map (plain text),
    after queueing a rebuild unless one is running or just failed for these data."""
    digest = current_digest(scope)
    if tiles.digest == digest:
        return None
    status = read_status(scope)
    when = last_publication()
    failure = refresher.recent_failure(scope)
    if status is not None and status.state == FAILED and status.digest == digest and not _retry_due(status):
        failure = status.error
    if failure:
        failure = failure if len(failure) <= NOTICE_MAX else failure[:NOTICE_MAX - 1] + "…"
        return (f"{FAILED_PREFIX}{failure} — les contours affichés datent d'avant"
                f"{' la publication du ' + when if when else ' la dernière publication'}.")
    if not refresher.busy(scope) and not (status is not None and status.running):
        refresher.request(scope)
    after = f" après la publication du {when}" if when else ""
    return f"Carte en cours de mise à jour{after} : les contours affichés peuvent dater d'avant."


def _retry_due(status) -> bool:
    import datetime as dt
    try:
        when = dt.datetime.fromisoformat(status.date.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (dt.datetime.now(dt.timezone.utc) - when).total_seconds() > RETRY_S


class TilesNotice(DataElement):
    """The notice on the map (top centre): text written with textContent, never HTML or Markdown.
    Marks ``body[data-tiles-stale]`` for tests."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, d) {
        var box = L.DomUtil.create("div", "cpts-tiles-notice", map.getContainer());
        box.setAttribute("role", "status");
        box.style.cssText = "position:absolute;z-index:1000;top:10px;left:50%;transform:translateX(-50%);" +
            "max-width:80%;background:#fff4e5;color:#5c3b00;border:1px solid #e69f00;border-radius:6px;" +
            "padding:6px 10px;font:13px/1.35 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);pointer-events:none;";
        box.textContent = d.text;
        document.body.setAttribute("data-tiles-stale", d.failed ? "echec" : "en-cours");
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "TilesNotice"
        self.data = js_data({"text": str(text), "failed": str(text).startswith(FAILED_PREFIX)})


def tiles_state() -> str:
    """What the home map's cached script depends on besides the data version (ui/map_component.py):
    the current scope's tiles file and notice — a finished rebuild changes the file, not the data."""
    from .map_tiles import tiles_for
    from .scope import current_scope
    tiles = tiles_for(current_scope())
    return "" if tiles is None else f"|{tiles.url}|{tiles.notice or ''}"


def add_notice(m, tiles: TilesInfo) -> None:
    """The hook of ui/map_tiles.add_tile_layers: the notice on the map when its tiles are stale."""
    if tiles.notice:
        TilesNotice(tiles.notice).add_to(m)


__all__ = ["Refresher", "REFRESHER", "tiles_notice", "current_digest", "TilesNotice", "add_notice", "run_in_child",
           "tiles_state"]
