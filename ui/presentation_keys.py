"""Keyboard arrows ← → for « Précédente » / « Suivante » in presentation mode (issue 9.5).

A tiny script mounted through Streamlit's components v2 (it runs in the app's page, no iframe,
nothing fetched; same mechanism as ui/french.py) listens to the arrow keys and clicks the page's
own « Précédente » / « Suivante » buttons, so a key does exactly what the button does (the same
callback, the same rerun). It also listens inside the map's iframe (same origin): once the map
has been clicked, Leaflet would otherwise pan with ← →; there the two keys change the CPTS and
↑ ↓ still pan. Keys typed in a text field, or with a modifier, are left alone. Without the
buttons on the page (presentation mode left), the script does nothing.
"""
from __future__ import annotations

import streamlit as st

PREV_KEY, NEXT_KEY = "pres-prev", "pres-next"   # st.button keys -> .st-key-pres-prev etc.

_JS = """
export default function (component) {
  const sel = component.data;
  if (window.__cptsKeys) return;               // one listener per page, whatever the reruns
  window.__cptsKeys = true;
  const onKey = (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], [role='slider']")) return;
    const btn = document.querySelector((e.key === "ArrowLeft" ? sel.prev : sel.next) + " button");
    if (!btn || btn.disabled) return;
    e.preventDefault();
    e.stopPropagation();
    btn.click();
  };
  document.addEventListener("keydown", onKey, true);
  const hook = (frame) => {
    if (frame.__cptsHooked) return;
    frame.__cptsHooked = true;
    const attach = () => {
      try {
        const w = frame.contentWindow;
        if (!w || w.__cptsKeys) return;
        w.__cptsKeys = true;
        w.addEventListener("keydown", onKey, true);   // before Leaflet's own arrow handler
      } catch (err) { /* another origin: the page's listener is enough */ }
    };
    frame.addEventListener("load", attach);
    attach();
  };
  const scan = () => document.querySelectorAll("iframe").forEach(hook);
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  scan();
}
"""

_CSS = ".st-key-cpts-keys{display:none}"


@st.cache_resource
def _component():
    return st.components.v2.component("cpts_keys", js=_JS, isolate_styles=False)


def arrow_keys() -> None:
    """Mount the listener (invisible); the buttons must have the keys PREV_KEY and NEXT_KEY."""
    st.html(f"<style>{_CSS}</style>")
    _component()(key="cpts-keys", data={"prev": f".st-key-{PREV_KEY}", "next": f".st-key-{NEXT_KEY}"},
                 height="content")


__all__ = ["arrow_keys", "PREV_KEY", "NEXT_KEY"]
