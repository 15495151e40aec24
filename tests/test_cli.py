"""`python -m geo`: the stable interface scripts and tests use."""
import json
import subprocess
import sys

from geo.paths import REPO_ROOT


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_territories_json():
    p = run("territories", "--json")
    assert p.returncode == 0, p.stderr
    items = {t["id"]: t for t in json.loads(p.stdout)}
    v = items["pays-de-vitre"]
    assert v["nom"] == "CPTS du Pays de Vitré"
    assert len(v["communes"]) == 46 and all(len(c) == 5 for c in v["communes"])
    assert isinstance(v["population"], int) and v["population_declaree"] == 81205
    assert items["non-nommee-amanlis-vern"]["population_declaree"] is None
    assert items["marches-de-bretagne"]["communes"] == []


def test_lookup_point():
    p = run("lookup", "48.1236", "-1.2093", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["commune"]["code"] == "35360" and d["commune"]["nom"] == "Vitré"
    assert [c["id"] for c in d["cpts"]] == ["pays-de-vitre"]


def test_lookup_outside_any_cpts_and_outside_the_referential():
    quimper = json.loads(run("lookup", "47.996", "-4.102", "--json").stdout)
    assert quimper["commune"]["code"] == "29232" and quimper["cpts"] == []
    sea = json.loads(run("lookup", "48.0", "-6.5", "--json").stdout)
    assert sea == {"commune": None, "cpts": []}


def test_lookup_stdin_keeps_order_and_reports_bad_lines():
    p = run("lookup", "-", "--json", stdin="48.1236,-1.2093\nn'importe quoi\n47.6523,-2.0847\n")
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["commune"]["code"] == "35360"
    assert lines[1]["ligne"] == 2 and "latitude" in lines[1]["erreur"]
    assert lines[2]["commune"]["code"] == "35236" and lines[2]["cpts"][0]["id"] == "pays-de-redon"
    assert p.returncode == 1


def test_lookup_refuses_bad_coordinates_in_french():
    p = run("lookup", "91", "2")
    assert p.returncode == 2 and "coordonnées" in p.stderr


def test_check_passes_and_prints_the_report():
    p = run("check")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Rapport de qualité" in p.stdout and "Montreuil-des-Landes" in p.stdout


def test_check_fails_on_a_broken_registry(tmp_path):
    import shutil
    from geo.paths import REGISTRY_DIR
    root = tmp_path / "registry"
    shutil.copytree(REGISTRY_DIR, root)
    f = root / "cpts" / "pays-de-vitre.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("source: cp-vitre-2022-09-29", "source: inconnue", 1), encoding="utf-8")
    p = run("check", "--registry", str(root))
    assert p.returncode == 1 and "inconnue" in p.stdout
