"""Helpers shared by the ``python -m geo`` commands."""
from __future__ import annotations

import json


def load_atlas():
    """The communes, the registry and the resolved territories (geo/atlas.py), from the data directory."""
    from ..atlas import Atlas
    return Atlas.load()


def dump(obj) -> str:
    """One JSON line, French text kept readable."""
    return json.dumps(obj, ensure_ascii=False)
