"""Private, freshly started app servers for e2e tests that need one (the shared ``app_url`` server
of conftest.py has usually served other pages already, and always reads data/).

:func:`serve` is the one start-and-wait loop (app_url aside): :func:`fresh_app` here and
``app_server.running_app`` (a copy of data/, a secrets file) both go through it."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SERVER_START_TIMEOUT, _free_port, _stop, _tail, http_get

SERVER_ENV = {"STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
              "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "STREAMLIT_SERVER_ENABLE_STATIC_SERVING": "true",
              "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full", "PYTHONUNBUFFERED": "1",
              "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@contextlib.contextmanager
def serve(log_path: Path, script: str = "app.py", env: dict[str, str] | None = None,
          secrets: Path | None = None):
    """``streamlit run <script>`` on a free port of 127.0.0.1 with *env* (default: os.environ) and
    Streamlit's test settings, and ``--secrets.files <secrets>`` if given; yields the base URL once
    ``/_stcore/health`` answers (polled: the server's own state, no fixed wait), stops it after."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
           "--server.address", "127.0.0.1"]
    if secrets is not None:
        cmd += ["--secrets.files", str(secrets)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=(os.environ if env is None else env) | SERVER_ENV,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                if http_get(base + "/_stcore/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit run {script} did not start:\n{_tail(log_path)}", pytrace=False)
            time.sleep(0.25)  # polling interval of the health check, not a wait for the app
        yield base
    finally:
        _stop(proc)


@contextlib.contextmanager
def fresh_app(log_dir: Path, script: str = "app.py", **env_extra: str):
    """Start ``streamlit run <script>`` (app.py, or serve.py the production entry) on a free port with
    ``env_extra``; yield its base URL once healthy."""
    with serve(log_dir / "streamlit.log", script, os.environ | env_extra) as base:
        yield base
