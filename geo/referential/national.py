"""The national index: every French commune code and name, current or former, in one small file.

``data/communes.parquet`` holds the loaded scope (Bretagne and its neighbours by default) with
contours; this index (``data/communes_france.parquet``, no geometry, ~1 Mo) knows the whole COG, so
that the product can tell « Paris (75056) est une commune réelle, hors du territoire chargé » from a
typo, and date a former code: « Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier
2024 ».

One row per code:

- ``statut`` ``actuelle``: a current commune (COG of ``decoupage_administratif`` in sources.yaml);
- ``arrondissement``: an arrondissement municipal (Paris, Lyon, Marseille), ``code_actuel`` its commune;
- ``deleguee`` / ``associee``: a former commune, now commune déléguée / associée of ``code_actuel``;
- ``fusionnee``: a former commune absorbed without keeping that status.

Dates come from the data, not from text: each earlier millésime of the package (``cog_AAAA`` in
sources.yaml) says which codes were communes on 1 January of that year.  ``actuelle_jusqu_a`` is
the last millésime where the code was still a commune, ``depuis`` the first one where it was not:
when they are consecutive years the change took effect on 1 January ``depuis`` (where most
communes nouvelles take effect; one created during a year appears on the next 1 January).  Without
2020 in the package, a change seen between 2019 and 2021 is given as a range; a code already merged
in 2019 is said to be so « avant 2019 ».
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Container, Iterable

import pandas as pd

from ..atomic import replace_file
from ..paths import DATA_DIR
from .cog import departement_of

FRANCE_INDEX = DATA_DIR / "communes_france.parquet"
COLUMNS = ["code", "nom", "cle", "statut", "code_actuel", "departement", "departement_nom", "region", "region_nom",
           "codes_postaux", "actuelle_jusqu_a", "depuis"]


# --------------------------------------------------------------------------- build


def _chain(code: str, parent: dict[str, str], current: set[str]) -> str | None:
    """Follow former-code -> absorbing-commune links (a commune nouvelle merged again) to a current code."""
    seen = set()
    while code not in current:
        if code in seen or code not in parent:
            return None
        seen.add(code)
        code = parent[code]
    return code


def build_national(communes: list[dict], departements: list[dict], regions: list[dict],
                   history: dict[int, list[dict]], millesime: int) -> pd.DataFrame:
    """The index from decoupage-administratif's JSON: ``communes`` of the current millésime,
    ``history`` {earlier millésime: its communes.json}."""
    dep_names = {d["code"]: d["nom"] for d in departements}
    reg_names = {r["code"]: r["nom"] for r in regions}
    actuelles = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    current = set(actuelles)

    # former code -> commune that took it over, newest information last (so it wins)
    parent: dict[str, str] = {}
    last_name: dict[str, str] = {}
    status: dict[str, str] = {}
    years = sorted(history) + [millesime]
    alive: dict[int, set[str]] = {}
    for year in years:
        rows = communes if year == millesime else history[year]
        alive[year] = {c["code"] for c in rows if c["type"] == "commune-actuelle"}
        for c in rows:
            if c["type"] == "commune-actuelle":
                last_name[c["code"]] = c["nom"]
                for old in c.get("anciensCodes") or []:
                    if old != c["code"]:
                        parent[old] = c["code"]
            elif c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu") and c["code"] != c["chefLieu"]:
                parent[c["code"]] = c["chefLieu"]
                last_name.setdefault(c["code"], c["nom"])
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee") and c["code"] not in current:
            status[c["code"]] = c["type"].split("-")[1]

    def place(code: str) -> dict:
        a = actuelles[code]
        dep = a.get("departement") or departement_of(code)
        return {"departement": dep, "departement_nom": dep_names.get(dep), "region": a.get("region"),
                "region_nom": reg_names.get(a.get("region"))}

    rows = []
    for code, a in actuelles.items():
        rows.append({"code": code, "nom": a["nom"], "statut": "actuelle", "code_actuel": code, **place(code),
                     "codes_postaux": sorted(a.get("codesPostaux") or []), "actuelle_jusqu_a": None, "depuis": None})
    for c in communes:
        if c["type"] == "arrondissement-municipal" and c.get("commune") in actuelles:
            rows.append({"code": c["code"], "nom": c["nom"], "statut": "arrondissement", "code_actuel": c["commune"],
                         **place(c["commune"]), "codes_postaux": sorted(c.get("codesPostaux") or []),
                         "actuelle_jusqu_a": None, "depuis": None})
    for code in sorted(set(parent) - current):
        target = _chain(code, parent, current)
        if target is None:
            continue
        seen = [y for y in years if code in alive[y]]
        until = seen[-1] if seen else None
        after = [y for y in years if until is not None and y > until]
        rows.append({"code": code, "nom": last_name.get(code, code), "statut": status.get(code, "fusionnee"),
                     "code_actuel": target, **place(target), "codes_postaux": [],
                     "actuelle_jusqu_a": until, "depuis": after[0] if after else None})
    from ..matching.normalize import normalize_name

    for r in rows:
        r["cle"] = normalize_name(r["nom"])  # the matcher's name key, stored so look-ups need no pass over France
    df = pd.DataFrame(rows, columns=COLUMNS).sort_values(["code", "statut"]).reset_index(drop=True)
    for col in ("actuelle_jusqu_a", "depuis"):
        df[col] = df[col].astype("Int16")
    text = [c for c in COLUMNS if c not in ("codes_postaux", "actuelle_jusqu_a", "depuis")]
    df[text] = df[text].astype(pd.StringDtype(na_value=float("nan")))
    df.attrs["premier_millesime"] = years[0]
    return df


def write_national(df: pd.DataFrame, path: Path = FRANCE_INDEX, first_millesime: int | None = None) -> None:
    """Write the index atomically and reproducibly (same inputs, same bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    first = first_millesime or df.attrs.get("premier_millesime")
    table = table.replace_schema_metadata({b"premier_millesime": str(first).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"), 0o644)


def build_national_from_sources(cache_dir: Path | None = None) -> pd.DataFrame:
    """Fetch (or reuse) the current and earlier millésimes of decoupage-administratif and build."""
    import json

    from . import download

    sources = download.load_sources()
    kw = {"cache_dir": cache_dir} if cache_dir else {}

    def read(src, name):
        return json.loads(download.read_member(download.fetch(src, **kw), src.files[name]))

    da = sources["decoupage_administratif"]
    history = {int(s.meta["millesime_cog"]): read(s, "communes")
               for k, s in sources.items() if k.startswith("cog_")}
    return build_national(read(da, "communes"), read(da, "departements"), read(da, "regions"), history,
                          millesime=int(da.meta["millesime_cog"]))


def build_and_write(path: Path = FRANCE_INDEX, cache_dir: Path | None = None) -> tuple[pd.DataFrame, Path]:
    """``python -m geo build-data``'s second artefact: build the index and write it to ``path``."""
    df = build_national_from_sources(cache_dir)
    write_national(df, path)
    return df, path


# --------------------------------------------------------------------------- use


@dataclass(frozen=True)
class CodeInfo:
    code: str
    nom: str
    statut: str
    code_actuel: str
    nom_actuel: str
    departement: str
    departement_nom: str | None
    region_nom: str | None
    actuelle_jusqu_a: int | None
    depuis: int | None

    @property
    def current(self) -> bool:
        return self.statut == "actuelle"


class _Columns(dict):
    """The table's columns as Python lists, each converted on first use."""

    def __init__(self, table):
        super().__init__()
        self._table = table

    def __missing__(self, name: str) -> list:
        values = self[name] = self._table.column(name).to_pylist()
        return values


def _le_1er_janvier(year: int) -> str:
    return f"le 1er janvier {year}"


class NationalIndex:
    """Look-ups in the national index, read on first use (so loading the app costs nothing more).

    A missing file (a data directory without it) makes every look-up answer None."""

    def __init__(self, path: Path = FRANCE_INDEX):
        self.path = Path(path)
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._row: dict[str, int] = {}
        self._first = None
        self._names: dict[str, list[str]] | None = None
        self._postals: dict[str, list[str]] | None = None
        if not self.path.exists():
            return
        import pyarrow.parquet as pq

        # the postal codes (a list column, the costliest to read) only when a postal code is asked
        table = pq.read_table(self.path, columns=[c for c in COLUMNS if c != "codes_postaux"])
        meta = table.schema.metadata or {}
        self._first = int(meta.get(b"premier_millesime", b"0") or 0) or None
        self._cols = _Columns(table)
        codes = self._cols["code"]
        self._row = dict(zip(reversed(codes), range(len(codes) - 1, -1, -1)))  # first row of a code wins

    def _info(self, k: int) -> CodeInfo:
        c = self._cols
        ca = c["code_actuel"][k]
        j = self._row.get(ca)
        return CodeInfo(c["code"][k], c["nom"][k], c["statut"][k], ca, c["nom"][j] if j is not None else ca,
                        c["departement"][k], c["departement_nom"][k], c["region_nom"][k],
                        c["actuelle_jusqu_a"][k], c["depuis"][k])

    def _name_index(self) -> dict[str, list[str]]:
        if self._names is None:
            self._names = {}
            for code, key, st in zip(self._cols["code"], self._cols["cle"], self._cols["statut"]):
                if st != "arrondissement":
                    self._names.setdefault(key, []).append(code)
        return self._names

    def _postal_index(self) -> dict[str, list[str]]:
        if self._postals is None:
            self._postals = {}
            import pyarrow.parquet as pq

            cps_col = pq.read_table(self.path, columns=["codes_postaux"]).column("codes_postaux").to_pylist()
            for ca, cps in zip(self._cols["code_actuel"], cps_col):
                for cp in cps or ():
                    self._postals.setdefault(cp, []).append(ca)
        return self._postals

    def __bool__(self) -> bool:
        self._load()
        return bool(self._row)

    def code(self, code: str) -> CodeInfo | None:
        """What the COG knows of a code (current, former, arrondissement), or None."""
        self._load()
        k = self._row.get(str(code).strip().upper())
        return None if k is None else self._info(k)

    def by_name(self, name: str) -> list[CodeInfo]:
        """Communes (current first) whose name, normalised, is ``name``'s."""
        from ..matching.normalize import normalize_name

        self._load()
        if not self._row:
            return []
        infos = [self.code(c) for c in self._name_index().get(normalize_name(name), [])]
        return sorted(infos, key=lambda i: (not i.current, i.code))

    def postal(self, cp: str) -> list[CodeInfo]:
        self._load()
        if not self._row:
            return []
        return [self.code(c) for c in dict.fromkeys(self._postal_index().get(str(cp).strip(), []))]

    def former_code_of(self, name: str, current: str) -> str | None:
        """The former code of the commune named ``name`` now part of ``current`` (« Fleurigné »,
        35062 -> 35112), or None."""
        from ..matching.normalize import normalize_name

        self._load()
        if not self._row:
            return None
        for code in self._name_index().get(normalize_name(name), []):
            info = self.code(code)
            if not info.current and info.code_actuel == current:
                return code
        return None

    def change(self, code: str) -> str | None:
        """« Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024 » for a former
        code (None for a current code or an unknown one)."""
        info = self.code(code)
        if info is None or info.current or info.statut == "arrondissement":
            return None
        return f"{info.nom} fait partie de {info.nom_actuel} {self.since(info)}"

    def since_code(self, code: str) -> str | None:
        """« depuis le 1er janvier 2024 » for a former code, None otherwise."""
        info = self.code(code)
        return None if info is None or info.current or info.statut == "arrondissement" else self.since(info)

    def since(self, info: CodeInfo) -> str:
        """When the former commune stopped being one, as far as the declared millésimes tell."""
        if info.actuelle_jusqu_a is None:
            return f"depuis une date antérieure au 1er janvier {self._first}" if self._first else "depuis une date inconnue"
        if info.depuis is None:
            return "depuis une date inconnue"
        if info.depuis == info.actuelle_jusqu_a + 1:
            return f"depuis {_le_1er_janvier(info.depuis)}"
        return (f"depuis une date comprise entre {_le_1er_janvier(info.actuelle_jusqu_a)} (exclu) "
                f"et {_le_1er_janvier(info.depuis)}")

    def outside(self, text: str, in_scope: Container[str] | None = None, scope: str = "territoire chargé") -> str | None:
        """A French sentence when ``text`` (an INSEE code, a postal code or a name) is a real French
        commune that lies outside ``in_scope`` (codes of the loaded referential: a set or dict);
        None otherwise."""
        s = str(text or "").strip()
        if not s:
            return None
        inside = in_scope if in_scope is not None else ()
        info = self.code(s)
        if info is not None and not info.current and info.nom == info.code and self.postal(s):
            info = None  # a former code known by no name (Seine, before 1968) that is also a postal code
        if info is not None:
            if info.code_actuel in inside:
                return None
            what = _describe(info)
            return f"{what} est une commune réelle, hors du territoire chargé ({scope})." if info.current else (
                f"{what}, hors du territoire chargé ({scope}).")
        if s.isdigit() and len(s) == 5:
            communes = [i for i in self.postal(s) if i.code_actuel not in inside]
            if communes and not any(i.code_actuel in inside for i in self.postal(s)):
                names = ", ".join(f"{i.nom} ({i.code})" for i in communes[:3])
                return f"{s} est le code postal de {names}, hors du territoire chargé ({scope})."
            return None
        found = self.by_name(s)
        if found and not any(i.code_actuel in inside for i in found):
            names = " ; ".join(_describe(i) for i in found[:3])
            return f"« {s} » : {names} — hors du territoire chargé ({scope})."
        return None

    def scope_label(self, departements: Iterable[str]) -> str:
        """« Bretagne, Loire-Atlantique, Manche et Mayenne »: whole régions by name, then départements."""
        self._load()
        deps = set(departements)
        if not self._row or not deps:
            return "territoire chargé"
        dep_names: dict[str, str] = {}
        reg_of: dict[str, tuple[str, str]] = {}
        c = self._cols
        for st, d, dn, rn in zip(c["statut"], c["departement"], c["departement_nom"], c["region_nom"]):
            if st == "actuelle":
                dep_names[d] = dn or d
                reg_of.setdefault(d, (rn or "", ""))
        regions: dict[str, set[str]] = {}
        for d, (r, _) in reg_of.items():
            regions.setdefault(r, set()).add(d)
        whole = sorted(r for r, ds in regions.items() if r and ds <= deps)
        rest = sorted(dep_names.get(d, d) for d in deps if not any(d in regions[r] for r in whole))
        parts = whole + rest
        if len(parts) > 6:
            return f"{len(deps)} départements"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _describe(info: CodeInfo) -> str:
    where = ", ".join(x for x in (info.departement_nom, info.region_nom) if x)
    if info.current:
        return f"{info.nom} ({info.code}{', ' + where if where else ''})"
    if info.statut == "arrondissement":
        return f"{info.nom} ({info.code}) est un arrondissement de {info.nom_actuel} ({info.code_actuel})"
    if info.nom == info.code:
        return f"{info.code} est un ancien code INSEE de {info.nom_actuel} ({info.code_actuel}{', ' + where if where else ''})"
    return f"{info.code} est l'ancien code de {info.nom}, qui fait partie de {info.nom_actuel} ({info.code_actuel}{', ' + where if where else ''})"
