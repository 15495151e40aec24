"""CSV, XLSX and GeoJSON exports of the tables: re-readable figures, numbers and dates as such,
formulas neutralised, sources by their title, the partial-registry line."""
import datetime as dt
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.exports.common import partial_registry_line
from geo.exports.frames import communes_frame, comparison_frame, territories_geojson
from geo.exports.spreadsheet import frame_to_csv, xlsx_date
from geo.exports.tables import export_bytes
from tests.exports.support import DAY, read_csv, sp, with_changes


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


def _sheet_rows(ws):
    """(header, data rows) of a table sheet: the header is the row after the partial-registry note."""
    rows = list(ws.iter_rows(values_only=True))
    start = 1 if rows and rows[0][1:] == (None,) * (len(rows[0]) - 1) else 0
    return list(rows[start]), rows[start + 1:]


def test_text_cells_starting_like_a_formula_are_neutralised_in_csv_and_xlsx(atlas):
    communes = atlas.communes.copy()
    communes.loc[communes["code"] == "35360", "nom"] = "@SOMME(A1:A9)"
    evil = with_changes(atlas, "pays-de-vitre", nom='=HYPERLINK("http://x.invalid","clic")', communes=communes)
    comp = read_csv(export_bytes(evil, "csv", "comparaison"))
    assert comp.set_index("Identifiant").loc["pays-de-vitre", "CPTS"] == '\'=HYPERLINK("http://x.invalid","clic")'
    com = read_csv(export_bytes(evil, "csv", "communes")).set_index("Code INSEE")
    assert com.loc["35360", "Commune"] == "'@SOMME(A1:A9)"
    assert com.loc["35360", "CPTS"].startswith("'=HYPERLINK")

    wb = load_workbook(io.BytesIO(export_bytes(evil, "xlsx")))
    header, rows = _sheet_rows(wb["Comparaison des CPTS"])
    names = [r[header.index("CPTS")] for r in rows]
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


def test_xlsx_has_both_tables_with_bold_french_headers_numbers_and_real_dates(atlas):
    wb = load_workbook(io.BytesIO(export_bytes(atlas, "xlsx", today=DAY)))
    assert wb.sheetnames[:2] == ["Comparaison des CPTS", "Communes et CPTS"]
    ws = wb["Comparaison des CPTS"]
    header, rows = _sheet_rows(ws)
    assert all(c.font.bold for c in ws[2])
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    assert "Population déclarée" in header and "Population calculée (INSEE)" in header
    vitre = next(r for r in rows if r[0] == "pays-de-vitre")
    assert vitre[header.index("Population déclarée")] == 81205
    assert vitre[header.index("Financement par habitant déclaré (€)")] == pytest.approx(196875 / 81205)
    # dates are dates (Excel sorts and filters them), shown the French way
    signed = vitre[header.index("Date de signature de l'ACI")]
    assert isinstance(signed, dt.datetime) and signed.date() == dt.date(2022, 9, 29)
    col = header.index("Date de signature de l'ACI") + 1
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "pays-de-vitre")
    assert ws.cell(row, col).number_format == "dd/mm/yyyy" and ws.cell(row, col).is_date
    assert _sheet_rows(wb["Communes et CPTS"])[1].__len__() == len(communes_frame(atlas))
    assert len(comparison_frame(atlas)) == len(rows)


def test_partial_dates_keep_their_precision_in_xlsx():
    assert xlsx_date("2022-09-29") == (dt.date(2022, 9, 29), "dd/mm/yyyy")
    assert xlsx_date("2023-09") == (dt.date(2023, 9, 1), "mm/yyyy")
    assert xlsx_date("2021") == (2021, "0")
    assert xlsx_date("bientôt") == ("bientôt", None) and xlsx_date(None) == (None, None)


def test_xlsx_says_the_registry_is_partial_and_cites_sources_by_title(atlas):
    wb = load_workbook(io.BytesIO(export_bytes(atlas, "xlsx", today=DAY)))
    line = partial_registry_line(atlas)
    for name in ("Comparaison des CPTS", "Communes et CPTS"):
        assert wb[name]["A1"].value == line                # above the header: in every view of the sheet
    about = {k: v for k, v in wb["À propos"].iter_rows(values_only=True)}
    assert about["Registre"] == line
    cited = [v for k, v in about.items() if k.startswith("Source")]
    assert len(cited) == len(atlas.registry.sources)
    vitre = atlas.registry.sources["cp-vitre-2022-09-29"]
    assert any(vitre.titre in v and "29 septembre 2022" in v for v in cited)
    assert not any(".txt" in v for v in cited)             # never our internal file names


def test_geojson_has_every_territory_and_the_indicators(atlas):
    fc = json.loads(territories_geojson(atlas))
    feats = {f["properties"]["id"]: f for f in fc["features"]}
    assert set(feats) == {t.id for t in atlas.territories}
    v = feats["pays-de-vitre"]
    assert v["geometry"]["type"] in ("Polygon", "MultiPolygon") and len(v["properties"]["communes"]) == 46
    assert v["properties"]["indicateurs"]["sans_medecin_traitant"]["valeur"] == 12.7
    assert feats["marches-de-bretagne"]["geometry"] is None
    assert feats["marches-de-bretagne"]["properties"]["perimetre_connu"] is False
