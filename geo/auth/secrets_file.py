"""Editor accounts in the Streamlit secrets file: ``[editeurs.NOM]`` tables with a ``hash`` key.

The file also holds other secrets (``[auth]`` for OpenID Connect, database passwords…): it is
edited with tomlkit, which round-trips TOML (comments, order, formatting), so nothing but the
editor's own table changes. Writes are atomic (temporary file in the same folder, fsync,
os.replace) and the file is left readable by its owner only (0600).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ..atomic import write_bytes
from ..paths import REPO_ROOT
from .passwords import hash_password

# Where ``streamlit run app.py`` (started from the repository, as README says) reads its secrets.
DEFAULT_SECRETS = REPO_ROOT / ".streamlit" / "secrets.toml"
SECTION = "editeurs"
_NAME = re.compile(r"[\w .@'-]{2,64}")


class SecretsFileError(ValueError):
    """The secrets file or an editor name cannot be used (French message); nothing was written."""


def normalize_name(name: str) -> str:
    """An editor name as stored: Unicode NFC, spaces trimmed and collapsed. Raises SecretsFileError
    for an empty, too long name or one with other characters than letters, digits, spaces and . _ - @ '."""
    clean = " ".join(unicodedata.normalize("NFC", name).split())
    if not _NAME.fullmatch(clean):
        raise SecretsFileError(
            "Nom d'éditeur invalide : de 2 à 64 caractères, lettres, chiffres, espaces et « . _ - @ ' » seulement.")
    return clean


def editor_hashes(secrets: Mapping) -> dict[str, str]:
    """``{name: argon2 hash}`` of the ``[editeurs]`` section of a secrets mapping (st.secrets or a
    parsed file); entries without a string ``hash`` are ignored."""
    section = secrets.get(SECTION) if hasattr(secrets, "get") else None
    if not isinstance(section, Mapping):
        return {}
    return {str(k): str(v["hash"]) for k, v in section.items()
            if isinstance(v, Mapping) and isinstance(v.get("hash"), str) and v.get("hash")}


def find_editor(hashes: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(stored name, hash) of the account called ``name`` (case and spacing ignored), or None."""
    try:
        wanted = normalize_name(name).casefold()
    except SecretsFileError:
        return None
    for stored, h in hashes.items():
        if " ".join(unicodedata.normalize("NFC", stored).split()).casefold() == wanted:
            return stored, h
    return None


def read_secrets(path: Path) -> tomlkit.TOMLDocument:
    """The parsed secrets file (an empty document when it does not exist)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except UnicodeDecodeError as e:
        raise SecretsFileError(f"Fichier de secrets illisible (pas en UTF-8) : {path}.") from e
    except OSError as e:
        raise SecretsFileError(f"Fichier de secrets illisible : {path} ({e.strerror}).") from e
    try:
        return tomlkit.parse(text)
    except TOMLKitError as e:
        raise SecretsFileError(f"Fichier de secrets invalide (TOML) : {path} : {e}. Rien n'a été modifié.") from e


def list_editors(path: Path) -> list[str]:
    """Names of the editor accounts of the secrets file, sorted."""
    return sorted(editor_hashes(read_secrets(path)), key=str.casefold)


def _section(doc: tomlkit.TOMLDocument, path: Path, create: bool):
    if SECTION not in doc:
        if not create:
            return None
        doc[SECTION] = tomlkit.table(is_super_table=True)
    section = doc[SECTION]
    if not isinstance(section, Mapping):
        raise SecretsFileError(f"« {SECTION} » n'est pas une table dans {path} : rien n'a été modifié.")
    return section


def add_editor(path: Path, name: str, password: str, *, replace: bool = False) -> str:
    """Create (or with ``replace``, change the password of) the account ``name``; returns the stored
    name. Raises SecretsFileError when it exists and ``replace`` is False, PasswordError for a weak
    password. The rest of the file is kept as it was."""
    path = Path(path)
    name = normalize_name(name)
    doc = read_secrets(path)
    section = _section(doc, path, create=True)
    found = find_editor(editor_hashes(doc), name)
    if found and not replace:
        raise SecretsFileError(f"L'éditeur « {found[0]} » existe déjà (--remplacer pour changer son mot de passe).")
    entry = tomlkit.table()
    entry["hash"] = hash_password(password)
    if found:
        del section[found[0]]
    section[name] = entry
    write_atomic(path, tomlkit.dumps(doc))
    return name


def remove_editor(path: Path, name: str) -> str | None:
    """Remove the account ``name``; returns its stored name, or None when there is no such account
    (then the file is not touched)."""
    path = Path(path)
    doc = read_secrets(path)
    section = _section(doc, path, create=False)
    found = find_editor(editor_hashes(doc), name) if section is not None else None
    if not found:
        return None
    del section[found[0]]
    write_atomic(path, tomlkit.dumps(doc))
    return found[0]


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically, mode 0600 (a secrets file is never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, text.encode("utf-8"), 0o600, sync_dir=True)
