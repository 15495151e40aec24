"""The editor's preview, field by field (geo/registry/edit_diff.py): French labels and numbers,
only what differs, removed and added facts included."""
from __future__ import annotations

import datetime as dt

from geo.registry.edit_diff import field_changes, shown


def test_changes_are_named_and_shown_the_french_way():
    old = {"nom": "CPTS A", "financement": [{"montant": 196875, "annee": 2022, "source": "a"}],
           "population_declaree": {"valeur": 81205, "date": dt.date(2022, 9, 29)}, "notes": ["x"]}
    new = {"nom": "CPTS A", "financement": [{"montant": 250000, "annee": 2024, "source": "b"}],
           "population_declaree": {"valeur": 81205, "date": "2022-09-29"},
           "sans_medecin_traitant": [{"valeur": 12.7}]}
    got = field_changes(old, new)
    assert ("Financement n° 1 › montant", "196\u202f875", "250\u202f000") in got
    assert ("Financement n° 1 › année", "2022", "2024") in got
    assert ("Financement n° 1 › source", "a", "b") in got
    assert ("Patients sans médecin traitant n° 1 › valeur", "—", "12,7") in got
    assert ("Notes", "x", "—") in got
    assert not any(c[0].startswith("Population déclarée") for c in got)   # a YAML date equals its ISO text
    assert field_changes(old, old) == []


def test_values_in_a_sentence():
    assert shown(True) == "oui" and shown(None) == "—" and shown([]) == "—"
    assert shown(["35", "56"]) == "35, 56" and shown(70.64) == "70,64"
