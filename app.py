"""Carte des CPTS — entry point (`streamlit run app.py`): page set-up and navigation.

The map itself is ui/home.py; the other pages are the files of app_pages/, one idea each. The folder
is deliberately NOT named ``pages/``: Streamlit treats a ``pages/`` folder next to the entry script as
an old-style multipage app until the first run of ``st.navigation``, so on a fresh server the first
visitor of a sub-page URL ran that page alone and saw « app » as the first menu item (issue 9.9).
"""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ui import home, warmup
from ui.french import french_page
from ui.scope import current_scope, keep_in_url, scope_selector

ICON = Path(__file__).resolve().parent / "ui" / "assets" / "icon.png"
PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

# The favicon is a file we ship: an emoji needs an emoji font (empty box without one) and a
# ":material/…:" page icon makes the browser fetch the favicon from fonts.gstatic.com (offline app).
st.set_page_config(layout="wide", page_title=f"Carte des CPTS — {current_scope().nom}", page_icon=str(ICON))

# Less empty space above the title: the map is what people come for (our CSS, no user text).
st.markdown("<style>.block-container{padding-top:1.6rem;padding-bottom:1rem}</style>", unsafe_allow_html=True)
french_page()
warmup.start()  # once per process: the map's data prepared in the background (ui/warmup.py)
scope_selector()  # the région (or France) every page shows, ?region= in the URL (ui/scope.py)


def _title(path: Path) -> str:
    """'2_Comparer.py' -> 'Comparer', '1_Fiches_CPTS.py' -> 'Fiches CPTS'."""
    return re.sub(r"^\d+_", "", path.stem).replace("_", " ").replace("Editer", "Éditer")  # ASCII file names


pages = [st.Page(home.render, title="Carte", default=True)]
pages += [st.Page(str(p), title=_title(p)) for p in sorted(PAGES_DIR.glob("[0-9]*_*.py"))]
st.navigation(pages).run()
keep_in_url()  # a page may have rewritten the whole URL
