"""The PNG map users take to meetings: size, determinism, colours, layout, partial-registry line."""
import datetime as dt
import io

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from geo.exports.common import partial_registry_line
from geo.exports.png import RenderError, render_map_figure, render_map_png
from geo.mapdata import territory_colors
from geo.views.indicators import classify, get_indicator
from tests.exports.support import DAY, share_of


def test_png_has_the_requested_size_and_is_deterministic(atlas, md):
    png = render_map_png(atlas, today=DAY, map_data=md)
    img = Image.open(io.BytesIO(png))
    img.verify()
    assert img.format == "PNG" and img.size == (1600, 1200)
    assert png == render_map_png(atlas, today=DAY, map_data=md)          # same inputs, same bytes
    odd = render_map_png(atlas, indicator="annee_signature", width=1234, height=777, today=DAY, map_data=md)
    assert Image.open(io.BytesIO(odd)).size == (1234, 777)
    # no timestamp or software chunk: only the visible date changes the bytes
    assert b"tIME" not in png and b"tEXt" not in png and b"iTXt" not in png
    assert png != render_map_png(atlas, today=DAY + dt.timedelta(days=1), map_data=md)


def test_png_colours_communes_by_the_indicator_and_zooms_on_a_cpts(atlas, md):
    vitre = territory_colors(atlas.territories)["pays-de-vitre"]
    region = render_map_png(atlas, today=DAY, map_data=md)
    zoom = render_map_png(atlas, cpts_id="pays-de-vitre", today=DAY, map_data=md)
    assert 0.003 < share_of(region, vitre) < 0.05      # one CPTS among the communes of Brittany
    assert share_of(zoom, vitre) > 4 * share_of(region, vitre)   # zoomed and highlighted
    smt = render_map_png(atlas, indicator="sans_medecin_traitant", today=DAY, map_data=md)
    assert share_of(smt, vitre) == 0                   # another indicator, other colours
    red = classify("sans_medecin_traitant", atlas.territories, atlas.registry).classes["pays-de-vitre"].color
    assert share_of(smt, red) > 0.003                  # Vitré's 12,7 % class fills its communes


def test_png_refuses_unknown_cpts_indicator_and_sizes_in_french(atlas, md):
    with pytest.raises(RenderError, match="CPTS inconnue « nope ».*pays-de-vitre"):
        render_map_png(atlas, cpts_id="nope", map_data=md)
    with pytest.raises(RenderError, match="indicateur inconnu « densite ».*statut"):
        render_map_png(atlas, indicator="densite", map_data=md)
    with pytest.raises(RenderError, match="largeur invalide"):
        render_map_png(atlas, width=10, map_data=md)


def _texts(fig) -> list[str]:
    return [" ".join(t.get_text().split()) for t in fig.findobj(Text) if t.get_text().strip()]


def test_the_map_says_the_registry_is_partial_from_its_own_figures(atlas, md):
    mapped = sum(1 for t in atlas.territories if t.perimetre_connu)
    known = sum(atlas.registry.context_figure(f).valeur for f in ("bretagne-cpts-reconnues-2024",
                                                                    "bretagne-projets-2024"))
    line = partial_registry_line(atlas)
    assert line == f"Registre partiel : {mapped} CPTS cartographiées sur {known} connues en 2024"
    assert mapped == 5 and known == 37     # the committed registry (issue 9.7)
    for cpts_id in (None, "pays-de-vitre"):
        assert line in _texts(render_map_figure(atlas, cpts_id=cpts_id, today=DAY, map_data=md))


def test_the_indicator_is_named_once(atlas, md):
    label = get_indicator("sans_medecin_traitant").label
    texts = _texts(render_map_figure(atlas, indicator="sans_medecin_traitant", today=DAY, map_data=md))
    assert sum(t.count(label) for t in texts) == 1                           # once…
    assert any(t.startswith("CPTS de Bretagne — " + label) for t in texts)   # …in the title


def _blank_rows(png: bytes) -> float:
    """Share of the image height, between the title band and the source line, made of white rows."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    h = a.shape[0]
    inner = a[int(h * 0.12):int(h * 0.93)]
    return float((inner.min(axis=1) >= 250).sum()) / h


@pytest.mark.parametrize("indicator", ["cpts", "sans_medecin_traitant"])
def test_the_region_map_uses_the_page(atlas, md, indicator):
    png = render_map_png(atlas, indicator=indicator, today=DAY, map_data=md)
    assert _blank_rows(png) < 0.10        # was ~25 % of the height blank under the map (issue 9.13)


def test_commune_names_of_the_fiche_map_never_overlap(atlas, md):
    from geo.exports.pdf import MAP_PX
    for cpts_id in ("pays-de-vitre", "pays-de-fougeres", "pays-de-redon"):
        fig = render_map_figure(atlas, cpts_id=cpts_id, width=MAP_PX[0], height=MAP_PX[1], today=DAY, map_data=md,
                                bare=True, label_scale=2.0)
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in fig.findobj(Text) if t.get_text()]
        assert len(boxes) >= 10, cpts_id
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), cpts_id


def _names_drawn(fig) -> set[str]:
    return {t.get_text() for t in fig.findobj(Text) if t.get_text()}


def test_the_region_map_names_the_scopes_own_departements(atlas, md, tmp_path):
    """The région map labels the scope's départements (geo/scope.py), never a Breton list written in
    the code: a PACA map said « ILLE-ET-VILAINE »… over Brittany's CPTS and nothing of its own."""
    from geo.atlas import Atlas
    from geo.scope import get_scope
    from tests.region_support import multi_region_dir

    bzh = _names_drawn(render_map_figure(atlas, today=DAY, map_data=md))
    assert {"CÔTES-D'ARMOR", "FINISTÈRE", "ILLE-ET-VILAINE", "MORBIHAN"} <= bzh

    paca = Atlas.load(scope=get_scope("93", root=multi_region_dir(tmp_path / "data")))
    names = _names_drawn(render_map_figure(paca, today=DAY))
    assert "BOUCHES-DU-RHÔNE" in names
    assert not names & {"CÔTES-D'ARMOR", "FINISTÈRE", "ILLE-ET-VILAINE", "MORBIHAN"}
