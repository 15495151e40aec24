"""Typo correction: rank the communes whose names are closest to a name, then decide or suggest.

Candidate extraction is exhaustive over the requested départements (over France without
départements): rapidfuzz scores every name of the set (``process.cdist``, batched over the queries
of one ``resolve_many`` call), so no close commune is ever missed by a pre-filter.  A name is
compared whole and without its article (« La Orge » / « Le Porge »: the article difference costs
:data:`~geo.matching.model.ARTICLE_PENALTY`); a commune's score is that of its best-scoring name
(current name preferred to an ancien nom on a tie).
"""

from __future__ import annotations

import numpy as np

from .index import ARTICLE_IDS, NameIndex, de_commune, fmt_score
from .model import ARTICLE_PENALTY, FUZZY_MARGIN, FUZZY_THRESHOLD, MAX_CANDIDATES, SUGGESTION_FLOOR, Resolution
from .normalize import article_of, strip_article
from .similarity import close_scores

__all__ = ["FuzzyResolver"]

#: Ranking entries kept beyond the communes within the margin of the best one (suggestions).
_KEEP = 2 * MAX_CANDIDATES
#: Above this many scored names, only the best ones are ranked (see ``_fuzzy_rankings``).
_TRIM = 64


class FuzzyResolver(NameIndex):
    def _fuzzy_rankings(self, keys: list[str], deps) -> list[list[tuple[str, float, int]]]:
        """For each normalised key, (code, similarity, entry id) per commune, best first.

        Only communes scoring ≥ SUGGESTION_FLOOR are listed (nothing below is ever shown or
        decides anything), and only as far as the decision and the suggestions need: every commune
        within FUZZY_MARGIN of the best, and at least 2·MAX_CANDIDATES communes."""
        sub = self._subset(deps)
        if not keys or not len(sub.ids):
            return [[] for _ in keys]
        found = [[p] for p in close_scores(keys, sub.keys, sub.key_lens, SUGGESTION_FLOOR)]
        bares = [strip_article(k) for k in keys]
        with_art = [q for q, (k, b) in enumerate(zip(keys, bares)) if k != b]
        without = [q for q, (k, b) in enumerate(zip(keys, bares)) if k == b]
        if with_art:
            # a query with an article: every name is also compared without articles
            for q, (pos, sim) in zip(with_art, close_scores([bares[q] for q in with_art], sub.bares,
                                                            sub.bare_lens, SUGGESTION_FLOOR)):
                qart = ARTICLE_IDS[article_of(keys[q])]
                found[q].append((pos, sim - ARTICLE_PENALTY * (sub.arts[pos] != qart)))
        if without and len(sub.with_article):
            # a query without article: only names with one differ from their bare form
            cols = sub.with_article
            bare_choices = [sub.bares[c] for c in cols.tolist()]
            for q, (pos, sim) in zip(without, close_scores([keys[q] for q in without], bare_choices,
                                                           sub.bare_lens[cols], SUGGESTION_FLOOR)):
                found[q].append((cols[pos], sim - ARTICLE_PENALTY))
        out = []
        for parts in found:
            pos = np.concatenate([p for p, _ in parts]) if len(parts) > 1 else parts[0][0]
            sim = np.concatenate([s for _, s in parts]) if len(parts) > 1 else parts[0][1]
            keep = sim >= SUGGESTION_FLOOR
            sim, ent = sim[keep], sub.ids[pos[keep]]
            ranking = None
            if len(sim) > _TRIM:
                # rank only the best entries (ties included) and those within the margin of the
                # best; the result is the same unless they hold too few communes (then rank all)
                kth = np.partition(sim, len(sim) - _TRIM)[len(sim) - _TRIM]
                top = sim >= min(kth, sim.max() - FUZZY_MARGIN)
                ranking = self._ranking(sim[top], ent[top])
                if len(ranking) < _KEEP:
                    ranking = None
            out.append(ranking if ranking is not None else self._ranking(sim, ent))
        return out

    def _ranking(self, sc: np.ndarray, ent: np.ndarray) -> list[tuple[str, float, int]]:
        """Rank scored entries (an entry may come twice: whole and without article)."""
        if not len(sc):
            return []
        # best first; equal scores: larger population, then code; per commune its best name,
        # the current name before an ancien nom, then the first entry
        order = np.lexsort((ent, self._e_anc_arr[ent], self._e_code_rank[ent], -self._e_pop[ent], -sc))
        ranking: list[tuple[str, float, int]] = []
        seen: set[str] = set()
        best = None
        for k in order.tolist():
            s = float(sc[k])
            if best is None:
                best = s
            elif len(ranking) >= _KEEP and s <= best - FUZZY_MARGIN:
                break
            i = int(ent[k])
            c = self._e_code[i]
            if c not in seen:
                seen.add(c)
                ranking.append((c, s, i))
        return ranking

    def _fuzzy(self, query, s, key, deps, outside: set[str], hint, ranking=None) -> Resolution:
        if ranking is None:
            ranking = self._fuzzy_rankings([key], deps)[0]
        area = "" if deps is None else f" dans {self._deps_txt(deps)}"
        suggestions = [self._cand(c, sc) for c, sc, _ in ranking[:_KEEP] if sc >= SUGGESTION_FLOOR]

        if outside:
            out_codes = self._by_population(outside)
            cands = [self._cand(c) for c in out_codes] + [x for x in suggestions if x.code not in outside]
            return self._fail(
                query,
                "non_resolu",
                f"« {s} » n'existe pas{area} ; ce nom désigne "
                + ", ".join(f"{self._label(c)}, département {self._dep[c]}" for c in out_codes[:3])
                + ("…" if len(out_codes) > 3 else "")
                + " : vérifiez le département.",
                cands,
            )
        if not ranking or ranking[0][1] < SUGGESTION_FLOOR:
            return self._fail(query, "non_resolu", f"« {s} » : aucune commune approchante{area}.")

        best_code, best, bi = ranking[0]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        hint_txt = f" (département {hint} indiqué dans le nom)" if hint else ""
        label = self._e_label[bi]
        if best >= FUZZY_THRESHOLD and best - second >= FUZZY_MARGIN:
            if self._e_anc[bi]:
                msg = (
                    f"« {s} » corrigé en « {label} », commune déléguée ou associée "
                    f"{de_commune(self._label(best_code))}, similarité {fmt_score(best)}{hint_txt}."
                )
            else:
                msg = f"« {s} » corrigé en « {label} » ({best_code}), similarité {fmt_score(best)}{hint_txt}."
            return self._done(query, best_code, "fuzzy", best, msg, suggestions)
        if best >= FUZZY_THRESHOLD:
            close = [x for x in ranking if x[1] > best - FUZZY_MARGIN]
            bkey = self._e_key[bi]
            if all(self._e_key[i] == bkey for _, _, i in close):
                # the typo is clear, but the corrected name has homonyms
                dep_list = sorted({self._dep[c] for c, _, _ in close})
                where = (
                    f"existe dans {len(dep_list)} départements ({', '.join(dep_list)})"
                    if len(dep_list) > 1
                    else f"désigne {len(close)} communes du département {dep_list[0]}"
                )
                msg = (
                    f"« {s} » ressemble à « {label} » (similarité {fmt_score(best)}), qui {where} : "
                    "précisez le département."
                )
                return self._fail(query, "ambigu", msg, [self._cand(c, sc) for c, sc, _ in close])
            # name the closest commune *with another name* (homonyms of the best say nothing more)
            o_code, o_score, oi = next((x for x in close if self._e_key[x[2]] != bkey), ranking[1])
            msg = (
                f"« {s} » introuvable{area} ; hésitation entre {self._entry_txt(bi)} "
                f"(similarité {fmt_score(best)}) et {self._entry_txt(oi)} ({fmt_score(o_score)}) : précisez."
            )
        else:
            msg = (
                f"« {s} » introuvable{area} ; la plus proche est {self._entry_txt(bi)}, "
                f"similarité {fmt_score(best)}, sous le seuil de correction automatique "
                f"({fmt_score(FUZZY_THRESHOLD)})."
            )
        return self._fail(query, "non_resolu", msg, suggestions)

