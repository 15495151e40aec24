"""A realistic ARS tracking table (« tableau de suivi des CPTS »), built with openpyxl for the facts
import tests (tests/importing/test_facts_*.py) and the benchmark: a merged title, a two-row header
with merged group cells, French formats, a CPTS of the registry (Pays de Vitré), a new one (Côte
d'Émeraude, with its communes on a second sheet), a misspelled one (« Pays de Fougere »), impossible
values (a share of 112 %, a date in the future, a population more than twice its communes'), a
column nobody knows, a notes column, a totals row and a footer."""
from __future__ import annotations

import io

TITLE = "Tableau de suivi des CPTS — ARS Bretagne — mise à jour du 15 mars 2025"
GROUPS = {  # row 2: (first column, last column, label); merged horizontally when wider than one column
    "A": ("A", "A", "Identifiant"), "B": ("B", "B", "Nom de la CPTS"), "C": ("C", "C", "Département(s)"),
    "D": ("D", "D", "Étape"), "E": ("E", "I", "Dates des étapes"), "J": ("J", "K", "Population déclarée"),
    "L": ("L", "L", "Nombre de communes"), "M": ("M", "N", "Financement ACI"), "O": ("O", "O", "Taille ACI"),
    "P": ("P", "R", "Sans médecin traitant"), "S": ("S", "S", "Nombre d'adhérents"), "T": ("T", "W", "Missions socle"),
    "X": ("X", "Y", "Missions complémentaires"), "Z": ("Z", "Z", "Site web"), "AA": ("AA", "AA", "Courriel"),
    "AB": ("AB", "AB", "Commentaires"), "AC": ("AC", "AC", "Référent ARS"),
}
SUB = {"E": "Lettre d'intention", "F": "Pré-projet", "G": "Projet de santé validé", "H": "ACI signé", "I": "Avenant",
       "J": "Valeur", "K": "Date", "M": "Montant annuel", "N": "Année", "P": "Part", "Q": "Date", "R": "Champ",
       "T": "Accès aux soins", "U": "Parcours", "V": "Prévention", "W": "Crises sanitaires",
       "X": "Qualité et pertinence", "Y": "Accompagnement des professionnels"}
COLS = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V",
        "W", "X", "Y", "Z", "AA", "AB", "AC"]

VITRE = ["pays-de-vitre", "CPTS du Pays de Vitré", "35", "ACI signé", None, None, None, "29/09/2022", None,
         "82 412 hab.", "01/01/2024", 46, "210 000 €", 2024, 3, "14,1 %", "sept. 2024", "patients de plus de 17 ans",
         85, "x", "x", "x", "x", None, "oui", "www.cpts-paysdevitre.fr", "contact@cpts-paysdevitre.fr",
         "Avenant en préparation", "M. Dupont"]
EMERAUDE = [None, "CPTS Côte d'Émeraude", "22", "Projet de santé validé", "12/03/2021", "sept. 2021", "15/06/2022",
            None, None, "52 000", None, 7, None, None, None, None, None, None, "31", "oui", "non", "oui", "non",
            None, None, None, "coordination@cpts-emeraude.bzh", None, "Mme Le Gall"]
FOUGERES = [None, "CPTS du Pays de Fougere", "35", "ACI signé", None, None, None, "16/04/2024", None, "80 000",
            None, None, "180 000 €", 2024, None, None, None, None, None, None, None, None, None, None, None, None,
            None, None, None]
REDON = ["pays-de-redon", "CPTS Pays de Redon", "35, 44", "ACI signé", None, None, None, "15/06/2031", None, None,
         None, None, None, None, None, "112 %", "2023", None, None, None, None, None, None, None, None, None, None,
         "Date de signature à vérifier", None]
TOTAL = ["Total", None, None, None, None, None, None, None, None, "214 412", None, 53, "390 000 €"] + [None] * 16
EMERAUDE_COMMUNES = ["Créhen", "Lancieux", "Matignon", "Plancoët", "Beaussais-sur-Mer", "Saint-Cast-le-Guildo",
                     "Saint-Jacut-de-la-Mer"]


def tracking_workbook(rows: list[list] | None = None, communes: list[tuple[str, str]] | None = None,
                      title: str = TITLE) -> bytes:
    """The XLSX bytes: sheet « Suivi CPTS » (facts) and sheet « Communes » (CPTS, commune)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Suivi CPTS"
    ws["A1"] = title
    ws.merge_cells(f"A1:{COLS[-1]}1")
    for col, (first, last, label) in GROUPS.items():
        ws[f"{first}2"] = label
        if first != last:
            ws.merge_cells(f"{first}2:{last}2")
        elif col not in SUB:
            ws.merge_cells(f"{first}2:{first}3")   # a one-column header spans both header rows
    for col, label in SUB.items():
        ws[f"{col}3"] = label
    for r in (rows if rows is not None else [VITRE, EMERAUDE, FOUGERES, REDON, TOTAL]):
        ws.append(r)
    ws.append([])
    ws.append(["Source : ARS Bretagne, tableau interne"])
    cs = wb.create_sheet("Communes")
    cs.append(["CPTS", "Commune"])
    for cpts, commune in (communes if communes is not None else
                          [("CPTS Côte d'Émeraude", name) for name in EMERAUDE_COMMUNES]):
        cs.append([cpts, commune])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def non_empty_cells(data: bytes) -> set[tuple[str, int, int]]:
    """(sheet, line, 0-based column) of every non-empty cell of the workbook as stored."""
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    out = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and str(c.value).strip():
                    out.add((ws.title, c.row, c.column - 1))
    return out
