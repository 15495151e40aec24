"""French for the texts Streamlit writes itself (issue 9.10).

Streamlit declares ``<html lang="en">`` (Chrome then offers to translate the page) and has no
setting for its own widget texts: the file uploader's « Drag and drop file here », « Limit 200MB per
file », « Browse files », the « Skip to main content » link, the « Help for … » labels of help icons,
the dataframe toolbar (« Download as CSV », « Search », « Fullscreen »…) — streamlit/streamlit#13500.

The cleanest hold that survives reruns: one tiny script mounted through Streamlit's own components
v2 (``st.components.v2``, it runs in the app's page, no iframe, nothing fetched) sets ``lang="fr"``
and translates those fixed English strings — exact, whole texts from the table below, never a
pattern applied to data — in the nodes Streamlit adds, with a MutationObserver. The table is plain
data (JSON), not code. Checked in Chromium by tests/e2e/test_screens.py.
"""
from __future__ import annotations


import streamlit as st

# Exact English texts Streamlit 1.67 shows (text nodes, or aria-label/title/placeholder attributes).
TEXTS = {
    "Skip to main content": "Aller au contenu principal",
    "Drag and drop file here": "Glissez-déposez un fichier ici",
    "Drag and drop files here": "Glissez-déposez des fichiers ici",
    "Browse files": "Choisir un fichier",
    "Upload": "Choisir un fichier",
    "file upload": "Choisir un fichier",
    "Sidebar": "Panneau latéral",
    "Open": "Ouvrir",
    "Download as CSV": "Télécharger en CSV",
    "Search": "Rechercher",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Show/hide columns": "Afficher/masquer des colonnes",
    "Clear cache": "Vider le cache",
    "Rerun": "Relancer",
    "Settings": "Paramètres",
    "Print": "Imprimer",
    "About": "À propos",
    "Main menu": "Menu principal",
    "Running...": "Calcul…",
    "Stop": "Arrêter",
    "Remove file": "Retirer le fichier",
    "Delete": "Supprimer",
    "Clear all": "Tout effacer",
    "Choose an option": "Choisir",
    "No results": "Aucun résultat",
    "No options to select.": "Aucune option.",
    "Close": "Fermer",
    "Collapse sidebar": "Replier le panneau",
    "Expand sidebar": "Déplier le panneau",
    "Copy to clipboard": "Copier",
    "Link to heading": "Lien vers ce titre",
    "Show data": "Voir les données",
    "Download as PNG": "Télécharger en PNG",
    "Download as SVG": "Télécharger en SVG",
    "Copy Vega-Lite spec": "Copier la spécification Vega-Lite",
    "Press Enter to apply": "Entrée pour valider",
}
# English phrases with a variable part: (prefix, French prefix) for « Help for X » and « Cancel upload of
# X »; the uploader's size limit « Limit 200MB per file • CSV, XLSX » and the size of a chosen file
# (« 64.0B », « 1.2KB » in its chip, « liste.csv, 64.0B » in the chip's aria-label) are rewritten in JS.
PREFIXES = {"Help for ": "Aide : ", "Cancel upload of ": "Annuler l'envoi de "}

_JS = """
export default function (component) {
  const { data } = component;
  const texts = data.texts, prefixes = data.prefixes;
  document.documentElement.lang = "fr";
  if (window.__cptsFrench) return;             // one observer per page, whatever the reruns
  window.__cptsFrench = true;
  const ATTRS = ["aria-label", "title", "placeholder"];
  const limit = /^(?:Limit )?(\\d+(?:[.,]\\d+)?)\\s*([KMG]?B) per file(.*)$/;
  const units = { B: "o", KB: "Ko", MB: "Mo", GB: "Go" };
  const size = /^(\\d+(?:\\.\\d+)?)\\s*([KMG]?B)$/, chip = /^(.+), (\\d+(?:\\.\\d+)?)\\s*([KMG]?B)$/;
  const frSize = (n, u) => `${n.replace(".", ",")}\\u00a0${units[u]}`;
  const fr = (s, attr) => {
    if (!s) return null;
    const t = s.trim();
    if (Object.prototype.hasOwnProperty.call(texts, t)) return s.replace(t, texts[t]);
    for (const [en, f] of Object.entries(prefixes)) if (t.startsWith(en)) return f + t.slice(en.length);
    const m = t.match(limit);
    if (m) return `${m[1]} ${units[m[2]]} au plus par fichier${m[3]}`;
    const z = t.match(size);                       // a chosen file's size in the uploader's chip
    if (z) return frSize(z[1], z[2]);
    const c = attr === "aria-label" && t.match(chip);  // the chip's label « liste.csv, 64.0B »
    if (c) return `${c[1]}, ${frSize(c[2], c[3])}`;
    return null;
  };
  // Text we write (Markdown, which may hold data) and icon ligatures (« upload », « search ») are
  // never touched, except the uploader's button label, which Streamlit writes as Markdown.
  const ours = (el) => el.closest('[translate="no"], [data-testid="stIconMaterial"]')
    || (el.closest('[data-testid="stMarkdownContainer"]') && !el.closest('[data-testid="stFileUploaderDropzone"]'));
  const fixText = (n) => {
    if (!n.parentElement || ours(n.parentElement)) return;
    const v = fr(n.nodeValue); if (v !== null && v !== n.nodeValue) n.nodeValue = v;
  };
  const fixAttr = (el, a) => {
    const old = el.getAttribute(a), v = fr(old, a); if (v !== null && v !== old) el.setAttribute(a, v);
  };
  const fix = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    for (const el of [root, ...root.querySelectorAll("*")]) {
      for (const a of ATTRS) if (el.hasAttribute(a)) fixAttr(el, a);
      for (const n of el.childNodes) if (n.nodeType === Node.TEXT_NODE) fixText(n);
    }
  };
  const html = document.documentElement;
  new MutationObserver((records) => {
    if (html.lang !== "fr") html.lang = "fr";
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach(fix);
      else if (r.type === "characterData") fixText(r.target);
      else if (r.type === "attributes") fixAttr(r.target, r.attributeName);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true,
                              attributes: true, attributeFilter: ATTRS });
  new MutationObserver(() => { if (html.lang !== "fr") html.lang = "fr"; })
    .observe(html, { attributes: true, attributeFilter: ["lang"] });
  fix(document.body);
}
"""

_CSS = ".st-key-cpts-french{display:none}"


@st.cache_resource
def _component():
    return st.components.v2.component("cpts_french", js=_JS, isolate_styles=False)


def french_page() -> None:
    """Mount the translator (invisible). Call once per run, before the page draws (app.py)."""
    st.html(f"<style>{_CSS}</style>")
    _component()(key="cpts-french", data={"texts": TEXTS, "prefixes": PREFIXES}, height="content")


__all__ = ["french_page", "TEXTS", "PREFIXES"]
