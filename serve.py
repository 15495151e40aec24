"""Serve the app with the map prepared before the first visitor: ``streamlit run serve.py`` (issue 10.4).

Same app as ``streamlit run app.py`` (same pages, settings and flags: ``--server.port`` …), but
Streamlit's ASGI form (``st.App``) gives a hook that runs when the server starts, before any
request: ui/warmup.py starts there, and the server answers (health check included) once the data,
the GeoJSON files, the base maps and the search are ready, so the first visitor finds them (without
it, the first visit paid ≈4–8 s of imports and data building). ``streamlit run app.py`` still works
(development, tests): the warm-up then starts with the first visit.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st


# The server starts answering (its health check too) once the first visit's needs are prepared
# (≈3–5 s on a quiet 2-core machine), at most this long; the rest (every commune's selection, the
# other colourings) goes on in the background.
READY_TIMEOUT_S = 120


@asynccontextmanager
async def _lifespan(_app):
    import asyncio

    from ui import warmup
    warmup.start(server=True)
    await asyncio.to_thread(warmup.essential.wait, READY_TIMEOUT_S)
    yield


app = st.App("app.py", lifespan=_lifespan)
