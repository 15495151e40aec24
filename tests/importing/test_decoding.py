"""Text listings in the encodings French spreadsheets really produce (issue 11.6, 11.7; issue 13:
charset-normalizer guesses the single-byte encodings)."""
from __future__ import annotations

import random

import pytest

from geo.importing import ImportFileError, analyze
from geo.importing.decoding import decode

ROWS = [["Nom de la CPTS", "Commune", "Code INSEE"],
        ["CPTS Côte d'Émeraude", "Saint-Malo", "35288"],
        ["CPTS Côte d'Émeraude", "Dinard", "35093"],
        ["CPTS du Pays de Vitré", "Châteaubourg", "35068"],
        ["CPTS du Pays de Vitré", "Vitré", "35360"]]
TEXT = "\r\n".join(";".join(r) for r in ROWS) + "\r\n"


@pytest.mark.parametrize("codec,label", [("utf_16_le", "UTF-16 LE (sans BOM)"), ("utf_16_be", "UTF-16 BE (sans BOM)")])
def test_utf16_without_bom_is_read_not_called_binary(communes, matcher, codec, label):
    data = TEXT.encode(codec)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    r = analyze(data, "export_excel.txt", communes, matcher)
    assert r.encoding == label
    assert {t.nom: sorted(t.codes) for t in r.territories} == {
        "CPTS Côte d'Émeraude": ["35093", "35288"], "CPTS du Pays de Vitré": ["35068", "35360"]}


def test_lines_mixing_utf8_and_windows_1252_are_decoded_each_and_reported(communes, matcher):
    lines = TEXT.split("\r\n")
    data = b"\r\n".join(ln.encode("cp1252" if i in (2, 4) else "utf-8") for i, ln in enumerate(lines))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    r = analyze(data, "colle.csv", communes, matcher)
    assert r.encoding == "UTF-8 et Windows-1252 (lignes mêlées)"
    # one CPTS each, no « CÃ´te » duplicate
    assert sorted(t.nom for t in r.territories) == ["CPTS Côte d'Émeraude", "CPTS du Pays de Vitré"]
    assert sorted(sorted(t.codes) for t in r.territories) == [["35068", "35360"], ["35093", "35288"]]
    assert sorted(p.line for p in r.problems if p.kind == "encodage_repare") == [3, 5]
    assert any("lignes 3, 5" in n for n in r.notes)


def test_some_double_encoded_lines_are_repaired_and_reported():
    lines = TEXT.split("\r\n")
    lines[3] = lines[3].encode("utf-8").decode("cp1252")  # « VitrÃ© » on one line only
    d = decode("\r\n".join(lines).encode("utf-8"))
    assert "CPTS du Pays de Vitré;Châteaubourg" in d.text and "Ã" not in d.text
    assert list(d.repaired) == [4]


def test_whole_double_encoded_file_keeps_its_label():
    d = decode(TEXT.encode("utf-8").decode("cp1252").encode("utf-8"))
    assert d.label == "UTF-8 (doublement encodé, réparé)" and d.text == TEXT


@pytest.mark.parametrize("codec,label", [("cp1252", "Windows-1252"), ("latin-1", "Windows-1252"),
                                         ("cp850", "DOS (CP850)"), ("mac_roman", "Mac Roman")])
def test_single_byte_encodings_are_guessed(codec, label):
    d = decode(TEXT.encode(codec))
    assert d.label == label and d.text == TEXT


_RNG = random.Random(3)


@pytest.mark.parametrize("data", [b"\x00\x01binaire\x00" * 20, bytes(_RNG.randrange(256) for _ in range(4000)),
                                  bytes(_RNG.randrange(256) for _ in range(4001))], ids=["nul", "aleatoire", "impair"])
def test_binary_is_still_refused(data):
    with pytest.raises(ImportFileError, match="binaire"):
        decode(data)
