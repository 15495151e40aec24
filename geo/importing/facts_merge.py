"""What a row of the tracking table does to one CPTS of the registry: for each fact, the old value, the
new one and the YAML blocks to write (``FactsCpts.blocks``: top-level key -> new value).

Rules (data/registry/README.md, « Tableau de suivi »):
- a value equal to the registry's is « inchangé » (nothing written, whatever the source);
- a single figure (population, number of communes, ACI size) that differs from the registry's keeps
  both: the newer one (own date, else its source's date; geo/registry/dated.py) in the field, the
  other in ``autres_valeurs`` — the card shows both with their dates;
- a list (funding, share without médecin traitant, professionals) gets the new entry; entries of the
  same figure (same year of funding, same population for the share) are kept side by side, and the
  list is written newest first, so what reads its first entry (the map) reads the newest;
- lifecycle dates add milestones (jalons); the current step only moves forward;
- missions engaged and the public contact are replaced; a note of the table is added to ``notes``.
"""
from __future__ import annotations

import copy
from typing import Any

from ..formatting import fr_date, fr_eur, fr_int, fr_pct
from ..registry.dated import newer
from ..registry.models import MISSIONS, STEP_KEYS, STEPS
from .facts_results import FactChange, FactsCpts
from .facts_rows import Read, ReadRow
from .values import _fold

__all__ = ["merge_row"]

_STEP_DATES = (("date_lettre_intention", "lettre_intention_validee", None),
               ("date_pre_projet", "autre", "Pré-projet"),
               ("date_projet_sante", "projet_sante_valide", None),
               ("date_aci", "aci_signe", None),
               ("date_avenant", "autre", "Avenant à l'ACI"))
_LABEL = {s.key: s.label for s in STEPS}
_SHORT = {"acces_aux_soins": "accès aux soins", "parcours_pluriprofessionnels": "parcours pluriprofessionnels",
          "prevention": "prévention", "crises_sanitaires": "crises sanitaires",
          "qualite_pertinence": "qualité et pertinence", "accompagnement_professionnels": "accompagnement des professionnels"}
_SINGLE = (("population", "population_declaree", "population déclarée", lambda v: f"{fr_int(v)} hab."),
           ("communes_nb", "communes_declarees", "nombre de communes déclaré", fr_int),
           ("taille_aci", "taille_aci_declaree", "taille ACI déclarée", str))


class _Ctx:
    def __init__(self, fc: FactsCpts, old: dict, row: ReadRow, source_id: str, sources: dict, doc_label: str):
        self.fc, self.old, self.row, self.source, self.sources, self.doc = fc, old, row, source_id, sources, doc_label

    def block(self, key: str, default: Any = None) -> Any:
        if key not in self.fc.blocks:
            self.fc.blocks[key] = copy.deepcopy(self.old.get(key, default))
        return self.fc.blocks[key]

    def fact(self, champ: str, libelle: str, ancien, nouveau, statut: str, reads: list[Read], message: str = ""):
        self.fc.facts.append(FactChange(champ, libelle, ancien, nouveau, statut,
                                        [r.citation.rsplit(" : ", 1)[0] for r in reads], message))

    def when(self, fact: dict) -> str:
        src = self.sources.get(fact.get("source"))
        own = fact.get("date") or fact.get("annee")
        where = f"{src.type} du {fr_date(src.date)}" if src is not None else fact.get("source", "?")
        return (f"{fr_date(str(own))}, " if own else "") + where


def _new_fact(ctx: _Ctx, value_key: str, value: Any, r: Read, **extra) -> dict:
    out = {value_key: value}
    out.update({k: v for k, v in extra.items() if v is not None})
    out["source"] = ctx.source
    out["citation"] = r.citation
    return out


def _singles(ctx: _Ctx) -> None:
    for f, key, libelle, show in _SINGLE:
        r = ctx.row.values.get(f)
        if r is None:
            continue
        date = ctx.row.values.get("population_date") if f == "population" else None
        new = _new_fact(ctx, "valeur", r.value, r, date=date.value if date else None)
        if date:
            new["note"] = f"Date lue {date.citation.rsplit(' : ', 1)[0].lower()}."
        reads = [r] + ([date] if date else [])
        old = ctx.old.get(key)
        if old is None:
            ctx.block(key)
            ctx.fc.blocks[key] = new
            ctx.fact(key, libelle, None, show(r.value), "nouveau", reads)
            continue
        others = ctx.old.get("autres_valeurs") or []
        if old.get("valeur") == r.value or any(o.get("champ") == key and o.get("valeur") == r.value
                                                 and o.get("source") == ctx.source for o in others):
            ctx.fact(key, libelle, show(old["valeur"]), show(r.value), "inchange", reads)
            continue
        autres = ctx.block("autres_valeurs", [])
        was = f"{show(old['valeur'])} ({ctx.when(old)})"
        if newer(new, old, ctx.sources):
            autres.append({"champ": key, **old})
            ctx.fc.blocks[key] = new
            ctx.fact(key, libelle, was, show(r.value), "plus_recent", reads,
                     f"la valeur du registre ({ctx.when(old)}) reste affichée comme valeur plus ancienne")
        else:
            autres.append({"champ": key, **new})
            ctx.fact(key, libelle, was, show(r.value), "plus_ancien", reads,
                     f"la valeur du registre ({ctx.when(old)}) est plus récente et reste la valeur retenue")


def _sorted_newest(items: list[dict], ctx: _Ctx) -> list[dict]:
    """Newest first (stable): insertion sort with dated.newer, a few items per list."""
    out: list[dict] = []
    for it in items:
        i = 0
        while i < len(out) and not newer(it, out[i], ctx.sources):
            i += 1
        out.insert(i, it)
    return out


def _list_fact(ctx: _Ctx, key: str, libelle: str, new: dict, reads: list[Read], shown: str,
               same_value, same_figure, show_old) -> None:
    items = ctx.old.get(key) or []
    if any(same_value(o) for o in items):
        ctx.fact(key, libelle, shown, shown, "inchange", reads)
        return
    rivals = [o for o in items if same_figure(o)]
    lst = ctx.block(key, [])
    lst.append(new)
    ctx.fc.blocks[key] = _sorted_newest(lst, ctx)
    if not rivals:
        ctx.fact(key, libelle, None, shown, "nouveau" if not items else "ajoute", reads)
        return
    rival = rivals[0]
    was = f"{show_old(rival)} ({ctx.when(rival)})"
    if newer(new, rival, ctx.sources):
        ctx.fact(key, libelle, was, shown, "plus_recent", reads, "les deux valeurs sont gardées ; la plus récente en premier")
    else:
        ctx.fact(key, libelle, was, shown, "plus_ancien", reads, "les deux valeurs sont gardées ; celle du registre est plus récente")


def _lists(ctx: _Ctx) -> None:
    v = ctx.row.values
    if (r := v.get("financement")) is not None:
        year = v.get("financement_annee")
        new = _new_fact(ctx, "montant", r.value, r, unite="€/an", annee=year.value if year else None,
                        couvre="financement annuel de l'ACI (tableau de suivi)")
        if year is None:
            new["note"] = "Année non précisée dans le tableau."
        reads = [r] + ([year] if year else [])
        _list_fact(ctx, "financement", "financement ACI", new, reads,
                   fr_eur(r.value) + (f" ({year.value})" if year else ""),
                   lambda o: o.get("montant") == r.value and o.get("annee") == new.get("annee"),
                   lambda o: year is not None and o.get("annee") == year.value,
                   lambda o: fr_eur(o["montant"]))
    if (r := v.get("smt")) is not None:
        date, scope = v.get("smt_date"), v.get("smt_scope")
        population = scope.value if scope else "patients (champ non précisé dans le tableau)"
        new = _new_fact(ctx, "valeur", r.value, r, unite="%", population=population,
                        annee=int(date.value[:4]) if date else None, date=date.value if date else None,
                        perimetre="territoire de la CPTS")
        reads = [r] + [x for x in (date, scope) if x]
        if len(reads) > 1:
            new["note"] = "Lu aussi : " + " ; ".join(x.citation.rsplit(" : ", 1)[0].lower() for x in reads[1:]) + "."
        _list_fact(ctx, "sans_medecin_traitant", "patients sans médecin traitant", new, reads, fr_pct(r.value),
                   lambda o: o.get("valeur") == r.value and _fold(o.get("population", "")) == _fold(population),
                   lambda o: _fold(o.get("population", "")) == _fold(population),
                   lambda o: fr_pct(o["valeur"]))
    if (r := v.get("professionnels")) is not None:
        new = _new_fact(ctx, "valeur", r.value, r, libelle=f"{r.header} (tableau de suivi)")
        _list_fact(ctx, "professionnels", "professionnels ou adhérents", new, [r], fr_int(r.value),
                   lambda o: o.get("valeur") == r.value,
                   lambda o: o.get("source") == ctx.source, lambda o: fr_int(o["valeur"]))


def _statut(ctx: _Ctx) -> None:
    old = ctx.old.get("statut") or {"etape": None, "jalons": []}
    statut = copy.deepcopy(old)
    jalons = statut.setdefault("jalons", [])
    steps = []
    changed = False
    for f, etape, libelle in _STEP_DATES:
        r = ctx.row.values.get(f)
        if r is None:
            continue
        libelle = libelle or _LABEL[etape]
        same = [j for j in jalons if j.get("etape") == etape and (etape != "autre" or j.get("libelle") == libelle)]
        if etape != "autre":
            steps.append(etape)
        if any(str(j.get("date")) == r.value for j in same):
            ctx.fact("statut.jalons", libelle, fr_date(r.value), fr_date(r.value), "inchange", [r])
            continue
        jalons.append({"etape": etape, "libelle": libelle, "date": r.value, "source": ctx.source, "citation": r.citation})
        changed = True
        if same:
            was = ", ".join(f"{fr_date(str(j.get('date')))} ({ctx.when(j)})" for j in same if j.get("date")) or "sans date"
            ctx.fact("statut.jalons", libelle, was, fr_date(r.value), "ajoute", [r],
                     "les deux dates sont gardées, chacune avec sa source")
        else:
            ctx.fact("statut.jalons", libelle, None, fr_date(r.value), "nouveau", [r])
    r = ctx.row.values.get("etape")
    if r is not None:
        steps.append(r.value)
    current = old.get("etape")
    best = max(steps, key=STEP_KEYS.index, default=None)
    if best is not None and (current is None or STEP_KEYS.index(best) > STEP_KEYS.index(current)):
        statut["etape"] = best
        changed = True
        if not any(j.get("etape") == best for j in jalons) and r is not None:
            jalons.append({"etape": best, "libelle": _LABEL[best], "date": None, "source": ctx.source,
                           "citation": r.citation, "note": "Étape donnée par le tableau de suivi, sans date."})
        ctx.fact("statut.etape", "étape du cycle de vie", _LABEL.get(current) if current else None, _LABEL[best],
                 "modifie" if current else "nouveau", [r] if r is not None else [])
    elif r is not None:
        later = current is not None and STEP_KEYS.index(r.value) < STEP_KEYS.index(current)
        ctx.fact("statut.etape", "étape du cycle de vie", _LABEL.get(current), _LABEL[r.value], "inchange", [r],
                 f"le registre est déjà à l'étape « {_LABEL[current]} » : l'étape ne recule pas" if later else "")
    if changed:
        ctx.fc.blocks["statut"] = statut


def _missions(ctx: _Ctx) -> None:
    if not ctx.row.missions:
        return
    by_key: dict[str, tuple[bool, Read]] = {}
    for key, yes, r in ctx.row.missions:
        if key not in by_key or yes:
            by_key[key] = (yes, r)
    new = {"source": ctx.source,
           "missions": [{"mission": m.key, "engagee": by_key[m.key][0], "citation": by_key[m.key][1].citation}
                        for m in MISSIONS if m.key in by_key]}
    old = ctx.old.get("missions_engagees")

    def shown(block):
        if not block:
            return None
        yes = [_SHORT.get(m["mission"], m["mission"]) for m in block["missions"] if m["engagee"]]
        no = [_SHORT.get(m["mission"], m["mission"]) for m in block["missions"] if not m["engagee"]]
        return "engagées : " + (", ".join(yes) or "aucune") + (f" ; non engagées : {', '.join(no)}" if no else "")

    reads = list(dict.fromkeys(r.citation for _, r in by_key.values()))
    same = old is not None and {(m["mission"], m["engagee"]) for m in old.get("missions", [])} == \
        {(m["mission"], m["engagee"]) for m in new["missions"]}
    if same:
        ctx.fc.facts.append(FactChange("missions_engagees", "missions engagées", shown(old), shown(new), "inchange",
                                       [c.rsplit(" : ", 1)[0] for c in reads]))
        return
    ctx.block("missions_engagees")
    ctx.fc.blocks["missions_engagees"] = new
    ctx.fc.facts.append(FactChange("missions_engagees", "missions engagées", shown(old), shown(new),
                                   "modifie" if old else "nouveau", [c.rsplit(" : ", 1)[0] for c in reads]))


def _contact(ctx: _Ctx) -> None:
    site, mail = ctx.row.values.get("site_web"), ctx.row.values.get("courriel")
    if site is None and mail is None:
        return
    new = {"site_web": site.value if site else None, "courriel": mail.value if mail else None}
    old = ctx.old.get("contact") or {}
    reads = [x for x in (site, mail) if x]
    shown_new = " ; ".join(x for x in (new["site_web"], new["courriel"]) if x)
    shown_old = " ; ".join(x for x in (old.get("site_web"), old.get("courriel")) if x) or None
    if all(new[k] is None or old.get(k) == new[k] for k in new):
        ctx.fact("contact", "contact public", shown_old, shown_new, "inchange", reads)
        return
    block = {k: v for k, v in new.items() if v is not None}
    block.update({"source": ctx.source, "citations": [x.citation for x in reads]})
    ctx.block("contact")
    ctx.fc.blocks["contact"] = block
    ctx.fact("contact", "contact public", shown_old, shown_new, "modifie" if old else "nouveau", reads)


def merge_row(fc: FactsCpts, old: dict, row: ReadRow, source_id: str, sources: dict, doc_label: str) -> None:
    """Fill ``fc.facts`` and ``fc.blocks`` from one row (``old``: the CPTS's YAML data, {} for a new one)."""
    ctx = _Ctx(fc, old, row, source_id, sources, doc_label)
    if (r := row.values.get("departements")) is not None:
        before = list(old.get("departements") or [])
        after = sorted(set(before) | set(r.value))
        if after != sorted(before):
            fc.blocks["departements"] = after
        ctx.fact("departements", "départements", ", ".join(before) or None, ", ".join(after),
                 "inchange" if after == sorted(before) else "modifie" if before else "nouveau", [r])
    _statut(ctx)
    _singles(ctx)
    _lists(ctx)
    _missions(ctx)
    _contact(ctx)
    if (r := row.values.get("notes")) is not None:
        note = f"{doc_label}, ligne {row.line} : {r.value}"
        if note in (old.get("notes") or []):
            ctx.fact("notes", "note du tableau", note, note, "inchange", [r])
        else:
            ctx.block("notes", [])
            fc.blocks["notes"].append(note)
            ctx.fact("notes", "note du tableau", None, note, "ajoute", [r])
