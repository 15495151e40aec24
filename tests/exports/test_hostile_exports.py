"""Text from files and the registry is data in every export: never mathtext, markup or a formula.

Each hostile name goes, as a CPTS name and as a commune name, through the PNG map (region and
zoomed), the PDF fiche, CSV, XLSX and GeoJSON, and must come out literally (issue 12)."""
import io
import json

import pandas as pd
import pytest
from matplotlib.text import Text
from openpyxl import load_workbook
from pypdf import PdfReader

from geo.atlas import Atlas
from geo.exports.cells import FORMULA_PREFIXES, neutralize, unneutralize
from geo.exports.fonts import printable
from geo.exports.pdf import render_fiche_pdf
from geo.exports.png import render_map_figure, render_map_png
from geo.exports.tables import export_bytes
from tests.exports.support import DAY, replace
HOSTILE = [
    "CPTS $x^2$",
    "CPTS $\\frac{a}{b}$",
    "CPTS $x^$ \\undefinedcommand",          # invalid mathtext: used to end in a traceback
    "CPTS {{7*7}} {% if 1 %}",
    "CPTS <b>x</b> <img src=x onerror=alert(1)>",
    "CPTS **x** __y__ --z-- [lien](http://x.invalid)",
    '=HYPERLINK("http://x.invalid","clic")',
    "+cmd|' /C calc'!A0",
    "\uff1dSOMME(A1:A9)",                    # fullwidth =
    "CPTS \u202egnp.exe",                    # right-to-left override
    "CPTS Pays\u200bde\u200dVitré",          # zero-width space and joiner
]
ZOOM = "pays-de-vitre"
COMMUNE = "35360"   # Vitré


def hostile_atlas(atlas, name: str) -> Atlas:
    """The atlas with Vitré's CPTS and the commune of Vitré both called ``name``."""
    terrs = [replace(t, nom=name, cpts=replace(t.cpts, nom=name)) if t.id == ZOOM else t
             for t in atlas.territories]
    communes = atlas.communes.copy()
    communes.loc[communes["code"] == COMMUNE, "nom"] = name
    return Atlas(communes, atlas.registry, atlas.matcher, terrs, atlas.locator)


def flat(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.parametrize("name", HOSTILE)
def test_png_draws_hostile_names_literally(atlas, md, name):
    evil = hostile_atlas(atlas, name)
    for cpts_id in (None, ZOOM):
        fig = render_map_figure(evil, cpts_id=cpts_id, today=DAY, map_data=md, width=1200, height=900)
        texts = [t for t in fig.findobj(Text) if t.get_text()]
        assert texts
        for t in texts:   # every text of the figure is drawn as plain text
            assert t._parse_math is False and not t.get_usetex(), t.get_text()
        shown = flat(" ".join(t.get_text() for t in texts))
        assert flat(printable(name)) in shown, (cpts_id, shown[:300])    # the title / legend, as written
        png = render_map_png(evil, cpts_id=cpts_id, today=DAY, map_data=md, width=500, height=400)
        assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", HOSTILE)
def test_pdf_fiche_shows_hostile_names_literally(atlas, md, name):
    evil = hostile_atlas(atlas, name)
    pdf = render_fiche_pdf(evil, ZOOM, today=DAY, map_data=md)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert printable(name) in text       # not bold, not a link, not evaluated: the characters as written


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", HOSTILE)
def test_tables_keep_hostile_names_as_inert_text(atlas, name):
    evil = hostile_atlas(atlas, name)
    comp = read_csv(export_bytes(evil, "csv", "comparaison")).set_index("Identifiant")
    assert comp.loc[ZOOM, "CPTS"] == neutralize(name)
    assert unneutralize(comp.loc[ZOOM, "CPTS"]) == name
    com = read_csv(export_bytes(evil, "csv", "communes")).set_index("Code INSEE")
    assert com.loc[COMMUNE, "Commune"] == neutralize(name)
    for df in (comp.reset_index(), com.reset_index()):
        for col in df.columns:
            assert not df[col].str.startswith(FORMULA_PREFIXES).any(), col

    wb = load_workbook(io.BytesIO(export_bytes(evil, "xlsx", today=DAY)))
    ws = wb["Comparaison des CPTS"]
    header = [c.value for c in ws[2]]           # row 1: the « registre partiel » line
    vitre = next(r for r in ws.iter_rows(min_row=3) if r[0].value == ZOOM)
    assert vitre[header.index("CPTS")].value == neutralize(name)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES))

    fc = json.loads(export_bytes(evil, "geojson"))
    props = next(f["properties"] for f in fc["features"] if f["properties"]["id"] == ZOOM)
    assert props["nom"] == name                  # GeoJSON is data: the name exactly as written


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-Vitré", "@SUM(A1)", "\t=1", "\r=1", "\uff1d1+1",
                                   "\uff0b1", "\uff0d1", "\uff20SUM(A1)"])
def test_neutralize_covers_ascii_and_fullwidth_formula_starts(value):
    assert neutralize(value) == "'" + value
    assert unneutralize(neutralize(value)) == value


@pytest.mark.parametrize("value", ["CPTS du Pays de Vitré", "'déjà cité", "", "12,5 %", " =1"])
def test_neutralize_leaves_ordinary_text_alone(value):
    assert neutralize(value) == value and unneutralize(value) == value


def test_only_glyphs_missing_from_the_font_are_replaced():
    assert [n for n in HOSTILE if printable(n) != n] == ["\uff1dSOMME(A1:A9)"]
    assert printable("\uff1dSOMME(A1:A9)") == "=SOMME(A1:A9)"        # compatibility form, still visible
    assert printable("CPTS \U000E0041") == "CPTS \ufffd"             # no glyph, no equivalent: shown as �
    assert printable("a\nb\tc") == "a\nb\tc"
