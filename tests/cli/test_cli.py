"""`python -m geo`: the stable interface scripts and tests use."""
import json
import subprocess
import sys

import pytest

from geo.cli import build_parser, main
from geo.cli.commands import COMMANDS
from geo.paths import REPO_ROOT


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def territories_json():
    p = run("territories", "--json")
    assert p.returncode == 0, p.stderr
    return {t["id"]: t for t in json.loads(p.stdout)}


def test_territories_json(territories_json):
    items = territories_json
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


def _facts(item, champ):
    return [f for f in item["faits"] if f["champ"] == champ]


def test_territories_json_lists_every_declared_fact_with_date_and_source(territories_json):
    vitre = territories_json["pays-de-vitre"]
    pop, = _facts(vitre, "population_declaree")
    assert (pop["valeur"], pop["date"], pop["date_origine"], pop["source"]) == (81205, "2022-09-29", "fait",
                                                                                "cp-vitre-2022-09-29")
    assert "81 205 habitants" in pop["citation"]
    fin, = _facts(vitre, "financement")
    assert (fin["valeur"], fin["unite"], fin["source"]) == (196875, "€", "cp-vitre-2022-09-29")
    # a funding has a year at most: its date is the one of its source document, and says so
    assert (fin["date"], fin["date_origine"]) == ("2022-09-29", "source")
    smt, = _facts(vitre, "sans_medecin_traitant")
    assert (smt["valeur"], smt["unite"]) == (12.7, "%")
    signed = [f for f in _facts(vitre, "statut.jalons") if f["valeur"] == "aci_signe"]
    assert [(f["date"], f["source"]) for f in signed] == [("2022-09-29", "cp-vitre-2022-09-29")]
    assert sorted(f["valeur"] for f in _facts(vitre, "professionnels")) == [30, 60]
    missions = _facts(vitre, "missions")
    assert {f["mission"] for f in missions} >= {"acces_aux_soins", "prevention"}
    assert all(f["chemin"].startswith(f"missions.{f['mission']}[") for f in missions)
    # the existing keys are unchanged; the facts are added
    assert vitre["population_declaree"] == 81205 and vitre["statut"] == "aci_signe"


def test_every_fact_cites_a_known_source_document(territories_json):
    from geo.registry import load_registry
    sources = load_registry().sources
    facts = [f for item in territories_json.values() for f in item["faits"]]
    assert facts and all(f["source"] in sources for f in facts)
    assert all(f["date"] for f in facts if f["champ"] != "perimetre")
    # a CPTS the sources only name still says where its lifecycle step comes from
    assert all(item["faits"] for item in territories_json.values() if item["statut"])


def test_help_lists_every_command_without_loading_the_data_libraries():
    code = ("import sys\nfrom geo.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'geopandas', 'matplotlib', 'shapely', 'openpyxl') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "[]"
    for name in COMMANDS:
        assert name in p.stdout


def _help(argv, capsys, parser=None) -> str:
    with pytest.raises(SystemExit) as e:
        (parser.parse_args(argv) if parser else main(argv))
    assert e.value.code == 0
    return capsys.readouterr().out


def test_lazy_parser_gives_the_same_help_as_the_full_one(capsys):
    """The command table (geo/cli/commands.py) and the modules that add the commands agree: the
    help of every command, and the list of commands, do not depend on which modules are loaded."""
    full = build_parser("*")
    assert build_parser(None).format_help() == full.format_help()
    for name in COMMANDS:
        assert build_parser(name).format_help() == full.format_help()
        assert _help([name, "--help"], capsys) == _help([name, "--help"], capsys, build_parser("*"))


def test_help_and_usage_errors_are_in_french(capsys):
    out = _help(["--help"], capsys)
    assert out.startswith("utilisation : python -m geo") and "affiche cette aide et quitte" in out
    assert "show this help" not in out and "usage:" not in out
    for name in COMMANDS:
        assert "affiche cette aide et quitte" in _help([name, "--help"], capsys)
    with pytest.raises(SystemExit) as e:
        main(["lookup"])
    assert e.value.code == 2
    assert "python -m geo lookup : erreur : arguments obligatoires manquants : lat" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["carte"])
    assert e.value.code == 2
    assert "choix invalide : 'carte' (choix possibles : 'build-data'" in capsys.readouterr().err


def test_territories_command_does_not_import_geopandas():
    """The command needs no geometry; geopandas/shapely/pyproj imports alone cost ~0.4 s of CPU
    per run (issue 13: « no slower » than before the restructure)."""
    code = ("import runpy, sys, io, contextlib\n"
            "sys.argv = ['geo', 'territories', '--json']\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        runpy.run_module('geo', run_name='__main__')\n"
            "    except SystemExit as e:\n        assert e.code == 0, e.code\n"
            "print(sorted(m for m in ('geopandas', 'shapely', 'pyproj') if m in sys.modules))\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
