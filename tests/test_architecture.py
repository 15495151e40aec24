"""The shape of geo/ that the brief asks for, checked on every run (issue 13).

- no import circle between modules of geo/ — every import counts, also the ones inside a function
  ("lazy"): a circle hidden by a lazy import is still two modules that need each other;
- geo/ never imports Streamlit (the data layer must run in scripts, the CLI and tests);
- no module over 400 lines unless its docstring says why, in a sentence with « 400 lines ».

The import graph is grimp's (the engine of import-linter: it parses every module of the package,
resolves relative imports and records line numbers); only the search for circles (Tarjan's
strongly connected components) is written here, because grimp finds chains, not circles.
"""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

GEO = Path(__file__).resolve().parent.parent / "geo"
MAX_LINES = 400


@pytest.fixture(scope="module")
def graph():
    # cache_dir=None: no .grimp_cache folder written into the work tree.
    return grimp.build_graph("geo", cache_dir=None, include_external_packages=True,
                             exclude_type_checking_imports=True)


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit): the groups of modules that import each
    other directly or through others. A group of one is not a circle (self-imports are ignored)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def test_strongly_connected_finds_circles_and_only_them():
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["a"], "g": ["g"]}
    assert sorted(strongly_connected(list(edges), edges)) == [["a", "b", "c"], ["d", "e"]]
    assert strongly_connected(["x", "y"], {"x": ["y"], "y": []}) == []


def _internal_modules(graph) -> list[str]:
    return sorted(m for m in graph.modules if m == "geo" or m.startswith("geo."))


def test_no_import_circle_in_geo(graph):
    modules = _internal_modules(graph)
    edges = {m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in modules and x != m)
             for m in modules}
    circles = strongly_connected(modules, edges)
    report = []
    for group in circles:
        lines = [f"circle: {' ⇄ '.join(group)}"]
        for a in group:
            for b in edges[a]:
                if b in group:
                    for d in graph.get_import_details(importer=a, imported=b):
                        lazy = " (lazy)" if d.get("is_lazy") else ""
                        lines.append(f"  {a}:{d['line_number']}{lazy} -> {b}: {d['line_contents']}")
        report.append("\n".join(lines))
    assert not circles, "\n".join(report)


def test_geo_never_imports_streamlit(graph):
    offenders = []
    for ext in graph.modules:
        if ext.split(".")[0].startswith("streamlit"):  # streamlit, streamlit_folium…
            offenders += [f"{m} imports {ext}" for m in graph.find_modules_that_directly_import(ext)
                          if m == "geo" or m.startswith("geo.")]
    assert not offenders, offenders


def test_modules_stay_small_or_say_why():
    too_long = []
    for path in sorted(GEO.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        n = text.count("\n")
        if n > MAX_LINES and "400 lines" not in (ast.get_docstring(ast.parse(text)) or ""):
            too_long.append(f"{path.relative_to(GEO.parent)}: {n} lines")
    assert not too_long, ("modules over 400 lines whose docstring does not say why (« 400 lines »): "
                          + ", ".join(too_long))
