"""Importer: load the regional listing of CPTS (CSV, XLSX, GeoJSON), check and fix it, publish it.

Publishing needs a signed-in editor (ui/auth.py: named accounts or OpenID Connect); visitors only preview.
The registry root can be redirected with CPTS_REGISTRY_DIR (tests work on a copy), backups with
CPTS_BACKUP_DIR.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from geo.paths import REGISTRY_DIR
from geo.registry.store import DEFAULT_BACKUPS
from ui.importer import render

st.set_page_config(layout="wide", page_title="Importer — Carte des CPTS")

render(Path(os.environ.get("CPTS_REGISTRY_DIR") or REGISTRY_DIR),
       Path(os.environ.get("CPTS_BACKUP_DIR") or DEFAULT_BACKUPS))
