"""Load and check the registry at a root: read each YAML file (duplicate keys refused), validate it,
then the cross-file and domain checks (lifecycle order, perimeter rules, ACI size classes, ids)."""
from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path
from typing import Any, Callable

import yaml

from .citations import iter_citations
from .models import DEFAULT_ROOT, MISSION_KEYS, OTHER_MILESTONE, STEP_KEYS, Cpts, ContextFigure, Registry, Source, TailleAci
from .problems import ERROR, WARNING, Problem, RegistryError
from .validation import _CONTEXT_FILE, _CPTS, _INVALID, _SOURCES_FILE, _Ctx, _type_fr

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


def _read_yaml(path: Path, ctx: _Ctx) -> Any:
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
        ctx.error("", f"le fichier doit contenir un dictionnaire (clé: valeur), pas {_type_fr(data)}")
        return _INVALID
    return data


# --------------------------------------------------------------------------- loading + checks


def _step_index(step: str) -> int:
    return STEP_KEYS.index(step)


def _check_cpts(item: Cpts, stem: str, ctx: _Ctx, size_for: Callable[[int], int | None]) -> None:
    if item.id != stem:
        ctx.error("id", f"l'identifiant « {item.id} » ne correspond pas au nom du fichier « {stem}.yaml »")

    # Lifecycle.
    statut = item.statut
    step_jalons = [(i, j) for i, j in enumerate(statut.jalons) if j.etape != OTHER_MILESTONE]
    if statut.etape is None and step_jalons:
        ctx.warn("statut.etape", "étape courante vide alors que des jalons du cycle de vie sont renseignés")
    if statut.etape is not None:
        current = _step_index(statut.etape)
        for i, jalon in step_jalons:
            if _step_index(jalon.etape) > current:
                ctx.error(f"statut.jalons[{i}].etape",
                          f"jalon « {jalon.etape} » postérieur à l'étape courante « {statut.etape} »")
        if not any(j.etape == statut.etape for _, j in step_jalons) and not statut.infere:
            ctx.warn("statut.etape", f"étape « {statut.etape} » sans jalon qui l'atteste ; "
                                     "ajouter le jalon ou marquer statut.infere: true avec une note")
    dated = [(i, j) for i, j in step_jalons if j.date]
    for (i, a), (k, b) in zip(dated, dated[1:]):
        if _step_index(a.etape) < _step_index(b.etape) and b.date < a.date[: len(b.date)]:
            ctx.warn(f"statut.jalons[{k}].date", f"date {b.date} antérieure au jalon précédent ({a.date})")

    # Perimeter.
    per = item.perimetre
    has_list, has_by_dept = bool(per.communes), bool(per.communes_par_departement)
    if has_list and has_by_dept:
        ctx.error("perimetre.communes_par_departement",
                  "ne pas renseigner à la fois « communes » et « communes_par_departement » (doublon)")
    if per.regle == "inconnu":
        if has_list or has_by_dept or per.epci:
            ctx.error("perimetre.regle", "règle « inconnu » mais des communes ou EPCI sont renseignés")
    elif per.source_import is None:  # an imported perimeter cites its file instead
        if not per.source:
            ctx.error("perimetre.source", f"source obligatoire pour la règle « {per.regle} »")
        if not per.citation:
            ctx.error("perimetre.citation", f"citation obligatoire pour la règle « {per.regle} »")
    if per.codes_insee and len(per.codes_insee) != len(per.all_communes):
        ctx.error("perimetre.codes_insee",
                  f"{len(per.codes_insee)} codes pour {len(per.all_communes)} communes : un code par commune, dans l'ordre")
    if per.regle == "communes" and not (has_list or has_by_dept):
        ctx.error("perimetre.communes", "règle « communes » mais aucune commune n'est listée")
    if per.regle in ("epci", "epci_et_communes") and not per.epci:
        ctx.error("perimetre.epci", f"règle « {per.regle} » mais aucun EPCI n'est listé")
    if per.regle == "epci" and (has_list or has_by_dept):
        ctx.error("perimetre.regle", "règle « epci » mais des communes sont listées : utiliser « epci_et_communes »")
    if per.regle == "epci_et_communes" and not (has_list or has_by_dept) and not per.approximatif:
        ctx.error("perimetre.communes",
                  "règle « epci_et_communes » sans commune listée : marquer approximatif: true et l'expliquer")
    for dept in per.communes_par_departement:
        if dept not in item.departements:
            ctx.warn(f"perimetre.communes_par_departement.{dept}",
                     f"département « {dept} » absent de « departements »")
    names = per.all_communes
    seen: set[str] = set()
    for name in names:
        if name != name.strip():
            ctx.error("perimetre.communes", f"espaces superflus autour de « {name} »")
        if name in seen:
            ctx.warn("perimetre.communes", f"commune « {name} » listée deux fois")
        seen.add(name)
    for recorded in per.corrections:
        if recorded not in seen:
            ctx.error(f"perimetre.corrections.{recorded}", f"« {recorded} » n'est pas une commune listée")
    if (item.communes_declarees is not None and names and not per.approximatif
            and len(names) != item.communes_declarees.valeur):
        ctx.warn("perimetre.communes",
                 f"la liste compte {len(names)} noms pour {item.communes_declarees.valeur} communes déclarées")

    # Declared ACI size vs declared population.
    if item.taille_aci_declaree is not None and item.population_declaree is not None:
        expected = size_for(item.population_declaree.valeur)
        if expected is not None and expected != item.taille_aci_declaree.valeur:
            ctx.warn("taille_aci_declaree.valeur",
                     f"taille {item.taille_aci_declaree.valeur} déclarée, mais {item.population_declaree.valeur} "
                     f"habitants correspondent à la taille {expected}")

    if item.missions is not None and not any(item.missions.actions(k) for k in MISSION_KEYS):
        ctx.warn("missions", "bloc « missions » sans aucune action")
    if not item.nom_connu and not item.notes:
        ctx.warn("notes", "nom inconnu : expliquer dans « notes » pourquoi")


def _check_tailles(tailles: list[TailleAci], ctx: _Ctx) -> None:
    if not tailles:
        ctx.error("tailles_aci", "au moins une classe de taille est attendue")
        return
    ordered = sorted(tailles, key=lambda t: t.taille)
    for expected, size in enumerate(ordered, start=1):
        if size.taille != expected:
            ctx.error("tailles_aci", f"tailles attendues consécutives à partir de 1 (trouvé {size.taille})")
            return
    if ordered[0].min is not None:
        ctx.error("tailles_aci[0].min", "la première classe doit avoir min: null")
    if ordered[-1].max is not None:
        ctx.error(f"tailles_aci[{len(ordered) - 1}].max", "la dernière classe doit avoir max: null")
    for i, size in enumerate(ordered):
        if size.min is not None and size.max is not None and size.min >= size.max:
            ctx.error(f"tailles_aci[{i}]", f"min ({size.min}) doit être inférieur à max ({size.max})")
        if i and ordered[i - 1].max != size.min:
            ctx.error(f"tailles_aci[{i}].min",
                      f"classes non contiguës : max de la taille {ordered[i - 1].taille} "
                      f"({ordered[i - 1].max}) ≠ min de la taille {size.taille} ({size.min})")


def _taille_for(tailles: list[TailleAci], population: int) -> int | None:
    for size in tailles:
        if size.contains(population):
            return size.taille
    return None


def _french_sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _load(root: Path) -> tuple[Registry | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []

    # sources.yaml first: the other files reference its ids.
    ctx = _Ctx("sources.yaml", None)
    sources: dict[str, Source] = {}
    data = _read_yaml(root / "sources.yaml", ctx)
    known: set[str] | None = None
    if data is not _INVALID:
        parsed = _SOURCES_FILE.convert(data, ctx, "")
        raw_items = data.get("sources") if isinstance(data.get("sources"), list) else []
        # Collect ids even if some entries are invalid, so references are still checked.
        known = {s["id"] for s in raw_items if isinstance(s, dict) and isinstance(s.get("id"), str)}
        if parsed is not _INVALID:
            for i, source in enumerate(parsed["sources"]):
                if source.id in sources:
                    ctx.error(f"sources[{i}].id", f"identifiant de source « {source.id} » en double")
                sources[source.id] = source
    problems += ctx.problems

    # context.yaml
    ctx = _Ctx("context.yaml", known)
    context: list[ContextFigure] = []
    tailles: list[TailleAci] = []
    data = _read_yaml(root / "context.yaml", ctx)
    if data is not _INVALID:
        parsed = _CONTEXT_FILE.convert(data, ctx, "")
        if parsed is not _INVALID:
            context, tailles = parsed["chiffres"], sorted(parsed["tailles_aci"], key=lambda t: t.taille)
            seen_ids: set[str] = set()
            for i, figure in enumerate(context):
                if figure.id in seen_ids:
                    ctx.error(f"chiffres[{i}].id", f"identifiant « {figure.id} » en double")
                seen_ids.add(figure.id)
            _check_tailles(parsed["tailles_aci"], ctx)
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
            ctx = _Ctx(rel, known)
            data = _read_yaml(path, ctx)
            if data is not _INVALID:
                item = _CPTS.convert(data, ctx, "")
                if item is not _INVALID:
                    item = dataclasses.replace(item, file=rel)
                    if item.id in seen_cpts:
                        ctx.error("id", f"identifiant « {item.id} » déjà utilisé par {seen_cpts[item.id]}")
                    seen_cpts[item.id] = rel
                    _check_cpts(item, path.stem, ctx, lambda pop: _taille_for(tailles, pop))
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

