"""The :class:`Matcher`: resolution order, INSEE codes and exact / normalised / former names.

Typos are delegated to :class:`~geo.matching.fuzzy.FuzzyResolver`; ``resolve_many`` scores all the
typos of one call in one rapidfuzz batch.
"""

from __future__ import annotations

from typing import Iterable

from .fuzzy import FuzzyResolver
from .index import de_commune
from .model import MAX_CANDIDATES, Resolution
from .normalize import CODE_RE, DEP_SUFFIX, cell_text, fold_accents, norm_dep, norm_deps, normalize_name, strip_article

__all__ = ["Matcher"]


class Matcher(FuzzyResolver):
    """Indexes a communes referential once; resolves names and codes against it.

    ``communes`` needs the columns ``code``, ``nom``, ``departement``; used when
    present: ``population`` (orders homonyms), ``codes_postaux``,
    ``anciens_codes``, ``anciens_noms`` (list-like cells).  Other columns
    (geometry…) are ignored.

    ``outside`` (optional): an index of every French commune (``geo.referential.national.
    NationalIndex``) — then a code, postal code or name of a real commune outside this referential
    is reported as such (never bent into a look-alike inside), and former codes / names say since
    when they belong to their current commune.
    """

    def __init__(self, communes, outside=None):
        super().__init__(communes)
        self.outside = outside
        self._scope: str | None = None

    def scope_label(self) -> str:
        """« Bretagne, Loire-Atlantique, Manche et Mayenne »: what this referential covers."""
        if self._scope is None:
            self._scope = self.outside.scope_label(self.departements) if self.outside is not None else ""
        return self._scope or "territoire chargé"

    def outside_note(self, text) -> str | None:
        """French sentence when ``text`` is a real commune (code, postal code, name) outside this
        referential, None otherwise or without a national index."""
        if self.outside is None:
            return None
        return self.outside.outside(cell_text(text).strip(), self._nom, self.scope_label())

    def change_note(self, former_code: str) -> str:
        """« Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024. » or ''."""
        note = self.outside.change(former_code) if self.outside is not None else None
        return f" {note}." if note else ""

    def resolve(self, name: str, departements: Iterable[str] | None = None) -> Resolution:
        """Resolve one commune name or INSEE code.

        ``departements``: codes ("35", "2A", "974") the commune is expected in;
        used to pick among homonyms and to restrict typo correction.  Never
        raises on odd input (None, NaN, numbers, garbage).
        """
        r = self._resolve_known(name, norm_deps(departements))
        return r if isinstance(r, Resolution) else self._fuzzy(*r)

    def resolve_many(self, names: Iterable[str], departements: Iterable[str] | None = None) -> list[Resolution]:
        """Exactly one :class:`Resolution` per input, in order (a repeated string is resolved once)."""
        deps = norm_deps(departements)
        cache: dict[str, Resolution | tuple] = {}
        out: list[Resolution | tuple] = []
        for name in names:
            if type(name) is str:
                r = cache.get(name)
                if r is None:
                    r = cache[name] = self._resolve_known(name, deps)
            else:
                r = self._resolve_known(name, deps)
            out.append(r)
        # typos: one batch per set of départements (a « (35) » in the name sets its own)
        pending: dict[frozenset[str] | None, dict[str, list[int]]] = {}
        for i, r in enumerate(out):
            if not isinstance(r, Resolution):
                pending.setdefault(r[3], {}).setdefault(r[2], []).append(i)
        for fdeps, by_key in pending.items():
            keys = list(by_key)
            for key, ranking in zip(keys, self._fuzzy_rankings(keys, fdeps)):
                done: dict[int, Resolution] = {}
                for i in by_key[key]:
                    r = out[i]
                    ident = id(r)  # the same pending tuple (a repeated string) is decided once
                    if ident not in done:
                        done[ident] = self._fuzzy(*r, ranking=ranking)
                    out[i] = done[ident]
        return out  # type: ignore[return-value]

    # ------------------------------------------------------------------ #
    # resolution order
    # ------------------------------------------------------------------ #

    def _resolve(self, query, deps: frozenset[str] | None) -> Resolution:
        r = self._resolve_known(query, deps)
        return r if isinstance(r, Resolution) else self._fuzzy(*r)

    def _resolve_known(self, query, deps: frozenset[str] | None) -> Resolution | tuple:
        """The resolution by code or known name, or the arguments of ``_fuzzy`` when only a typo
        correction can decide: ``(query, s, key, deps, outside, hint)``."""
        s = cell_text(query).strip()
        if not s:
            return self._fail(query, "vide", "Nom de commune vide.")

        # INSEE code given directly (also a code whose leading 0 a spreadsheet dropped)
        up = s.upper()
        if len(up) == 4 and up.isdigit() and (("0" + up) in self._nom or ("0" + up) in self._ancien_code):
            return self._by_code(query, "0" + up, deps, padded=True)
        if CODE_RE.match(up):
            return self._by_code(query, up, deps)

        # département given in the name itself: « Sainte-Marie (35) »
        hint = None
        m = DEP_SUFFIX.match(s)
        if m and normalize_name(m.group(1)):
            hint = norm_dep(m.group(2))
            s = m.group(1).strip()
            deps = frozenset({hint})

        key = normalize_name(s)
        if not key:
            return self._fail(query, "non_resolu", f"« {s} » ne contient aucune lettre exploitable.")

        outside: set[str] = set()  # exact-name hits outside the requested départements
        for j in (0, 1):  # current names first: they win over anciens noms
            hits = self._raw[j].get(s)
            if hits:
                r = self._decide(query, s, hits, deps, j, "raw", outside, hint)
                if r is not None:
                    return r
            hits = self._key[j].get(key)
            if hits:
                if len({self._e_code[i] for i in hits}) > 1:
                    # Champagné / Champagne: the accents typed may tell them apart
                    folded = fold_accents(s)
                    same = [i for i in hits if fold_accents(self._e_label[i]) == folded]
                    if same and len(same) < len(hits):
                        r = self._decide(query, s, same, deps, j, "key", outside, hint)
                        if r is not None:
                            return r
                r = self._decide(query, s, hits, deps, j, "key", outside, hint)
                if r is not None:
                    return r
        bare = strip_article(key)
        for j in (0, 1):
            hits = self._bare[j].get(bare)
            if hits:
                r = self._decide(query, s, hits, deps, j, "bare", outside, hint)
                if r is not None:
                    return r
        return (query, s, key, deps, outside, hint)

    def _fuzzy(self, query, s, key, deps, outside: set[str], hint, ranking=None) -> Resolution:
        if not outside and self.outside is not None:
            # a real commune elsewhere in France is reported, never bent into a look-alike here
            note = self.outside_note(s)
            if note:
                if ranking is None:
                    ranking = self._fuzzy_rankings([key], deps)[0]
                return self._fail(query, "non_resolu", note, [self._cand(c, sc) for c, sc, _ in ranking])
        return super()._fuzzy(query, s, key, deps, outside, hint, ranking)

    def _by_code(self, query, code: str, deps, padded: bool = False) -> Resolution:
        note = " (zéro initial rétabli)" if padded else ""
        if code in self._nom:
            msg = f"Code INSEE {code}{note} : {self._label(code)}."
            if deps is not None and self._dep[code] not in deps:
                msg += f" Attention : hors de {self._deps_txt(deps)}."
            also_cp = [c for c in self._postal.get(code, []) if c != code]
            if also_cp:
                msg += (
                    f" ({code} est aussi le code postal de "
                    + ", ".join(self._label(c) for c in self._by_population(also_cp)[:3])
                    + " ; c'est bien le code INSEE qui a été retenu.)"
                )
            return self._done(query, code, "code_insee", 1.0, msg)
        targets = self._ancien_code.get(code)
        if targets:
            if len(targets) == 1:
                t = targets[0]
                msg = (
                    f"{code} est un ancien code INSEE (commune fusionnée, déléguée ou associée) : "
                    f"la commune actuelle est {self._label(t)}."
                )
                msg += self.change_note(code)
                if deps is not None and self._dep[t] not in deps:
                    msg += f" Attention : hors de {self._deps_txt(deps)}."
                return self._done(query, t, "ancien_code", 1.0, msg)
            return self._fail(
                query,
                "ambigu",
                f"L'ancien code INSEE {code} est repris par plusieurs communes actuelles ("
                + ", ".join(self._label(t) for t in targets)
                + ") : précisez la commune.",
                [self._cand(t) for t in self._by_population(targets)],
            )
        postal = self._by_population(self._postal.get(code, []))
        if postal:
            more = len(postal) - MAX_CANDIDATES
            return self._fail(
                query,
                "non_resolu",
                f"« {code} » n'est pas un code INSEE ; c'est le code postal de "
                + ", ".join(self._label(c) for c in postal[:MAX_CANDIDATES])
                + (f" et {more} autre{'s' if more > 1 else ''}" if more > 0 else "")
                + " : donnez le nom ou le code INSEE de la commune.",
                [self._cand(c) for c in postal],
            )
        note = self.outside_note(code)
        if note:
            return self._fail(query, "non_resolu", note)
        return self._fail(query, "non_resolu", f"« {code} » n'est ni un code INSEE ni un code postal connu.")

    def _decide(self, query, s, hits, deps, j, level, outside: set[str], hint) -> Resolution | None:
        """Resolution for a set of entries sharing the name, or None to go on searching."""
        codes = self._by_population(self._e_code[i] for i in hits)
        inside = codes if deps is None else [c for c in codes if self._dep[c] in deps]
        if not inside:
            outside.update(codes)
            return None
        anc = j == 1
        hint_txt = f" (département {hint} indiqué dans le nom)" if hint else ""
        if len(inside) > 1:
            dep_list = sorted({self._dep[c] for c in inside})
            if deps is None and len(dep_list) > 1:
                msg = (
                    f"« {s} » existe dans {len(dep_list)} départements ({', '.join(dep_list)}) : "
                    "précisez le département."
                )
            else:
                what = "anciennes communes (déléguées ou associées)" if anc else "communes"
                where = f"dans {self._deps_txt(deps)}" if deps is not None else f"dans le département {dep_list[0]}"
                msg = (
                    f"« {s} » désigne {len(inside)} {what} {where} ("
                    + ", ".join(self._label(c) for c in inside[:MAX_CANDIDATES])
                    + ") : précisez le code INSEE."
                )
            return self._fail(query, "ambigu", msg, [self._cand(c) for c in inside])

        code = inside[0]
        discarded = [c for c in codes if c != code]
        article = " (sans tenir compte de l'article)" if level == "bare" else ""
        if anc:
            via = sorted({self._e_label[i] for i in hits if self._e_code[i] == code})[0]
            name = f"« {s} »" if normalize_name(via) == normalize_name(s) else f"« {s} » (« {via} »)"
            former = self.outside.former_code_of(via, code) if self.outside is not None else None
            since = self.outside.since_code(former) if former else None
            msg = (f"{name} est une commune déléguée ou associée {de_commune(self._label(code))} "
                   f"{since or 'depuis la fusion'}{article}{hint_txt}.")
            if discarded:
                msg = msg[:-1] + f" ; {len(discarded)} homonyme(s) hors de {self._deps_txt(deps)} écarté(s)."
            return self._done(query, code, "ancien_nom", 1.0, msg)
        # a current commune wins over a commune déléguée of the same name: say so
        hit_key = next(self._e_key[i] for i in hits if self._e_code[i] == code)
        shadowed = [
            self._e_code[i]
            for i in self._key[1].get(hit_key, ())
            if self._e_code[i] != code and (deps is None or self._e_dep[i] in deps)
        ]
        also = ""
        if shadowed:
            also = (
                " Ce nom est aussi celui d'une commune déléguée ou associée "
                + ", ".join(de_commune(self._label(c)) for c in self._by_population(shadowed)[:3])
                + " : la commune actuelle a été préférée."
            )
        if discarded:
            n = len(discarded)
            msg = (
                f"« {s} » : {len(codes)} communes portent ce nom ; retenue {self._label(code)}, "
                f"seule dans {self._deps_txt(deps)}{hint_txt} — {n} homonyme{'s' if n > 1 else ''} "
                f"écarté{'s' if n > 1 else ''} ("
                + ", ".join(f"{self._nom[c]}, {self._dep[c]}" for c in discarded[:3])
                + ("…" if n > 3 else "")
                + ")."
            )
            return self._done(query, code, "homonyme_departement", 1.0, msg + also)
        if level == "raw":
            return self._done(query, code, "exact", 1.0, f"« {s} » : {self._label(code)}{hint_txt}.{also}")
        msg = f"« {s} » reconnu comme « {self._nom[code]} » ({code}){article}{hint_txt}.{also}"
        return self._done(query, code, "normalise", 1.0, msg)
