"""Serve the app with the map prepared before the first visitor: ``streamlit run serve.py`` (issue 10.4).

Same app as ``streamlit run app.py`` (same pages, settings and flags: ``--server.port`` …), but
Streamlit's ASGI form (``st.App``) gives a hook that runs when the server starts, before any
request: ui/warmup.py starts there, and the server answers (health check included) once the data,
the GeoJSON files, the base maps, the selections and the search are ready and the heap settled, so
the first visitor finds an idle server (without it, the first visit paid ≈4–8 s of imports and data
building). ``streamlit run app.py`` still works
(development, tests): the warm-up then starts with the first visit.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st


# The server starts answering (its health check too) once EVERYTHING the warm-up prepares is done
# and the heap frozen (ui/warmup.py: ≈3–5 s on a quiet 2-core machine), at most this long. Answering
# as soon as the first visit's own needs were there made that visit share the interpreter with the
# rest of the warm-up (every commune's selection, the other colourings, a full gc.collect): static
# files answered in ≈1 s instead of ms, the first visit cost 1.3–1.6× a warm one (issue 10).
READY_TIMEOUT_S = 120
# Streamlit's own middleware never compresses its frontend (/static/: ≈3.2 MB of JS/CSS, ≈0.9 MB
# gzipped) nor the root page, which pushed a France first view over issue 10's 3 MB. Starlette's
# GZipMiddleware (user middleware runs before Streamlit's) compresses them once per browser (the
# bundles are cached as immutable); since Starlette 1.5 it leaves 206 range responses alone, so the
# .pmtiles range requests stay byte-exact. Level 6: nearly level 9's size at a fraction of its CPU.
GZIP_MINIMUM_SIZE = 1024
GZIP_LEVEL = 6


@asynccontextmanager
async def _lifespan(_app):
    import asyncio

    from ui import warmup
    warmup.start(server=True)
    await asyncio.to_thread(warmup.ready.wait, READY_TIMEOUT_S)
    yield


def _middleware() -> list:
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware
    return [Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)]


app = st.App("app.py", lifespan=_lifespan, middleware=_middleware())
