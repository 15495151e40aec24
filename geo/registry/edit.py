"""Edits of a CPTS file made in the app's editor (app_pages/6_Editer.py): the pure part.

A CPTS file is hand-written YAML with comments: an edit rewrites only the top-level blocks whose
value changed (geo/registry/yaml_write.replace_block), so every other byte of the file — comments,
blank lines, other facts — stays as it was. A block added is inserted where the model puts it; a
block emptied is removed.

Provenance: each change names one source document. :func:`assign_sources` gives that source to
every fact the change adds or alters (a fact whose only change is its note keeps its source); a
perimeter taken from the editor's source forgets the file it was once imported from. Validation
is the model's (pydantic, messages in French: geo/registry/validation.py) plus the domain checks
of geo/registry/checks.py, each finding with the path of its field (``financement[0].montant``)
so the page shows it next to that field.

Publishing the result is geo/registry/edit_publish.py; new source documents geo/registry/edit_sources.py.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable

import yaml

from .checks import check_cpts, taille_for
from .citations import normalize_text
from .edit_form import field_specs
from .models import Cpts, Registry
from .problems import Findings, Problem
from .validation import validate
from .yaml_write import _Dumper, replace_block

__all__ = ["IDENTITY", "plain", "read_cpts", "assign_sources", "cpts_yaml", "new_cpts", "free_id", "check_doc",
           "changed_keys", "slug", "citation_warnings", "load_yaml"]

#: Top-level keys edited together as « Identité » (they cite no source: the model has no place for one).
IDENTITY = ("nom", "nom_connu", "departements", "notes")
_TOP = re.compile(r"^[A-Za-z_][\w-]*\s*:")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _IndentedDumper(_Dumper):
    """The registry's YAML style: list items indented under their key (« financement:\n  - montant: »)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def dump(obj) -> str:
    return yaml.dump(obj, Dumper=_IndentedDumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=110)


def plain(value: Any) -> Any:
    """YAML data with dates as ISO text (how the model reads them), for comparisons."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load_yaml(text: str) -> Any:
    """YAML data of a text, with libyaml when PyYAML has it (the pure-Python loader is ~10 times slower)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader


def read_cpts(root: Path, cpts_id: str) -> tuple[str, dict]:
    """(text, data) of ``cpts/<id>.yaml``."""
    text = (Path(root) / "cpts" / f"{cpts_id}.yaml").read_text(encoding="utf-8")
    data = load_yaml(text)
    return text, data if isinstance(data, dict) else {}


# --------------------------------------------------------------------------------- sources

def _facts_of(value: Any) -> Any:
    """What a fact says, without its note (a fact whose note alone changed keeps its source)."""
    if isinstance(value, dict):
        return {k: v for k, v in plain(value).items() if k != "note"}
    return plain(value)


def _with_source(cls, data: dict, source_id: str) -> dict:
    """``data`` citing ``source_id``; the key goes where the model puts it."""
    if "source" in data:
        return {**data, "source": source_id}
    out: dict = {}
    names = [leaf.name for leaf in field_specs(cls)]
    for name in names:
        if name == "source":
            out["source"] = source_id
        elif name in data:
            out[name] = data[name]
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def assign_sources(cls, old: dict | None, new: dict | None, source_id: str) -> dict | None:
    """``new`` where every fact added or changed since ``old`` cites ``source_id`` (recursively:
    list items are compared with the old list's items, blocks with the old block)."""
    if new is None:
        return None
    specs = field_specs(cls)
    out = dict(new)
    old = old or {}
    for leaf in specs:
        value = out.get(leaf.name)
        if leaf.kind == "block" and isinstance(value, dict):
            out[leaf.name] = assign_sources(leaf.cls, old.get(leaf.name) if isinstance(old.get(leaf.name), dict)
                                            else None, value, source_id)
        elif leaf.kind == "items" and isinstance(value, list):
            before = [_facts_of(o) for o in old.get(leaf.name) or []]
            out[leaf.name] = [v if _facts_of(v) in before else assign_sources(leaf.cls, None, v, source_id)
                              for v in value]
    if any(leaf.kind == "source" for leaf in specs) and _facts_of(out) != _facts_of(old):
        out = _with_source(cls, out, source_id)
        if "source_import" in out:  # a perimeter now given by the editor's source, not by an imported file
            del out["source_import"]
    return out


# ------------------------------------------------------------------------------ YAML text

def changed_keys(old: dict, new: dict) -> list[str]:
    """Top-level keys whose value differs (added, removed or changed), in the new file's order."""
    keys = list(new) + [k for k in old if k not in new]
    return [k for k in keys if plain(old.get(k)) != plain(new.get(k)) or (k in old) != (k in new)]


def _block_span(lines: list[str], key: str) -> tuple[int, int] | None:
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TOP.match(lines[i])), len(lines))
    while end - 1 > start and (lines[end - 1].strip() == "" or lines[end - 1].startswith("#")):
        end -= 1
    return start, end


def _remove_block(text: str, key: str) -> str:
    lines = text.splitlines(keepends=True)
    span = _block_span(lines, key)
    if span is None:
        return text
    start, end = span
    while end < len(lines) and lines[end].strip() == "":
        end += 1  # the blank lines that separated it from the next block
    return "".join(lines[:start] + lines[end:])


def _insert_block(text: str, key: str, block: str, order: list[str]) -> str:
    """Insert ``block`` before the first later key (model order) present in the text, else at the end."""
    lines = text.splitlines(keepends=True)
    later = order[order.index(key) + 1:] if key in order else []
    for nxt in later:
        span = _block_span(lines, nxt)
        if span is None:
            continue
        at = span[0]
        while at > 0 and lines[at - 1].startswith("#"):
            at -= 1  # the comments written above the next block stay with it
        return "".join(lines[:at]) + block + "\n" + "".join(lines[at:])
    return replace_block(text, key, block)


def cpts_yaml(old_text: str, old: dict, new: dict) -> str:
    """The new text of a CPTS file: only the top-level blocks that changed are rewritten."""
    order = [leaf.name for leaf in field_specs(Cpts)]
    text = old_text
    for key in changed_keys(old, new):
        if key not in new:
            text = _remove_block(text, key)
        elif key in old:
            text = replace_block(text, key, dump({key: new[key]}))
        else:
            text = _insert_block(text, key, dump({key: new[key]}), order)
    return text


# --------------------------------------------------------------------------------- new CPTS

def slug(name: str) -> str:
    """« CPTS du Pays de Vitré » -> "pays-de-vitre" (ASCII, lower case, hyphens)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"^\s*(cpts|communaute professionnelle territoriale de sante)\b\s*(du |de la |des |de l'|de |d')?",
                  "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "cpts"


def free_id(name: str, taken: set[str]) -> str:
    base = slug(name)
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    return cid


def new_cpts(nom: str, departements: list[str], cpts_id: str) -> tuple[str, dict]:
    """(text, data) of a new CPTS file: its name and départements, no step yet, perimeter unknown."""
    data = {"id": cpts_id, "nom": nom.strip(), "nom_connu": True, "departements": list(departements),
            "statut": {"etape": None, "jalons": []}, "perimetre": {"regle": "inconnu"}}
    return "# CPTS créée dans l'éditeur de l'application (page Éditer).\n" + dump(data), data


# ------------------------------------------------------------------------------- validation

def check_doc(data: dict, cpts_id: str, registry: Registry, extra_sources: set[str] = frozenset()) -> list[Problem]:
    """Problems of a CPTS file's data (errors and warnings, with their field paths), as the loader
    would find them: the model's validation then the domain checks."""
    rel = f"cpts/{cpts_id}.yaml"
    findings = Findings(rel)
    if "file" in data:
        findings.error("file", "clé réservée « file »")
        return findings.problems
    item = validate(Cpts, {**data, "file": rel}, findings, set(registry.sources) | set(extra_sources))
    if item is not None:
        check_cpts(item, cpts_id, findings, lambda pop: taille_for(registry.tailles_aci, pop))
    return findings.problems


def _cited(value: Any, path: str, source: str | None, out: list[tuple[str, str, str]]) -> None:
    """(path, source id, citation) of every quoted fact; a block's source covers its items (missions)."""
    if isinstance(value, dict):
        source = value.get("source") if isinstance(value.get("source"), str) else source
        if isinstance(value.get("citation"), str) and source:
            out.append((f"{path}.citation" if path else "citation", source, value["citation"]))
        for k, v in value.items():
            _cited(v, f"{path}.{k}" if path else k, source, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _cited(v, f"{path}[{i}]", source, out)


def citation_warnings(old: dict, new: dict, texts: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """(path, French message) for each citation added or changed by the edit that is not, as written,
    in its source document's text (``texts(source id)``: the text, None when the document has none).
    Compared as the registry's citation check does (normalize_text)."""
    before: list[tuple[str, str, str]] = []
    after: list[tuple[str, str, str]] = []
    _cited(plain(old), "", None, before)
    _cited(plain(new), "", None, after)
    known = {(s, c) for _, s, c in before}
    out = []
    for path, source, citation in after:
        if (source, citation) in known:
            continue
        text = texts(source)
        if text is not None and normalize_text(citation) not in normalize_text(text):
            out.append((path, "citation introuvable telle quelle dans le texte du document source : "
                              "recopier le passage exact (ou vérifier la source choisie)"))
    return out
