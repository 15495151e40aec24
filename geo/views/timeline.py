"""Lifecycle over time: which CPTS had signed their ACI at a given date, and the population covered.

Pure Python (no Streamlit). Dates come from the registry jalons of step ``aci_signe``; a date has
the precision the source gives (day "2022-09-29", month "2023-09" or year "2021") and may be
inferred (``infere: true``, e.g. Redon's year). A signature with a partial date is counted once
its whole period has passed (a "2023-09" signature counts from 30 September 2023) and is listed
as ``uncertain`` inside that period, so a covered population is never overstated.

The covered population is *calculée*: populations municipales (INSEE) of the union of the INSEE
codes of the signed CPTS, each commune counted once even when two CPTS overlap. A CPTS signed but
without documented perimeter (CPTS des Marches de Bretagne) counts as signed but cannot be
mapped nor added to the population: ``Coverage.unmapped`` lists it and ``Coverage.notes`` says so.

    from geo.views.timeline import covered_at, signature_events
    cov = covered_at("2021-12-31", atlas.territories, atlas.communes)
    cov.population, [s.cpts_id for s in cov.signed], cov.notes
"""
from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass, field

from ..formatting import fr_date, fr_int, plural
from ..mapdata import NO_CPTS_COLOR, territory_colors
from ..registry import STEPS
from ..territories import Territory
from .region_split import REGION_BRETAGNE, map_note, region_split

DAY, MONTH, YEAR = "jour", "mois", "année"


@dataclass(frozen=True)
class Signature:
    cpts_id: str
    nom: str
    date: str                 # as the registry gives it: "2022-09-29", "2023-09" or "2021"
    precision: str            # DAY | MONTH | YEAR
    start: _dt.date           # first day the date may designate
    end: _dt.date             # last day the date may designate (== start for a day)
    infere: bool              # the date (or part of it) is deduced, see the jalon's note
    note: str | None
    source: str
    mapped: bool              # the CPTS has a documented perimeter
    codes: tuple[str, ...]    # its INSEE codes (empty when not mapped)
    population_declaree: int | None
    approximatif: bool = False  # the perimeter is approached: its population is indicative

    @property
    def label(self) -> str:
        when = f"le {fr_date(self.date)}" if self.precision == DAY else f"en {fr_date(self.date)}"
        return f"{self.nom} : ACI signé {when}" + (" (date déduite)" if self.infere else "")


@dataclass(frozen=True)
class Coverage:
    date: _dt.date
    signed: list[Signature]          # signed on or before ``date`` (certain), in date order
    uncertain: list[Signature]       # partial date whose period contains ``date``: not counted
    unmapped: list[Signature]        # among ``signed``: no documented perimeter, not in the population
    codes: frozenset[str]            # INSEE codes covered (union, each commune once)
    population: int                  # calculée: sum of populations municipales of ``codes``
    population_millesime: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def n_communes(self) -> int:
        return len(self.codes)

    @property
    def cpts_ids(self) -> list[str]:
        return [s.cpts_id for s in self.signed]


@dataclass(frozen=True)
class Event:
    """One signature on the time slider, with the coverage just after it."""
    date: _dt.date                  # the day from which it is counted (``Signature.end``)
    signature: Signature
    n_signed: int                   # CPTS signed at that date (mapped or not)
    population: int                 # covered population (calculée) at that date
    n_communes: int


def parse_date(value: str | _dt.date) -> _dt.date:
    """'2021-12-31' or a date -> date; ValueError with a French message otherwise."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"date invalide « {value} » : format attendu AAAA-MM-JJ (ex. 2021-12-31)") from None


def date_span(date: str) -> tuple[_dt.date, _dt.date, str]:
    """'2022-09-29' -> (d, d, DAY); '2023-09' -> (1 Sep, 30 Sep, MONTH); '2021' -> (1 Jan, 31 Dec, YEAR)."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        d = _dt.date(*parts)
        return d, d, DAY
    if len(parts) == 2:
        y, m = parts
        return _dt.date(y, m, 1), _dt.date(y, m, calendar.monthrange(y, m)[1]), MONTH
    return _dt.date(parts[0], 1, 1), _dt.date(parts[0], 12, 31), YEAR


def signature_of(t: Territory) -> Signature | None:
    j = next((j for j in t.cpts.statut.jalons if j.etape == "aci_signe" and j.date), None)
    if j is None:
        return None
    start, end, precision = date_span(j.date)
    return Signature(t.id, t.nom, j.date, precision, start, end, j.infere, j.note, j.source,
                     t.perimetre_connu, tuple(t.codes) if t.perimetre_connu else (),
                     t.population_declaree, t.approximatif)


def signatures(territories: list[Territory]) -> list[Signature]:
    """Every documented ACI signature, in date order (then name)."""
    sigs = [s for t in territories if (s := signature_of(t)) is not None]
    return sorted(sigs, key=lambda s: (s.end, s.start, s.nom))


def _population_index(communes) -> tuple[dict[str, int], int | None]:
    pops = {c: (0 if p != p or p is None else int(p)) for c, p in zip(communes["code"], communes["population"])}
    millesime = int(communes["population_millesime"].iloc[0]) if len(communes) else None
    return pops, millesime


def covered_at(date: str | _dt.date, territories: list[Territory], communes, _index=None) -> Coverage:
    """The CPTS whose ACI was signed on or before ``date`` and the population they cover."""
    d = parse_date(date)
    pops, millesime = _index or _population_index(communes)
    signed, uncertain = [], []
    for s in signatures(territories):
        if s.end <= d:
            signed.append(s)
        elif s.start <= d:
            uncertain.append(s)
    codes = frozenset(c for s in signed for c in s.codes)
    population = sum(pops.get(c, 0) for c in codes)
    unmapped = [s for s in signed if not s.mapped]
    notes = []
    if unmapped:
        decl = [f"{s.nom}" + (f" ({fr_int(s.population_declaree)} hab. déclarés)" if s.population_declaree else "")
                for s in unmapped]
        notes.append(f"{plural(len(unmapped), 'CPTS signée', 'CPTS signées')} sans périmètre documenté, "
                     f"donc ni cartographiée{'s' if len(unmapped) > 1 else ''} ni comptée{'s' if len(unmapped) > 1 else ''} "
                     f"dans la population couverte : {', '.join(decl)}.")
    for s in uncertain:
        notes.append(f"{s.nom} : ACI signé en {fr_date(s.date)} (date au {s.precision} près), "
                     f"compté à partir du {fr_date(s.end)}.")
    inferred = [s for s in signed if s.infere]
    if inferred:
        notes.append("Date de signature déduite (voir le registre) : " + ", ".join(s.nom for s in inferred) + ".")
    approx = [s for s in signed if s.mapped and s.approximatif]
    if approx:
        notes.append("Périmètre approché (population indicative) : " + ", ".join(s.nom for s in approx) + ".")
    overlap = sum(len(s.codes) for s in signed) - len(codes)
    if overlap:
        notes.append(f"{plural(overlap, 'commune')} dans plusieurs CPTS signées, comptée{'s' if overlap > 1 else ''} une seule fois.")
    return Coverage(d, signed, uncertain, unmapped, codes, population, millesime, notes)


def signature_events(territories: list[Territory], communes) -> list[Event]:
    """The signatures in date order, each with the coverage from its day on: the time slider's stops."""
    index = _population_index(communes)
    out = []
    for s in signatures(territories):
        cov = covered_at(s.end, territories, communes, _index=index)
        out.append(Event(s.end, s, len(cov.signed), cov.population, cov.n_communes))
    return out


def status_at(t: Territory, date: str | _dt.date) -> str | None:
    """The last lifecycle step (STEPS key) the CPTS had certainly reached at ``date``, or None."""
    d = parse_date(date)
    order = {s.key: i for i, s in enumerate(STEPS)}
    reached = [j.etape for j in t.cpts.statut.jalons
               if j.etape in order and j.date and date_span(j.date)[1] <= d]
    return max(reached, key=order.get) if reached else None


def legend_title(cov: Coverage) -> str:
    """« CPTS signées au 9 octobre 2024 »: the map's legend, at the same date as the sentence."""
    return f"CPTS signées au {fr_date(cov.date.isoformat())}"


def coverage_sentence(cov: Coverage) -> str:
    """'Au 31 décembre 2021 : 2 CPTS signées, 83 086 habitants couverts (39 communes, calculé …)'."""
    mapped = len(cov.signed) - len(cov.unmapped)
    return (f"Au {fr_date(cov.date.isoformat())} : {plural(len(cov.signed), 'CPTS signée', 'CPTS signées')}"
            f" ({mapped} cartographiée{'s' if mapped > 1 else ''}), {plural(cov.population, 'habitant couvert', 'habitants couverts')} "
            f"dans {plural(cov.n_communes, 'commune')} (calculé : INSEE, populations légales {cov.population_millesime})")


NOT_SIGNED_LABEL = "Pas de CPTS signée à cette date (ou non documentée)"


@dataclass(frozen=True)
class TimelineView:
    """The home map at a date: its legend (title at that date), its fills and outlines, and the
    sentence under it, all from one :class:`Coverage` so that they always name the same day."""
    coverage: Coverage
    title: str                                   # « CPTS signées au 9 octobre 2024 »
    sentence: str                                # « Au 9 octobre 2024 : … habitants couverts … »
    items: tuple[tuple[str, str], ...]           # legend: (colour, CPTS name) of the signed mapped CPTS, then « pas de CPTS »
    fills: tuple[tuple[str, str], ...]           # (INSEE code, colour): signed CPTS in their colour, the others grey
    territory_ids: tuple[str, ...]               # outlines drawn: the signed CPTS
    notes: list[str]                             # first: why the Couverture page gives another figure (if it does)


def timeline_view(day: str | _dt.date, territories: list[Territory], communes,
                  region_code: str | None = REGION_BRETAGNE, region_de: str = "de Bretagne") -> TimelineView:
    """The map of the CPTS signed at ``day``. ``region_code``/``region_de`` name the scope (geo/scope.py):
    communes outside it are on the map and in the population, not on the Couverture page: said."""
    cov = covered_at(day, territories, communes)
    colors = territory_colors(territories)
    signed = set(cov.cpts_ids)
    fills: dict[str, str] = {}
    for t in territories:
        if t.id in signed:
            for code in t.codes:
                fills.setdefault(code, colors[t.id])
    for t in territories:
        for code in t.codes:
            fills.setdefault(code, NO_CPTS_COLOR)
    items = tuple((colors[t.id], t.nom) for t in sorted(territories, key=lambda t: t.nom)
                  if t.id in signed and t.perimetre_connu)
    note = map_note(region_split(cov.codes, communes, territories, region_code), region_de)
    return TimelineView(cov, legend_title(cov), coverage_sentence(cov), items + ((NO_CPTS_COLOR, NOT_SIGNED_LABEL),),
                        tuple(sorted(fills.items())), tuple(sorted(signed)), ([note] if note else []) + list(cov.notes))


__all__ = ["TimelineView", "timeline_view", "legend_title", "Signature", "Coverage", "Event", "signature_of", "signatures", "covered_at", "signature_events",
           "status_at", "coverage_sentence", "parse_date", "date_span", "DAY", "MONTH", "YEAR"]
