"""``--region`` on the CLI (issue 10.1): every command that reads the referential takes the scope, on
a small multi-region data directory (Bretagne, Bouches-du-Rhône, both as « France »)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from geo.cli import build_parser
from geo.paths import REPO_ROOT
from tests.region_support import multi_region_dir

MARSEILLE = ("43.2965", "5.3698")
VITRE = ("48.1236", "-1.2093")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return multi_region_dir(tmp_path_factory.mktemp("regions") / "data")


def geo(data_dir, *args, stdin=None):
    env = dict(os.environ, CPTS_DATA_DIR=str(data_dir))
    for k in ("CPTS_REGISTRY_DIR", "CPTS_BACKUP_DIR", "CPTS_REGION"):
        env.pop(k, None)
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("command", ["lookup", "territories", "check", "map", "fiche", "export", "import"])
def test_every_command_reading_the_referential_takes_region(command):
    sub = build_parser(command)._subparsers._group_actions[0].choices[command]
    assert "--region" in sub._option_string_actions


def test_lookup_marseille_in_france_and_in_its_region(data_dir):
    p = geo(data_dir, "lookup", *MARSEILLE, "--json", "--region", "france")
    assert p.returncode == 0, p.stderr
    hit = json.loads(p.stdout)
    assert hit["commune"]["code"] == "13055" and hit["commune"]["nom"] == "Marseille" and hit["cpts"] == []
    p = geo(data_dir, "lookup", *MARSEILLE, "--region", "93")
    assert p.returncode == 0 and p.stdout.strip() == "Marseille (13055) : aucune CPTS documentée"
    # the default scope is still Bretagne: Marseille is outside it
    assert json.loads(geo(data_dir, "lookup", *MARSEILLE, "--json").stdout)["commune"] is None


def test_vitre_keeps_its_cpts_in_every_scope_that_holds_it(data_dir):
    for region in (None, "53", "france", "Bretagne"):
        args = ("lookup", *VITRE, "--json") + (("--region", region) if region else ())
        hit = json.loads(geo(data_dir, *args).stdout)
        assert hit["commune"]["code"] == "35360" and [c["id"] for c in hit["cpts"]] == ["pays-de-vitre"], region
    assert json.loads(geo(data_dir, "lookup", *VITRE, "--json", "--region", "93").stdout)["commune"] is None


def test_lookup_many_points_over_the_scope(data_dir):
    lines = f"{MARSEILLE[0]},{MARSEILLE[1]}\n{VITRE[0]},{VITRE[1]}\n"
    p = geo(data_dir, "lookup", "-", "--json", "--region", "france", stdin=lines)
    assert [json.loads(x)["commune"]["code"] for x in p.stdout.splitlines()] == ["13055", "35360"]


def test_territories_follow_the_scope(data_dir):
    france = {t["id"]: t for t in json.loads(geo(data_dir, "territories", "--json", "--region", "france").stdout)}
    bzh = {t["id"]: t for t in json.loads(geo(data_dir, "territories", "--json").stdout)}
    assert france.keys() == bzh.keys() and "pays-de-redon" in bzh
    assert sum(c.startswith("44") for c in france["pays-de-redon"]["communes"]) == 9   # crosses the border
    assert json.loads(geo(data_dir, "territories", "--json", "--region", "93").stdout) == []
    p = geo(data_dir, "territories", "--region", "93")
    assert p.returncode == 0 and "Aucune CPTS du registre de Provence-Alpes-Côte d'Azur" in p.stdout


def test_exports_follow_the_scope(data_dir, tmp_path):
    out = tmp_path / "t.geojson"
    p = geo(data_dir, "export", "--format", "geojson", str(out), "--region", "93")
    assert p.returncode == 0, p.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["features"] == []
    p = geo(data_dir, "export", "--format", "geojson", str(out), "--region", "france")
    assert p.returncode == 0, p.stderr
    ids = {f["properties"].get("id") for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    assert "pays-de-vitre" in ids


def test_unknown_or_unbuilt_region_is_a_french_error(data_dir, tmp_path):
    p = geo(data_dir, "lookup", *MARSEILLE, "--region", "99")
    assert p.returncode == 2 and "Région inconnue : « 99 »" in p.stderr and "Traceback" not in p.stderr
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("communes.parquet", "communes_france.parquet"):
        (bare / name).write_bytes((data_dir / name).read_bytes())
    p = geo(bare, "territories", "--region", "france")
    assert p.returncode == 2 and "python -m geo build-data --region france" in p.stderr, p.stderr
    p = geo(bare, "build-data", "--region", "93", "--departements", "13")
    assert p.returncode == 2 and "s'excluent" in p.stderr
    p = geo(bare, "build-data", "--region", "Atlantide")
    assert p.returncode == 2 and "Région inconnue" in p.stderr and not (bare / "regions").exists()
