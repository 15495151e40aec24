"""Where the repository keeps its data. Everything is relative to the repository root."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
COMMUNES_PARQUET = DATA_DIR / "communes.parquet"
REGISTRY_DIR = DATA_DIR / "registry"
SOURCES_YAML = Path(__file__).resolve().parent / "sources.yaml"
CACHE_DIR = REPO_ROOT / ".cache" / "sources"
