"""The territory the app and the CLI work on: a French région, or the whole of France (issue 10.1).

A :class:`Scope` says which commune referential is loaded, what the pages call it, and where its
artefacts live in the data directory (``CPTS_DATA_DIR``, default ``data/``)::

    data/communes.parquet                     Bretagne (53), committed: a fresh clone works unchanged
    data/communes_france.parquet              national index of commune codes (every scope reads it)
    data/regions/<code>/communes.parquet      any other région, built by ``build-data --region <code>``
    data/regions/france/communes.parquet      the whole of France, built by ``build-data --region france``
    data/regions/<code>/                      the scope's other build artefacts (``Scope.dir``)

A région's referential holds its own départements plus the départements that touch it (Bretagne:
22, 29, 35, 56 + 44, 50, 53), so that a CPTS crossing the border (Pays de Redon, 9 communes in
Loire-Atlantique) is resolved whole. The registry is shared by every scope; a scope shows the CPTS
whose declared départements meet its own (:meth:`Scope.includes`), France shows them all.

Names of régions and their départements come from the COG 2026 as written in the national index
(``communes_france.parquet``, built by ``build-data``), never from the code; only Bretagne has a
fall-back (its name and départements) so that a data directory without the index still works.

Map artefacts hook (helper D, vector tiles): after writing a scope's referential,
``python -m geo build-data --region X`` calls ``geo.tiles.build_tiles(scope, log=print)`` when the
module ``geo.tiles`` exists. It may write under ``scope.dir`` (or under ``static/``, named with
``scope.key``). ``build_tiles`` reads the referential from ``scope.communes_path``.

Pure Python (no Streamlit): the app's selector is ui/scope.py.
"""
from __future__ import annotations

import functools
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

DEFAULT_CODE = "53"
FRANCE = "france"
FRANCE_NOM = "France entière"
_BRETAGNE_DEPARTEMENTS = ("22", "29", "35", "56")
_FRANCE_WORDS = {"france", "fr", "all", "toutes", "tout", "france entiere", "national", "nationale"}


class ScopeError(ValueError):
    """An unknown région, or a scope whose referential has not been built (message in French)."""


def _data_dir() -> Path:
    from . import paths
    return paths.DATA_DIR


def default_code() -> str:
    """The scope used when none is asked for: ``CPTS_REGION`` (a région code or « france »), else 53."""
    raw = (os.environ.get("CPTS_REGION") or "").strip()
    return _canonical_code(raw) if raw else DEFAULT_CODE


def _canonical_code(value: str) -> str:
    v = str(value).strip()
    if _fold(v) in _FRANCE_WORDS:
        return FRANCE
    return v.zfill(2) if v.isdigit() and len(v) < 2 else v


def _fold(text: str) -> str:
    """Lower case, no accents, apostrophes and hyphens as spaces: « Provence-Alpes-Côte d'Azur » matches
    « provence alpes cote d azur »."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    for ch in "-'’_":
        s = s.replace(ch, " ")
    return " ".join(s.split())


# French prepositions before région names: « CPTS de Bretagne », « du Grand Est », « d'Occitanie ».
_ARTICLES = {"Grand Est": "du", "Centre-Val de Loire": "du", "Hauts-de-France": "des", "Pays de la Loire": "des"}


def _de_article(nom: str) -> str:
    art = _ARTICLES.get(nom)
    if art:
        return f"{art} {nom}"
    if nom.startswith("La ") or nom in _NO_ARTICLE:
        return "de " + nom
    return ("de l'" if _fold(nom)[:1] in "aeiouy" else "de la ") + nom


_NO_ARTICLE = {"Mayotte"}


def _de(nom: str) -> str:
    art = _ARTICLES.get(nom)
    if art:
        return f"{art} {nom}"
    if nom.startswith("La "):
        return "de " + nom
    return ("d'" if _fold(nom)[:1] in "aeiouy" else "de ") + nom


@dataclass(frozen=True)
class Scope:
    code: str                        # INSEE région code ("53", "93", "01"…) or "france"
    nom: str                         # « Bretagne », « Provence-Alpes-Côte d'Azur », « France entière »
    departements: tuple[str, ...]    # the scope's own départements (France: every one), sorted
    root: Path                       # the data directory

    @property
    def is_france(self) -> bool:
        return self.code == FRANCE

    @property
    def key(self) -> str:
        """Safe in a file name and a URL: the code itself."""
        return self.code

    @property
    def dir(self) -> Path:
        """Where this scope's built artefacts live (``data/regions/<code>``)."""
        return self.root / "regions" / self.code

    @property
    def communes_path(self) -> Path:
        """The scope's commune referential (GeoParquet). Bretagne's is the committed data/communes.parquet."""
        if self.code == DEFAULT_CODE:
            return self.root / "communes.parquet"
        return self.dir / "communes.parquet"

    @property
    def france_index(self) -> Path:
        return self.root / "communes_france.parquet"

    @property
    def built(self) -> bool:
        return self.communes_path.exists()

    @property
    def de_nom(self) -> str:
        """« de Bretagne », « d'Occitanie », « des Pays de la Loire », « de France »."""
        return "de France" if self.is_france else _de(self.nom)

    @property
    def de_article(self) -> str:
        """« de la Bretagne », « de l'Occitanie », « du Grand Est », « de la France » (a title: « Couverture … »)."""
        return "de la France" if self.is_france else _de_article(self.nom)

    @property
    def le_nom(self) -> str:
        """« la Bretagne », « l'Occitanie », « le Grand Est », « les Hauts-de-France », « La Réunion »."""
        d = self.de_article
        for prefix, article in (("de la ", "la "), ("de l'", "l'"), ("du ", "le "), ("des ", "les "), ("de ", "")):
            if d.startswith(prefix):
                return article + d[len(prefix):]
        return d

    @property
    def label(self) -> str:
        """What the selector shows: « Bretagne (53) », « France entière »."""
        return self.nom if self.is_france else f"{self.nom} ({self.code})"

    def includes(self, departements: Iterable[str]) -> bool:
        """Does a CPTS declared in these départements belong to this scope?"""
        return self.is_france or bool(set(departements) & set(self.departements))

    def require_built(self) -> "Scope":
        if not self.built:
            arg = self.code
            raise ScopeError(f"Le référentiel {self.de_nom} n'est pas construit ({self.communes_path} absent) : "
                             f"lancez « python -m geo build-data --region {arg} ».")
        return self


@functools.lru_cache(maxsize=8)
def _regions_cached(index: Path, mtime_ns: int) -> dict[str, tuple[str, tuple[str, ...]]]:
    import pyarrow.parquet as pq

    t = pq.read_table(index, columns=["statut", "region", "region_nom", "departement"]).to_pandas()
    t = t[(t["statut"] == "actuelle") & t["region"].notna()]
    # Collectivités d'outre-mer (régions 975…989) have no IGN contour: no referential can be built.
    t = t[t["region"].astype(str).str.len() == 2]
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for (code, nom), grp in t.groupby(["region", "region_nom"]):
        out[str(code)] = (str(nom), tuple(sorted(set(grp["departement"].dropna().astype(str)))))
    return dict(sorted(out.items()))


def regions(root: Path | None = None) -> dict[str, tuple[str, tuple[str, ...]]]:
    """COG régions: code -> (nom, départements), read from the national index of the data directory.
    Without the index, only Bretagne is known."""
    index = (root or _data_dir()) / "communes_france.parquet"
    if not index.exists():
        return {DEFAULT_CODE: ("Bretagne", _BRETAGNE_DEPARTEMENTS)}
    return _regions_cached(index, index.stat().st_mtime_ns)


def _resolve(value: str, known: dict[str, tuple[str, tuple[str, ...]]]) -> str | None:
    code = _canonical_code(value)
    if code == FRANCE or code in known:
        return code
    by_name = {_fold(nom): c for c, (nom, _) in known.items()}
    return by_name.get(_fold(value))


def get_scope(code: str | None = None, root: Path | None = None, built: bool = False) -> Scope:
    """The scope for a région code (« 53 »), a région name (« Bretagne ») or « france »; ``None``
    gives the default (``CPTS_REGION`` or Bretagne). ``built=True`` also requires its referential.
    Raises :class:`ScopeError` with a French message listing the valid codes."""
    root = Path(root or _data_dir())
    known = regions(root)
    raw = default_code() if code is None or str(code).strip() == "" else str(code)
    resolved = _resolve(raw, known)
    if resolved is None:
        choices = ", ".join(f"{c} ({nom})" for c, (nom, _) in known.items())
        raise ScopeError(f"Région inconnue : « {raw} ». Donnez un code INSEE de région — {choices} — "
                         f"ou « france » pour la France entière.")
    if resolved == FRANCE:
        deps = tuple(sorted({d for _, ds in known.values() for d in ds}))
        scope = Scope(FRANCE, FRANCE_NOM, deps, root)
    else:
        nom, deps = known[resolved]
        scope = Scope(resolved, nom, deps, root)
    return scope.require_built() if built else scope


def available_scopes(root: Path | None = None) -> list[Scope]:
    """The scopes whose referential is built, for the selector: France entière first (if built), then
    the régions by name. The default scope is always listed when its referential exists."""
    root = Path(root or _data_dir())
    known = regions(root)
    out = [get_scope(FRANCE, root)] if (root / "regions" / FRANCE / "communes.parquet").exists() else []
    regional = [get_scope(c, root) for c in known]
    out += sorted((s for s in regional if s.built), key=lambda s: _fold(s.nom))
    return out


# Above this many communes the map does not draw every commune as one GeoJSON layer (France: 35 000
# polygons, tens of MB for folium or matplotlib): only the communes of the CPTS, until vector tiles
# (geo/tiles.py) draw the rest.
MAX_DRAWN_COMMUNES = 6000


def drawn_region(scope: Scope | None, n_communes: int) -> str | None:
    """The ``region`` argument of :func:`geo.mapdata.build_map_data` for a scope's map: the scope's
    région (its communes all drawn, plus those of its CPTS beyond the border), None for France (every
    commune), ``""`` for a referential too big to draw whole (only the communes of the CPTS).
    ``scope=None`` (an atlas loaded from a file) keeps the historical Bretagne map."""
    if scope is None:
        return DEFAULT_CODE
    if n_communes > MAX_DRAWN_COMMUNES:
        return ""
    return None if scope.is_france else scope.code


def scope_of(atlas) -> Scope:
    """The scope an atlas (geo/atlas.py) was loaded for; an atlas loaded from a file without a scope
    is the default scope's."""
    return getattr(atlas, "scope", None) or get_scope(None)


def scope_region(atlas) -> str | None:
    """The région code of an atlas's scope (None for France: every commune); an atlas loaded without a
    scope is the committed Bretagne one."""
    scope = getattr(atlas, "scope", None)
    if scope is None:
        return DEFAULT_CODE
    return None if scope.is_france else scope.code
