"""CPTS registry: the human-edited YAML files of data/registry/ as typed, validated objects.

Pure Python (PyYAML, no Streamlit, no geopandas). One concern per module:

    models.py     constants of the domain (missions, steps, rules) and the data model (pydantic dataclasses)
    fields.py     the field types of the model (strict texts, numbers, dates, source references…)
    validation.py pydantic validation of one file, errors worded in French (« file › path : message »)
    checks.py     domain checks once a file is well-formed (lifecycle order, perimeter rules…)
    load.py       reading + validating a registry root (load_registry, validate_registry)
    problems.py   validation findings (Problem, RegistryError) and PublishError with its exit codes
    schema.py     the JSON Schema of the files (python -m geo schema, data/registry/schema.json)
    citations.py  every (source, quote) pair and its check against the source documents
    sources.py    French display of sources and dates (title and date, never the file name)
    documents.py  the text of a source document and where a citation stands in it (« voir la source »)
    labels.py     French labels of registry files and fields for users (« Périmètre › communes »)
    store.py      publishing an import (under the lock, after a backup, by an atomic swap);
                  files.py its filesystem steps, yaml_write.py the YAML text, export.py the listing
    quality.py    the data-quality report (registry warnings + territory discrepancies)
    edit*.py      the in-app editor (page Éditer): the form derived from the model (edit_form), French
                  values (edit_values), block-wise YAML edits and sources (edit), new source documents
                  (edit_sources), perimeter communes via the matcher (edit_perimeter), field diff
                  (edit_diff) and the publication as a history version (edit_publish)

store, export, yaml_write and quality are imported by their module path (geo.registry.store …): they
depend on geo.importing / geo.territories, which depend on this package.

Layout of a registry root (see data/registry/README.md for the schema):

    sources.yaml        source documents (``sources:`` list)
    context.yaml        context figures (``chiffres:``) and ACI size classes (``tailles_aci:``)
    cpts/<id>.yaml      one file per CPTS

Public API:
    load_registry(root) -> Registry            (raises RegistryError on any "erreur")
    validate_registry(root) -> list[Problem]   (errors and warnings, never raises)
    check_citations(registry, seeds_dir) -> list[Problem]
    iter_citations(registry) -> Iterator[CitationRef]
    format_source(source_id, registry) -> str
    format_date_fr(date) -> str
    normalize_text(text) -> str
    MISSIONS, MISSION_KEYS, STEPS, STEP_KEYS, OTHER_MILESTONE, PERIMETER_RULES
"""
from __future__ import annotations

from .citations import CitationRef, check_citations, iter_citations, normalize_text
from .load import load_registry, validate_registry
from .models import (DEFAULT_ROOT, MISSION_KEYS, MISSIONS, OTHER_MILESTONE, PERIMETER_RULES, STEP_KEYS,
                     STEPS, Comparaison, ContextFigure, Cpts, Financement, Indicateur, Jalon, Mission, MissionAction,
                     Missions, Perimetre, Professionnels, Registry, SansMedecinTraitant, Source, SourceImport, Statut,
                     Step, TailleAci, ValeurDeclaree)
from .problems import ERROR, WARNING, Problem, RegistryError
from .sources import format_date_fr, format_source

__all__ = [
    "DEFAULT_ROOT",
    "ERROR",
    "WARNING",
    "MISSIONS",
    "MISSION_KEYS",
    "STEPS",
    "STEP_KEYS",
    "OTHER_MILESTONE",
    "PERIMETER_RULES",
    "Mission",
    "Step",
    "Problem",
    "RegistryError",
    "Source",
    "Jalon",
    "Statut",
    "ValeurDeclaree",
    "Professionnels",
    "Financement",
    "Comparaison",
    "SansMedecinTraitant",
    "Indicateur",
    "MissionAction",
    "Missions",
    "SourceImport",
    "Perimetre",
    "Cpts",
    "ContextFigure",
    "TailleAci",
    "Registry",
    "CitationRef",
    "load_registry",
    "validate_registry",
    "check_citations",
    "iter_citations",
    "format_source",
    "format_date_fr",
    "normalize_text",
]
