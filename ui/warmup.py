"""Everything the home map needs, prepared in a background thread before the first visitor (issue 10.4).

``start()`` is idempotent and cheap; it is called when the server starts (serve.py's lifespan: the
deployed way, ``streamlit run serve.py``) and again by app.py on every run (under ``streamlit run
app.py`` the first run starts it; the later ones find it running). The thread fills the same
process-wide caches the pages use (ui.data: atlas, map data, GeoJSON layer files; ui.map_component:
the base map's pieces per view, the empty selection; the commune search), for the default scope
(``CPTS_REGION`` or Bretagne; ui.scope.current_scope() outside a session). A first visitor who
arrives while it runs waits on the same cache entry (Streamlit's per-key lock), never builds twice.

Then it takes the long-lived data out of the garbage collector's reach (``gc.freeze()``): with
``runner.postScriptGC`` off (.streamlit/config.toml) Python's own full collections are what is
left, and they would traverse the ~150 000 objects of the atlas, geopandas and shapely each time.
When the data change (a publish), the new version is prepared the same way, in the background,
and the heap is settled again (the old version's cycles collected, the new one frozen).

Nothing here draws anything; a failure is logged and the pages build what they need on demand.
"""
from __future__ import annotations

import gc
import logging
import threading
import time

_LOG = logging.getLogger(__name__)
POLL_S = 5.0  # how often the thread looks for a new data version (one stat of the registry folder)

_lock = threading.Lock()
_thread: threading.Thread | None = None
essential = threading.Event()  # the first visit's needs are prepared
ready = threading.Event()      # everything is prepared, the heap settled (first version): serve.py waits for it


class _NotThisThread(logging.Filter):
    """Drops Streamlit's « missing ScriptRunContext » warnings of the warm-up thread only: it fills
    caches with no session by design (ui.scope.current_scope() gives the default scope there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != THREAD_NAME


THREAD_NAME = "cpts-warmup"


def start(server: bool = False) -> threading.Thread | None:
    """Start the warm-up thread once per process; return it. Outside a served app (AppTest, a
    script: no Streamlit runtime) nothing starts, unless ``server`` (serve.py, before the runtime)."""
    global _thread
    if not (server or _served()):
        return None
    with _lock:
        if _thread is None:
            logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NotThisThread())
            _thread = threading.Thread(target=_run, name=THREAD_NAME, daemon=True)
            _thread.start()
        return _thread


def _served() -> bool:
    """A real server session, not streamlit.testing's AppTest (whose session state carries its
    testing key): a test's monkeypatched loader must never fill the process's caches from a thread."""
    import streamlit as st
    from streamlit import runtime
    from streamlit.runtime.state.common import TESTING_KEY
    try:
        return runtime.exists() and TESTING_KEY not in st.session_state
    except Exception:  # noqa: BLE001 -- no session at all: not served either
        return False


def _run() -> None:
    version = None
    while True:
        try:
            from ui.data import _data_version
            current = _data_version()
            if current != version:
                prepare()
                settle_heap(first=version is None)
                version = current
                ready.set()
        except Exception:  # noqa: BLE001 -- the pages build on demand; say why in the log
            _LOG.exception("préparation de la carte en arrière-plan impossible")
            essential.set()
            ready.set()
        time.sleep(POLL_S)


def prepare() -> dict[str, float]:
    """Fill the caches of the default scope's current data version; seconds per step."""
    took: dict[str, float] = {}

    def step(name, fn):
        t = time.perf_counter()
        out = fn()
        took[name] = round(time.perf_counter() - t, 3)
        return out

    from ui import data, home, map_component  # the import itself is part of the first visit's cost
    _register_map_component()
    atlas = step("atlas", data.get_atlas)
    md = step("map_data", data.get_map_data)
    step("layers", data.get_layer_urls)
    # the views a visitor opens first: the default map (fitted, or not for a deep link) and its
    # empty selection; then the other colourings, the search index
    style, _ = home.indicator_style(atlas, md, "cpts", False, ())
    for fit in (True, False):
        step(f"map_fit={fit}", lambda: map_component.base_map_pieces(style, online=False, fit=fit))
    step("selection", lambda: map_component.home_selection(None, []))
    step("search", lambda: home._search(atlas, id(atlas)))
    step("intro", lambda: home._intro_facts(atlas, data._data_version(), id(atlas)))
    step("pages", _import_pages)
    # every commune's panel attributes, built once per atlas on the first click otherwise (France:
    # 1.0 s CPU, the first France click took 1.6-4.4 s in bench_app_france.py) (B, issue 10)
    step("communes", lambda: atlas.commune_dict(""))
    essential.set()  # what the first visit needs is there (serve.py still waits for the rest: ``ready``)
    from geo.views.indicators import INDICATORS
    for key in INDICATORS:
        if key != "cpts":
            step(f"map_{key}", lambda: map_component.base_map_pieces(
                home.indicator_style(atlas, md, key, False, ())[0], online=False, fit=True))
    step("selections", lambda: _selections(atlas, md))
    _LOG.info("carte préparée : %s", took)
    return took


def _import_pages() -> None:
    """The modules the entry script imports besides the home page (a first run then imports nothing)."""
    import ui.french  # noqa: F401
    import ui.scope  # noqa: F401


def _register_map_component() -> None:
    """streamlit-folium declares its component when imported, and Streamlit registers a declared
    component only from a script run (``declare_component`` needs a ScriptRunContext). Imported
    here first, outside any run, it would never be registered: the map's iframe got a 404. So the
    warm-up registers it with the runtime itself (same object, same name; harmless if done)."""
    import streamlit_folium
    from streamlit import runtime
    if runtime.exists():
        runtime.get_instance().component_registry.register_component(streamlit_folium._component_func)


MAX_SELECTIONS = 4000  # a région's communes (ui.map_component keeps 4 096); not all of France


def _selections(atlas, md) -> None:
    """The selection script of every commune (its highlight and its CPTS outlines, ≈0.5 ms each
    since ui/map_component.py no longer renders a folium figure for it): a click then costs a
    cache look-up. Yields the interpreter between communes so that visitors arriving meanwhile
    (``streamlit run app.py``: the warm-up starts with the first visit) are served.

    Not for a scope drawn from vector tiles (France, 35 000 communes: the first 4 000 in code order
    are not where people click): profiled (bench_app_france.py, py-spy), this loop was ~60 % of the
    server's CPU during the first visits and clicks after the start. (B, issue 10 France)"""
    from ui import map_component
    from ui.map_tiles import tiles_for
    if tiles_for(atlas.scope) is not None:
        return
    for code in list(md.centroids)[:MAX_SELECTIONS]:
        map_component.home_selection(code, [t.id for t in atlas.territories_of(code)])
        time.sleep(0)


def settle_heap(first: bool) -> None:
    """Collect what an older data version left, then freeze the survivors out of the collector."""
    if not first:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


__all__ = ["start", "prepare", "settle_heap", "essential", "ready"]
