"""Named editors, pure Python (geo/auth): argon2id hashes, accounts in the secrets file (other
secrets kept), exponential throttling of failed sign-ins on a fake clock, OIDC claim rules."""
from __future__ import annotations

import os
import stat

import pytest
import tomlkit

from geo.auth import (
    PasswordError, SecretsFileError, Throttle, add_editor, editor_hashes, find_editor, hash_password, list_editors,
    oidc_editor_name, oidc_rule, read_secrets, remove_editor, verify_password,
)

EXISTING = '''# secrets of the deployment
admin_password = "ancien"  # kept as it was

[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "s3cr3t"

[connections.db]
url = "postgresql://u:p@h/db"
'''


def test_hash_is_salted_argon2id_and_verifies():
    h1, h2 = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert h1.startswith("$argon2id$") and h1 != h2  # a salt per hash
    assert verify_password(h1, "correct horse battery") and verify_password(h2, "correct horse battery")
    assert not verify_password(h1, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")  # unknown name: refused, same work
    assert not verify_password("pas-un-hash", "correct horse battery")


def test_weak_passwords_are_refused():
    with pytest.raises(PasswordError, match="au moins 10"):
        hash_password("court")
    with pytest.raises(PasswordError, match="espace"):
        hash_password(" espace-au-debut")


def test_add_list_remove_keep_the_other_secrets(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(EXISTING, encoding="utf-8")
    assert add_editor(path, "  Jeanne   Le Goff ", "mot-de-passe-1") == "Jeanne Le Goff"
    add_editor(path, "alice@ars.fr", "mot-de-passe-2")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith(EXISTING)  # every byte of what was there, comments included
    doc = read_secrets(path)
    assert doc["auth"]["cookie_secret"] == "s3cr3t" and doc["connections"]["db"]["url"].startswith("postgresql")
    assert list_editors(path) == ["alice@ars.fr", "Jeanne Le Goff"]
    hashes = editor_hashes(doc)
    assert verify_password(hashes["Jeanne Le Goff"], "mot-de-passe-1")
    assert find_editor(hashes, "jeanne le goff")[0] == "Jeanne Le Goff"

    with pytest.raises(SecretsFileError, match="existe déjà"):
        add_editor(path, "JEANNE LE GOFF", "autre-mot-de-passe")
    add_editor(path, "jeanne le goff", "autre-mot-de-passe", replace=True)
    assert list_editors(path) == ["alice@ars.fr", "jeanne le goff"]
    assert verify_password(editor_hashes(read_secrets(path))["jeanne le goff"], "autre-mot-de-passe")

    assert remove_editor(path, "Alice@ARS.fr") == "alice@ars.fr"
    assert remove_editor(path, "personne") is None
    assert remove_editor(path, "jeanne le goff") == "jeanne le goff"
    assert list_editors(path) == []
    assert path.read_text(encoding="utf-8").startswith(EXISTING)


def test_new_secrets_file_is_created_private(tmp_path):
    path = tmp_path / ".streamlit" / "secrets.toml"
    add_editor(path, "bob", "mot-de-passe-bob")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(tomlkit.parse(path.read_text())["editeurs"]) == ["bob"]


def test_invalid_file_or_name_changes_nothing(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("[auth\nx = 1\n", encoding="utf-8")
    with pytest.raises(SecretsFileError, match="invalide"):
        add_editor(path, "bob", "mot-de-passe-bob")
    assert path.read_text(encoding="utf-8") == "[auth\nx = 1\n"
    path.write_text('editeurs = "pas une table"\n', encoding="utf-8")
    with pytest.raises(SecretsFileError, match="n'est pas une table"):
        add_editor(path, "bob", "mot-de-passe-bob")
    with pytest.raises(SecretsFileError, match="Nom d'éditeur invalide"):
        add_editor(tmp_path / "other.toml", "<script>", "mot-de-passe-bob")
    assert not (tmp_path / "other.toml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.toml"]  # no temporary file left


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_failed_attempts_wait_longer_and_longer():
    clock = FakeClock()
    t = Throttle(base=1.0, cap=60.0, clock=clock)
    keys = ["session:a", "nom:jeanne"]
    assert t.wait_time(keys) == 0
    delays = [t.failure(keys) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]  # exponential, capped
    assert t.wait_time(keys) == 60
    clock.now += 59
    assert t.wait_time(keys) == pytest.approx(1)
    # another session guessing the same name waits too; the same session with another name too
    assert t.wait_time(["session:b", "nom:jeanne"]) == pytest.approx(1)
    assert t.wait_time(["session:a", "nom:autre"]) == pytest.approx(1)
    assert t.wait_time(["session:b", "nom:autre"]) == 0
    clock.now += 1
    assert t.wait_time(keys) == 0
    t.success(keys)
    assert t.failures("nom:jeanne") == 0 and t.failure(keys) == 1


def test_failures_are_forgotten_after_a_quiet_hour():
    clock = FakeClock()
    t = Throttle(base=1.0, cap=300.0, forget_after=3600.0, clock=clock)
    for _ in range(5):
        t.failure(["nom:x"])
    clock.now += 3601
    assert t.wait_time(["nom:x"]) == 0 and t.failures("nom:x") == 0


def test_oidc_rule_from_secrets():
    secrets = {"auth": {"client_id": "c"}, "editeurs_oidc": {"claim": "groups", "valeurs": ["ars-bretagne-cpts"]}}
    rule = oidc_rule(secrets)
    assert oidc_editor_name({"sub": "u1", "email": "a@ars.fr", "groups": ["x", "ars-bretagne-cpts"]}, rule) == "a@ars.fr"
    assert oidc_editor_name({"sub": "u2", "groups": "ars-bretagne-cpts"}, rule) == "u2"
    assert oidc_editor_name({"sub": "u3", "groups": ["ars-bretagne"]}, rule) is None
    assert oidc_editor_name({"sub": "u4"}, rule) is None
    emails = oidc_rule({"editeurs_oidc": {"claim": "email", "valeurs": ["Jeanne@ARS.fr"]}})
    assert oidc_editor_name({"sub": "j", "email": "jeanne@ars.fr"}, emails) == "jeanne@ars.fr"
    assert oidc_editor_name({"sub": "j", "email": "jeanne@ars.fr", "email_verified": False}, emails) is None
    assert oidc_rule({"auth": {}}) is None and oidc_rule({"editeurs_oidc": {"claim": "groups"}}) is None
    assert oidc_editor_name({"sub": "u1", "groups": ["ars-bretagne-cpts"]}, None) is None
