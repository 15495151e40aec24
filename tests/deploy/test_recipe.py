"""The Docker recipe's pieces, tested without Docker (no engine here): the app as the image holds
it (.dockerignore), started with the Dockerfile's settings as an unprivileged user, answers the
Dockerfile's HEALTHCHECK command, serves the map, and publishes into its data volume.

When the Python interpreter lives where uid 65534 cannot enter (here: under /root, mode 0700), the
unprivileged process keeps the capability to READ and traverse directories (CAP_DAC_READ_SEARCH);
writing still needs the rights of uid 65534, which is what the test is about: the code is
root-owned and read-only, only the data volume and static/generated are writable.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from benchmarks.bench_load import Session
from tests.deploy_support import (NEW_CPTS_NAME, NEW_CPTS_ROWS, REPO_ROOT, LoopThread, copy_app_tree, copy_data,
                                  start_app)

DOCKERFILE = REPO_ROOT / "Dockerfile"
UID = 65534  # nobody


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile_env() -> dict[str, str]:
    env = {}
    for word, rest in instructions():
        if word == "ENV":
            for item in shlex.split(rest):
                k, _, v = item.partition("=")
                env[k] = v
    return env


def healthcheck_command(port: int) -> str:
    hc = next(rest for word, rest in instructions() if word == "HEALTHCHECK")
    cmd = hc.split(" CMD ", 1)[1]
    return cmd.replace(":8501/", f":{port}/")


def test_dockerfile_declares_the_recipe():
    ins = instructions()
    words = [w for w, _ in ins]
    assert ("FROM", "python:3.11-slim") in ins
    user = next(rest for w, rest in ins if w == "USER")
    assert user not in ("root", "0") and words.index("USER") > words.index("COPY")  # runs as its own user
    env = dockerfile_env()
    volume = next(rest for w, rest in ins if w == "VOLUME")
    assert env["CPTS_DATA_DIR"] in volume  # the data directory IS the volume
    assert env["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] == "none"
    assert "/_stcore/health" in healthcheck_command(8501)
    # nothing the image must not hold goes into it
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8")
    for entry in (".git", ".streamlit/secrets.toml", "data/backups", "tests", "static/generated"):
        assert entry in ignored.splitlines(), entry


@pytest.fixture
def world():
    """A root-owned copy of the image's /app, and a data volume owned by the app user (outside
    pytest's 0700 tmp dirs, which the unprivileged user could not enter)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to start the app as another user")
    root = Path(tempfile.mkdtemp(prefix="cpts-recipe-"))
    root.chmod(0o755)
    try:
        app = copy_app_tree(root / "app")
        data = copy_data(root / "data")
        home = root / "home"
        home.mkdir()
        for p in (data, home, app / "static" / "generated"):
            subprocess.run(["chown", "-R", f"{UID}:{UID}", str(p)], check=True)
        yield app, data, home
    finally:
        shutil.rmtree(root, ignore_errors=True)


_SETPRIV = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
_READ_ANYWHERE = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]


def as_app_user() -> list[str]:
    """setpriv prefix dropping to uid 65534; with read/search rights everywhere only when the
    interpreter is not reachable otherwise (skip if neither works, e.g. a container without the cap)."""
    for prefix in (_SETPRIV, _SETPRIV + _READ_ANYWHERE):
        ok = subprocess.run([*prefix, sys.executable, "-c", "import streamlit"], capture_output=True, cwd="/")
        if ok.returncode == 0:
            return prefix
    pytest.skip("cannot run this Python interpreter as uid 65534 here")


def test_unprivileged_start_healthcheck_map_and_publish(world, tmp_path):
    app_dir, data, home = world
    env = dockerfile_env()
    env.update(CPTS_DATA_DIR=str(data), HOME=str(home), STREAMLIT_SERVER_ADDRESS="127.0.0.1")
    env.pop("STREAMLIT_SERVER_PORT")
    server = start_app(data, tmp_path / "server.log", cwd=app_dir, env=env, prefix=as_app_user())
    loop = LoopThread()
    try:
        uid_line = next(l for l in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines() if l.startswith("Uid:"))
        assert uid_line.split()[1:] == [str(UID)] * 4, uid_line
        port = int(server.url.rsplit(":", 1)[1])
        hc = subprocess.run(["sh", "-c", healthcheck_command(port)], capture_output=True, timeout=30)
        assert hc.returncode == 0, hc.stderr

        # the map page runs (and writes its layers into static/generated as the app user)
        s = Session(server.url)
        loop.run(s.open())
        assert s.map_widget_id, "the home page drew no map"
        loop.run(s.close())
        assert list((app_dir / "static" / "generated").glob("*.json"))

        # publishing as the app user writes into the volume (registry + backup), nowhere else
        f = tmp_path / "liste.csv"
        f.write_text("\r\n".join(";".join(r) for r in [["Nom CPTS", "Libellé commune", "Code INSEE"], *NEW_CPTS_ROWS]),
                     encoding="utf-8")
        f.chmod(0o644)
        tmp_path.chmod(0o755)
        pub = subprocess.run([*as_app_user(), sys.executable, "-m", "geo", "import", str(f)], cwd=app_dir,
                             env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
        assert pub.returncode == 0, pub.stdout + pub.stderr
        assert list((data / "backups").iterdir())
        s = Session(server.url, query_string="cpts=essai-publication")
        texts = loop.run(s.open()).texts
        loop.run(s.close())
        assert any(NEW_CPTS_NAME in t for t in texts), texts
    finally:
        loop.close()
        server.stop()
    hc = subprocess.run(["sh", "-c", healthcheck_command(port)], capture_output=True, timeout=30)
    assert hc.returncode != 0  # the healthcheck does fail when the app is down
    log = server.log()
    assert not re.search(r"Traceback|PermissionError|Errno 13", log), log[-4000:]
