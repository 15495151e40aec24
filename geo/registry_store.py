"""Write the CPTS registry: publish an import, export the registry as a listing.

Pure Python (PyYAML, openpyxl; no Streamlit). Every function takes the registry root as a
parameter (tests work on a copy; the app and the CLI pass geo.paths.REGISTRY_DIR).

Publishing (:func:`publish`) — what an import changes, and nothing else:

- a CPTS of the file that is already in the registry gets the file's perimeter: only its
  ``perimetre:`` block is replaced, textually, so every other fact, comment and blank line of its
  YAML file stays byte for byte; a CPTS whose communes are the same as today is not touched;
- a new CPTS gets a minimal valid file (``perimetre.regle: communes``, the commune names as
  written in the file and their resolved ``codes_insee``, ``source_import``); a GeoJSON polygon
  is kept in ``perimetres/<id>.geojson``;
- CPTS absent from the file are untouched.

Safety: publications are serialised by ``fcntl.flock`` on ``<root>/.lock``; under the lock the
registry is re-read (so two publications of different CPTS both land), a timestamped copy is made
under ``backups`` (``data/backups/``, git-ignored), the new ``cpts/`` (and ``perimetres/``)
directories are written and validated in ``<root>/.staging-*``, then swapped in with an atomic
directory exchange (``renameat2(RENAME_EXCHANGE)``; two renames where the kernel cannot). On any
error the registry is restored to the backup, byte for byte, and :class:`PublishError` says what
happened. Old polygons are never deleted during a publication (a reader may still hold the
previous YAML files).

Export (:func:`export_rows`, :func:`to_csv_bytes`, :func:`to_xlsx_bytes`): one row per
(CPTS, commune) in :data:`geo.importing.LAYOUT`, which the importer reads back (export → import
leaves the registry unchanged). CSV/XLSX writers neutralise formula injection: a cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (:func:`neutralize`).
"""
from __future__ import annotations

import csv
import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from .formatting import fr_date
from .importing import LAYOUT, ImportedTerritory, ImportResult, cpts_key
from .paths import BACKUPS_DIR
from .registry import STEPS, load_registry, validate_registry

__all__ = [
    "DEFAULT_BACKUPS",
    "LOCK_NAME",
    "PublishError",
    "PublishReport",
    "neutralize",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "export_rows",
    "export_bytes",
    "fingerprints",
    "registry_lock",
    "publish",
    "replace_block",
    "new_cpts_document",
]

DEFAULT_BACKUPS = BACKUPS_DIR
LOCK_NAME = ".lock"
_STAGING_PREFIX = ".staging-"
_LOCK_TIMEOUT = 60.0


class PublishError(Exception):
    """Publication refused or failed; the registry is as it was. French message."""


# --------------------------------------------------------------------------- downloads


_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> str:
    """Cell text safe for a spreadsheet: a leading = + - @ tab or CR is escaped with ' (OWASP CSV
    injection); the importer strips that apostrophe again (geo.importing.clean_cell)."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_DANGEROUS) else s


def to_csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM, « ; » separated (what Excel in French opens directly), every cell neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([neutralize(h) for h in header])
    for row in rows:
        w.writerow([neutralize(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(header: Iterable[object], rows: Iterable[Iterable[object]], title: str = "CPTS") -> bytes:
    """One sheet, every cell a neutralised *string* (INSEE codes keep their leading zero, nothing is
    ever a formula)."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for r, row in enumerate([list(header), *map(list, rows)], start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralize(value))
            cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_rows(registry, territories, names: dict[str, str]) -> list[list[str]]:
    """The registry as a listing in LAYOUT: the names as recorded with their resolved code, then the
    communes the perimeter adds (EPCI members; official names from ``names`` = {code: nom}), one row
    with an empty commune for a CPTS without known perimeter."""
    by_id = {t.id: t for t in territories}
    labels = {s.key: s.label for s in STEPS}
    out: list[list[str]] = []
    for c in registry.cpts:
        t = by_id.get(c.id)
        statut = labels.get(c.statut.etape, "") if c.statut.etape else ""
        date = next((j.date for j in c.statut.jalons if j.etape == "aci_signe" and j.date), "") or ""
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        if t is not None:
            for name, r in zip(c.perimetre.all_communes, t.resolutions):
                if r.ok and r.code in seen:
                    continue  # two names of the list are one commune today
                rows.append((name, r.code if r.ok else ""))
                if r.ok:
                    seen.add(r.code)
            rows += [(names.get(code, code), code) for code in t.codes if code not in seen]
        if not rows:
            rows.append(("", ""))
        for name, code in rows:
            dep = (code[:3] if code.startswith("97") else code[:2]) if code else ""
            out.append([c.id, c.nom, name, code, dep, statut, date])
    return out


def export_bytes(registry, territories, names: dict[str, str], fmt: str) -> bytes:
    """Registry listing as CSV (« ; », UTF-8 with BOM) or XLSX bytes."""
    rows = export_rows(registry, territories, names)
    return to_xlsx_bytes(LAYOUT, rows) if fmt == "xlsx" else to_csv_bytes(LAYOUT, rows)


# --------------------------------------------------------------------------- YAML writing


class _Dumper(yaml.SafeDumper):
    pass


def _str_repr(dumper, data: str):
    style = '"' if any(ch in data for ch in "\n\r\t") or not data.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_repr)


def _dump(obj) -> str:
    return yaml.dump(obj, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=110)


_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def replace_block(text: str, key: str, new_block: str) -> str:
    """Replace the top-level ``key:`` block of a YAML text, up to the next top-level key. Blank lines
    and column-0 comments just before that key stay with it; everything else is kept byte for byte."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    block = new_block if new_block.endswith("\n") else new_block + "\n"
    if start is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + ("\n" if text.strip() else "") + block
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    while end - 1 > start and (lines[end - 1].strip() == "" or lines[end - 1].startswith("#")):
        end -= 1
    tail = lines[end:]
    if tail and tail[0].strip() != "":
        block += "\n"
    return "".join(lines[:start]) + block + "".join(tail)


def _clean_text(s: str, limit: int = 200) -> str:
    return re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in str(s))).strip()[:limit]


def _perimetre_doc(t: ImportedTerritory, fichier: str, fmt: str, today: str, polygone: str | None,
                   previous=None, backup_name: str = "") -> dict:
    when = fr_date(today)
    if not t.codes:
        return {"regle": "inconnu",
                "note": f"Aucune commune pour cette CPTS dans le fichier importé « {fichier} » ({when})."}
    source = {"fichier": fichier, "date_import": today, "format": fmt}
    if polygone:
        source["polygone"] = polygone
    how = ("communes dont le point représentatif est dans le polygone du fichier" if t.polygon is not None
           else "communes du fichier")
    note = f"Périmètre importé du fichier « {fichier} » le {when} : {len(t.codes)} {how}, codes INSEE résolus à l'import."
    if previous is not None:
        was = f"règle « {previous.regle} »" + (f", source « {previous.source} »" if previous.source else "")
        note += f" Il remplace le périmètre précédent ({was}), conservé dans la sauvegarde {backup_name}."
    return {
        "regle": "communes",
        "approximatif": False,
        "communes": list(t.communes),
        "codes_insee": list(t.codes),
        "source_import": source,
        "note": note,
    }


def new_cpts_document(t: ImportedTerritory, cpts_id: str, fichier: str, fmt: str, today: str,
                      polygone: str | None) -> str:
    """YAML text of a CPTS created by an import: name, départements, status as typed, perimeter."""
    statut: dict = {"etape": t.etape, "jalons": []}
    said = []
    if t.statut:
        said.append(f"statut « {_clean_text(t.statut)} »")
    if t.date_signature:
        said.append(f"date de signature : {fr_date(t.date_signature)}")
    if said:
        statut["note"] = f"D'après le fichier importé « {fichier} » ({fr_date(today)}) : " + ", ".join(said) + "."
    if t.etape:
        statut["infere"] = True
    doc = {
        "id": cpts_id,
        "nom": _clean_text(t.nom, 300),
        "nom_connu": True,
        "departements": t.departements,
        "statut": statut,
        "perimetre": _perimetre_doc(t, fichier, fmt, today, polygone),
        "notes": [f"CPTS créée par l'import du fichier « {fichier} » le {fr_date(today)} : son nom, son statut et son "
                  "périmètre viennent de ce fichier ; aucun document source n'est cité."],
    }
    head = f"# CPTS créée par l'import du fichier « {fichier} » le {today} (python -m geo import / page Importer).\n"
    return head + _dump(doc)


# --------------------------------------------------------------------------- lock, backup, swap


@contextmanager
def registry_lock(root: Path, timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive lock on <root>/.lock (fcntl.flock): publications run one at a time."""
    root = Path(root)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError("Une autre publication est en cours depuis plus d'une minute : réessayez.") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _ignore(dirpath, names):
    return [n for n in names if n == LOCK_NAME or n.startswith(_STAGING_PREFIX)]


def _backup(root: Path, backups: Path) -> Path:
    backups.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = backups / f"registre-{stamp}"
    if dest.exists():
        dest = backups / f"registre-{stamp}-{os.getpid()}"
    shutil.copytree(root, dest, ignore=_ignore)
    return dest


def _snapshot(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def fingerprints(root: Path) -> dict[str, str]:
    """sha256 of each cpts/<id>.yaml: a publication refuses to overwrite a CPTS changed since the preview."""
    out = {}
    for p in sorted((Path(root) / "cpts").glob("*.yaml")):
        out[p.stem] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


_libc = None


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE). False if unsupported."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _swap_in(new: Path, live: Path, old: Path) -> None:
    """Put directory ``new`` at ``live``; the previous ``live`` ends at ``old``."""
    if not live.exists():
        os.rename(new, live)
        return
    if _renameat2_exchange(new, live):
        os.rename(new, old)  # ``new`` now holds the previous directory
        return
    os.rename(live, old)
    os.rename(new, live)


def _restore(root: Path, backup: Path) -> None:
    """Make <root> exactly the backup again (files only rewritten where they differ)."""
    for sub in ("cpts", "perimetres"):
        live, saved = root / sub, backup / sub
        if not saved.exists():
            if live.exists():
                shutil.rmtree(live)
            continue
        if not live.is_dir():
            if live.exists():
                live.unlink()
            shutil.copytree(saved, live)
            continue
        want = _snapshot(saved)
        have = _snapshot(live)
        for rel in have.keys() - want.keys():
            (live / rel).unlink()
        for rel, data in want.items():
            if have.get(rel) != data:
                (live / rel).parent.mkdir(parents=True, exist_ok=True)
                (live / rel).write_bytes(data)
    for p in backup.iterdir():
        if p.is_file():
            target = root / p.name
            if not target.exists() or target.read_bytes() != p.read_bytes():
                target.write_bytes(p.read_bytes())


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _polygon_geojson(t: ImportedTerritory, cpts_id: str, fichier: str, today: str) -> str:
    import shapely  # noqa: PLC0415
    geom = json.loads(shapely.to_geojson(t.polygon))
    doc = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": cpts_id, "nom": t.nom, "fichier": fichier, "date_import": today,
                       "entites": t.lines},
        "geometry": geom,
    }]}
    return json.dumps(doc, ensure_ascii=False)


# --------------------------------------------------------------------------- publish


@dataclass
class PublishReport:
    backup: Path
    created: list[str] = field(default_factory=list)   # CPTS ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)     # relative paths written

    def text(self) -> str:
        parts = []
        if self.created:
            parts.append(f"{len(self.created)} CPTS créée(s) ({', '.join(self.created)})")
        if self.updated:
            parts.append(f"{len(self.updated)} périmètre(s) remplacé(s) ({', '.join(self.updated)})")
        if not parts:
            parts.append("aucune modification")
        return "Registre publié : " + " ; ".join(parts) + f". Sauvegarde : {self.backup}."


def _hook(name: str) -> None:
    """Test seam: tests monkeypatch this to fail at a given step ("staged", "swapped_perimetres")."""


def publish(result: ImportResult, root: Path, backups: Path = DEFAULT_BACKUPS, *, today: str | None = None,
            expected: dict[str, str] | None = None) -> PublishReport:
    """Merge the changed territories of ``result`` into the registry at ``root`` (see module doc).

    ``expected``: fingerprints(root) taken when the preview was computed; a CPTS changed since
    makes the publication fail (nothing written). Raises PublishError (registry unchanged)."""
    root = Path(root)
    backups = Path(backups)
    if result.blocking:
        raise PublishError(f"{len(result.blocking)} ligne(s) à corriger avant de publier "
                           f"(lignes {', '.join(str(p.line) for p in result.blocking[:10])}"
                           f"{'…' if len(result.blocking) > 10 else ''}) : rien n'a été écrit.")
    today = today or dt.date.today().isoformat()
    fichier = _clean_text(Path(result.fichier.replace("\\", "/")).name or "fichier importé")
    changes = [t for t in result.territories if t.changed]
    if not (root / "cpts").is_dir():
        raise PublishError(f"Registre introuvable : {root / 'cpts'}.")
    with registry_lock(root):
        try:
            current = load_registry(root)
        except Exception as e:  # RegistryError: do not publish on top of a broken registry
            raise PublishError(f"Le registre actuel est invalide, publication refusée : {e}") from None
        if expected is not None:
            now = fingerprints(root)
            moved = [t.id for t in changes if not t.nouvelle and expected.get(t.id) != now.get(t.id)]
            if moved:
                raise PublishError("Registre modifié depuis l'aperçu (CPTS " + ", ".join(moved)
                                   + ") : rechargez le fichier pour voir les différences, puis publiez.")
        report = PublishReport(backup=_backup(root, backups))
        report.unchanged = [t.id for t in result.territories if not t.changed]
        if not changes:
            return report
        token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging = root / f"{_STAGING_PREFIX}{token}"
        swapped: list[str] = []
        try:
            shutil.copytree(root, staging, ignore=_ignore)
            (staging / "perimetres").mkdir(exist_ok=True)
            by_key = {cpts_key(c.nom): c for c in current.cpts}
            taken = {c.id for c in current.cpts}
            for t in changes:
                existing = current.get(t.id) if not t.nouvelle else None
                if t.nouvelle:
                    same = by_key.get(cpts_key(t.nom))
                    if same is not None and cpts_key(t.nom):
                        existing = same  # created meanwhile by another publication: update it
                cpts_id = existing.id if existing is not None else _free_id(t.id, taken)
                taken.add(cpts_id)
                polygone = f"perimetres/{cpts_id}.geojson" if t.polygon is not None and t.codes else None
                if polygone:
                    _write(staging / polygone, _polygon_geojson(t, cpts_id, fichier, today))
                path = staging / "cpts" / f"{cpts_id}.yaml"
                if existing is None:
                    _write(path, new_cpts_document(t, cpts_id, fichier, result.format, today, polygone))
                    report.created.append(cpts_id)
                else:
                    if not path.is_file():
                        raise PublishError(f"Fichier de la CPTS « {existing.nom} » introuvable ({path.name}).")
                    old_text = path.read_text(encoding="utf-8")
                    per = _perimetre_doc(t, fichier, result.format, today, polygone, existing.perimetre,
                                         report.backup.name)
                    new_text = replace_block(old_text, "perimetre", _dump({"perimetre": per}))
                    _check_only_perimeter_changed(old_text, new_text, per, path.name)
                    _write(path, new_text)
                    report.updated.append(cpts_id)
                report.files.append(f"cpts/{cpts_id}.yaml")
                if polygone:
                    report.files.append(polygone)
            errors = [p for p in validate_registry(staging) if p.severity == "erreur"]
            if errors:
                raise PublishError("Publication refusée, le registre obtenu serait invalide : "
                                   + " ; ".join(str(p) for p in errors[:5]))
            _hook("staged")
            if any(p.startswith("perimetres/") for p in report.files):
                _swap_in(staging / "perimetres", root / "perimetres", staging / "perimetres.old")
                swapped.append("perimetres")
                _hook("swapped_perimetres")
            _swap_in(staging / "cpts", root / "cpts", staging / "cpts.old")
            swapped.append("cpts")
            _hook("swapped")
        except BaseException as e:
            try:
                if swapped:
                    _restore(root, report.backup)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            if isinstance(e, PublishError):
                raise
            if isinstance(e, Exception):
                raise PublishError(f"Publication annulée ({type(e).__name__} : {e}) ; le registre est inchangé "
                                   f"(sauvegarde : {report.backup}).") from e
            raise
        shutil.rmtree(staging, ignore_errors=True)
        return report


def _free_id(base: str, taken: set[str]) -> str:
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    return cid


def _check_only_perimeter_changed(old_text: str, new_text: str, per: dict, name: str) -> None:
    old = yaml.safe_load(old_text)
    new = yaml.safe_load(new_text)
    expected = dict(old)
    expected["perimetre"] = per
    if new != expected or list(new) != list(expected):
        raise PublishError(f"Réécriture du périmètre impossible sans toucher au reste de {name} : "
                           "modifiez ce fichier à la main.")
