"""A private, freshly started app server for e2e tests that need one (the shared ``app_url`` server
of conftest.py has usually served other pages already, and always reads data/)."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SERVER_START_TIMEOUT, _free_port, _stop, _tail, http_get


@contextlib.contextmanager
def fresh_app(log_dir: Path, script: str = "app.py", **env_extra: str):
    """Start ``streamlit run <script>`` (app.py, or serve.py the production entry) on a free port with
    ``env_extra``; yield its base URL once healthy."""
    port = _free_port()
    env = os.environ | {"STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "NO_PROXY": "127.0.0.1,localhost",
                        "no_proxy": "127.0.0.1,localhost", **env_extra}
    log_path = log_dir / f"streamlit-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
                                 "--server.address", "127.0.0.1"], cwd=REPO_ROOT, env=env,
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
                time.sleep(0.25)
            yield base
        finally:
            _stop(proc)
