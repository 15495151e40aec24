"""What changed between two states of the registry, for the history (geo/registry/history.py).

Works on two registry trees given as ``{relative path: sha256}`` manifests plus a function that
reads a file's bytes, so the same code compares the live registry, a staging folder or a stored
version. Only files whose hash differs are read and parsed (YAML), so a summary costs little
whatever the size of the registry. The result is plain JSON (stored in the version's diff.json)
and a one-line French summary (stored in meta.json, shown in the history list).

Hand-written because it is domain-specific: what a user calls a change is « CPTS added or
removed, communes gained or lost per CPTS, facts changed, sources and documents added », not a
line diff of YAML files.
"""
from __future__ import annotations

from typing import Any, Callable

import yaml

from ..formatting import plural

Reader = Callable[[str], bytes]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10 times faster


def _yaml(read: Reader, rel: str) -> Any:
    try:
        return yaml.load(read(rel).decode("utf-8"), Loader=_LOADER)  # noqa: S506 - a SafeLoader
    except Exception:  # a broken file never stops the history: shown as a changed file
        return None


def _communes(doc: Any) -> dict[str, str]:
    """{key: label} of a CPTS's perimeter: INSEE code -> name when codes are there, else name -> name."""
    per = doc.get("perimetre") if isinstance(doc, dict) else None
    if not isinstance(per, dict):
        return {}
    names = list(per.get("communes") or [])
    for group in (per.get("communes_par_departement") or {}).values():
        names += list(group or [])
    codes = [str(c) for c in (per.get("codes_insee") or [])]
    if codes:
        return {c: str(names[i]) if i < len(names) else c for i, c in enumerate(codes)}
    return {str(n): str(n) for n in names}


def _sources(doc: Any) -> dict[str, str]:
    items = doc.get("sources") if isinstance(doc, dict) else None
    return {str(s.get("id")): str(s.get("titre") or s.get("id")) for s in items or [] if isinstance(s, dict)}


def tree_diff(old: dict[str, str], new: dict[str, str], read_old: Reader, read_new: Reader) -> dict:
    """The changes from the ``old`` tree to the ``new`` one (manifests: path -> sha256)."""
    out: dict[str, list] = {"cpts_ajoutees": [], "cpts_supprimees": [], "cpts_modifiees": [],
                            "sources_ajoutees": [], "sources_retirees": [], "documents_ajoutes": [],
                            "documents_retires": [], "autres_fichiers": [], "sources_citees": []}
    changed = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
    for rel in changed:
        if rel.startswith("cpts/") and rel.endswith(".yaml") and rel.count("/") == 1:
            _cpts_change(rel, old, new, read_old, read_new, out)
        elif rel == "sources.yaml":
            before = _sources(_yaml(read_old, rel)) if rel in old else {}
            after = _sources(_yaml(read_new, rel)) if rel in new else {}
            out["sources_ajoutees"] += [{"id": k, "titre": after[k]} for k in after if k not in before]
            out["sources_retirees"] += [{"id": k, "titre": before[k]} for k in before if k not in after]
            if before == after or any(before[k] != after[k] for k in before.keys() & after.keys()):
                out["autres_fichiers"].append(rel)
        elif rel.startswith("documents/") and (rel in old) != (rel in new):
            out["documents_ajoutes" if rel in new else "documents_retires"].append(rel)
        else:
            out["autres_fichiers"].append(rel)
    out["sources_citees"] = sorted(set(out["sources_citees"]))
    return out


def _cited(value: Any, found: list[str]) -> None:
    """Source ids (``source: …``) and imported file names (``source_import.fichier``) inside a fact."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "source" and isinstance(v, str):
                found.append(v)
            elif k == "source_import" and isinstance(v, dict) and v.get("fichier"):
                found.append(f"fichier importé : {v['fichier']}")
            else:
                _cited(v, found)
    elif isinstance(value, list):
        for v in value:
            _cited(v, found)


def _cpts_change(rel, old, new, read_old, read_new, out) -> None:
    cid = rel[len("cpts/"):-len(".yaml")]
    before = _yaml(read_old, rel) if rel in old else None
    after = _yaml(read_new, rel) if rel in new else None
    nom = str((after or before or {}).get("nom", cid)) if isinstance(after or before, dict) else cid
    if rel not in old:
        out["cpts_ajoutees"].append({"id": cid, "nom": nom, "communes": len(_communes(after))})
        _cited(after, out["sources_citees"])
        return
    if rel not in new:
        out["cpts_supprimees"].append({"id": cid, "nom": nom, "communes": len(_communes(before))})
        return
    c_old, c_new = _communes(before), _communes(after)
    added = [{"code": k, "nom": v} for k, v in c_new.items() if k not in c_old]
    removed = [{"code": k, "nom": v} for k, v in c_old.items() if k not in c_new]
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    facts = [k for k in list(b) + [k for k in a if k not in b] if b.get(k) != a.get(k)]
    for k in facts:
        _cited(a.get(k), out["sources_citees"])
    if (added or removed) and "perimetre" in facts:
        facts.remove("perimetre")  # said by the communes lists
    out["cpts_modifiees"].append({"id": cid, "nom": nom, "communes_ajoutees": added,
                                  "communes_retirees": removed, "faits": facts or ([] if added or removed
                                                                                 else ["fichier"])})


def removals(diff: dict) -> list[str]:
    """French phrases for what a change takes away (CPTS removed, communes withdrawn): a restore that
    does this needs a confirmation, like an import's --confirmer-suppressions."""
    out = [f"CPTS « {c['nom']} » supprimée" for c in diff["cpts_supprimees"]]
    for c in diff["cpts_modifiees"]:
        if c["communes_retirees"]:
            names = ", ".join(x["nom"] for x in c["communes_retirees"][:5])
            more = "…" if len(c["communes_retirees"]) > 5 else ""
            out.append(f"« {c['nom']} » perd {plural(len(c['communes_retirees']), 'commune')} ({names}{more})")
    return out


def _names(items: list[dict], limit: int = 4) -> str:
    text = ", ".join(f"« {x['nom']} »" for x in items[:limit])
    return text + (f" et {len(items) - limit} autre(s)" if len(items) > limit else "")


def summary(diff: dict) -> str:
    """One French line: « 1 CPTS ajoutée (« X ») ; « Vitré » +3 / −1 communes ; … »."""
    parts = []
    if diff["cpts_ajoutees"]:
        parts.append(f"{plural(len(diff['cpts_ajoutees']), 'CPTS ajoutée', 'CPTS ajoutées')} "
                     f"({_names(diff['cpts_ajoutees'])})")
    if diff["cpts_supprimees"]:
        parts.append(f"{plural(len(diff['cpts_supprimees']), 'CPTS supprimée', 'CPTS supprimées')} "
                     f"({_names(diff['cpts_supprimees'])})")
    moved = [c for c in diff["cpts_modifiees"] if c["communes_ajoutees"] or c["communes_retirees"]]
    for c in moved[:4]:
        parts.append(f"« {c['nom']} » +{len(c['communes_ajoutees'])} / −{len(c['communes_retirees'])} communes")
    if len(moved) > 4:
        parts.append(f"{len(moved) - 4} autre(s) périmètre(s) modifié(s)")
    facts = [c for c in diff["cpts_modifiees"] if c["faits"]]
    if facts:
        parts.append("faits modifiés : " + "; ".join(
            f"« {c['nom']} » ({', '.join(c['faits'])})" for c in facts[:3]) + ("…" if len(facts) > 3 else ""))
    if diff["sources_ajoutees"]:
        parts.append(plural(len(diff["sources_ajoutees"]), "source ajoutée", "sources ajoutées"))
    if diff["sources_retirees"]:
        parts.append(plural(len(diff["sources_retirees"]), "source retirée", "sources retirées"))
    if diff["documents_ajoutes"]:
        parts.append(plural(len(diff["documents_ajoutes"]), "document ajouté", "documents ajoutés"))
    if diff["documents_retires"]:
        parts.append(plural(len(diff["documents_retires"]), "document retiré", "documents retirés"))
    if diff["autres_fichiers"]:
        parts.append(plural(len(diff["autres_fichiers"]), "autre fichier modifié", "autres fichiers modifiés"))
    return " ; ".join(parts) if parts else "aucune modification"


def counts(diff: dict) -> dict[str, int]:
    """Small numbers for the history list (meta.json)."""
    return {
        "cpts_ajoutees": len(diff["cpts_ajoutees"]),
        "cpts_supprimees": len(diff["cpts_supprimees"]),
        "cpts_modifiees": len(diff["cpts_modifiees"]),
        "communes_ajoutees": sum(len(c["communes_ajoutees"]) for c in diff["cpts_modifiees"]),
        "communes_retirees": sum(len(c["communes_retirees"]) for c in diff["cpts_modifiees"]),
        "sources_ajoutees": len(diff["sources_ajoutees"]),
        "documents_ajoutes": len(diff["documents_ajoutes"]),
    }
