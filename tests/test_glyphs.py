"""Issue 9.11: the app writes no character that the fonts it ships cannot draw.

Streamlit ships Source Sans (text), Source Code (code) and Material Symbols (``:material/…:`` icons);
an emoji or pictograph falls back to the PC's fonts and shows as an empty box on a Linux PC without
an emoji font. Every non-ASCII character in the source of the app's pages and UI modules (the texts
they write) must be in Source Sans."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import streamlit
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(streamlit.__file__).parent / "static" / "static" / "media"
APP_SOURCES = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "app_pages").glob("*.py"))]


@pytest.fixture(scope="module")
def source_sans() -> set[int]:
    fonts = sorted(MEDIA.glob("SourceSansVF-*.woff2"))
    assert fonts, f"Streamlit's Source Sans not found in {MEDIA}"
    pytest.importorskip("brotli")          # WOFF2 decoding (requirements-dev.txt)
    covered: set[int] = set()
    for f in fonts:
        covered |= set(TTFont(f).getBestCmap())
    return covered


def test_source_sans_is_what_we_think(source_sans):
    assert {ord(c) for c in "éèàçÉœ€«»’…—–→✓◀▶\u202f\u00a0"} <= source_sans
    assert ord("🗺") not in source_sans                        # the check can fail


@pytest.mark.parametrize("path", APP_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_writes_only_glyphs_it_ships(path, source_sans):
    # U+2060 WORD JOINER: default-ignorable, drawn as nothing by every browser (ui/text.py)
    missing = {c for c in path.read_text(encoding="utf-8")
               if ord(c) > 127 and ord(c) not in source_sans and c != "\u2060"}
    assert not missing, [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in sorted(missing)]
