"""GeoJSON listings: one feature per CPTS (or several), WGS 84 or Lambert-93 polygons.
"""
from __future__ import annotations

import json
import re

import numpy as np
import shapely

from .columns import detect_columns, GEOJSON_NAME_SYNONYMS, _missing_fields, _missing_message
from .decoding import _decode
from .errors import ImportFileError
from .limits import ImportLimits, too_many
from .scan import json_depth_exceeds
from .table import Table


_L93_BOUNDS = (-400_000, 5_900_000, 1_400_000, 7_300_000)


def _read_geojson(data: bytes, name: str, limits: ImportLimits) -> Table:
    from shapely.geometry import shape  # noqa: PLC0415
    text, encoding, notes = _decode(data)
    if json_depth_exceeds(text.encode("utf-8"), limits.max_depth):
        raise ImportFileError(f"Le GeoJSON imbrique plus de {limits.max_depth} niveaux de crochets ou d'accolades ; "
                              f"la limite est {limits.max_depth} (un GeoJSON réel en compte moins de 10).")
    dupes: list[str] = []

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                dupes.append(k)
            out[k] = v
        return out

    try:
        doc = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        raise ImportFileError(f"GeoJSON illisible : JSON invalide ligne {e.lineno}, colonne {e.colno} ({e.msg}).") from None
    if dupes:
        raise ImportFileError(
            f"GeoJSON ambigu : la clé « {dupes[0][:60]} » apparaît deux fois dans un même objet"
            + (f" ({len(dupes)} clés en double en tout)" if len(dupes) > 1 else "")
            + " ; selon le logiciel, c'est l'une ou l'autre valeur qui compte. Supprimez le doublon puis rechargez.")
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    elif isinstance(doc, list):
        feats = doc
    else:
        raise ImportFileError("Ce JSON n'est pas un GeoJSON (« FeatureCollection » ou « Feature » attendu).")
    if not isinstance(feats, list) or not feats:
        raise ImportFileError("GeoJSON vide : aucune entité (feature) à importer.")
    if len(feats) > limits.max_rows:
        raise ImportFileError(too_many("entités (features)", limits.max_rows))
    crs = None
    if isinstance(doc, dict):
        crs_name = json.dumps(doc.get("crs") or "")
        m = re.search(r"EPSG[:]{1,2}(\d+)", crs_name)
        if m:
            crs = int(m.group(1))
    keys: list[str] = []
    for f in feats:
        props = f.get("properties") if isinstance(f, dict) else None
        if isinstance(props, dict):
            for k in props:
                if k not in keys:
                    keys.append(str(k))
    if len(keys) * len(feats) > limits.max_cells:
        raise ImportFileError(too_many("cellules (entités × propriétés)", limits.max_cells))
    chosen, hnotes = detect_columns(keys, GEOJSON_NAME_SYNONYMS)
    if _missing_fields(chosen, geo=True):
        raise ImportFileError(_missing_message(["cpts"], keys, "propriétés des entités", geo=True))
    rows: list[tuple[int, list[object]]] = []
    features: list[dict] = []
    geoms = []
    for i, f in enumerate(feats, start=1):
        props = f.get("properties") if isinstance(f, dict) and isinstance(f.get("properties"), dict) else {}
        rows.append((i, [props.get(k) for k in keys]))
        g = None
        err = None
        raw = f.get("geometry") if isinstance(f, dict) else None
        if raw:
            try:
                g = shape(raw)
            except Exception as e:  # shapely raises GeometryTypeError, ValueError, KeyError…
                err = f"géométrie illisible ({type(e).__name__})"
        features.append({"geometry": g, "error": err})
        geoms.append(g)
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if valid:
        minx, miny, maxx, maxy = shapely.total_bounds(valid)
        metric = crs == 2154 or (crs in (None, 4326) and (abs(minx) > 180 or abs(maxy) > 90))
        if crs not in (None, 4326, 2154, 4171):
            raise ImportFileError(f"Projection EPSG:{crs} non prise en charge : exportez le GeoJSON en WGS 84 (EPSG:4326) "
                                  "ou en Lambert-93 (EPSG:2154).")
        if metric:
            x0, y0, x1, y1 = _L93_BOUNDS
            if not (x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1):
                raise ImportFileError("Coordonnées ni en degrés (WGS 84) ni en Lambert-93 : exportez le GeoJSON en WGS 84.")
            from pyproj import Transformer  # noqa: PLC0415
            tr = Transformer.from_crs(2154, 4326, always_xy=True)
            for feat in features:
                if feat["geometry"] is not None:
                    feat["geometry"] = shapely.transform(feat["geometry"], lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
            notes.append("Coordonnées en Lambert-93 (EPSG:2154) converties en WGS 84.")
    return Table("geojson", 0, keys, rows, chosen, encoding=encoding, notes=notes + hnotes, features=features)
