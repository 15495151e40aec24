"""`python -m geo editeurs ajouter|lister|retirer` on a temporary secrets file: accounts written
as argon2id hashes, the other secrets kept, French messages and exit codes, no TTY needed."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import tomlkit

from geo.auth import verify_password
from geo.paths import REPO_ROOT

OTHER = '[auth]\nclient_id = "carte"  # SSO\n\n[connections.db]\nurl = "sqlite:///x.db"\n'


def geo(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "geo", "editeurs", *args], cwd=REPO_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_add_list_remove(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(OTHER, encoding="utf-8")
    s = ["--secrets", str(path)]
    p = geo("ajouter", "Jeanne Le Goff", *s, "--mot-de-passe-stdin", stdin="un mot de passe long\n")
    assert p.returncode == 0, p.stderr
    assert "Éditeur « Jeanne Le Goff » créé" in p.stdout
    assert geo("ajouter", "bob", *s, "--mot-de-passe-stdin", stdin="autre mot de passe\n").returncode == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    assert doc["auth"]["client_id"] == "carte" and doc["connections"]["db"]["url"] == "sqlite:///x.db"
    assert path.read_text(encoding="utf-8").startswith(OTHER)
    assert verify_password(doc["editeurs"]["Jeanne Le Goff"]["hash"], "un mot de passe long")
    assert "un mot de passe long" not in path.read_text(encoding="utf-8")

    p = geo("lister", *s)
    assert p.returncode == 0 and p.stdout.splitlines() == ["bob", "Jeanne Le Goff"]

    p = geo("ajouter", "jeanne le goff", *s, "--mot-de-passe-stdin", stdin="encore un autre\n")
    assert p.returncode == 1 and "existe déjà" in p.stderr

    p = geo("retirer", "BOB", *s)
    assert p.returncode == 0 and "« bob » retiré" in p.stdout
    p = geo("retirer", "bob", *s)
    assert p.returncode == 1 and "aucun éditeur « bob »" in p.stderr
    assert geo("lister", *s).stdout.splitlines() == ["Jeanne Le Goff"]
    assert tomlkit.parse(path.read_text(encoding="utf-8"))["auth"]["client_id"] == "carte"


def test_bad_input_exit_2_and_nothing_written(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(OTHER, encoding="utf-8")
    s = ["--secrets", str(path)]
    p = geo("ajouter", "bob", *s, "--mot-de-passe-stdin", stdin="court\n")
    assert p.returncode == 2 and "trop court" in p.stderr and "Traceback" not in p.stderr
    p = geo("ajouter", "bob", *s)  # no TTY and no --mot-de-passe-stdin
    assert p.returncode == 2 and "--mot-de-passe-stdin" in p.stderr
    p = geo("ajouter", "<b>", *s, "--mot-de-passe-stdin", stdin="un mot de passe long\n")
    assert p.returncode == 2 and "Nom d'éditeur invalide" in p.stderr
    assert path.read_text(encoding="utf-8") == OTHER
    path.write_text("[auth\n", encoding="utf-8")
    p = geo("lister", *s)
    assert p.returncode == 2 and "invalide (TOML)" in p.stderr


def test_missing_file_lists_nobody(tmp_path):
    p = geo("lister", "--secrets", str(tmp_path / "absent.toml"))
    assert p.returncode == 0 and "Aucun éditeur" in p.stdout


def _on_terminal(args: list[str], answers: list[str], timeout: float = 120.0) -> tuple[int, str]:
    """Run ``python -m geo editeurs ARGS`` on a pseudo-terminal, typing each answer at each prompt."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # child: its controlling terminal is the pty (getpass reads /dev/tty)
        os.chdir(REPO_ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "geo", "editeurs", *args])
    out, pending, deadline = b"", list(answers), time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # child gone
                break
            if not chunk:
                break
            out += chunk
            # one answer per prompt, once the prompt is shown (getpass flushes what was typed before)
            if pending and out.count("Mot de passe".encode()) > len(answers) - len(pending) and out.endswith(b": "):
                os.write(fd, (pending.pop(0) + "\n").encode())
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def test_password_asked_twice_on_a_terminal(tmp_path):
    path = tmp_path / "secrets.toml"
    code, out = _on_terminal(["ajouter", "jeanne", "--secrets", str(path)], ["premier mot de passe", "autre chose !!"])
    assert code == 2 and "différents" in out and not path.exists()
    code, out = _on_terminal(["ajouter", "jeanne", "--secrets", str(path)], ["un mot de passe sûr", "un mot de passe sûr"])
    assert code == 0, out
    assert "un mot de passe sûr" not in out  # not echoed
    assert out.count("Mot de passe") == 2
    assert verify_password(tomlkit.parse(path.read_text(encoding="utf-8"))["editeurs"]["jeanne"]["hash"],
                           "un mot de passe sûr")
