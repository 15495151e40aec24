"""Carte des CPTS — entry point (`streamlit run app.py`): page set-up and navigation.

The map itself is ui/home.py; the other pages are the files of pages/, one idea each.
"""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ui import home

st.set_page_config(layout="wide", page_title="Carte des CPTS — Bretagne", page_icon="🗺️")

PAGES_DIR = Path(__file__).resolve().parent / "pages"

# Less empty space above the title: the map is what people come for (our CSS, no user text).
st.markdown("<style>.block-container{padding-top:1.6rem;padding-bottom:1rem}</style>", unsafe_allow_html=True)


def _title(path: Path) -> str:
    """'2_Comparer.py' -> 'Comparer', '1_Fiches_CPTS.py' -> 'Fiches CPTS'."""
    return re.sub(r"^\d+_", "", path.stem).replace("_", " ")


pages = [st.Page(home.render, title="Carte", icon="🗺️", default=True)]
pages += [st.Page(str(p), title=_title(p)) for p in sorted(PAGES_DIR.glob("[0-9]*_*.py"))]
st.navigation(pages).run()
