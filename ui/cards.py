"""The commune panel and the CPTS card: what a user reads after clicking a commune.

Every figure says whether it is *déclaré* (source document and date, with a « voir la source » link
to the document's page, the cited passage highlighted) or *calculé* (INSEE millésime); file-provided
text is escaped before it reaches Markdown, links are built from URL-quoted ids (ui/document.py).

Each block of the card is ONE st.markdown built from escaped pieces (issue 11): Streamlit pays for
every element of a rerun (proto, queue, websocket), and the card used to be ~55 elements, half the
server's work of a click. A caption line inside a block is ``:gray[:small[…]]`` (:func:`small`).
"""
from __future__ import annotations

import re
import weakref

import streamlit as st

from geo.views import facts
from geo.atlas import Atlas
from geo.formatting import fr_date, fr_int, plural
from geo.registry import format_source
from geo.scope import scope_of
from geo.views.registry_scope import known_cpts_figures, known_cpts_sentence
from geo.territories import ECART, ERREUR, Territory

from .document import source_link
from .text import md

NATURE_BADGE = {facts.DECLARE: ":blue-badge[déclaré]", facts.CALCULE: ":green-badge[calculé]"}
# Material Symbols ship with Streamlit (no emoji font needed, nothing fetched).
SEVERITY_ICON = {"erreur": ":red[:material/error:]", "ecart": ":orange[:material/warning:]",
                 "info": ":blue[:material/info:]"}


def approx_note(note: str | None) -> str:
    """« Périmètre approché : … » once, even when the registry's note already starts with its own
    « Périmètre approximatif : » (escaped file text)."""
    text = re.sub(r"^\s*périmètre approxi(?:matif|mé)\s*:\s*", "", note or "", flags=re.I)
    return "Périmètre approché : " + (md(text) if text else "la source ne nomme pas toutes les communes.")


def _with_link(text: str, source_id: str | None, citation: str | None = None) -> str:
    """Escaped ``text`` followed by « · voir la source » when the fact has a source document."""
    link = source_link(source_id, citation)
    return text + (f" · {link}" if link else "")


def small(text: str) -> str:
    """A caption line inside a Markdown block (``text`` already escaped Markdown)."""
    return f":gray[:small[{text}]]"


def lines(*parts: str) -> str:
    """Lines of one paragraph (Markdown hard breaks); empty parts are dropped."""
    return "  \n".join(p for p in parts if p)


def figure_md(f: facts.Figure) -> str:
    """A figure and, under it, where it comes from: two lines of one paragraph."""
    return lines(f"**{md(f.label)}** : {md(f.value)} {NATURE_BADGE[f.nature]}",
                 small(_with_link(md(f.origin) + (f" — {md(f.note)}" if f.note else ""), f.source, f.citation)))


def figure_line(f: facts.Figure) -> None:
    st.markdown(figure_md(f))


def commune_panel(atlas: Atlas, code: str) -> None:
    c = atlas.commune_dict(code)
    if c is None:
        st.warning(f"Code INSEE {md(code)} inconnu du référentiel (COG 2026, {md(atlas.matcher.scope_label())}).")
        return
    st.subheader(md(c["nom"]))
    pop = f"{fr_int(c['population'])} hab. (populations légales {c['population_millesime']})" if c["population"] is not None else "non disponible"
    st.markdown(
        f"Code INSEE **{md(c['code'])}** · {md(c['departement_nom'])} ({md(c['departement'])})  \n"
        f"Population : **{pop}** :green-badge[INSEE]  \n"
        f"EPCI : {md(c['epci_nom'] or 'aucun (commune isolée)')}"
        + (f"  \n{'Codes postaux' if len(c['codes_postaux']) > 1 else 'Code postal'} : "
           f"{md(', '.join(c['codes_postaux']))}" if c["codes_postaux"] else ""))


def no_cpts_notice(atlas: Atlas) -> None:
    """The commune is in no documented CPTS: say what the registry holds for the scope (geo/scope.py)
    and what its sources count there (context figures about the scope, newest date)."""
    reg = atlas.registry
    scope = scope_of(atlas)
    mapped = sum(1 for t in atlas.territories if t.perimetre_connu)
    text = (f"**Aucune CPTS documentée pour cette commune dans les sources du registre.** "
            f"Le registre ne contient que les CPTS décrites par ses documents sources "
            f"({len(atlas.territories)} CPTS {md(scope.de_nom)}, dont {mapped} avec un périmètre) : le gris ne veut "
            "pas dire « sans CPTS ».")
    figures, known = known_cpts_figures(atlas), known_cpts_sentence(atlas)
    if known:   # « La Bretagne comptait 29 CPTS reconnues et 8 projets le 16 avril 2024 (source). »
        text += f" {md(known[:1].upper() + known[1:])} ({md(format_source(figures[0].source, reg))})."
    st.info(text)


def cpts_card(atlas: Atlas, t: Territory, full: bool = False) -> None:
    """One CPTS: identity, status, figures, missions, funding, indicators, sources, data quality.

    About ten elements whatever the CPTS (one Markdown block per part, expanders for the details),
    written from :func:`card_plan`, computed once per atlas (a data version) and CPTS."""
    per_atlas = _plans_of(atlas)
    key = (t.id, id(t), full)
    plan = per_atlas.get(key)
    if plan is None:
        plan = per_atlas[key] = card_plan(atlas, t, full)
    with st.container(border=True):
        _draw(plan)


# Plans of the cards already written, per atlas object (a new data version is a new atlas: its
# cards are planned again; the old atlas's plans go with it). Atlas is an unhashable dataclass:
# keyed by id() with a weak reference that checks it is still the same object.
_PLANS: dict[int, tuple[weakref.ref, dict]] = {}


def _forget(ref: weakref.ref) -> None:
    for k, (r, _) in list(_PLANS.items()):
        if r is ref:
            _PLANS.pop(k, None)


def _plans_of(atlas: Atlas) -> dict:
    entry = _PLANS.get(id(atlas))
    if entry is None or entry[0]() is not atlas:
        entry = _PLANS[id(atlas)] = (weakref.ref(atlas, _forget), {})
    return entry[1]


def _draw(plan: tuple) -> None:
    for kind, *args in plan:
        if kind == "md":
            st.markdown(args[0])
        elif kind == "warning":
            st.warning(args[0])
        else:  # ("expander", label, expanded, plan)
            with st.expander(args[0], expanded=args[1]):
                _draw(args[2])


def _block(*paragraphs: str) -> tuple:
    body = "\n\n".join(p for p in paragraphs if p)
    return (("md", body),) if body else ()


def card_plan(atlas: Atlas, t: Territory, full: bool = False) -> tuple:
    """What :func:`cpts_card` writes, as ``("md", text)``, ``("warning", text)`` and
    ``("expander", label, expanded, plan)`` items; every piece of file text already escaped."""
    reg = atlas.registry
    c = t.cpts
    plan: list = []
    head = f"#### {md(t.nom)}"
    if not c.nom_connu:
        head += "\n\n" + small("Nom non donné par la source : libellé descriptif, pas le nom officiel.")
    status = f"**Statut** : {md(facts.status_line(t))}"
    if t.approximatif:  # the warning stands between the name and the status
        plan += [("md", head), ("warning", approx_note(c.perimetre.note)), ("md", status)]
    else:
        plan.append(("md", f"{head}\n\n{status}"))
    plan.append(("expander", "Étapes et dates", full, _block(*(
        lines(_with_link(f"- **{md(fr_date(j.date))}** — {md(j.libelle)}" + (" *(date déduite)*" if j.infere else ""),
                         j.source, j.citation),
              f"  {small(md(j.note))}" if j.note else "")
        for j in c.statut.jalons))))

    pop_figs, gap = facts.population_figures(t, reg)
    paras = [figure_md(f) for f in pop_figs + facts.commune_figures(t, reg)]
    if gap:
        paras.append(f":orange[**{md(gap)}**]" if abs(t.population - (t.population_declaree or 0)) else md(gap))
    paras += [figure_md(f) for f in facts.aci_size_figures(t, reg)]
    funding = facts.funding_figures(t, reg)
    smt = facts.smt_figures(t, reg)
    paras += [figure_md(f) for f in funding + smt]
    if not (funding or smt):
        paras.append(small("Financement et part de patients sans médecin traitant : non renseignés par les sources."))
    plan += _block(*paras)

    others = facts.other_indicator_figures(t, reg)
    if others:
        plan.append(("expander", f"Autres indicateurs ({len(others)})", full, _block(*(figure_md(f) for f in others))))

    if c.professionnels:
        plan.append(("expander", "Professionnels impliqués", full, _block(*(
            lines(f"- {md((p.qualificatif + ' ') if p.qualificatif else '')}**{fr_int(p.valeur)}** {md(p.libelle)}",
                  "  " + small(_with_link(md(facts.short_source(p.source, reg)) + (f", {md(fr_date(p.date))}" if p.date else ""),
                                          p.source, p.citation)))
            for p in c.professionnels))))

    if c.missions:
        parts = []
        for mission, actions in c.missions.items():
            kind = "socle" if mission.kind == "socle" else "complémentaire"
            parts.append(f"**{md(mission.label)}** *({kind})*")
            parts.append("\n".join(f"- {md(a.action)}" for a in actions) if actions
                         else small("Aucune action citée par la source."))
        parts.append(small(_with_link("Source : " + md(format_source(c.missions.source, reg)), c.missions.source)))
        plan.append(("expander", "Missions (ACI) et actions de la CPTS", full, _block(*parts)))
    engaged = facts.engagement_figures(t, reg)
    if engaged:  # the tracking table's yes/no per mission, apart from the actions the documents describe
        plan.append(("expander", f"Missions engagées ({len([f for f in engaged if f.value == 'engagée'])} "
                                 f"sur {len(engaged)})", full, _block(*(figure_md(f) for f in engaged))))
    elif not c.missions:
        plan.append(("md", small("Missions : non décrites par les sources.")))
    contact = facts.contact_figures(t, reg)
    if contact:  # shown as text, never a live link (the value comes from a file)
        plan += _block(*(figure_md(f) for f in contact))

    issues = [d for d in t.discrepancies if d.severity in (ERREUR, ECART) and d.kind != "population"]
    if issues or full:
        plan.append(("expander", f"Qualité des données ({plural(len(issues), 'écart')})", full, _block(
            *(f"{SEVERITY_ICON.get(d.severity, SEVERITY_ICON['info'])} {md(d.message)}" for d in t.discrepancies),
            *(f":material/edit_note: {md(n)}" for n in c.notes))))

    plan.append(("md", "**Sources**\n" + "\n".join(_with_link(f"- {md(format_source(s, reg))}", s)
                                                    for s in facts.source_ids(t, reg))))
    return tuple(plan)
