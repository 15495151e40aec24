"""Helpers of the export tests: hostile or changed atlases, reading back PNG, PDF and CSV."""
import dataclasses
import datetime as dt
import io

import pandas as pd
from PIL import Image
from pypdf import PdfReader

from geo.atlas import Atlas

DAY = dt.date(2025, 11, 22)


def sp(s: str) -> str:
    """Narrow and regular no-break spaces as plain spaces (PDF text extraction, French numbers)."""
    return s.replace("\u202f", " ").replace("\u00a0", " ")


def replace(obj, **changes):
    """A changed copy of a registry/territory object (dataclass or pydantic model)."""
    return obj.model_copy(update=changes) if hasattr(obj, "model_copy") else dataclasses.replace(obj, **changes)


def with_changes(atlas, cpts_id=None, nom=None, communes=None, missions=None) -> Atlas:
    """A copy of the atlas with one CPTS renamed / given other missions, or another referential."""
    terrs = []
    for t in atlas.territories:
        if t.id == cpts_id:
            cpts = t.cpts
            if nom is not None:
                cpts = replace(cpts, nom=nom)
            if missions is not None:
                cpts = replace(cpts, missions=missions)
            t = replace(t, nom=nom or t.nom, cpts=cpts)
        terrs.append(t)
    return Atlas(atlas.communes if communes is None else communes, atlas.registry, atlas.matcher, terrs,
                 atlas.locator)


def rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def share_of(png: bytes, color: str) -> float:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    counts = {c: n for n, c in img.getcolors(img.width * img.height)}
    return counts.get(rgb(color), 0) / (img.width * img.height)


def pdf_text(data: bytes) -> tuple[int, str]:
    r = PdfReader(io.BytesIO(data))
    return len(r.pages), sp("\n".join(p.extract_text() for p in r.pages))


def read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")       # BOM: Excel FR reads UTF-8
    return pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", decimal=",", dtype={"Code INSEE": str})
