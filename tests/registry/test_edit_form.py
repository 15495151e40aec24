"""The editor's form (geo/registry/edit_form.py, edit_values.py): French input read the French way,
every field of the model present, a form left untouched gives back exactly the data of every
committed CPTS file, and what cannot be read is reported in French at the field's path."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from geo.paths import REGISTRY_DIR
from geo.registry.edit import plain
from geo.registry.edit_form import field_specs, from_form, to_form
from geo.registry.edit_values import parse_date, parse_number, show_date, show_number
from geo.registry.models import Cpts, Financement, Perimetre
from geo.registry.validation import _fields

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("text, value", [
    ("81 205", 81205), ("81\u202f205 hab.", 81205), ("196 875 €", 196875), ("196875", 196875),
    ("12,7 %", 12.7), ("12.7", 12.7), ("70,64", 70.64), ("1 000,50 €/an", 1000.5), ("3", 3),
])
def test_french_numbers(text, value):
    got = parse_number(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["", "douze", "12,7,1", "1e5", "--3"])
def test_not_a_number_is_said_in_french(text):
    with pytest.raises(ValueError, match="nombre"):
        parse_number(text)


def test_integer_refuses_decimals():
    with pytest.raises(ValueError, match="nombre entier attendu"):
        parse_number("12,5", integer=True)


@pytest.mark.parametrize("text, iso", [
    ("29/09/2022", "2022-09-29"), ("1/2/2023", "2023-02-01"), ("09/2022", "2022-09"), ("sept. 2022", "2022-09"),
    ("Septembre 2022", "2022-09"), ("1er février 2023", "2023-02-01"), ("2021", "2021"), ("2022-09-29", "2022-09-29"),
])
def test_french_dates(text, iso):
    assert parse_date(text, today=TODAY) == iso


@pytest.mark.parametrize("text, message", [
    ("31/02/2022", "date invalide"), ("brumaire 2022", "date invalide"), ("2027", "date dans le futur"),
    ("12/2026", None), ("02/12/2026", "date dans le futur"),
])
def test_bad_dates_are_said_in_french(text, message):
    if message is None:
        assert parse_date(text, today=TODAY) == "2026-12"
        return
    with pytest.raises(ValueError, match=message):
        parse_date(text, today=TODAY)


@pytest.mark.parametrize("value", [196875, 12.7, 70.64, 0, 81205, 4.5])
def test_shown_numbers_read_back(value):
    assert parse_number(show_number(value)) == value


def test_shown_dates_read_back():
    for iso in ("2022-09-29", "2023-09", "2021"):
        assert parse_date(show_date(iso), today=TODAY) == iso
    assert show_date("2022-09-29") == "29/09/2022"


def test_every_field_of_the_model_is_in_the_form():
    names = [leaf.name for leaf in field_specs(Cpts)]
    assert names == list(_fields(Cpts))
    kinds = {leaf.name: leaf.kind for leaf in field_specs(Financement)}
    assert kinds == {"montant": "number", "unite": "choice", "annee": "year", "couvre": "text", "source": "source",
                     "citation": "text", "note": "text", "infere": "bool"}
    per = {leaf.name: leaf.kind for leaf in field_specs(Perimetre)}
    assert per["communes"] == "lines" and per["codes_insee"] == "fixed" and per["corrections"] == "pairs"
    assert per["communes_par_departement"] == "groups"


@pytest.mark.parametrize("path", sorted((REGISTRY_DIR / "cpts").glob("*.yaml")), ids=lambda p: p.stem)
def test_untouched_form_gives_back_the_file(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    back, errors = from_form(Cpts, to_form(Cpts, data))
    assert errors == []
    assert plain(back) == plain(data)
    assert list(back) == list(data)


def _vitre():
    return yaml.safe_load((REGISTRY_DIR / "cpts" / "pays-de-vitre.yaml").read_text(encoding="utf-8"))


def test_typed_values_become_registry_values():
    tree = to_form(Cpts, _vitre())
    fin = tree["financement"][0]
    assert fin["montant"] == "196\u202f875" and fin["annee"] == "2022"
    fin["montant"], fin["annee"] = "250 000 €", "2024"
    tree["population_declaree"]["date"] = "sept. 2022"
    tree["sans_medecin_traitant"][0]["valeur"] = "13,2 %"
    back, errors = from_form(Cpts, tree)
    assert errors == []
    assert back["financement"][0]["montant"] == 250000 and back["financement"][0]["annee"] == 2024
    assert back["population_declaree"]["date"] == "2022-09"
    assert back["sans_medecin_traitant"][0]["valeur"] == 13.2


def test_unreadable_fields_are_reported_at_their_path():
    tree = to_form(Cpts, _vitre())
    tree["financement"][0]["montant"] = "beaucoup"
    tree["financement"][0]["annee"] = "1850"
    tree["financement"][0]["couvre"] = "  "
    tree["statut"]["jalons"][1]["date"] = "30/02/2022"
    tree["taille_aci_declaree"]["valeur"] = "3,5"
    _, errors = from_form(Cpts, tree)
    by_path = dict(errors)
    assert "n'est pas un nombre" in by_path["financement[0].montant"]
    assert "entre 1900 et 2100" in by_path["financement[0].annee"]
    assert by_path["financement[0].couvre"] == "à renseigner"
    assert "date invalide « 30/02/2022 »" in by_path["statut.jalons[1].date"]
    assert "nombre entier attendu" in by_path["taille_aci_declaree.valeur"]


def test_blank_optional_field_is_left_out_or_null_as_the_file_had_it():
    data = _vitre()
    tree = to_form(Cpts, data)
    tree["sans_medecin_traitant"][0]["note"] = ""   # the file had a note: written null
    tree["financement"][0]["note"] = ""
    back, _ = from_form(Cpts, tree)
    assert back["sans_medecin_traitant"][0]["note"] is None
    assert back["sans_medecin_traitant"][0]["qualificatif"] is None  # « qualificatif: null » in the file, kept
    new_item, _ = from_form(Financement, to_form(Financement, {}))
    assert "note" not in new_item and "annee" not in new_item
