"""``python -m geo map | fiche | export --format``: files written, French errors, exit codes,
atomic writes with the permissions of an ordinary new file."""
import os
import stat
import subprocess
import sys

import pytest
from PIL import Image

from geo.cli import main
from geo.exports.common import write_atomic
from geo.paths import REPO_ROOT
from tests.exports.support import pdf_text, read_csv


def test_cli_map_fiche_export(tmp_path, capsys):
    png = tmp_path / "carte.png"
    assert main(["map", "--png", str(png), "--cpts", "pays-de-redon", "--indicateur", "sans_medecin_traitant",
                 "--width", "800", "--height", "600", "--date", "2025-11-22"]) == 0
    assert Image.open(png).size == (800, 600)
    pdf = tmp_path / "marches.pdf"
    assert main(["fiche", "marches-de-bretagne", "--pdf", str(pdf)]) == 0
    assert pdf_text(pdf.read_bytes())[0] == 1
    c = tmp_path / "communes.csv"
    assert main(["export", "--format", "csv", "--table", "communes", str(c)]) == 0
    assert "29232" in read_csv(c.read_bytes())["Code INSEE"].tolist()
    out = capsys.readouterr().out
    assert "Carte écrite dans" in out and "800 × 600 px" in out and "Fiche de CPTS des Marches de Bretagne" in out


@pytest.mark.parametrize("argv, message", [
    (["map", "--png", "{}/x.png", "--cpts", "nope"], "CPTS inconnue « nope ». Identifiants valides : "),
    (["map", "--png", "{}/x.png", "--indicateur", "densite"], "Indicateurs valides : cpts, population"),
    (["fiche", "nope", "--pdf", "{}/x.pdf"], "CPTS inconnue « nope »"),
    (["export", "--format", "ods", "{}/x.ods"], "Formats valides : csv, xlsx, geojson"),
    (["export", "--format", "csv", "--table", "foo", "{}/x.csv"], "Tables valides : comparaison, communes"),
    (["export", "--format", "csv", "{}/absent/x.csv"], "dossier inexistant"),
    (["export", "--format", "csv", "--date", "hier", "{}/x.csv"], "date invalide « hier »"),
])
def test_cli_bad_requests_exit_2_in_french_and_write_nothing(tmp_path, capsys, argv, message):
    argv = [a.format(tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and message in err
    if "pays-de-vitre" not in message and "CPTS inconnue" in message:
        assert "pays-de-vitre" in err      # the valid ids are listed
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    f = tmp_path / "table.csv"
    f.write_bytes(b"ancien")
    with pytest.raises(TypeError):
        write_atomic(f, "pas des octets")     # the write itself fails
    assert f.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]   # no temporary file left behind


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path, umask):
    old = os.umask(umask)
    try:
        new = write_atomic(tmp_path / "neuf.csv", b"a")
        assert _mode(new) == 0o666 & ~umask                   # not 0600 (issue 11.9)
        kept = tmp_path / "garde.csv"
        kept.write_bytes(b"x")
        os.chmod(kept, 0o640)
        write_atomic(kept, b"y")
        assert _mode(kept) == 0o640 and kept.read_bytes() == b"y"
    finally:
        os.umask(old)


def test_geo_export_commands_write_files_others_can_read(tmp_path):
    """Both exports of ``python -m geo export`` (tables with --format, the registry without)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    script = ("import os, sys; os.umask(0o022); from geo.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    for argv, name in ((["export", "--format", "xlsx"], "tables.xlsx"), (["export"], "registre.csv")):
        out = tmp_path / name
        p = subprocess.run([sys.executable, "-c", script, *argv, str(out)], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        assert _mode(out) == 0o644, (name, oct(_mode(out)))


def test_python_m_geo_map_runs_as_a_command(tmp_path):
    png = tmp_path / "bretagne.png"
    p = subprocess.run([sys.executable, "-m", "geo", "map", "--png", str(png), "--width", "640", "--height", "480"],
                       cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert Image.open(png).size == (640, 480)
