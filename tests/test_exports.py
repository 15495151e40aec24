"""Offline exports users take to ARS meetings: PNG map, one-page PDF fiche, CSV/XLSX/GeoJSON tables, CLI."""
import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from geo.atlas import Atlas
from geo.cli import main
from geo.export_tables import (communes_frame, comparison_frame, export_bytes, frame_to_csv, territories_geojson,
                               write_atomic)
from geo.mapdata import build_map_data, territory_colors
from geo.paths import REPO_ROOT
from geo.render_pdf import render_fiche_pdf
from geo.render_png import RenderError, render_map_png

DAY = dt.date(2025, 11, 22)


def sp(s: str) -> str:
    """Narrow and regular no-break spaces as plain spaces (PDF text extraction, French numbers)."""
    return s.replace("\u202f", " ").replace("\u00a0", " ")



@pytest.fixture(scope="module")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


def with_changes(atlas, cpts_id=None, nom=None, communes=None, missions=None) -> Atlas:
    """A copy of the atlas with one CPTS renamed / given other missions, or another referential."""
    terrs = []
    for t in atlas.territories:
        if t.id == cpts_id:
            cpts = t.cpts
            if nom is not None:
                cpts = dataclasses.replace(cpts, nom=nom)
            if missions is not None:
                cpts = dataclasses.replace(cpts, missions=missions)
            t = dataclasses.replace(t, nom=nom or t.nom, cpts=cpts)
        terrs.append(t)
    return Atlas(atlas.communes if communes is None else communes, atlas.registry, atlas.matcher, terrs,
                 atlas.locator)


def rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def share_of(png: bytes, color: str) -> float:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    counts = {c: n for n, c in img.getcolors(img.width * img.height)}
    return counts.get(rgb(color), 0) / (img.width * img.height)


# --------------------------------------------------------------------------- PNG


def test_png_has_the_requested_size_and_is_deterministic(atlas, md):
    png = render_map_png(atlas, today=DAY, map_data=md)
    img = Image.open(io.BytesIO(png))
    img.verify()
    assert img.format == "PNG" and img.size == (1600, 1200)
    assert png == render_map_png(atlas, today=DAY, map_data=md)          # same inputs, same bytes
    odd = render_map_png(atlas, indicator="annee_signature", width=1234, height=777, today=DAY, map_data=md)
    assert Image.open(io.BytesIO(odd)).size == (1234, 777)
    # no timestamp or software chunk: only the visible date changes the bytes
    assert b"tIME" not in png and b"tEXt" not in png and b"iTXt" not in png
    assert png != render_map_png(atlas, today=DAY + dt.timedelta(days=1), map_data=md)


def test_png_colours_communes_by_the_indicator_and_zooms_on_a_cpts(atlas, md):
    vitre = territory_colors(atlas.territories)["pays-de-vitre"]
    region = render_map_png(atlas, today=DAY, map_data=md)
    zoom = render_map_png(atlas, cpts_id="pays-de-vitre", today=DAY, map_data=md)
    assert 0.003 < share_of(region, vitre) < 0.05      # one CPTS among the communes of Brittany
    assert share_of(zoom, vitre) > 4 * share_of(region, vitre)   # zoomed and highlighted
    smt = render_map_png(atlas, indicator="sans_medecin_traitant", today=DAY, map_data=md)
    assert share_of(smt, vitre) == 0                   # another indicator, other colours
    from geo.views.indicators import classify
    red = classify("sans_medecin_traitant", atlas.territories, atlas.registry).classes["pays-de-vitre"].color
    assert share_of(smt, red) > 0.003                  # Vitré's 12,7 % class fills its communes


def test_png_refuses_unknown_cpts_indicator_and_sizes_in_french(atlas, md):
    with pytest.raises(RenderError, match="CPTS inconnue « nope ».*pays-de-vitre"):
        render_map_png(atlas, cpts_id="nope", map_data=md)
    with pytest.raises(RenderError, match="indicateur inconnu « densite ».*statut"):
        render_map_png(atlas, indicator="densite", map_data=md)
    with pytest.raises(RenderError, match="largeur invalide"):
        render_map_png(atlas, width=10, map_data=md)


# --------------------------------------------------------------------------- PDF


def pdf_text(data: bytes) -> tuple[int, str]:
    r = PdfReader(io.BytesIO(data))
    return len(r.pages), sp("\n".join(p.extract_text() for p in r.pages))


def test_vitre_fiche_is_one_page_with_its_figures(atlas, md):
    n, text = pdf_text(render_fiche_pdf(atlas, "pays-de-vitre", today=DAY, map_data=md))
    assert n == 1
    flat = " ".join(text.split())
    t = atlas.territory("pays-de-vitre")
    for expected in ("CPTS du Pays de Vitré", "81 205", "196 875", "12,7", "calculé", "déclaré",
                     f"{t.population:,}".replace(",", " "), "29 septembre 2022", "22 novembre 2025"):
        assert expected in flat, expected
    assert "Écart calculé − déclaré" in flat
    assert "Faciliter l'accès à un médecin traitant" in flat      # a mission's action
    assert "000_7be94897bc143df0.txt" in flat                     # its source document


@pytest.fixture(scope="module")
def map_png(atlas, md):
    """One embedded map for layout tests: the page layout does not depend on the map's pixels."""
    from geo.render_pdf import MAP_PX
    return render_map_png(atlas, cpts_id="pays-de-vitre", width=MAP_PX[0], height=MAP_PX[1], today=DAY,
                          map_data=md, bare=True)


def test_every_fiche_fits_on_one_page_and_a_cpts_without_perimeter_says_so(atlas, map_png):
    for t in atlas.territories:
        png = map_png if t.perimetre_connu else None
        n, text = pdf_text(render_fiche_pdf(atlas, t.id, today=DAY, map_png=png))
        assert n == 1, t.id
        assert t.nom in " ".join(text.split()), t.id
    _, text = pdf_text(render_fiche_pdf(atlas, "marches-de-bretagne", today=DAY))
    assert "Périmètre non documenté" in text and "22 000" in text


def test_a_very_long_action_list_is_cut_to_stay_on_one_page(atlas, map_png):
    t = atlas.territory("pays-de-vitre")
    m = t.cpts.missions
    action = m.prevention[0]
    many = [dataclasses.replace(action, action=f"Action de prévention numéro {i} : " + "texte long " * 12)
            for i in range(80)]
    big = with_changes(atlas, "pays-de-vitre", missions=dataclasses.replace(m, prevention=many))
    n, text = pdf_text(render_fiche_pdf(big, "pays-de-vitre", today=DAY, map_png=map_png))
    assert n == 1
    assert "…et" in text and "autres actions" in text
    assert "81 205" in text


def test_fiche_unknown_id_is_a_french_error(atlas):
    with pytest.raises(RenderError, match="CPTS inconnue"):
        render_fiche_pdf(atlas, "nope")


# --------------------------------------------------------------------------- tables


def read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")       # BOM: Excel FR reads UTF-8
    return pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", decimal=",", dtype={"Code INSEE": str})


def test_comparison_csv_is_rereadable_with_the_right_figures(atlas):
    df = read_csv(export_bytes(atlas, "csv", "comparaison"))
    assert len(df) == len(atlas.territories)
    v = df.set_index("Identifiant").loc["pays-de-vitre"]
    t = atlas.territory("pays-de-vitre")
    assert v["CPTS"] == "CPTS du Pays de Vitré"
    assert v["Population déclarée"] == 81205 and v["Population calculée (INSEE)"] == t.population
    assert v["Communes (COG, calculé)"] == 46
    assert v["Financement déclaré (€)"] == 196875
    assert v["Financement par habitant déclaré (€)"] == pytest.approx(2.42)
    assert v["Patients sans médecin traitant (%, déclaré)"] == pytest.approx(12.7)
    assert sp(v["Classe de population (taille ACI)"]).startswith("80 000 – 175 000")
    assert v["Écart calculé − déclaré (%)"] == pytest.approx(round(100 * (t.population - 81205) / 81205, 1))
    m = df.set_index("Identifiant").loc["marches-de-bretagne"]
    assert pd.isna(m["Population calculée (INSEE)"]) and m["Classe de population (taille ACI)"] == "Non renseigné"


def test_commune_csv_lists_every_breton_commune_and_each_cpts_of_a_commune(atlas):
    df = read_csv(export_bytes(atlas, "csv", "communes"))
    bzh = set(atlas.communes.loc[atlas.communes["region"] == "53", "code"])
    assert bzh <= set(df["Code INSEE"])
    rows = df.groupby("Code INSEE")["CPTS"].apply(sorted)
    assert rows["35360"] == ["CPTS du Pays de Vitré"]
    assert rows["29232"] == ["Aucune CPTS documentée"]            # Quimper
    overlaps = [c for c in rows.index if len(rows[c]) > 1]
    assert overlaps and all(len(atlas.territories_of(c)) == len(rows[c]) for c in overlaps)
    mapped = sum(t.n_communes for t in atlas.territories if t.perimetre_connu)
    assert (df["CPTS"] != "Aucune CPTS documentée").sum() == mapped


def test_text_cells_starting_like_a_formula_are_neutralised_in_csv_and_xlsx(atlas):
    communes = atlas.communes.copy()
    communes.loc[communes["code"] == "35360", "nom"] = "@SOMME(A1:A9)"
    evil = with_changes(atlas, "pays-de-vitre", nom='=HYPERLINK("http://x.invalid","clic")', communes=communes)
    comp = read_csv(export_bytes(evil, "csv", "comparaison"))
    assert comp.set_index("Identifiant").loc["pays-de-vitre", "CPTS"] == '\'=HYPERLINK("http://x.invalid","clic")'
    com = read_csv(export_bytes(evil, "csv", "communes")).set_index("Code INSEE")
    assert com.loc["35360", "Commune"] == "'@SOMME(A1:A9)"
    assert com.loc["35360", "CPTS"].startswith("'=HYPERLINK")

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(export_bytes(evil, "xlsx")))
    ws = wb["Comparaison des CPTS"]
    header = [c.value for c in ws[1]]
    names = [r[header.index("CPTS")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x.invalid","clic")' in names
    assert not any(isinstance(n, str) and n.startswith(("=", "+", "-", "@")) for n in names)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v[:1] in "=+-@\t\r"), (ws.title, v)


def test_numbers_stay_numbers_and_negative_numbers_are_not_neutralised():
    df = pd.DataFrame({"Écart calculé − déclaré (%)": [-2.5, 3.0], "Texte": ["-2,5", "+33"]})
    out = frame_to_csv(df).decode("utf-8-sig").splitlines()
    assert out[1] == "-2,5;'-2,5" and out[2] == "3,0;'+33"


def test_xlsx_has_both_tables_with_bold_french_headers_and_numbers(atlas):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(export_bytes(atlas, "xlsx", today=DAY)))
    assert wb.sheetnames[:2] == ["Comparaison des CPTS", "Communes et CPTS"]
    ws = wb["Comparaison des CPTS"]
    header = [c.value for c in ws[1]]
    assert all(c.font.bold for c in ws[1])
    assert "Population déclarée" in header and "Population calculée (INSEE)" in header
    vitre = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "pays-de-vitre")
    assert vitre[header.index("Population déclarée")] == 81205
    assert vitre[header.index("Financement par habitant déclaré (€)")] == pytest.approx(196875 / 81205)
    assert wb["Communes et CPTS"].max_row - 1 == len(communes_frame(atlas))
    assert len(comparison_frame(atlas)) == ws.max_row - 1


def test_geojson_has_every_territory_and_the_indicators(atlas):
    fc = json.loads(territories_geojson(atlas))
    feats = {f["properties"]["id"]: f for f in fc["features"]}
    assert set(feats) == {t.id for t in atlas.territories}
    v = feats["pays-de-vitre"]
    assert v["geometry"]["type"] in ("Polygon", "MultiPolygon") and len(v["properties"]["communes"]) == 46
    assert v["properties"]["indicateurs"]["sans_medecin_traitant"]["valeur"] == 12.7
    assert feats["marches-de-bretagne"]["geometry"] is None
    assert feats["marches-de-bretagne"]["properties"]["perimetre_connu"] is False


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    f = tmp_path / "table.csv"
    f.write_bytes(b"ancien")
    with pytest.raises(TypeError):
        write_atomic(f, "pas des octets")     # the write itself fails
    assert f.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]   # no temporary file left behind


# --------------------------------------------------------------------------- CLI


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
])
def test_cli_bad_requests_exit_2_in_french_and_write_nothing(tmp_path, capsys, argv, message):
    argv = [a.format(tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and message in err
    if "pays-de-vitre" not in message and "CPTS inconnue" in message:
        assert "pays-de-vitre" in err      # the valid ids are listed
    assert list(tmp_path.iterdir()) == []


def test_python_m_geo_map_runs_as_a_command(tmp_path):
    png = tmp_path / "bretagne.png"
    p = subprocess.run([sys.executable, "-m", "geo", "map", "--png", str(png), "--width", "640", "--height", "480"],
                       cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert Image.open(png).size == (640, 480)
