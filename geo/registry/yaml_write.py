"""YAML text written by a publication: a CPTS file created by an import, and the textual replacement
of one top-level block (``perimetre:``) that keeps every other byte of a hand-edited file."""
from __future__ import annotations

import re

import yaml

from geo.formatting import fr_date

__all__ = ["dump", "replace_block", "clean_text", "perimetre_doc", "new_cpts_document"]


class _Dumper(yaml.SafeDumper):
    pass


def _str_repr(dumper, data: str):
    style = '"' if any(ch in data for ch in "\n\r\t") or not data.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_repr)


def dump(obj) -> str:
    return yaml.dump(obj, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=110)


_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def replace_block(text: str, key: str, new_block: str) -> str:
    """Replace the top-level ``key:`` block of a YAML text, up to the next top-level key. Blank lines
    and column-0 comments just before that key stay with it; everything else is kept byte for byte."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    block = new_block if new_block.endswith("\n") else new_block + "\n"
    if start is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + ("\n" if text.strip() else "") + block
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    while end - 1 > start and (lines[end - 1].strip() == "" or lines[end - 1].startswith("#")):
        end -= 1
    tail = lines[end:]
    if tail and tail[0].strip() != "":
        block += "\n"
    return "".join(lines[:start]) + block + "".join(tail)


def clean_text(s: str, limit: int = 200) -> str:
    return re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in str(s))).strip()[:limit]


def perimetre_doc(t, fichier: str, fmt: str, today: str, polygone: str | None,
                   previous=None, backup_name: str = "") -> dict:
    when = fr_date(today)
    if not t.codes:
        return {"regle": "inconnu",
                "note": f"Aucune commune pour cette CPTS dans le fichier importé « {fichier} » ({when})."}
    source = {"fichier": fichier, "date_import": today, "format": fmt}
    if polygone:
        source["polygone"] = polygone
    how = ("communes dont le point représentatif est dans le polygone du fichier" if t.polygon is not None
           else "communes du fichier")
    note = f"Périmètre importé du fichier « {fichier} » le {when} : {len(t.codes)} {how}, codes INSEE résolus à l'import."
    if previous is not None:
        was = f"règle « {previous.regle} »" + (f", source « {previous.source} »" if previous.source else "")
        note += f" Il remplace le périmètre précédent ({was}), conservé dans la sauvegarde {backup_name}."
    return {
        "regle": "communes",
        "approximatif": False,
        "communes": list(t.communes),
        "codes_insee": list(t.codes),
        "source_import": source,
        "note": note,
    }


def new_cpts_document(t, cpts_id: str, fichier: str, fmt: str, today: str,
                      polygone: str | None) -> str:
    """YAML text of a CPTS created by an import: name, départements, status as typed, perimeter."""
    statut: dict = {"etape": t.etape, "jalons": []}
    said = []
    if t.statut:
        said.append(f"statut « {clean_text(t.statut)} »")
    if t.date_signature:
        said.append(f"date de signature : {fr_date(t.date_signature)}")
    if said:
        statut["note"] = f"D'après le fichier importé « {fichier} » ({fr_date(today)}) : " + ", ".join(said) + "."
    if t.etape:
        statut["infere"] = True
    doc = {
        "id": cpts_id,
        "nom": clean_text(t.nom, 300),
        "nom_connu": True,
        "departements": t.departements,
        "statut": statut,
        "perimetre": perimetre_doc(t, fichier, fmt, today, polygone),
        "notes": [f"CPTS créée par l'import du fichier « {fichier} » le {fr_date(today)} : son nom, son statut et son "
                  "périmètre viennent de ce fichier ; aucun document source n'est cité."],
    }
    head = f"# CPTS créée par l'import du fichier « {fichier} » le {today} (python -m geo import / page Importer).\n"
    return head + dump(doc)
