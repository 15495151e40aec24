"""Who wants to know that the registry changed: the one signal every publication sends.

Every way of publishing (an import, a tracking table, the editor, a restore) runs through
geo/registry/store.py's one publication transaction, which calls :func:`notify` once the new
registry is swapped in and the registry lock released. Listeners (the app's tiles refresher,
ui/tiles_refresh.py; the CLI's, geo/cli/tiles.py) subscribe here instead of each publication path
calling them.

A listener runs in the publishing thread: it should return quickly (queue work, set a flag) and
never raise into the publication — an exception is logged and swallowed, the publication stands.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

Listener = Callable[[Path, dict], None]   # (versions folder, meta of the version just recorded)

_listeners: list[Listener] = []
_lock = threading.Lock()
log = logging.getLogger(__name__)


def subscribe(fn: Listener) -> Listener:
    """Call ``fn(vdir, meta)`` after every publication of this process (idempotent)."""
    with _lock:
        if fn not in _listeners:
            _listeners.append(fn)
    return fn


def unsubscribe(fn: Listener) -> None:
    with _lock:
        if fn in _listeners:
            _listeners.remove(fn)


def notify(vdir: Path, meta: dict) -> None:
    """Tell every listener that version ``meta['numero']`` of ``vdir`` was just published. Version 1
    « État initial » records the registry as it already was: nothing changed, nobody is told."""
    if meta.get("operation") == "initial":
        return
    with _lock:
        listeners = list(_listeners)
    for fn in listeners:
        try:
            fn(Path(vdir), dict(meta))
        except Exception:  # noqa: BLE001 - the publication is done; a listener's failure is logged
            log.exception("publication listener %r failed", fn)


__all__ = ["subscribe", "unsubscribe", "notify", "Listener"]
