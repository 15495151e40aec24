"""The in-page scripts of presentation mode (issue 9.5): keyboard arrows, and the map's height fitted
so that the page never scrolls.

One tiny script mounted through Streamlit's components v2 (it runs in the app's page, no iframe,
nothing fetched; same mechanism as ui/french.py):

* **arrows** ← → click the page's own « Précédente » / « Suivante » buttons, so a key does exactly
  what the button does (same callback, same rerun). It also listens inside the map's iframe (same
  origin): once the map has been clicked, Leaflet would otherwise pan with ← →; there the two keys
  change the CPTS and ↑ ↓ still pan. Keys typed in a text field, or with a modifier, are left
  alone;
* **fit**: the page's CSS (ui/presentation.py) gives the map the window's height minus the header
  and the footnote; whatever else stands in the map's column (a link's note, the timeline's slider
  and sentence) would push the page below the screen. The script measures how far the map's column
  runs past the window and sets ``--cpts-map-less`` (px) on the page, which the map's height
  subtracts, and gives the height back when the extra text goes. The key-figures column is not the
  map's business: its own overflow is not charged to the map.

Without the buttons on the page (presentation mode left), both do nothing.
"""
from __future__ import annotations

import streamlit as st

PREV_KEY, NEXT_KEY = "pres-prev", "pres-next"   # st.button keys -> .st-key-pres-prev etc.
HEAD_KEY, PANEL_KEY = "pres-head", "pres-panel"  # the header's and the key figures' containers
MAP_BOX = ".st-key-carte-cadre"                  # the map's container (ui/map_component.py, key "carte")

_JS = """
export default function (component) {
  const sel = component.data;
  const root = document.documentElement;
  const onPage = () => !!document.querySelector(sel.next);
  // --- fit: the map's column ends inside the window --------------------------------------------
  const fit = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    const box = document.querySelector(sel.map);
    const blk = () => main.querySelector(".block-container");
    const less = parseFloat(root.style.getPropertyValue("--cpts-map-less")) || 0;
    if (!onPage() || !main || !box) { if (less) root.style.removeProperty("--cpts-map-less"); return; }
    const col = box.closest('[data-testid="stColumn"]');
    const row = col && col.closest('[data-testid="stHorizontalBlock"]');
    if (!row) return;
    const bottom = (c) => {
      const kids = c.querySelectorAll(':scope > [data-testid="stVerticalBlock"] > *');
      let b = c.getBoundingClientRect().top;
      kids.forEach((k) => { const r = k.getBoundingClientRect(); if (r.height) b = Math.max(b, r.bottom); });
      return b;
    };
    const frame = box.querySelector("iframe");
    if (!frame) return;
    // the map's height that ends its column, and what follows the columns, at the window's bottom:
    // measured from what stands above and below the map, not from the map itself (no feedback)
    const mr = main.getBoundingClientRect(), fr = frame.getBoundingClientRect();
    const above = fr.top - mr.top + main.scrollTop;
    const under = (bottom(col) - fr.bottom) + (blk().getBoundingClientRect().bottom - row.getBoundingClientRect().bottom);
    const target = main.clientHeight - above - under;
    let next = Math.max(0, window.innerHeight - sel.mapPx - target);
    next = Math.min(Math.round(next), window.innerHeight);
    if (Math.abs(next - less) >= 1) root.style.setProperty("--cpts-map-less", next + "px");
  };
  let pending = false;
  const later = () => {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => { pending = false; fit(); });
  };
  // sizes change without DOM changes too (the map's iframe, a late style): watch the page's block
  if (window.ResizeObserver) {
    window.__cptsWatched = window.__cptsWatched || new WeakSet();
    window.__cptsResize = window.__cptsResize || new ResizeObserver(later);
    document.querySelectorAll('[data-testid="stMain"] .block-container, ' + sel.map).forEach((el) => {
      if (!window.__cptsWatched.has(el)) { window.__cptsWatched.add(el); window.__cptsResize.observe(el); }
    });
  }
  later();
  if (window.__cptsPresentation) return;       // one set of listeners per page, whatever the reruns
  window.__cptsPresentation = true;
  window.addEventListener("resize", later);
  new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  // --- arrows -------------------------------------------------------------------------------------
  // One press = one step, never fewer. Streamlit's button trigger is a boolean: two clicks of the
  // same button whose rerun requests are both still pending on the server are coalesced into ONE
  // trigger (script_requests._coalesce_widget_states), so one press was lost when → came again
  // before the previous step's request reached the script (a loaded machine, a quick user). So a
  // press clicks at once only when no step is in flight; otherwise it is queued (← and → net out)
  // and clicked once the previous step has shown (the header's « CPTS i sur n » or the card's title
  // changed) or its run is over. body[data-cpts-keys] = presses not yet shown (0: all done).
  const app = () => document.querySelector('[data-testid="stApp"]');
  const shown = () => [sel.head, sel.panel + " h3"].map((s) => {
    const el = document.querySelector(s); return el ? el.textContent : ""; }).join("|");
  let inflight = null, queued = 0;
  const report = () => { document.body.dataset.cptsKeys = String(Math.abs(queued) + (inflight ? 1 : 0)); };
  const press = (dir) => {   // click the page's own button: same callback, same rerun as a mouse click
    const btn = document.querySelector((dir < 0 ? sel.prev : sel.next) + " button");
    if (!btn || btn.disabled) { queued = 0; inflight = null; report(); return false; }
    inflight = { sig: shown(), ran: false };
    btn.click();
    report();
    return true;
  };
  const settle = () => {     // the step in flight has shown (or its run ended): the next queued one
    if (!inflight) return;
    const a = app();
    const state = a ? a.getAttribute("data-test-script-state") : "notRunning";
    if (state !== "notRunning") inflight.ran = true;
    if (shown() === inflight.sig && !(inflight.ran && state === "notRunning")) return;
    inflight = null;
    if (queued) { const dir = Math.sign(queued); queued -= dir; press(dir); }
    report();
  };
  new MutationObserver(settle).observe(document.body, { childList: true, subtree: true, characterData: true,
                                                       attributes: true, attributeFilter: ["data-test-script-state"] });
  report();
  const onKey = (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], [role='slider']")) return;
    const dir = e.key === "ArrowLeft" ? -1 : 1;
    const btn = document.querySelector((dir < 0 ? sel.prev : sel.next) + " button");
    if (!btn || btn.disabled) return;
    e.preventDefault();
    e.stopPropagation();
    if (inflight) { queued += dir; report(); } else press(dir);
  };
  document.addEventListener("keydown", onKey, true);
  const hook = (frame) => {
    if (frame.__cptsHooked) return;
    frame.__cptsHooked = true;
    const attach = () => {   // on the frame's current document: a new document is hooked on its load
      try {
        const d = frame.contentDocument;
        if (!d || d.__cptsKeys) return;
        d.__cptsKeys = true;
        d.addEventListener("keydown", onKey, true);   // capture: before Leaflet's own arrow handler
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

_CSS = ".st-key-cpts-presentation{display:none}"


@st.cache_resource
def _component():
    return st.components.v2.component("cpts_presentation", js=_JS, isolate_styles=False)


def presentation_scripts(map_px: int) -> None:
    """Mount the scripts (invisible); the buttons must have the keys PREV_KEY and NEXT_KEY, and the
    map's CSS height is ``calc(100dvh - map_px - var(--cpts-map-less))``."""
    st.html(f"<style>{_CSS}</style>")
    _component()(key="cpts-presentation", height="content",
                 data={"prev": f".st-key-{PREV_KEY}", "next": f".st-key-{NEXT_KEY}", "map": MAP_BOX,
                       "head": f".st-key-{HEAD_KEY}", "panel": f".st-key-{PANEL_KEY}",
                       "mapPx": int(map_px)})


__all__ = ["presentation_scripts", "PREV_KEY", "NEXT_KEY", "MAP_BOX"]
