"""Where a registry finding stands, said to a user: « CPTS du Pays de Vitré » and « Périmètre › communes »
instead of « cpts/pays-de-vitre.yaml » and « perimetre.communes ».

The file and the YAML path stay in the findings (``Problem.file`` / ``Problem.path``) for the CLI
and the developers (``python -m geo check``, the quality CSV); the app shows these labels."""
from __future__ import annotations

import re

from .models import Registry

# French label of every YAML key of the registry model (geo/registry/models.py) a finding can name.
FIELD_LABELS = {
    "id": "identifiant", "nom": "nom", "nom_connu": "nom connu", "statut": "statut", "etape": "étape",
    "jalons": "étape datée", "libelle": "libellé", "date": "date", "source": "source", "citation": "citation",
    "note": "note", "infere": "valeur déduite", "population_declaree": "population déclarée",
    "communes_declarees": "nombre de communes déclaré", "taille_aci_declaree": "taille ACI déclarée",
    "valeur": "valeur", "professionnels": "professionnels", "qualificatif": "qualificatif",
    "financement": "financement", "montant": "montant", "annee": "année", "couvre": "ce qui est couvert",
    "sans_medecin_traitant": "patients sans médecin traitant", "autres_indicateurs": "autre indicateur",
    "unite": "unité", "population": "population", "comparaisons": "comparaison", "missions": "missions",
    "perimetre": "périmètre", "regle": "règle", "approximatif": "approximatif", "communes": "communes",
    "epci": "EPCI", "communes_par_departement": "communes par département", "corrections": "corrections",
    "codes_insee": "codes INSEE", "source_import": "fichier importé", "sources": "document source",
    "titre": "titre", "editeur": "éditeur", "lieu": "lieu", "type": "type", "url": "adresse", "fichier": "fichier",
    "chiffres": "chiffre de contexte", "tailles_aci": "taille ACI", "notes": "notes",
    "missions_engagees": "missions engagées", "mission": "mission", "engagee": "engagée", "contact": "contact",
    "site_web": "site web", "courriel": "adresse électronique", "citations": "citations",
    "autres_valeurs": "autre valeur déclarée", "champ": "chiffre", "sha256": "empreinte SHA-256",
    "importe_par": "importé par", "date_import": "date d'import",
}
_SEGMENT = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def field_label(path: str) -> str:
    """« perimetre.communes » → « Périmètre › communes » ; « financement[0].montant » → « Financement
    n° 1 › montant »; "" for the whole file. Unknown keys are shown with spaces for underscores."""
    parts = []
    for seg in (path or "").split("."):
        if not seg:
            continue
        m = _SEGMENT.match(seg)
        key, idx = (m.group(1), m.group(2)) if m else (seg, "")
        label = FIELD_LABELS.get(key, key.replace("_", " "))
        for n in re.findall(r"\[(\d+)\]", idx):
            label += f" n° {int(n) + 1}"
        parts.append(label)
    text = " › ".join(parts)
    return text[:1].upper() + text[1:]


def file_label(file: str, registry: Registry | None = None) -> str:
    """« cpts/pays-de-vitre.yaml » → the CPTS's name; sources.yaml / context.yaml → what they hold."""
    if file == "sources.yaml":
        return "Documents sources du registre"
    if file == "context.yaml":
        return "Chiffres de contexte du registre"
    if registry is not None:
        for c in registry.cpts:
            if c.file == file:
                return c.nom
    m = re.match(r"^cpts/(.+)\.yaml$", file or "")
    return f"CPTS « {m.group(1)} »" if m else "Registre"


__all__ = ["FIELD_LABELS", "field_label", "file_label"]
