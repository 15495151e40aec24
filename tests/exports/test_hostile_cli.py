"""Issue 12, end to end without a browser: hostile CPTS names imported and published by
``python -m geo import`` into a copy of data/, then every export command on that registry — the
PNG map (region, and zoomed on a hostile CPTS), the PDF fiche, CSV, XLSX, GeoJSON — exits 0 and
shows the published names literally (a « $…$ » name used to end ``geo map --png`` in a traceback)."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from openpyxl import load_workbook

from geo.exports.cells import neutralize
from geo.exports.fonts import printable
from geo.paths import REPO_ROOT
from tests.exports.support import pdf_text, sp

ROWS = [   # (name, INSEE code, commune): communes of Finistère in no documented CPTS
    ("CPTS $x^$ \\undefined", "29232", "Quimper"),
    ("CPTS $\\frac{a}{b}$ A{{7*7}}Z", "29019", "Brest"),
    ("CPTS **gras** __x__ --y-- <b>z</b>", "29151", "Morlaix"),
    ('=HYPERLINK("http://x.invalid") CPTS', "29103", "Landerneau"),
]


def geo(data, *args, check=True):
    env = {**os.environ, "CPTS_DATA_DIR": str(data)}
    for k in ("CPTS_REGISTRY_DIR", "CPTS_BACKUP_DIR"):
        env.pop(k, None)
    p = subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                       timeout=600)
    if check:
        assert p.returncode == 0, (args, p.stdout[-1500:], p.stderr[-3000:])
    return p


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(data copy, {published name: id}) after importing ROWS with the CLI."""
    root = tmp_path_factory.mktemp("hostile-exports")
    data = root / "data"
    shutil.copytree(REPO_ROOT / "data", data, ignore=shutil.ignore_patterns("backups"))
    listing = root / "liste.csv"
    with open(listing, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["CPTS", "Code INSEE", "Commune"])
        w.writerows(ROWS)
    result = json.loads(geo(data, "import", str(listing), "--json").stdout)
    ids = [t["id"] for t in result["territories"]]
    names = {yaml.safe_load((data / "registry" / "cpts" / f"{i}.yaml").read_text(encoding="utf-8"))["nom"]: i
             for i in ids}
    assert len(names) == len(ROWS)
    return data, names


def test_every_export_command_shows_hostile_names_literally(hostile, tmp_path):
    data, names = hostile
    first = next(iter(names.values()))
    for args in (["map", "--png", str(tmp_path / "bretagne.png")],
                 ["map", "--png", str(tmp_path / "zoom.png"), "--cpts", first, "--indicateur", "statut"]):
        out = geo(data, *args)
        assert "Carte écrite dans" in out.stdout and "Traceback" not in out.stderr
    for name, cid in list(names.items())[:2]:    # mathtext and template names (all are in test_hostile_exports)
        pdf = tmp_path / f"{cid}.pdf"
        geo(data, "fiche", cid, "--pdf", str(pdf))
        n, text = pdf_text(pdf.read_bytes())
        assert n == 1 and sp(printable(name)) in text, (name, text[:200])
        assert "A49Z" not in text

    geo(data, "export", "--format", "csv", str(tmp_path / "t.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    shown = {r[1] for r in rows[1:]}
    assert {neutralize(n) for n in names} <= shown

    geo(data, "export", "--format", "xlsx", str(tmp_path / "t.xlsx"))
    wb = load_workbook(tmp_path / "t.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    values = {c.value for c in cells}
    assert {neutralize(n) for n in names} <= values

    geo(data, "export", "--format", "geojson", str(tmp_path / "t.geojson"))
    fc = json.loads((tmp_path / "t.geojson").read_text(encoding="utf-8"))
    assert set(names) <= {f["properties"]["nom"] for f in fc["features"]}
