"""Load and check the registry at a root: read each YAML file (duplicate keys refused), validate it,
then the cross-file and domain checks (lifecycle order, perimeter rules, ACI size classes, ids)."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from .checks import check_cpts, check_tailles, taille_for
from .citations import iter_citations
from .models import DEFAULT_ROOT, ContextFigure, ContextFile, Cpts, Registry, Source, SourcesFile, TailleAci
from .problems import ERROR, WARNING, Findings, Problem, RegistryError, type_fr
from .validation import _fields, validate

_INVALID = object()

# --------------------------------------------------------------------------- YAML reading


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"clé « {key} » en double", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, ctx: Findings) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        ctx.error("", "fichier manquant")
        return _INVALID
    except (OSError, UnicodeDecodeError) as exc:
        ctx.error("", f"fichier illisible ({exc})")
        return _INVALID
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        ctx.error("", f"YAML invalide{where} : {problem}")
        return _INVALID
    if not isinstance(data, dict):
        ctx.error("", f"le fichier doit contenir un dictionnaire (clé: valeur), pas {type_fr(data)}")
        return _INVALID
    return data


def _french_sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _load(root: Path) -> tuple[Registry | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []

    # sources.yaml first: the other files reference its ids.
    ctx = Findings("sources.yaml")
    sources: dict[str, Source] = {}
    data = _read_yaml(root / "sources.yaml", ctx)
    known: set[str] | None = None
    if data is not _INVALID:
        parsed = validate(SourcesFile, data, ctx)
        raw_items = data.get("sources") if isinstance(data.get("sources"), list) else []
        # Collect ids even if some entries are invalid, so references are still checked.
        known = {s["id"] for s in raw_items if isinstance(s, dict) and isinstance(s.get("id"), str)}
        if parsed is not None:
            for i, source in enumerate(parsed.sources):
                if source.id in sources:
                    ctx.error(f"sources[{i}].id", f"identifiant de source « {source.id} » en double")
                sources[source.id] = source
    problems += ctx.problems

    # context.yaml
    ctx = Findings("context.yaml")
    context: list[ContextFigure] = []
    tailles: list[TailleAci] = []
    data = _read_yaml(root / "context.yaml", ctx)
    if data is not _INVALID:
        parsed = validate(ContextFile, data, ctx, known)
        if parsed is not None:
            context, tailles = list(parsed.chiffres), sorted(parsed.tailles_aci, key=lambda t: t.taille)
            seen_ids: set[str] = set()
            for i, figure in enumerate(context):
                if figure.id in seen_ids:
                    ctx.error(f"chiffres[{i}].id", f"identifiant « {figure.id} » en double")
                seen_ids.add(figure.id)
            check_tailles(parsed.tailles_aci, ctx)
    problems += ctx.problems

    # cpts/*.yaml
    cpts_dir = root / "cpts"
    items: list[Cpts] = []
    if not cpts_dir.is_dir():
        problems.append(Problem("cpts/", "", "dossier « cpts » manquant", ERROR))
    else:
        for other in sorted(cpts_dir.iterdir()):
            if other.is_file() and other.suffix != ".yaml" and not other.name.startswith("."):
                problems.append(Problem(f"cpts/{other.name}", "", "fichier ignoré : seuls les fichiers .yaml sont lus",
                                        WARNING))
        seen_cpts: dict[str, str] = {}
        for path in sorted(cpts_dir.glob("*.yaml")):
            rel = f"cpts/{path.name}"
            ctx = Findings(rel)
            data = _read_yaml(path, ctx)
            if data is not _INVALID:
                if "file" in data:  # the loader's own attribute, never a YAML key
                    ctx.error("file", f"clé inconnue « file » (permises : {', '.join(_fields(Cpts))})")
                item = validate(Cpts, {**data, "file": rel}, ctx, known)
                if item is not None and "file" not in data:
                    if item.id in seen_cpts:
                        ctx.error("id", f"identifiant « {item.id} » déjà utilisé par {seen_cpts[item.id]}")
                    seen_cpts[item.id] = rel
                    check_cpts(item, path.stem, ctx, lambda pop: taille_for(tailles, pop))
                    polygone = item.perimetre.source_import.polygone if item.perimetre.source_import else None
                    if polygone and not (root / polygone).is_file():
                        ctx.error("perimetre.source_import.polygone", f"fichier « {polygone} » introuvable")
                    items.append(item)
            problems += ctx.problems

    # Sources never cited.
    registry = Registry(
        root=root,
        cpts=sorted(items, key=lambda c: (_french_sort_key(c.nom), c.id)),
        sources=sources,
        context=context,
        tailles_aci=tailles,
    )
    used = {ref.source for ref in iter_citations(registry)} | {t.source for t in tailles}
    for item in items:
        if item.missions is not None:
            used.add(item.missions.source)
        if item.perimetre.source:
            used.add(item.perimetre.source)
    for i, source_id in enumerate(sources):
        if source_id not in used:
            problems.append(Problem("sources.yaml", f"sources[{i}]", f"source « {source_id} » jamais citée", WARNING))

    problems.sort(key=lambda p: (p.severity != ERROR, p.file, p.path))
    if any(p.severity == ERROR for p in problems):
        return None, problems
    registry.warnings = problems
    return registry, problems


def validate_registry(root: Path = DEFAULT_ROOT) -> list[Problem]:
    """All problems (errors first, then warnings) of the registry at ``root``. Never raises."""
    return _load(Path(root))[1]


def load_registry(root: Path = DEFAULT_ROOT) -> Registry:
    """Load the registry at ``root``; raise RegistryError (French message) if it has errors.
    Warnings are kept in ``Registry.warnings``."""
    registry, problems = _load(Path(root))
    if registry is None:
        raise RegistryError(problems)
    return registry

