"""The editor's form, derived from the registry model: one field per attribute of the pydantic
dataclasses of geo/registry/models.py, so every fact the model knows is editable — and a field
added to the model appears in the editor without touching it.

A *form tree* mirrors a YAML block: a dict per dataclass, a list of dicts (each with a ``_uid``)
per list of dataclasses, and at the leaves the text a user types (numbers and dates the French
way, lists one item per line) or a bool. :func:`to_form` builds it from YAML data, :func:`from_form`
reads it back into YAML data and reports what cannot be read, with the path pydantic uses
(``financement[0].montant``) and a French message; the model's own validation runs afterwards
(geo/registry/edit.py). A value left as it was comes back equal, so an untouched block is not
rewritten.
"""
from __future__ import annotations

import dataclasses
import itertools
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator

from . import fields as F
from .edit_values import parse_date, parse_number, show_date, show_number
from .labels import FIELD_LABELS
from .models import MISSIONS, STEPS, Cpts
from .validation import _fields

__all__ = ["Leaf", "field_specs", "to_form", "from_form", "label_of", "choice_label", "new_item", "UID"]

UID = "_uid"
_uids = itertools.count(1)
# Kinds of leaves: text, int, year, number, bool, date, choice, source, url, lines (list of texts),
# pairs (dict text -> text, « clé = valeur » per line), groups (dict dept -> names, « 35 : nom » per line),
# block (a dataclass), items (a list of dataclasses), fixed (shown, never edited: codes, imported file).
_FIXED = {"codes_insee", "source_import", "id"}


@dataclass(frozen=True)
class Leaf:
    name: str
    kind: str
    optional: bool
    choices: tuple = ()
    ge: float | None = None
    le: float | None = None
    cls: Any = None  # the dataclass of a block / items


def _unwrap(tp) -> tuple[Any, bool, list]:
    """(bare type, optional, metadata of the Annotated layers)."""
    optional, meta = False, []
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            args = typing.get_args(tp)
            meta += list(args[1:])
            tp = args[0]
        elif origin is Union and type(None) in typing.get_args(tp):
            optional = True
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Union[tuple(rest)]
        else:
            return tp, optional, meta


def _facts(meta: list) -> dict:
    out: dict = {"funcs": set()}
    for m in meta:
        if isinstance(m, (BeforeValidator, AfterValidator)):
            out["funcs"].add(m.func.__name__)
        for sub in getattr(m, "metadata", None) or []:
            for attr in ("ge", "le", "pattern"):
                if getattr(sub, attr, None) is not None:
                    out[attr] = getattr(sub, attr)
        for attr in ("ge", "le", "pattern"):
            if getattr(m, attr, None) is not None and not isinstance(getattr(m, attr), type):
                out[attr] = getattr(m, attr)
    return out


def _leaf(name: str, tp) -> Leaf:
    bare, optional, meta = _unwrap(tp)
    facts = _facts(meta)
    if name in _FIXED:
        return Leaf(name, "fixed", optional)
    if dataclasses.is_dataclass(bare):
        return Leaf(name, "block", optional, cls=bare)
    origin = typing.get_origin(bare)
    if origin is list:
        item, _, _ = _unwrap(typing.get_args(bare)[0])
        if dataclasses.is_dataclass(item):
            return Leaf(name, "items", True, cls=item)
        return Leaf(name, "lines", True)
    if origin is dict:
        value, _, _ = _unwrap(typing.get_args(bare)[1])
        return Leaf(name, "groups" if typing.get_origin(value) is list else "pairs", True)
    if origin is Literal:
        return Leaf(name, "choice", optional, choices=typing.get_args(bare))
    if origin is Union:  # a Number: int | float
        ge = next((_facts(_unwrap(a)[2]).get("ge") for a in typing.get_args(bare)), None)
        return Leaf(name, "number", optional, ge=ge)
    if bare is bool:
        return Leaf(name, "bool", optional)
    if bare is int:
        kind = "year" if (facts.get("ge"), facts.get("le")) == (1900, 2100) else "int"
        return Leaf(name, kind, optional, ge=facts.get("ge"), le=facts.get("le"))
    if "_date" in facts["funcs"]:
        return Leaf(name, "date", optional)
    if "_source_text" in facts["funcs"]:
        return Leaf(name, "source", optional)
    if facts.get("pattern") == F.URL_PATTERN:
        return Leaf(name, "url", optional)
    return Leaf(name, "text", optional)


@lru_cache(maxsize=None)
def field_specs(cls) -> tuple[Leaf, ...]:
    """The form fields of a model class, in the order its YAML files write them (computed once per
    class: reading the type hints is the slow part of a form)."""
    return tuple(_leaf(name, tp) for name, tp in _fields(cls).items())


# Labels of the form where the findings' labels (labels.FIELD_LABELS) say too little for a field.
_FORM_LABELS = {"departements": "départements (codes, un par ligne)", "nom_connu": "nom officiel connu",
                "site_web": "site web", "courriel": "adresse électronique", "engagee": "engagée",
                "missions_engagees": "missions engagées", "autres_valeurs": "autres valeurs déclarées",
                "champ": "chiffre concerné", "citations": "citations"}


def label_of(name: str) -> str:
    mission = next((m for m in MISSIONS if m.key == name), None)
    if mission is not None:
        return f"{mission.label} ({mission.kind})"
    label = _FORM_LABELS.get(name) or FIELD_LABELS.get(name, name.replace("_", " "))
    return label[:1].upper() + label[1:]


_STEP_LABELS = {s.key: s.label for s in STEPS} | {"autre": "Autre étape (initiation, assemblée générale…)"}
_RULE_LABELS = {"communes": "liste de communes", "epci": "EPCI entiers", "epci_et_communes": "EPCI et communes",
                "inconnu": "périmètre inconnu"}


def choice_label(value) -> str:
    if value is None:
        return "— (non renseigné)"
    return _STEP_LABELS.get(value) or _RULE_LABELS.get(value) or str(value)


# --------------------------------------------------------------------------- YAML -> form

def _show(leaf: Leaf, value) -> Any:
    if leaf.kind == "bool":
        return bool(value)
    if value is None:
        return "" if leaf.kind != "choice" else None
    if leaf.kind == "year":
        return str(value)
    if leaf.kind in ("int", "number"):
        return show_number(value) if not isinstance(value, bool) else str(value)
    if leaf.kind == "date":
        return show_date(str(value))
    if leaf.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if leaf.kind == "pairs":
        return "\n".join(f"{k} = {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    if leaf.kind == "groups":
        if not isinstance(value, dict):
            return str(value)
        return "\n".join(f"{k} : {n}" for k, names in value.items() for n in (names or []))
    if leaf.kind in ("choice", "fixed"):
        return value
    return str(value)


def to_form(cls, data: dict | None) -> dict:
    """The form tree of one block (``data`` as read from YAML; None: an empty new block)."""
    data = data or {}
    tree: dict = {UID: next(_uids)}
    for leaf in field_specs(cls):
        value = data.get(leaf.name)
        if leaf.kind == "block":
            tree[leaf.name] = to_form(leaf.cls, value) if isinstance(value, dict) else None
        elif leaf.kind == "items":
            tree[leaf.name] = [to_form(leaf.cls, v if isinstance(v, dict) else {}) for v in (value or [])]
        elif leaf.name in data or leaf.kind in ("bool", "choice"):
            tree[leaf.name] = _show(leaf, value)
        else:
            tree[leaf.name] = "" if leaf.kind not in ("fixed",) else None
    tree["_original"] = data
    return tree


def new_item(cls) -> dict:
    """The form tree of a new block or list item (defaults of the model where it has some)."""
    tree = to_form(cls, {})
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING and isinstance(f.default, str) and tree.get(f.name) in ("", None):
            tree[f.name] = f.default
    return tree


# --------------------------------------------------------------------------- form -> YAML

def _read(leaf: Leaf, text) -> Any:
    """The YAML value of a non-empty leaf; ValueError (French) when it cannot be read."""
    if leaf.kind in ("int", "year"):
        value = parse_number(text, integer=True)
        if leaf.ge is not None and value < leaf.ge or leaf.le is not None and value > leaf.le:
            shown = str if leaf.kind == "year" else show_number
            low, high = leaf.ge, leaf.le
            span = (f"entre {shown(low)} et {shown(high)}" if low is not None and high is not None
                    else f"supérieur ou égal à {shown(low)}" if low is not None
                    else f"inférieur ou égal à {shown(high)}")
            raise ValueError(f"doit être un nombre entier {span} (valeur : {text})")
        return value
    if leaf.kind == "number":
        value = parse_number(text)
        if leaf.ge is not None and value < leaf.ge:
            raise ValueError(f"doit être supérieur ou égal à {show_number(leaf.ge)} (valeur : {text})")
        return value
    if leaf.kind == "date":
        return parse_date(text)
    if leaf.kind == "lines":
        return [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    if leaf.kind == "pairs":
        out = {}
        for n, ln in enumerate(str(text).splitlines(), start=1):
            if ln.strip():
                key, sep, value = ln.partition("=")
                if not sep or not key.strip() or not value.strip():
                    raise ValueError(f"ligne {n} : écrire « nom enregistré = graphie de la source »")
                out[key.strip()] = value.strip()
        return out
    if leaf.kind == "groups":
        out: dict = {}
        for n, ln in enumerate(str(text).splitlines(), start=1):
            if ln.strip():
                key, sep, value = ln.partition(":")
                if not sep or not key.strip() or not value.strip():
                    raise ValueError(f"ligne {n} : écrire « 35 : nom de la commune »")
                out.setdefault(key.strip(), []).append(value.strip())
        return out
    return text.strip() if isinstance(text, str) else text


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def from_form(cls, tree: dict, path: str = "") -> tuple[dict, list[tuple[str, str]]]:
    """(YAML data, [(path, French message)]) of a form tree. A blank optional field is left out
    (written ``null`` only when the file had the key); a blank required one is reported."""
    original = tree.get("_original") or {}
    data: dict = {}
    errors: list[tuple[str, str]] = []
    for leaf in field_specs(cls):
        where = f"{path}.{leaf.name}" if path else leaf.name
        value = tree.get(leaf.name)
        if leaf.kind == "fixed":
            if leaf.name in original:
                data[leaf.name] = original[leaf.name]
            continue
        if leaf.kind == "block":
            if value is not None:
                data[leaf.name], errs = from_form(leaf.cls, value, where)
                errors += errs
            continue
        if leaf.kind == "items":
            items = []
            for i, item in enumerate(value or []):
                got, errs = from_form(leaf.cls, item, f"{where}[{i}]")
                items.append(got)
                errors += errs
            if items or leaf.name in original:
                data[leaf.name] = items
            continue
        if leaf.kind == "bool":
            if value or leaf.name in original:
                data[leaf.name] = bool(value)
            continue
        if _blank(value):
            if leaf.kind == "source":
                continue  # given by the change's source (geo/registry/edit.py assign_sources)
            if leaf.kind in ("lines", "pairs", "groups"):
                if leaf.name in original:
                    data[leaf.name] = [] if leaf.kind == "lines" else {}
            elif leaf.optional:
                if leaf.name in original:
                    data[leaf.name] = None
            else:
                errors.append((where, "à renseigner"))
            continue
        try:
            data[leaf.name] = _read(leaf, value)
        except ValueError as e:
            errors.append((where, str(e)))
    order = [k for k in original if k in data] + [k for k in data if k not in original]
    return {k: data[k] for k in order}, errors


def cpts_sections() -> tuple[Leaf, ...]:
    """The top-level fields of a CPTS file, the way the editor groups them."""
    return field_specs(Cpts)
