"""Helpers of the deployment tests (tests/deploy/, tests/e2e/test_proxy.py, test_publish_log.py):
real app processes on a COPY of the data (CPTS_DATA_DIR), nginx rendered by deploy/render_nginx.py,
and publishes through ``python -m geo import``. Everything on free loopback ports, stopped at the end."""
from __future__ import annotations

import asyncio
import fnmatch
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
START_TIMEOUT = float(os.environ.get("E2E_SERVER_TIMEOUT", "90"))
NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, timeout: float = 10.0, headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without proxies: (status, headers with lower-case names, body). Repeated headers joined by ', '."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            status, msg, body = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, msg, body = e.code, e.headers, e.read()
    out: dict[str, str] = {}
    for k, v in msg.items():
        out[k.lower()] = f"{out[k.lower()]}, {v}" if k.lower() in out else v
    return status, out, body


def copy_data(dest: Path) -> Path:
    """A private data directory (communes.parquet + registry/, no backups) for CPTS_DATA_DIR."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "data" / "communes.parquet", dest / "communes.parquet")
    shutil.copytree(REPO_ROOT / "data" / "registry", dest / "registry",
                    ignore=lambda d, names: [n for n in names if n == ".lock" or n.startswith(".staging-")])
    return dest


class LoopThread:
    """An asyncio loop in its own thread, for websocket sessions (benchmarks.bench_load.Session) in
    tests that also drive Playwright's sync API (which owns the main thread's loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._t = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._t.start()

    def run(self, coro, timeout: float = 180.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._t.join(10)
        self.loop.close()


def _docker_ignored() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [s.strip().rstrip("/") for s in lines if s.strip() and not s.lstrip().startswith("#")]


def copy_app_tree(dest: Path) -> Path:
    """A private copy of the app as the Docker image holds it (the repo minus .dockerignore): code,
    and data/ under it like a checkout. Patterns are matched on the path relative to the repo
    (``**/`` also matches at the top)."""
    patterns = _docker_ignored()

    def ignored(rel: str) -> bool:
        return any(fnmatch.fnmatchcase(rel, p) or (p.startswith("**/") and fnmatch.fnmatchcase(rel, p[3:]))
                   for p in patterns)

    def ignore(directory: str, names: list[str]) -> list[str]:
        base = Path(directory).relative_to(REPO_ROOT).as_posix()
        return [n for n in names if ignored(n if base == "." else f"{base}/{n}")]

    shutil.copytree(REPO_ROOT, dest, ignore=ignore, symlinks=True)
    (dest / "static" / "generated").mkdir(parents=True, exist_ok=True)
    return dest


@dataclass
class Proc:
    proc: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)


def _wait(proc: Proc, path: str, ok) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.proc.poll() is None:
        try:
            status, _, body = http(proc.url + path, timeout=2)
            if ok(status, body):
                return
        except OSError:
            pass
        time.sleep(0.2)
    proc.stop()
    pytest.fail(f"{proc.url} not ready (exit={proc.proc.returncode}):\n{proc.log()[-4000:]}", pytrace=False)


def start_app(data_dir: Path, log_path: Path, *, cwd: Path = REPO_ROOT, env: dict | None = None,
              args: list[str] = (), prefix: list[str] = ()) -> Proc:
    """``streamlit run app.py`` with the project's .streamlit/config.toml (no watcher override) on a
    free loopback port, CPTS_DATA_DIR=data_dir; waits for /_stcore/health. *prefix* runs it through
    another command (e.g. setpriv to drop root)."""
    port = free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "CPTS_DATA_DIR": str(data_dir), **NO_PROXY, **(env or {})}
    for k in ("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "STREAMLIT_SERVER_RUN_ON_SAVE"):
        if env is None or k not in env:
            full_env.pop(k, None)  # the committed config decides, as for a user
    log = open(log_path, "wb")
    p = subprocess.Popen([*prefix, sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                          "--server.address", "127.0.0.1", *args],
                         cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    log.close()
    proc = Proc(p, f"http://127.0.0.1:{port}", log_path)
    _wait(proc, "/_stcore/health", lambda s, b: s == 200 and b.strip() == b"ok")
    return proc


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if path is None:
        msg = "nginx not installed (bash scripts/test.sh installs it from Debian)"
        if IN_CI:
            pytest.fail(msg + " (CI=true: the deployment tests must run)", pytrace=False)
        pytest.skip(msg)
    return path


def start_nginx(prefix: Path, backends: list[str]) -> Proc:
    """nginx in front of *backends* with the configuration deploy/render_nginx.py renders."""
    binary = nginx_binary()
    port = free_port()
    cmd = [sys.executable, str(REPO_ROOT / "deploy" / "render_nginx.py"), "--listen", f"127.0.0.1:{port}",
           "--standalone", str(prefix)]
    for b in backends:
        cmd += ["--backend", b]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    p = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    proc = Proc(p, f"http://127.0.0.1:{port}", prefix / "logs" / "error.log")
    _wait(proc, "/_stcore/health", lambda s, b: s == 200)
    return proc


def publish(data_dir: Path, csv_rows: list[list[str]], workdir: Path, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """``python -m geo import liste.csv`` on *data_dir*, as an operator would while the app runs."""
    f = workdir / "liste.csv"
    f.write_text("\r\n".join(";".join(r) for r in [["Nom CPTS", "Libellé commune", "Code INSEE"], *csv_rows]) + "\r\n",
                 encoding="utf-8")
    env = dict(os.environ, CPTS_DATA_DIR=str(data_dir), CPTS_BACKUP_DIR=str(data_dir / "backups"))
    env.pop("CPTS_REGISTRY_DIR", None)
    return subprocess.run([sys.executable, "-m", "geo", "import", str(f)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


# A new CPTS on two communes that no documented CPTS covers (so nothing is taken from another one).
NEW_CPTS_NAME = "CPTS Essai Publication"
NEW_CPTS_ROWS = [[NEW_CPTS_NAME, "Acigné", "35001"], [NEW_CPTS_NAME, "Andouillé-Neuville", "35003"]]
