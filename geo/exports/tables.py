"""Offline exports of the tables: CSV (Excel FR, one table), XLSX (both tables and an « À propos »
sheet citing every source document by its own title and date), GeoJSON (territories).

    from geo.exports.tables import export_bytes
    data = export_bytes(atlas, "xlsx")
"""
from __future__ import annotations

import datetime as _dt

from ..formatting import fr_date
from ..views.facts import short_source
from .common import ExportError, document_citation, millesimes, partial_registry_line
from .frames import communes_frame, comparison_frame, table_frame, territories_geojson
from .spreadsheet import frame_to_csv, frames_to_xlsx

FORMATS = ("csv", "xlsx", "geojson")


def about_rows(atlas, today: _dt.date) -> list[tuple[str, str]]:
    """The « À propos » sheet: date, what déclaré/calculé mean, millésimes, and every source document
    (as the « Sources » column names it → its title, kind, publisher, place and date)."""
    cog, pop = millesimes()
    partial = partial_registry_line(atlas)
    return [
        ("Export", f"Carte des CPTS, le {fr_date(today)}"),
        *((("Registre", partial),) if partial else ()),
        ("Déclaré", "chiffre donné par un document source (communiqué, dépliant, page web), à sa date"),
        ("Calculé", f"chiffre calculé sur le périmètre : INSEE, COG {cog}, populations légales {pop} "
                    "(population municipale)"),
        ("Contours", "IGN ADMIN EXPRESS (Licence Ouverte 2.0)"),
        ("Non renseigné", "cellule vide : la source ne donne pas la valeur (jamais 0)"),
        ("Cellules neutralisées", "un texte commençant par = + - @ (ou ＝ ＋ － ＠), une tabulation ou un retour "
                                  "chariot est précédé d'une apostrophe : il reste du texte, jamais une formule"),
        *((f"Source : {short_source(sid, atlas.registry)}", document_citation(sid, atlas.registry))
          for sid in sorted(atlas.registry.sources, key=lambda s: (str(atlas.registry.sources[s].date), s))),
    ]


def export_bytes(atlas, fmt: str, table: str = "comparaison", today: _dt.date | None = None) -> bytes:
    """The file content of an export: csv (one table), xlsx (both tables), geojson (territories)."""
    today = today or _dt.date.today()
    if fmt == "csv":
        return frame_to_csv(table_frame(atlas, table))
    if fmt == "xlsx":
        return frames_to_xlsx({"Comparaison des CPTS": comparison_frame(atlas),
                               "Communes et CPTS": communes_frame(atlas)},
                              about=about_rows(atlas, today),
                              created=_dt.datetime(today.year, today.month, today.day),
                              note=partial_registry_line(atlas))
    if fmt == "geojson":
        return territories_geojson(atlas).encode("utf-8")
    raise ExportError(f"format inconnu « {fmt} » (formats : {', '.join(FORMATS)})")


__all__ = ["FORMATS", "about_rows", "export_bytes"]
