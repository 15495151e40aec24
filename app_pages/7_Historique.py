"""Historique: the numbered versions of the registry, their changes, and the restore of one version
(signed-in editors only). The registry can be redirected with CPTS_REGISTRY_DIR (its versions are
then beside it), backups with CPTS_BACKUP_DIR."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from geo.paths import BACKUPS_DIR, REGISTRY_DIR
from ui.history import render

st.set_page_config(layout="wide", page_title="Historique — Carte des CPTS")

render(Path(os.environ.get("CPTS_REGISTRY_DIR") or REGISTRY_DIR),
       Path(os.environ.get("CPTS_BACKUP_DIR") or BACKUPS_DIR))
