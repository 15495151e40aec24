"""Bytes of a text listing -> str: BOMs, UTF-8, UTF-16 without BOM, single-byte encodings guessed by
charset-normalizer, files whose lines mix UTF-8 and Windows-1252, double-encoded UTF-8 repaired.

Order (first that applies):

1. a BOM decides (UTF-8, UTF-16 LE/BE);
2. NUL bytes: UTF-16 without BOM (Excel « texte Unicode » saved by other tools) when
   charset-normalizer reads it as UTF-16 with little chaos; otherwise a binary file;
3. strict UTF-8 — then « Ã© » for « é » (UTF-8 read as Windows-1252 and saved again) is repaired,
   for the whole text or line by line, and the repaired lines are reported;
4. not UTF-8 as a whole, but some lines are valid UTF-8 with accents and others are not: the file
   was pasted together from two sources; each line is decoded on its own and the Windows-1252
   lines are reported (reading it all as Windows-1252 made « CÃ´te » duplicates);
5. a single-byte encoding among Windows-1252 (also covers Latin-1 for French text), DOS CP850 and
   Mac Roman — the encodings French spreadsheets are exported in — so that « Vitr‚ » (CP850) or
   « VitrŽ » (Mac Roman) are read right: the one whose accented bytes read as French letters wins,
   Windows-1252 on a tie.

charset-normalizer detects UTF-16 without BOM (step 2). Kept hand-written, and why: the order
above, the per-line mixed decoding and the mojibake repair (specific to how regional listings get
mangled), and the single-byte choice of step 5 — evaluated, charset-normalizer called French
Windows-1252 « cp1250 » when free, and, limited to the three candidates, still read a short upper-case
« GÉTIGNÉ » as Mac Roman « G…TIGN… »; counting French letters is exact for this data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ImportFileError
from .values import _ranges

__all__ = ["Decoded", "decode"]

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 avec BOM"), (b"\xff\xfe", "utf-16", "UTF-16 (BOM)"),
         (b"\xfe\xff", "utf-16", "UTF-16 (BOM)"))
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")
_SINGLE_BYTE = {"cp1252": "Windows-1252", "cp850": "DOS (CP850)", "mac_roman": "Mac Roman"}
_UTF16 = {"utf_16_le": "UTF-16 LE (sans BOM)", "utf_16_be": "UTF-16 BE (sans BOM)"}
_BINARY = ("Fichier binaire : ce n'est ni un CSV, ni un classeur XLSX, ni un GeoJSON. "
           "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
_SAMPLE = 1 << 20
_UTF8_SEQ = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")  # bytes given to charset-normalizer (it samples them itself)


@dataclass
class Decoded:
    text: str
    label: str                      # the encoding, in French words
    notes: list[str] = field(default_factory=list)
    repaired: dict[int, str] = field(default_factory=dict)   # file line -> what was done to it


def _guess(data: bytes, candidates: list[str]) -> str | None:
    from charset_normalizer import from_bytes  # noqa: PLC0415 - only for non-UTF-8 files

    best = from_bytes(data[:_SAMPLE], cp_isolation=candidates).best()
    return best.encoding if best is not None else None


_FRENCH = set("àâçéèêëîïôùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŒÆ’“”«»–—…€°\xa0")  # no ä ö: rare in French, common misreadings


def _single_byte_codec(data: bytes) -> str:
    """Windows-1252, CP850 or Mac Roman: the one whose reading of the accented bytes gives French
    letters and punctuation; Windows-1252 on a tie. (charset-normalizer's statistics read a short
    upper-case « GÉTIGNÉ » as Mac Roman « G…TIGN… »: French text is better judged by its letters.)"""
    sample = data[:_SAMPLE]
    best, best_score = "cp1252", -1.0
    for codec in _SINGLE_BYTE:
        text = sample.decode(codec, errors="replace")
        high = _NON_ASCII.findall(text)
        score = sum(c in _FRENCH for c in high) / len(high) if high else 1.0
        if score > best_score:
            best, best_score = codec, score
    return best


def _single_byte(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:  # the 5 bytes Windows-1252 leaves undefined
        return data.decode("latin-1")


def _repair_mojibake(d: Decoded) -> None:
    """« VitrÃ© » -> « Vitré »: the whole text, or the lines that round-trip (reported)."""
    if not _MOJIBAKE.search(d.text):
        return
    try:
        d.text = d.text.encode("cp1252").decode("utf-8")
        d.label += " (doublement encodé, réparé)" if d.label == "UTF-8" else ""
        d.notes.append("Accents réparés : le fichier avait été converti deux fois (UTF-8 relu comme Windows-1252, "
                       "« Ã© » pour « é »).")
        return
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    lines = d.text.split("\n")
    fixed = []
    for i, line in enumerate(lines):
        if _MOJIBAKE.search(line):
            try:
                lines[i] = line.encode("cp1252").decode("utf-8")
                fixed.append(i + 1)
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    if fixed:
        d.text = "\n".join(lines)
        for n in fixed:
            d.repaired[n] = "accents réparés (UTF-8 relu comme Windows-1252, « Ã© » pour « é »)"
        d.notes.append(f"Accents réparés ligne(s) {_ranges(fixed)} : ces lignes avaient été converties deux fois "
                       "(« Ã© » pour « é ») ; les autres étaient correctes.")


def _mixed(data: bytes) -> Decoded | None:
    """UTF-8 lines with accents and lines that are not UTF-8 in one file: decode line by line."""
    if not _UTF8_SEQ.search(data):  # not one UTF-8 accented letter: a plain single-byte file
        return None
    raw = data.split(b"\n")
    good = bad = 0
    for line in raw:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
        if good and bad:
            break
    if not (good and bad):
        return None
    bad_lines = [i for i, line in enumerate(raw) if not line.isascii() and not _utf8_ok(line)]
    codec = _single_byte_codec(b"\n".join(raw[i] for i in bad_lines))
    bad_set = set(bad_lines)
    out = [_single_byte(line, codec) if i in bad_set else line.decode("utf-8") for i, line in enumerate(raw)]
    label = _SINGLE_BYTE.get(codec, codec)
    d = Decoded("\n".join(out), f"UTF-8 et {label} (lignes mêlées)")
    numbers = [i + 1 for i in bad_lines]
    for n in numbers:
        d.repaired[n] = f"ligne en {label} dans un fichier UTF-8, lue en {label}"
    d.notes.append(f"Encodage mêlé : le fichier est en UTF-8 sauf {len(numbers)} ligne(s) en {label} "
                   f"(lignes {_ranges(numbers)}), lues chacune dans son encodage.")
    return d


def _utf8_ok(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def decode(data: bytes) -> Decoded:
    """Text of a listing (module docstring); ImportFileError (French) for binary or broken files."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(Decoded(data.decode(codec), label))
            except UnicodeDecodeError as e:
                raise ImportFileError(f"Fichier illisible : il commence comme un texte {label} mais n'en est pas un "
                                      f"(octet {e.start}).") from None
    if b"\x00" in data[:65536]:
        codec = _guess(data, list(_UTF16)) if len(data) % 2 == 0 else None
        if codec is None:
            raise ImportFileError(_BINARY)
        try:
            d = Decoded(data.decode(codec), _UTF16[codec])
        except UnicodeDecodeError:
            raise ImportFileError(_BINARY) from None
        d.notes.append(f"Encodage {d.label} reconnu (texte Unicode enregistré sans marque d'ordre des octets).")
        return _checked(d)
    try:
        d = Decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        d = _mixed(data)
        if d is None:
            codec = _single_byte_codec(data)
            d = Decoded(_single_byte(data, codec), _SINGLE_BYTE[codec])
            if codec != "cp1252":
                d.notes.append(f"Encodage {d.label} reconnu (export d'un ancien logiciel) : vérifiez les accents.")
    if d.label == "UTF-8" or d.label.startswith("UTF-8 et"):
        _repair_mojibake(d)
    return _checked(d)


def _checked(d: Decoded) -> Decoded:
    head = d.text[:65536]
    controls = sum(1 for c in head if ord(c) < 32 and c not in "\t\r\n")
    if controls > max(3, len(head) // 200):
        raise ImportFileError("Fichier binaire ou corrompu : trop de caractères de contrôle pour un texte. "
                              "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
    return d


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, label, notes): the readers' short form of :func:`decode`."""
    d = decode(data)
    return d.text, d.label, d.notes
