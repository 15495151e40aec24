"""One-page A4 PDF per CPTS ("fiche"), offline, with fpdf2 and the DejaVu fonts shipped by matplotlib.

Content: name, lifecycle status and dates, the « registre partiel » line when the registry maps
fewer CPTS than its sources count, the map of its territory (geo/exports/png.py), key figures each
labelled déclaré/calculé with its origin (geo/views/facts.py), the gap between declared and
computed population, the missions and actions by ACI mission, the sources (each document by its
own title, kind, publisher and date), the generation date. It always fits on ONE page: fonts shrink, then the action list is cut with
"…et N autres actions". A CPTS without documented perimeter still gets a page that says so.

File and registry text is written as text: fpdf2's Markdown and HTML are never used, and every
string goes through :meth:`_Fiche.normalize_text` (glyphs the font lacks, see fonts.py).

    from geo.exports.pdf import render_fiche_pdf
    pdf_bytes = render_fiche_pdf(atlas, "pays-de-vitre")
"""
from __future__ import annotations

import copy
import datetime as _dt
import io
import os
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..formatting import fr_date, plural
from ..registry import STEPS
from ..scope import scope_of
from ..views.facts import (CALCULE, DECLARE, aci_size_figures, commune_figures, funding_figures, other_indicator_figures,
                    population_figures, smt_figures, source_ids, status_line)
from .common import RenderError, document_citation, millesimes, partial_registry_line
from .fonts import FONT_DIR, FONTS, printable
from .png import render_map_png

MAP_PX = (1600, 860)           # size of the embedded map image, in pixels
MARGIN = 12                    # mm
PAGE_W, PAGE_H = 210, 297      # A4, mm
INK = (26, 26, 26)
GREY = (90, 90, 90)
PARTIAL = (165, 15, 21)
NATURE_COLORS = {DECLARE: (0, 90, 160), CALCULE: (170, 80, 0)}


@dataclass(frozen=True)
class Layout:
    base: float          # body font size, pt
    max_actions: int | None  # None = every action


LAYOUTS = [Layout(9.0, None), Layout(8.5, None), Layout(8.0, None), Layout(7.5, None), Layout(7.0, None),
           *(Layout(7.0, n) for n in (12, 10, 8, 6, 4, 2, 0))]


class _Fiche(FPDF):
    def __init__(self, footer_text: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        for style, name in FONTS.items():
            self.add_font("DejaVu", style, os.path.join(FONT_DIR, name))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)

    def normalize_text(self, text: str) -> str:
        """fpdf2 passes every text of cell/multi_cell through here: we never enable its Markdown
        (``markdown=False``, the default) nor its HTML, and keep only glyphs the font has."""
        return printable(super().normalize_text(text))

    def footer(self):
        self.set_y(-MARGIN - 2)
        self.set_font("DejaVu", "", 6.5)
        self.set_text_color(*GREY)
        self.cell(0, 3, self._footer_text, align="L")


def _new_fiche(base: _Fiche, footer_text: str) -> _Fiche:
    """A layout attempt: a deep copy of ``base`` (fonts already parsed, the slow part), so trying
    several layouts costs one font parsing. Only one copy per base is ever output (fontTools
    subsetting modifies the parsed font), and ``base`` is never shared between documents."""
    pdf = copy.deepcopy(base)
    pdf._footer_text = footer_text
    return pdf


def _status_text(t) -> str:
    """'Accord … signé le 9 octobre 2024 (étapes précédentes : lettre d'intention validée … en septembre 2023 ; …)'."""
    order = {s.key: s.label for s in STEPS}
    steps = [j for j in t.cpts.statut.jalons if j.etape in order]
    current = [j for j in steps if j.etape == t.cpts.statut.etape and j.date]
    out = status_line(t) + (" (date déduite)" if current and current[-1].infere else "")
    earlier = []
    for j in steps:
        if current and j is current[-1]:
            continue
        when = (("le " if len(j.date) == 10 else "en ") + fr_date(j.date)) if j.date else "date inconnue"
        earlier.append(f"{order[j.etape][0].lower()}{order[j.etape][1:]} {when}" + (" (date déduite)" if j.infere else ""))
    return out + (f" ; étapes précédentes : {' ; '.join(earlier)}" if earlier else "")


def _figures(t, registry):
    pop, gap = population_figures(t, registry)
    figs = [*pop, *commune_figures(t, registry), *funding_figures(t, registry), *smt_figures(t, registry),
            *other_indicator_figures(t, registry), *aci_size_figures(t, registry)]
    return figs, gap


def _draw(atlas, t, map_png: bytes | None, layout: Layout, today: _dt.date, base: _Fiche) -> _Fiche:
    reg = atlas.registry
    b = layout.base
    cog, popm = millesimes()
    pdf = _new_fiche(base, f"Fiche générée le {fr_date(today)} (Carte des CPTS). Déclaré : documents sources cités ; "
                 f"calculé : INSEE COG {cog}, populations légales {popm}.")
    pdf.set_title(t.nom)
    scope = scope_of(atlas)
    pdf.set_author("Carte des CPTS" if scope.is_france else f"Carte des CPTS (ARS {scope.nom})")
    pdf.set_subject("Fiche CPTS")
    pdf.set_creator("Carte des CPTS")
    pdf.set_lang("fr")
    pdf.set_creation_date(_dt.datetime(today.year, today.month, today.day, tzinfo=_dt.timezone.utc))
    pdf.add_page()
    w = PAGE_W - 2 * MARGIN

    def text(s, size=b, style="", color=INK, h=None, indent=0.0):
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(MARGIN + indent)
        pdf.multi_cell(w - indent, h or size * 0.42, s, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(s):
        pdf.ln(b * 0.18)
        text(s, b + 2, "B")
        pdf.set_draw_color(180, 180, 180)
        pdf.line(MARGIN, pdf.get_y() + 0.3, PAGE_W - MARGIN, pdf.get_y() + 0.3)
        pdf.ln(b * 0.12)

    # --- title, status
    text(t.nom, b + 9, "B", h=(b + 9) * 0.45)
    text(f"Statut : {_status_text(t)}", b + 0.5, color=GREY)
    if t.cpts.statut.note:
        text(t.cpts.statut.note, b - 1, "I", GREY)
    partial = partial_registry_line(atlas)
    if partial:
        text(partial, b - 0.5, "B", PARTIAL)

    # --- map
    if map_png is not None:
        pdf.ln(1)
        img_h = w * MAP_PX[1] / MAP_PX[0]
        pdf.image(io.BytesIO(map_png), x=MARGIN, y=pdf.get_y(), w=w, h=img_h,
                  alt_text=f"Carte du territoire de la {t.nom}")
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(MARGIN, pdf.get_y(), w, img_h)
        pdf.set_y(pdf.get_y() + img_h + 0.8)
        neighbours = sorted({o.nom for c in t.codes for o in atlas.territories_of(c) if o.id != t.id})
        text(f"Carte : territoire de la CPTS (contour noir épais, {plural(t.n_communes, 'commune')} au COG {cog}), "
             "CPTS voisines en couleurs atténuées"
             + (f" (communes partagées avec : {', '.join(neighbours)})" if neighbours else "")
             + f", gris : aucune CPTS documentée ; contours IGN ADMIN EXPRESS, "
             f"carte du {fr_date(today)}.", b - 2, color=GREY)
    else:
        pdf.ln(1)
        pdf.set_fill_color(245, 245, 245)
        pdf.set_font("DejaVu", "B", b + 1)
        pdf.set_text_color(*INK)
        pdf.multi_cell(w, (b + 1) * 0.5, "Périmètre non documenté dans les sources : la CPTS n'apparaît pas sur la "
                       "carte et sa population ne peut pas être calculée.", border=1, fill=True, align="L",
                       padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if t.approximatif:
        text("Périmètre approché : " + (t.cpts.perimetre.note or "la source ne nomme pas toutes les communes."),
             b - 1, "I", GREY)

    # --- key figures
    heading("Chiffres clés")
    figs, gap = _figures(t, reg)
    if not figs:
        text("Aucun chiffre donné par les sources.", b, "I", GREY)
    label_w, value_w, nature_w = 58, 34, 17
    for f in figs:
        y0 = pdf.get_y()
        if y0 > PAGE_H - MARGIN - 12:   # let the page break happen before the row, not inside it
            pdf.add_page()
            y0 = pdf.get_y()
        pdf.set_x(MARGIN)
        pdf.set_font("DejaVu", "", b)
        pdf.set_text_color(*INK)
        pdf.multi_cell(label_w - 1, b * 0.42, f.label, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y_label = pdf.get_y()
        pdf.set_xy(MARGIN + label_w, y0)
        pdf.set_font("DejaVu", "B", b)
        pdf.multi_cell(value_w - 1, b * 0.42, f.value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y_label = max(y_label, pdf.get_y())
        pdf.set_xy(MARGIN + label_w + value_w, y0)
        pdf.set_font("DejaVu", "B", b - 1)
        pdf.set_text_color(*NATURE_COLORS.get(f.nature, INK))
        pdf.cell(nature_w, b * 0.42, f.nature)
        pdf.set_xy(MARGIN + label_w + value_w + nature_w, y0)
        pdf.set_font("DejaVu", "", b - 1)
        pdf.set_text_color(*GREY)
        origin = f.origin + (f" — {f.note}" if f.note else "")
        pdf.multi_cell(w - label_w - value_w - nature_w, (b - 1) * 0.42, origin, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y_label, y0 + b * 0.42) + 0.6)
    if gap:
        pdf.ln(0.5)
        text(gap, b, "I")

    # --- missions and actions
    heading("Missions et actions")
    m = t.cpts.missions
    if m is None:
        text("Les sources ne décrivent pas les missions de cette CPTS.", b, "I", GREY)
    else:
        total = sum(len(a) for _, a in m.items())
        budget = total if layout.max_actions is None else layout.max_actions
        shown = 0
        for mission, actions in m.items():
            if not actions:
                continue
            keep = actions[:max(0, budget - shown)]
            shown += len(keep)
            if not keep:
                continue
            text(f"{mission.label} ({mission.kind})", b, "B")
            for a in keep:
                text(f"• {a.action}", b, indent=3)
        if shown < total:
            n = total - shown
            text(f"…et {plural(n, 'autre action', 'autres actions')} (voir l'application, page de la CPTS)",
                 b, "I", GREY)
        text(f"Source : {document_citation(m.source, reg)}", b - 1.5, color=GREY)

    # --- sources
    heading("Sources")
    ids = source_ids(t, reg)
    for sid in ids:
        text(f"• {document_citation(sid, reg)}", b - 1.5, color=GREY)
    if not ids:
        text("Aucune source documentée.", b - 1.5, color=GREY)
    text(f"Chiffres calculés : INSEE, Code officiel géographique {cog}, populations légales {popm} (population "
         "municipale) ; contours IGN ADMIN EXPRESS.", b - 1.5, color=GREY)
    return pdf


def render_fiche_pdf(atlas, cpts_id: str, *, today: _dt.date | None = None, map_data=None,
                     map_png: bytes | None = None) -> bytes:
    """The one-page PDF of a CPTS. RenderError (French message) for an unknown id."""
    t = atlas.territory(cpts_id)
    if t is None:
        raise RenderError(f"CPTS inconnue « {cpts_id} » (identifiants : {', '.join(x.id for x in atlas.territories)})")
    today = today or _dt.date.today()
    if not t.perimetre_connu:
        map_png = None   # nothing to draw: the page says the perimeter is not documented
    elif map_png is None:
        map_png = render_map_png(atlas, indicator="cpts", cpts_id=t.id, width=MAP_PX[0], height=MAP_PX[1],
                                 today=today, map_data=map_data, bare=True, label_scale=2.0)
    base = _Fiche()
    for layout in LAYOUTS:
        pdf = _draw(atlas, t, map_png, layout, today, base)
        if pdf.page == 1:
            return bytes(pdf.output())
    raise RenderError(f"la fiche de {t.nom} ne tient pas sur une page")  # pragma: no cover - last layout drops actions


__all__ = ["render_fiche_pdf", "LAYOUTS", "MAP_PX"]
