"""Start the app on its own server for a test, on another data directory (CPTS_DATA_DIR).

``app_url`` (conftest.py) serves the repository's data/ for the whole session; tests that change
data (an import, a publish) run their own server on a copy of data/ with :func:`running_app`."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT
from server_support import serve


def copy_data(target: Path) -> Path:
    """A copy of data/ (without backups) at *target*; returns it."""
    shutil.copytree(REPO_ROOT / "data", target, ignore=shutil.ignore_patterns("backups"))
    return target


def data_env(data_dir: Path) -> dict[str, str]:
    """os.environ pointing the app and the CLI at *data_dir* only."""
    env = dict(os.environ, CPTS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    for k in ("CPTS_REGISTRY_DIR", "CPTS_BACKUP_DIR"):
        env.pop(k, None)
    return env


@contextlib.contextmanager
def running_app(data_dir: Path, log_path: Path, secrets: Path | None = None):
    """``streamlit run app.py`` with CPTS_DATA_DIR=*data_dir* (and ``--secrets.files secrets`` if
    given: an editor account, an OIDC provider...); yields its base URL."""
    with serve(log_path, "app.py", data_env(data_dir), secrets=secrets) as base:
        yield base


def geo_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m geo ARGS`` on *data_dir*."""
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, env=data_env(data_dir),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
