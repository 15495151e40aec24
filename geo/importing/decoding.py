"""Bytes of a text listing -> str: encoding guess, BOMs, double-encoded repair.
"""
from __future__ import annotations

import re

from .errors import ImportFileError


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 avec BOM"), (b"\xff\xfe", "utf-16", "UTF-16 (BOM)"),
         (b"\xfe\xff", "utf-16", "UTF-16 (BOM)"))


_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, notes
            except UnicodeDecodeError as e:
                raise ImportFileError(f"Fichier illisible : il commence comme un texte {label} mais n'en est pas un "
                                      f"(octet {e.start}).") from None
    if b"\x00" in data[:65536]:
        raise ImportFileError("Fichier binaire : ce n'est ni un CSV, ni un classeur XLSX, ni un GeoJSON. "
                              "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
    try:
        text, label = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, label = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, label = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    if label == "UTF-8" and _MOJIBAKE.search(text):
        try:
            fixed = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            fixed = None
        if fixed is not None:
            notes.append("Accents réparés : le fichier avait été converti deux fois (UTF-8 relu comme Windows-1252, "
                         "« Ã© » pour « é »).")
            text, label = fixed, "UTF-8 (doublement encodé, réparé)"
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\r\n")
    if controls > max(3, len(text[:65536]) // 200):
        raise ImportFileError("Fichier binaire ou corrompu : trop de caractères de contrôle pour un texte. "
                              "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
    return text, label, notes
