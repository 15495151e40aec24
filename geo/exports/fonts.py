"""The fonts of the PNG map and the PDF fiche (DejaVu, shipped by matplotlib: nothing to install,
nothing fetched) and what they can draw.

:func:`printable` is applied to every text drawn (map and fiche): a character the font has no
glyph for would be drawn as an empty box by matplotlib and silently dropped by fpdf2, so a name
like « ＝SOMME » would lose its first character. Such a character is replaced by its Unicode
compatibility form when the font has it (fullwidth « ＝ » → « = »), otherwise by « � », so the
reader sees that something is there. Everything else, including « $ », « { », « < », « * » and
bidi/zero-width marks, is kept exactly as written (never mathtext, markup or a template)."""
from __future__ import annotations

import functools
import os
import unicodedata

import matplotlib

FONT_DIR = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
REPLACEMENT = "\ufffd"
_LAYOUT_CHARS = frozenset("\n\r\t")   # line breaks and tabs are layout, not glyphs


@functools.lru_cache(maxsize=1)
def _codepoints() -> frozenset[int]:
    """Code points every DejaVu style used has a glyph for."""
    from fontTools.ttLib import TTFont   # a dependency of both matplotlib and fpdf2
    sets = [set(TTFont(os.path.join(FONT_DIR, name), lazy=True).getBestCmap()) for name in FONTS.values()]
    return frozenset(set.intersection(*sets))


def printable(text: str) -> str:
    """``text`` with every character the fonts cannot draw replaced (see the module docstring)."""
    cps = _codepoints()
    if all(ord(c) in cps or c in _LAYOUT_CHARS for c in text):
        return text
    out = []
    for c in text:
        if ord(c) in cps or c in _LAYOUT_CHARS:
            out.append(c)
            continue
        compat = unicodedata.normalize("NFKC", c)
        out.append(compat if compat != c and all(ord(x) in cps for x in compat) else REPLACEMENT)
    return "".join(out)


__all__ = ["FONT_DIR", "FONTS", "printable"]
