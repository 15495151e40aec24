"""``python -m geo import FILE [--dry-run] [--json]`` and ``python -m geo export FILE``: the contract
scripts rely on (JSON shape, line numbers, exit codes 0/1/2, French messages on stderr), always on a
copy of the registry in tmp_path."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from geo.cli import main
from geo.paths import REPO_ROOT
from tests.import_support import csv_bytes, registry_copy, snapshot, xlsx_bytes

HEADER = ["Nom CPTS", "Libellé commune", "Code INSEE"]


# Every test works on a copy: the committed registry must come out byte-identical.
pytestmark = pytest.mark.usefixtures("real_registry_untouched")


@pytest.fixture
def env(tmp_path):
    root = registry_copy(tmp_path)
    return root, tmp_path / "backups"


def run_cli(capsys, args):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


GOOD = csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", "35360"], ["CPTS du Pays de Vitré", "Domgané", ""],
                  ["CPTS Nouvelle de Test", "Fougères", ""]], encoding="cp1252")
BAD = csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", ""], ["", "", ""],
                 ["CPTS du Pays de Vitré", "Saint-Armelle-des-Bois", ""], ["CPTS Seule", "Saint-Armel", ""]])


def test_dry_run_json_shape_and_nothing_written(tmp_path, env, capsys):
    root, backups = env
    before = snapshot(root)
    f = write(tmp_path, "liste.csv", BAD)
    code, out, err = run_cli(capsys, ["import", str(f), "--dry-run", "--json", "--registry", str(root),
                                      "--backups", str(backups)])
    assert code == 1
    doc = json.loads(out)
    assert list(doc) == ["territories", "problems", "summary"]
    assert doc["territories"][0]["nom"] == "CPTS du Pays de Vitré" and doc["territories"][0]["communes"] == ["35360"]
    for p in doc["problems"]:
        assert set(p) == {"line", "value", "message", "suggestions"}
    by_line = {p["line"]: p for p in doc["problems"]}
    assert by_line[3]["message"] == "Ligne vide, ignorée."
    assert by_line[4]["value"] == "Saint-Armelle-des-Bois" and by_line[4]["message"].startswith("Commune inconnue")
    assert {s["code"] for s in by_line[5]["suggestions"]} == {"35250", "56205"}  # homonym with nothing to settle it
    assert doc["summary"]["lignes_bloquantes"] == [4, 5]
    assert doc["summary"]["colonnes"] == {"cpts": "Nom CPTS", "commune": "Libellé commune", "insee": "Code INSEE"}
    assert snapshot(root) == before and not backups.exists()


def test_import_publishes_with_backup(tmp_path, env, capsys):
    root, backups = env
    f = write(tmp_path, "ars_2024.csv", GOOD)
    # Vitré would go from 46 communes to 2: refused until confirmed (issue 11.4), nothing written
    before = snapshot(root)
    code, out, err = run_cli(capsys, ["import", str(f), "--registry", str(root), "--backups", str(backups)])
    assert code == 8, err
    assert "Suppressions non confirmées" in err and "perd 44 communes sur 46" in err and "--confirmer-suppressions" in err
    assert "SUPPRESSION de 44 communes (à confirmer)" in out
    assert snapshot(root) == before and not backups.exists()
    code, out, err = run_cli(capsys, ["import", str(f), "--confirmer-suppressions", "--registry", str(root),
                                      "--backups", str(backups)])
    assert code == 0, err
    assert "Colonnes utilisées" in out and "Registre publié" in out
    assert "NOUVELLE (nouvelle-test)" in out
    doc = yaml.safe_load((root / "cpts" / "pays-de-vitre.yaml").read_text())
    assert doc["perimetre"]["codes_insee"] == ["35360", "35096"]
    assert doc["perimetre"]["source_import"]["fichier"] == "ars_2024.csv"
    assert yaml.safe_load((root / "cpts" / "nouvelle-test.yaml").read_text())["perimetre"]["codes_insee"] == ["35115"]
    assert len(list(backups.iterdir())) == 1
    # the same file again: nothing to do, exit 0
    code, out, _ = run_cli(capsys, ["import", str(f), "--json", "--registry", str(root), "--backups", str(backups)])
    assert code == 0 and json.loads(out)["summary"]["publication"]["ecrit"] is False


def test_blocking_rows_write_nothing(tmp_path, env, capsys):
    root, backups = env
    before = snapshot(root)
    f = write(tmp_path, "liste.csv", BAD)
    code, out, err = run_cli(capsys, ["import", str(f), "--registry", str(root), "--backups", str(backups)])
    assert code == 1
    assert "ligne 4 [À CORRIGER] Commune inconnue" in out and "rien n'a été écrit" in out
    assert snapshot(root) == before


@pytest.mark.parametrize("data,needle", [
    (b"", "Fichier vide"),
    (b"\x00\x01\x02PK" * 50, "Fichier binaire"),
    (csv_bytes([["Zone", "Ville"], ["A", "Vitré"]]), "Colonnes introuvables"),
], ids=["vide", "binaire", "colonnes"])
def test_unusable_file_exit_2_french_stderr(tmp_path, env, capsys, data, needle):
    root, backups = env
    f = write(tmp_path, "liste.csv", data)
    code, out, err = run_cli(capsys, ["import", str(f), "--json", "--registry", str(root)])
    assert code == 2 and out == ""
    assert err.startswith("Erreur : liste.csv inutilisable.") and needle in err


def test_missing_file_exit_2(tmp_path, env, capsys):
    root, _ = env
    code, out, err = run_cli(capsys, ["import", str(tmp_path / "absent.csv"), "--registry", str(root)])
    assert code == 2 and "fichier introuvable" in err


def test_xlsx_line_numbers_are_sheet_rows(tmp_path, env, capsys):
    root, _ = env
    f = write(tmp_path, "liste.xlsx", xlsx_bytes([HEADER, ["CPTS A", "Vitré", None], ["CPTS A", "Xyzzyville", None]],
                                                 before=[["Liste ARS"], []]))
    code, out, _ = run_cli(capsys, ["import", str(f), "--dry-run", "--json", "--registry", str(root)])
    doc = json.loads(out)
    assert code == 1
    assert [p["line"] for p in doc["problems"] if p["value"] == "Xyzzyville"] == [5]
    assert doc["summary"]["ligne_entete"] == 3 and doc["summary"]["feuille"] == "Liste"


def test_export_command_round_trip(tmp_path, env, capsys):
    root, backups = env
    before = snapshot(root)
    for ext in ("csv", "xlsx"):
        out_file = tmp_path / f"registre.{ext}"
        code, out, _ = run_cli(capsys, ["export", str(out_file), "--registry", str(root)])
        assert code == 0 and out_file.exists()
        code, out, _ = run_cli(capsys, ["import", str(out_file), "--json", "--registry", str(root),
                                        "--backups", str(backups)])
        doc = json.loads(out)
        assert code == 0 and doc["summary"]["cpts_modifiees"] == 0 and doc["summary"]["cpts_nouvelles"] == 0
    assert snapshot(root) == before
    code, _, err = run_cli(capsys, ["export", str(tmp_path / "x.pdf"), "--registry", str(root)])
    assert code == 2 and "extension" in err


def test_real_entry_point(tmp_path, env):
    """The documented command, in a subprocess: exit code and JSON on stdout."""
    root, backups = env
    f = write(tmp_path, "liste.csv", GOOD)
    p = subprocess.run([sys.executable, "-m", "geo", "import", str(f), "--dry-run", "--json", "--registry", str(root)],
                       capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [t["nom"] for t in doc["territories"]] == ["CPTS du Pays de Vitré", "CPTS Nouvelle de Test"]
    assert doc["problems"][0]["line"] == 3 and "Domagné" in doc["problems"][0]["message"]


def test_destructive_change_json_and_dry_run(tmp_path, env, capsys):
    """« A 2-row file for Vitré replaces its 46 communes by 1 »: shown as a removal in the diff; a
    dry run says it (exit 0); a publication without confirmation is refused with exit 8 and JSON."""
    root, backups = env
    f = write(tmp_path, "vitre.csv", csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", "35360"],
                                                ["CPTS du Pays de Vitré", "Vitré", "35360"]]))
    code, out, _ = run_cli(capsys, ["import", str(f), "--dry-run", "--json", "--registry", str(root)])
    doc = json.loads(out)
    assert code == 0
    assert doc["summary"]["suppressions_a_confirmer"] == [
        {"id": "pays-de-vitre", "nom": "CPTS du Pays de Vitré", "retirees": 45, "avant": 46, "apres": 1}]
    assert doc["territories"][0]["suppression"] is True
    code, out, err = run_cli(capsys, ["import", str(f), "--json", "--registry", str(root), "--backups", str(backups)])
    assert code == 8 and json.loads(out)["summary"]["publication"]["ecrit"] is False
    assert "perd 45 communes sur 46, n'en garde que 1" in err
