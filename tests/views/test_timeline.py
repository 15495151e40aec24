"""Lifecycle over time: who had signed at a date, and the population covered (communes counted once)."""
import datetime as dt

import pytest

from geo.views.timeline import (DAY, MONTH, YEAR, covered_at, coverage_sentence, date_span, signature_events,
                          signatures, status_at)



def pop_of(atlas, codes):
    return int(atlas.communes.set_index("code").loc[sorted(codes), "population"].sum())


def test_signatures_come_from_the_aci_jalons(atlas):
    sigs = {s.cpts_id: s for s in signatures(atlas.territories)}
    assert sigs["pays-de-vitre"].date == "2022-09-29" and sigs["pays-de-vitre"].precision == DAY
    assert sigs["pays-de-redon"].infere    # the year is deduced in the registry
    assert not sigs["marches-de-bretagne"].mapped
    assert "gwened" not in sigs            # no signature documented
    dates = [s.end for s in signatures(atlas.territories)]
    assert dates == sorted(dates)


def test_end_of_2021_redon_but_not_vitre(atlas):
    cov = covered_at("2021-12-31", atlas.territories, atlas.communes)
    assert "pays-de-redon" in cov.cpts_ids and "pays-de-vitre" not in cov.cpts_ids
    redon = atlas.territory("pays-de-redon")
    assert cov.codes == frozenset(redon.codes)
    assert cov.population == redon.population == pop_of(atlas, redon.codes)


def test_marches_de_bretagne_counts_as_signed_but_is_not_mapped_and_says_so(atlas):
    cov = covered_at("2020-12-01", atlas.territories, atlas.communes)
    assert cov.cpts_ids == ["marches-de-bretagne"]
    assert [s.cpts_id for s in cov.unmapped] == ["marches-de-bretagne"]
    assert cov.population == 0 and not cov.codes
    assert any("Marches de Bretagne" in n and "sans périmètre" in n for n in cov.notes)
    assert covered_at("2020-11-05", atlas.territories, atlas.communes).cpts_ids == []
    assert covered_at("2020-11-06", atlas.territories, atlas.communes).cpts_ids == ["marches-de-bretagne"]


def test_end_of_2024_population_is_the_union_of_codes(atlas):
    cov = covered_at("2024-12-31", atlas.territories, atlas.communes)
    signed = [atlas.territory(i) for i in cov.cpts_ids]
    union = {c for t in signed for c in t.codes}
    assert cov.codes == frozenset(union)
    assert cov.population == pop_of(atlas, union)
    # overlapping communes (Ploërmel / Redon) are counted once: less than the sum of the territories
    assert cov.population < sum(t.population for t in signed)
    assert any("une seule fois" in n for n in cov.notes)
    assert set(cov.cpts_ids) == {"marches-de-bretagne", "pays-de-redon", "pays-de-vitre", "pays-de-fougeres",
                                 "pays-de-ploermel-coeur-de-bretagne"}
    s = coverage_sentence(cov).replace("\u202f", " ")
    assert "31 décembre 2024" in s and "5 CPTS signées" in s and f"{cov.population:,}".replace(",", " ") in s


def test_events_are_cumulative(atlas):
    events = signature_events(atlas.territories, atlas.communes)
    assert [e.n_signed for e in events] == list(range(1, len(events) + 1))
    pops = [e.population for e in events]
    assert pops == sorted(pops)
    for e in events:
        assert e.population == covered_at(e.date, atlas.territories, atlas.communes).population


def test_partial_dates_are_counted_once_their_period_is_over():
    assert date_span("2023-09") == (dt.date(2023, 9, 1), dt.date(2023, 9, 30), MONTH)
    assert date_span("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29), MONTH)
    assert date_span("2021") == (dt.date(2021, 1, 1), dt.date(2021, 12, 31), YEAR)


def test_status_at_follows_the_jalons(atlas):
    p = atlas.territory("pays-de-ploermel-coeur-de-bretagne")
    assert status_at(p, "2023-08-31") is None
    assert status_at(p, "2023-09-15") is None              # "2023-09": not certain before the month ends
    assert status_at(p, "2023-09-30") == "lettre_intention_validee"
    assert status_at(p, "2024-10-09") == "aci_signe"


def test_bad_date_is_a_french_error(atlas):
    with pytest.raises(ValueError, match="date invalide"):
        covered_at("31/12/2021", atlas.territories, atlas.communes)
