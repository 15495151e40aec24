"""Where the product keeps its data.

Everything defaults to the repository's ``data/`` folder. A deployment (or a test) points the app
and the CLI at another data directory with the ``CPTS_DATA_DIR`` environment variable: that folder
holds ``communes.parquet``, ``registry/`` and ``backups/`` exactly like ``data/``.
``CPTS_REGISTRY_DIR`` and ``CPTS_BACKUP_DIR`` still redirect the registry or the backups alone.
The settings are read once, at import: set them before starting ``streamlit`` or ``python -m geo``.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CPTS_DATA_DIR") or REPO_ROOT / "data").resolve()
COMMUNES_PARQUET = DATA_DIR / "communes.parquet"
REGISTRY_DIR = Path(os.environ.get("CPTS_REGISTRY_DIR") or DATA_DIR / "registry").resolve()
BACKUPS_DIR = Path(os.environ.get("CPTS_BACKUP_DIR") or DATA_DIR / "backups").resolve()
SOURCES_YAML = Path(__file__).resolve().parent / "referential" / "sources.yaml"
CACHE_DIR = REPO_ROOT / ".cache" / "sources"
