"""Field by field, what an edit changes in a CPTS file: the preview the editor reads before
publishing (« Financement n° 1 › montant : 196 875 → 250 000 »). The summary of the change,
its sources and what it takes away come from geo/registry/history_diff.py, as in the history."""
from __future__ import annotations

from typing import Any

from ..formatting import fr_int, fr_num
from .edit import plain
from .labels import field_label

__all__ = ["field_changes", "shown"]


def shown(value: Any) -> str:
    """A value in a sentence: French numbers, « oui »/« non », lists joined, « — » for nothing."""
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fr_int(value) if not 1900 <= value <= 2100 else str(value)
    if isinstance(value, float):
        decimals = len(repr(value).split(".")[1]) if "." in repr(value) else 0
        return fr_num(value, decimals)
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return " ; ".join(f"{k} : {shown(v)}" for k, v in value.items())
    return str(value)


def _leaves(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _leaves(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            _leaves(v, f"{path}[{i}]", out)
    else:
        out[path] = value


def field_changes(old: dict | None, new: dict | None) -> list[tuple[str, str, str]]:
    """[(field label, before, after)] of every value that differs, in the new file's order."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _leaves(plain(old or {}), "", a)
    _leaves(plain(new or {}), "", b)
    paths = list(b) + [p for p in a if p not in b]
    return [(field_label(p), shown(a.get(p)), shown(b.get(p))) for p in paths if a.get(p) != b.get(p)]
