"""Éditer: signed-in editors create a CPTS and change, add or remove any of its facts, each change
citing its source, published as a new version of the history (ui/editor.py). The registry can be
redirected with CPTS_REGISTRY_DIR (its versions are then beside it), backups with CPTS_BACKUP_DIR."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from geo.paths import BACKUPS_DIR, REGISTRY_DIR
from ui.editor import render

st.set_page_config(layout="wide", page_title="Éditer — Carte des CPTS")

render(Path(os.environ.get("CPTS_REGISTRY_DIR") or REGISTRY_DIR),
       Path(os.environ.get("CPTS_BACKUP_DIR") or BACKUPS_DIR))
