"""Start the app on its own server for a test, on another data directory (CPTS_DATA_DIR).

``app_url`` (conftest.py) serves the repository's data/ for the whole session; tests that change
data (an import, a publish) run their own server on a copy of data/ with :func:`running_app`."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SERVER_START_TIMEOUT, _free_port, _stop, http_get


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
def running_app(data_dir: Path, log_path: Path):
    """``streamlit run app.py`` with CPTS_DATA_DIR=*data_dir*; yields its base URL."""
    env = data_env(data_dir) | dict(
        STREAMLIT_SERVER_HEADLESS="true", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none", STREAMLIT_SERVER_ENABLE_STATIC_SERVING="true",
        STREAMLIT_CLIENT_SHOW_ERROR_DETAILS="full")
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if http_get(base + "/_stcore/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        else:
            pytest.fail("the app did not start:\n" + log_path.read_text(errors="replace")[-3000:], pytrace=False)
        yield base
    finally:
        _stop(proc)


def geo_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m geo ARGS`` on *data_dir*."""
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO_ROOT, env=data_env(data_dir),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
