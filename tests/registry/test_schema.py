"""The JSON Schema of the registry (geo/registry/schema.py): committed, printed by the CLI, and true
to the model — every committed registry file is valid for it, and a broken one is not."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import jsonschema  # comes with streamlit (altair): an independent check of what pydantic generated
import pytest
import yaml

from geo.registry import DEFAULT_ROOT
from geo.registry.schema import registry_json_schema, registry_json_schema_text

REPO = Path(__file__).resolve().parents[2]
COMMITTED = DEFAULT_ROOT / "schema.json"


def test_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text(encoding="utf-8") == registry_json_schema_text(), (
        "data/registry/schema.json is stale: python -m geo schema > data/registry/schema.json")


def test_cli_prints_the_schema():
    p = subprocess.run([sys.executable, "-m", "geo", "schema"], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == COMMITTED.read_text(encoding="utf-8")
    assert json.loads(p.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _as_json(value):
    """YAML data as JSON would carry it (YAML dates become ISO text)."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _registry_files():
    return [DEFAULT_ROOT / "sources.yaml", DEFAULT_ROOT / "context.yaml", *sorted((DEFAULT_ROOT / "cpts").glob("*.yaml"))]


@pytest.fixture(scope="module")
def validator():
    schema = registry_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", _registry_files(), ids=lambda p: p.name)
def test_every_committed_file_is_valid_for_the_schema(validator, path):
    data = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = list(validator.iter_errors(data))
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(population=3),                                  # unknown key
    lambda d: d.pop("nom"),                                            # required key
    lambda d: d["perimetre"].update(regle="commune"),                  # not an allowed value
    lambda d: d.update(departements=[35]),                             # unquoted département
    lambda d: d["taille_aci_declaree"].update(valeur=5),               # out of bounds
    lambda d: d["statut"]["jalons"][0].update(date="29/09/2022"),      # not an ISO date
    lambda d: d.update(file="cpts/x.yaml"),                            # the loader's attribute, not a key
])
def test_the_schema_refuses_what_the_loader_refuses(validator, mutate):
    data = _as_json(yaml.safe_load((DEFAULT_ROOT / "cpts" / "pays-de-vitre.yaml").read_text(encoding="utf-8")))
    mutate(data)
    assert not validator.is_valid(data)


def test_schema_names_every_field_of_a_cpts_file():
    cpts = registry_json_schema()["$defs"]["Cpts"]
    assert cpts["required"] == ["id", "nom", "nom_connu", "departements", "statut", "perimetre"]
    assert "file" not in cpts["properties"] and cpts["additionalProperties"] is False
    assert cpts["description"] == "Une CPTS : le fichier cpts/<id>.yaml."
