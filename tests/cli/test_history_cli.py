"""``python -m geo history [--json]``, ``history show N`` and ``restore N``: on a copy of the registry,
an import with --editeur is listed with its number, editor and summary; restoring version 1 needs
--confirmer-suppressions when CPTS disappear (exit 8), then brings every file back byte for byte."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from geo.cli import main
from geo.paths import REPO_ROOT
from tests.import_support import csv_bytes, registry_copy, snapshot

pytestmark = pytest.mark.usefixtures("real_registry_untouched")

LISTING = csv_bytes([["CPTS", "Commune"], ["CPTS de Brocéliande", "Montfort-sur-Meu"],
                     ["CPTS de Brocéliande", "Iffendic"]])


@pytest.fixture
def env(tmp_path):
    root = registry_copy(tmp_path)
    f = tmp_path / "liste.csv"
    f.write_bytes(LISTING)
    return root, tmp_path / "backups", f


def run(capsys, args):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_history_show_restore(env, capsys):
    root, backups, listing = env
    initial = snapshot(root)
    code, out, err = run(capsys, ["import", str(listing), "--editeur", "Agnès Martin", "--registry", str(root),
                                  "--backups", str(backups)])
    assert code == 0, err
    assert "Version 2 de l'historique" in out

    code, out, _ = run(capsys, ["history", "--json", "--registry", str(root)])
    data = json.loads(out)
    assert code == 0 and data["total"] == 2
    v2, v1 = data["versions"]
    assert (v2["numero"], v2["editeur"], v2["libelle"]) == (2, "Agnès Martin", "Import de « liste.csv »")
    assert "CPTS ajoutée" in v2["resume"] and v1["libelle"] == "État initial"

    code, out, _ = run(capsys, ["history", "--registry", str(root)])
    assert code == 0 and "Agnès Martin" in out and " UTC" in out and "2 version(s)" in out

    code, out, _ = run(capsys, ["history", "show", "2", "--registry", str(root)])
    assert code == 0 and "+ CPTS ajoutée : CPTS de Brocéliande" in out and "Éditeur : Agnès Martin" in out
    code, out, _ = run(capsys, ["history", "show", "2", "--json", "--registry", str(root)])
    assert json.loads(out)["changements"]["cpts_ajoutees"][0]["id"] == "broceliande"

    code, _, err = run(capsys, ["history", "show", "9", "--registry", str(root)])
    assert code == 2 and "version 9 introuvable" in err

    after_import = snapshot(root)
    code, _, err = run(capsys, ["restore", "1", "--editeur", "Bruno", "--registry", str(root),
                                "--backups", str(backups)])
    assert code == 8 and "Suppressions non confirmées" in err and "Brocéliande" in err
    assert snapshot(root) == after_import

    code, out, err = run(capsys, ["restore", "1", "--editeur", "Bruno", "--confirmer-suppressions",
                                  "--registry", str(root), "--backups", str(backups)])
    assert code == 0, err
    assert "Version 1 restaurée" in out and "version 3" in out
    assert snapshot(root) == initial
    code, out, _ = run(capsys, ["history", "show", "3", "--json", "--registry", str(root)])
    meta = json.loads(out)["version"]
    assert meta["libelle"] == "Restauration de la version 1" and meta["editeur"] == "Bruno"

    code, _, err = run(capsys, ["restore", "12", "--registry", str(root), "--backups", str(backups)])
    assert code == 2 and "Version 12 introuvable" in err


def test_history_in_a_new_process_with_the_data_dir_setting(env, tmp_path):
    """CPTS_DATA_DIR: the CLI finds the registry and its versions in that folder, in a fresh process."""
    root, backups, listing = env
    environ = {"CPTS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
               "CPTS_BACKUP_DIR": str(backups)}
    (tmp_path / "communes.parquet").symlink_to(REPO_ROOT / "data" / "communes.parquet")
    done = subprocess.run([sys.executable, "-m", "geo", "import", str(listing)], cwd=REPO_ROOT, env=environ,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "geo", "history", "--json"], cwd=REPO_ROOT, env=environ,
                          capture_output=True, text=True)
    data = json.loads(done.stdout)
    assert data["total"] == 2 and (tmp_path / "versions" / "0002" / "meta.json").is_file()
    assert data["versions"][0]["editeur"]  # the OS user by default
