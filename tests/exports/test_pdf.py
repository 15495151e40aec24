"""The one-page PDF fiche of a CPTS: figures, sources by their own title and date, partial registry."""

import pytest

from geo.exports.common import partial_registry_line
from geo.exports.pdf import render_fiche_pdf
from geo.exports.png import RenderError
from tests.exports.support import DAY, pdf_text, replace, sp, with_changes


def test_vitre_fiche_is_one_page_with_its_figures(atlas, md):
    n, text = pdf_text(render_fiche_pdf(atlas, "pays-de-vitre", today=DAY, map_data=md))
    assert n == 1
    flat = " ".join(text.split())
    t = atlas.territory("pays-de-vitre")
    for expected in ("CPTS du Pays de Vitré", "81 205", "196 875", "12,7", "calculé", "déclaré",
                     f"{t.population:,}".replace(",", " "), "29 septembre 2022", "22 novembre 2025"):
        assert expected in flat, expected
    assert "Écart calculé − déclaré" in flat
    assert "Faciliter l'accès à un médecin traitant" in flat      # a mission's action
    assert sp(partial_registry_line(atlas)) in flat


def test_sources_are_cited_by_their_own_title_and_date_not_a_file_name(atlas, md):
    _, text = pdf_text(render_fiche_pdf(atlas, "pays-de-vitre", today=DAY, map_data=md))
    flat = " ".join(text.split())
    src = atlas.registry.sources["cp-vitre-2022-09-29"]
    assert " ".join(sp(src.titre).split()) in flat and "29 septembre 2022" in flat
    assert ".txt" not in flat and "000_7be94897bc143df0" not in flat


def test_every_fiche_fits_on_one_page_and_a_cpts_without_perimeter_says_so(atlas, map_png):
    for t in atlas.territories:
        png = map_png if t.perimetre_connu else None
        n, text = pdf_text(render_fiche_pdf(atlas, t.id, today=DAY, map_png=png))
        assert n == 1, t.id
        assert t.nom in " ".join(text.split()), t.id
    _, text = pdf_text(render_fiche_pdf(atlas, "marches-de-bretagne", today=DAY))
    assert "Périmètre non documenté" in text and "22 000" in text


def test_a_very_long_action_list_is_cut_to_stay_on_one_page(atlas, map_png):
    t = atlas.territory("pays-de-vitre")
    m = t.cpts.missions
    action = m.prevention[0]
    many = [replace(action, action=f"Action de prévention numéro {i} : " + "texte long " * 12) for i in range(80)]
    big = with_changes(atlas, "pays-de-vitre", missions=replace(m, prevention=many))
    n, text = pdf_text(render_fiche_pdf(big, "pays-de-vitre", today=DAY, map_png=map_png))
    assert n == 1
    assert "…et" in text and "autres actions" in text
    assert "81 205" in text


def test_fiche_unknown_id_is_a_french_error(atlas):
    with pytest.raises(RenderError, match="CPTS inconnue"):
        render_fiche_pdf(atlas, "nope")


