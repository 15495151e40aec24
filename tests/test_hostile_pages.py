"""Security (issue 12, items 2 and 4): every page run on a registry whose CPTS names are hostile.

What reaches a Markdown-rendering field (markdown, captions, alerts, titles, help tooltips, expander
and tab labels, buttons, radio/segmented/select-slider options) is escaped; selectbox and multiselect
options (plain text in Streamlit) keep the name as typed; every dataframe the toolbar can download
as CSV holds no live spreadsheet formula, and its numbers stay numbers. The rendering of the escaped
source in a real browser is checked by tests/e2e/test_hostile_text.py."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from geo.atlas import Atlas
from tests.hostile_support import HOSTILE, RAW_MARKERS, hostile_registry
from ui.text import md

ROOT = Path(__file__).resolve().parents[1]
PLAIN_TEXT_WIDGETS = {"selectbox", "multiselect"}   # Streamlit shows their options without Markdown
# What a spreadsheet takes for the start of a formula (issue 12.2), fullwidth forms included.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@pytest.fixture(scope="module")
def hostile_atlas(tmp_path_factory):
    return Atlas.load(registry_root=hostile_registry(tmp_path_factory.mktemp("hostile")))


@pytest.fixture
def hostile(hostile_atlas, monkeypatch):
    monkeypatch.setattr(Atlas, "load", classmethod(lambda cls, *a, **k: hostile_atlas))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield hostile_atlas
    st.cache_resource.clear()
    st.cache_data.clear()


def _strings(msg: Message, path: str = ""):
    """(field path, text) of every string field of a protobuf message, recursively."""
    for field, value in msg.ListFields():
        values = value if getattr(field, "is_repeated", False) or isinstance(value, (list, tuple)) or hasattr(value, "__len__") and not isinstance(value, (str, bytes, Message)) else [value]
        for v in values:
            if isinstance(v, Message):
                yield from _strings(v, f"{path}.{field.name}")
            elif isinstance(v, str):
                yield f"{path}.{field.name}", v


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _check_page(at: AppTest) -> dict[str, int]:
    """Asserts the escaping rules on every element of the page; returns how many of each kind held
    the hostile name (so a test can require that the name was really shown)."""
    assert not at.exception, [e.value for e in at.exception]
    seen: dict[str, int] = {}
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        kind = proto.DESCRIPTOR.name.lower()
        if kind == "componentinstance":   # folium maps: HTML, not Markdown (tests/test_map_security.py)
            continue
        if kind == "dataframe":
            _check_dataframe(node, seen)
            continue
        for where, text in _strings(proto):
            if kind in PLAIN_TEXT_WIDGETS and not where.endswith((".label", ".help")) or where.endswith((".id", ".form_id", ".icon")):
                continue
            raw = [m for m in RAW_MARKERS if m in text]
            assert not raw, f"{kind}{where} renders file text as Markdown: {raw} in {text[:300]!r}"
            if md(HOSTILE) in text:
                seen[kind] = seen.get(kind, 0) + 1
        if kind in PLAIN_TEXT_WIDGETS and any(HOSTILE in o for o in proto.options):
            seen[kind] = seen.get(kind, 0) + 1
    return seen


def _check_dataframe(node, seen: dict[str, int]) -> None:
    """The raw values and column names (what « Download as CSV » writes) hold no live formula; the
    help tooltips (Markdown) are escaped."""
    df = node.value
    for col in df.columns:
        assert not str(col).startswith(FORMULA_PREFIXES), f"live formula in a column name: {col!r}"
        for v in df[col]:
            if isinstance(v, str):
                assert not v.startswith(FORMULA_PREFIXES), f"live formula in column {col!r}: {v[:80]!r}"
                if v == "'" + HOSTILE or v.startswith("'" + HOSTILE + " "):
                    seen["dataframe"] = seen.get("dataframe", 0) + 1
    for name, cfg in json.loads(node.proto.columns or "{}").items():
        assert not str(cfg.get("label", "")).startswith(FORMULA_PREFIXES), name
        help_text = cfg.get("help") or ""
        assert not [m for m in RAW_MARKERS if m in help_text], f"column help renders Markdown: {help_text!r}"


def _run(script: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def test_fiches_with_hostile_names(hostile):
    at = _run("app_pages/1_Fiches_CPTS.py", cpts="pays-de-vitre")
    seen = _check_page(at)
    assert seen.get("markdown") and seen.get("selectbox")          # shown, escaped / as typed
    at.selectbox(key="fiche_cpts").select("marches-de-bretagne").run()   # no perimeter: other texts
    _check_page(at)


def test_comparer_with_hostile_names(hostile):
    at = _run("app_pages/2_Comparer.py")
    seen = _check_page(at)
    assert seen.get("dataframe") and seen.get("markdown")
    comparison = at.dataframe[0].value
    assert comparison["population_declaree"].dtype.kind in "if"    # numbers stay numbers
    assert f"'{HOSTILE} CPTS du Pays de Vitré" in set(comparison["nom"])
    # the missions × CPTS table (st.table: headers and cells are Markdown) names the CPTS, escaped
    matrix = next(t.value for t in at.table if "Mission" in t.value.columns)
    assert md(f"{HOSTILE} CPTS du Pays de Vitré") in list(matrix.columns)
    at.selectbox[0].select("prevention").run()
    assert _check_page(at).get("markdown")


def test_couverture_with_hostile_names(hostile):
    at = _run("app_pages/3_Couverture.py")
    seen = _check_page(at)
    assert seen.get("dataframe")                                   # signatures timeline table
    at.button_group(key="couv_scope").set_value("35").run()
    _check_page(at)


def test_sources_with_hostile_names(hostile):
    at = _run("app_pages/4_Sources.py")
    seen = _check_page(at)
    assert seen.get("table") or seen.get("multiselect")


def test_home_card_and_search_with_hostile_names(hostile):
    at = _run("app.py", cpts="pays-de-vitre")
    seen = _check_page(at)
    assert seen.get("markdown")
    at.toggle(key="timeline").set_value(True).run()                # select-slider options carry names
    assert _check_page(at).get("slider")                           # escaped, in the options
    at.text_input(key="q").input("fou").run()                      # several hits: buttons
    _check_page(at)
    assert len(at.button) > 1
