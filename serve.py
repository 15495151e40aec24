"""Serve the app with the map prepared before the first visitor: ``streamlit run serve.py`` (issue 10.4).

Same app as ``streamlit run app.py`` (same pages, settings and flags: ``--server.port`` …), but
Streamlit's ASGI form (``st.App``) gives a hook that runs when the server starts, before any
request: ui/warmup.py starts there, in a background thread, so the server answers its health check
at once and the first visitor finds the data, the GeoJSON files and the base map ready (without it,
the first visit paid ≈4–8 s of imports and data building). ``streamlit run app.py`` still works
(development, tests): the warm-up then starts with the first visit.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def _lifespan(_app):
    from ui import warmup
    warmup.start(server=True)
    yield


app = st.App("app.py", lifespan=_lifespan)
