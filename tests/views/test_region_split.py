"""Home and Couverture give two covered populations; the difference is computed and said (issue 9.4)."""
import datetime as dt

from geo.formatting import fr_int
from geo.views.coverage import coverage_table, signature_timeline
from geo.views.region_split import coverage_note, map_note, region_split
from geo.views.timeline import covered_at, signature_events, timeline_view


def sp(s: str) -> str:
    return s.replace("\u202f", " ")


def test_home_figure_is_couverture_figure_plus_the_communes_outside_brittany(atlas):
    codes = {c for t in atlas.territories if t.perimetre_connu for c in t.codes}
    split = region_split(codes, atlas.communes, atlas.territories, "53")
    home = int(atlas.communes.loc[atlas.communes["code"].isin(codes), "population"].sum())   # ui/home.py intro
    bzh = coverage_table(atlas.communes, atlas.territories).set_index("code").loc["53"]
    assert split.population == home and split.inside == bzh["population_dans_cpts"]
    assert split.outside == home - split.inside > 0
    outside = atlas.communes[atlas.communes["code"].isin(codes) & (atlas.communes["region"] != "53")]
    assert split.n_outside == len(outside) and set(split.departements) == set(outside["departement_nom"])
    assert split.cpts == tuple(sorted({t.nom for t in atlas.territories if t.perimetre_connu
                                       and set(t.codes) & set(outside["code"])}))
    # the committed registry: Pays de Redon's communes in Loire-Atlantique
    assert split.departements == ("Loire-Atlantique",) and split.cpts == ("CPTS Pays de Redon",)
    note = sp(map_note(split, "de Bretagne"))
    assert f"Dont {sp(fr_int(split.outside))} habitants dans {split.n_outside} communes hors de Bretagne" in note
    assert f"en donne {sp(fr_int(split.inside))}" in note and "Loire-Atlantique" in note
    cnote = sp(coverage_note(split, "de Bretagne"))
    assert (f"{sp(fr_int(split.population))} habitants ({sp(fr_int(split.inside))} + {sp(fr_int(split.outside))})"
            in cnote)


def test_timeline_today_is_the_couverture_cumul_plus_the_communes_outside(atlas):
    today = covered_at(dt.date.today(), atlas.territories, atlas.communes)
    split = region_split(today.codes, atlas.communes, atlas.territories, "53")
    cumul = int(signature_timeline(atlas.communes, atlas.territories)["population_cumulee"].iloc[-1])
    assert split.population == today.population and split.inside == cumul
    assert split.outside == today.population - cumul > 0


def test_the_region_is_a_parameter(atlas):
    codes = {c for t in atlas.territories if t.perimetre_connu for c in t.codes}
    split = region_split(codes, atlas.communes, atlas.territories, "53")
    assert "hors d'Île-de-France" in map_note(split, "d'Île-de-France")
    # a scope without border (France): nothing is outside, nothing to say
    whole = region_split(codes, atlas.communes, atlas.territories, None)
    assert whole.outside == 0 and map_note(whole) is None and coverage_note(whole) is None


def test_timeline_legend_title_and_sentence_name_the_same_day(atlas):
    days = [e.date for e in signature_events(atlas.territories, atlas.communes)] + [dt.date.today()]
    for day in days:
        v = timeline_view(day, atlas.territories, atlas.communes)
        when = v.title.removeprefix("CPTS signées au ")
        assert v.sentence.startswith(f"Au {when} : "), (v.title, v.sentence)
        assert set(v.territory_ids) == set(v.coverage.cpts_ids)
    v = timeline_view(days[-1], atlas.territories, atlas.communes)
    assert v.notes[0].startswith("Dont ") and "hors de Bretagne" in v.notes[0]   # said under the figure
    before = timeline_view("2024-10-09", atlas.territories, atlas.communes)
    assert before.title == "CPTS signées au 9 octobre 2024" and before.sentence.startswith("Au 9 octobre 2024 : ")
