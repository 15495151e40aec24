"""Thematic colouring readable on a projector (issue 9.3), checked numerically.

Colour differences are CIEDE2000 (ΔE, coloraide) of the colours as drawn (fill opacity over white);
about 2 is a just-noticeable difference, 10 a clear one, 15 two colours nobody confuses."""
from __future__ import annotations

import io

import numpy as np
import pytest
from coloraide import Color
from matplotlib import hatch as mpl_hatch
from PIL import Image

from geo.exports.png import render_map_png
from geo.mapdata import build_map_data
from geo.views.indicators import (AUCUNE_CPTS, HATCH, INDICATORS, NON_RENSEIGNE, THEMATIC_OPACITY, classify,
                                  legend_items)
from tests.exports.support import DAY

THEMATIC = [k for k in INDICATORS if k != "cpts"]


@pytest.fixture(scope="module")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


def drawn(hex_color: str) -> Color:
    """The colour seen on screen: the fill at THEMATIC_OPACITY over the white page."""
    return Color.mix(Color("white"), Color(hex_color), THEMATIC_OPACITY, space="srgb")


def delta(a: str, b: str) -> float:
    return drawn(a).delta_e(drawn(b), method="2000")


def test_fills_are_not_washed_out():
    assert THEMATIC_OPACITY >= 0.85


@pytest.mark.parametrize("key", THEMATIC)
def test_neighbouring_classes_are_clearly_distinct(atlas, key):
    c = classify(key, atlas.territories, atlas.registry)
    ramp = [x for x in c.all_classes if x is not NON_RENSEIGNE]
    for a, b in zip(ramp, ramp[1:]):
        if a.color != b.color:   # years only an unmapped CPTS signed in share the end colour
            assert delta(a.color, b.color) >= 12, (key, a.label, b.label)
    shown = [x for x in c.legend if x not in (NON_RENSEIGNE, AUCUNE_CPTS)]
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert delta(a.color, b.color) >= 15, (key, a.label, b.label)
        # and from both greys of « no data »
        assert delta(a.color, AUCUNE_CPTS.color) >= 10, (key, a.label)
        assert delta(a.color, NON_RENSEIGNE.color) >= 10, (key, a.label)
    # sequential: light to dark
    lum = [drawn(x.color).luminance() for x in ramp]
    assert lum == sorted(lum, reverse=True), key


def test_vitre_2022_and_redon_2021_look_different(atlas):
    """The issue's example: two neighbouring years that looked the same at 0.55 opacity."""
    c = classify("annee_signature", atlas.territories, atlas.registry)
    vitre, redon = c.classes["pays-de-vitre"], c.classes["pays-de-redon"]
    assert (vitre.label, redon.label) == ("2022", "2021")
    assert delta(vitre.color, redon.color) >= 15
    assert abs(drawn(vitre.color).luminance() - drawn(redon.color).luminance()) >= 0.15


def test_non_renseigne_and_aucune_cpts_differ_by_hatch_and_lightness():
    assert NON_RENSEIGNE.hatch == HATCH.pattern and AUCUNE_CPTS.hatch is None
    assert delta(NON_RENSEIGNE.color, AUCUNE_CPTS.color) >= 10
    # with its hatch lines (their share of the area), « Non renseigné » is darker still
    share = HATCH.line_px() * 2 ** 0.5 / HATCH.period_px()
    hatched = Color.mix(Color(NON_RENSEIGNE.color), Color(HATCH.color), share, space="srgb")
    assert Color(AUCUNE_CPTS.color).luminance() - hatched.luminance() >= 0.3


def test_the_browser_hatch_is_matplotlibs():
    """The browser's SVG pattern takes its period and line width from HATCH, defined by matplotlib's
    rule: 6 lines per inch per « / », hatch.linewidth points; at the PNG's 100 dpi."""
    lines = mpl_hatch.NorthEastHatch(HATCH.pattern, HATCH.density).num_lines
    assert HATCH.period_px(100) == pytest.approx(100 / lines)
    assert HATCH.line_px(100) == pytest.approx(HATCH.line_pt * 100 / 72)


def test_the_png_draws_the_hatch_and_the_classes_of_its_legend(atlas, md):
    """Fougères has no declared share without médecin traitant: its communes are hatched in the PNG."""
    c = classify("sans_medecin_traitant", atlas.territories, atlas.registry)
    assert c.classes["pays-de-fougeres"] is NON_RENSEIGNE
    png = render_map_png(atlas, indicator="sans_medecin_traitant", cpts_id="pays-de-fougeres", today=DAY, map_data=md)
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    colours = {"#%02x%02x%02x" % tuple(p) for p in np.unique(rgb, axis=0)}
    assert NON_RENSEIGNE.color in colours and HATCH.color in colours
    kinds = [(i.kind, i.label) for i in legend_items(c)]
    assert ("hatch", "Non renseigné (3 CPTS)") in [(k, lab.replace("\u202f", " ")) for k, lab in kinds]
    assert kinds[-2:] == [("line", "Contour d'une CPTS"), ("text", "6 CPTS sans périmètre cartographié (non comptées)")]
