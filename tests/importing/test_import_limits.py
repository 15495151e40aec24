"""Issue 12.5: hostile sizes are refused BEFORE parsing, in French, with the limit in plain words;
the page's preview runs in a child process whose CPU, memory and time limits end in a French
message, never a traceback. Files are generated here, small in bytes."""
from __future__ import annotations

import csv
import dataclasses
import json

import pytest

from geo.importing import csv_reader
from geo.importing import ImportFileError, analyze, read_table
from geo.importing.limits import LIMITS, ImportLimits, limits_from_env
from geo.importing.sandbox import analyze_isolated, run_limited
from geo.registry import load_registry
from tests.import_support import allocate, burn_cpu, csv_bytes, raw_xlsx_bytes


def refused(data: bytes, name: str, limits: ImportLimits | None = None) -> str:
    with pytest.raises(ImportFileError) as e:
        read_table(data, name, limits)
    return str(e.value)


def test_xlsx_expanding_past_a_million_rows_is_refused_before_openpyxl(monkeypatch):
    data = raw_xlsx_bytes(1_048_576)
    assert len(data) < 200_000  # a few dozen kB on disk, a million rows once opened

    def never(*a, **k):
        raise AssertionError("openpyxl must not open a file past the limits")
    import openpyxl
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    msg = refused(data, "bombe.xlsx")
    assert "Le fichier compte plus de 200\u202f000 lignes" in msg
    assert "la limite est 200\u202f000" in msg


def test_xlsx_rows_are_counted_over_all_sheets():
    limits = ImportLimits(max_rows=1_000)
    msg = refused(raw_xlsx_bytes(600, sheets=2), "deux.xlsx", limits)
    assert "plus de 1\u202f000 lignes (toutes feuilles du classeur)" in msg
    with pytest.raises(ImportFileError) as e:  # under the limit: read, then refused for its header only
        read_table(raw_xlsx_bytes(600, sheets=1), "une.xlsx", limits)
    assert "Colonnes introuvables" in str(e.value)


def test_csv_over_the_line_limit_is_refused_before_the_csv_parser(monkeypatch):
    data = b"CPTS;Commune\n" + b"CPTS X;Vitr\xc3\xa9\n" * 200_001
    def never(*a, **k):
        raise AssertionError("csv must not parse a file past the limits")
    monkeypatch.setattr(csv_reader.csv, "reader", never)
    msg = refused(data, "million.csv")
    assert "Le fichier compte plus de 200\u202f000 lignes ; la limite est 200\u202f000" in msg


def test_csv_cells_are_bounded():
    data = csv_bytes([["CPTS", "Commune"] + [f"c{i}" for i in range(48)]] + [["CPTS X", "Vitré"] + [""] * 48] * 30)
    msg = refused(data, "large.csv", ImportLimits(max_cells=1_000))
    assert "plus de 1\u202f000 cellules" in msg


def test_size_message_says_the_size_and_the_limit_in_plain_words():
    big = b"CPTS;Commune\n" + b"x" * 50_300_000
    msg = refused(big, "gros.csv", ImportLimits(max_bytes=50_000_000))
    assert msg.startswith("Le fichier pèse 50,3 Mo ; la limite est 50 Mo.")
    msg = refused(b"x" * 50_000_001, "gros.csv", ImportLimits(max_bytes=50_000_000))
    assert msg.startswith("Le fichier dépasse 50 Mo ; la limite est 50 Mo.")


def test_deeply_nested_geojson_is_refused_without_recursion():
    data = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    msg = refused(data, "profond.geojson")
    assert "plus de 64 niveaux" in msg and "la limite est 64" in msg
    # brackets inside strings do not count
    feat = {"type": "Feature", "properties": {"CPTS": "[" * 500 + "{"}, "geometry": None}
    table = read_table(json.dumps({"type": "FeatureCollection", "features": [feat]}).encode(), "ok.geojson")
    assert table.rows[0][1][0] == "[" * 500 + "{"


def test_too_many_distinct_cpts(communes, matcher):
    rows = [["CPTS", "Commune"]] + [[f"CPTS numéro {i}", "Vitré"] for i in range(12)]
    with pytest.raises(ImportFileError) as e:
        analyze(csv_bytes(rows), "x.csv", communes, matcher, limits=ImportLimits(max_cpts=10))
    assert "plus de 10 CPTS différentes ; la limite est 10" in str(e.value)


def test_unclosed_quote_message_is_french():
    data = b'CPTS;Commune\nCPTS X;"Vitr\n' + (b"CPTS X;Rennes\n" * 12_000)
    msg = refused(data, "guillemet.csv")
    assert "field larger" not in msg
    assert "guillemet" in msg and "ligne 2" in msg


def test_settings_come_from_the_environment_and_typos_keep_the_default():
    lim = limits_from_env({"CPTS_IMPORT_MAX_ROWS": "300 000", "CPTS_IMPORT_MAX_MB": "5", "CPTS_IMPORT_MAX_CPTS": "beaucoup"})
    assert lim.max_rows == 300_000 and lim.max_bytes == 5_000_000 and lim.max_cpts == ImportLimits().max_cpts
    assert LIMITS.max_rows >= 25_000  # well above the real need (~1 300 rows × 18 regions)


def test_many_new_cpts_still_flag_a_typo(communes, matcher):
    """_similar_cpts is no longer quadratic in Python (rapidfuzz) and keeps its rule."""
    registry = load_registry()
    rows = [["CPTS", "Commune"]] + [[f"CPTS Territoire {i:04d} Nord", "Vitré"] for i in range(3000)]
    rows += [["CPTS du Pays de Vitre et de la Roche", "Vitré"], ["CPTS du Pays de Vitre et de la Roche", "Rennes"],
             ["CPTS du Pays de Vitré et de la Rohe", "Rennes"]]
    r = analyze(csv_bytes(rows), "x.csv", communes, matcher, registry)
    near = [p for p in r.problems if p.kind == "cpts_proche"]
    assert [p.value for p in near if "Rohe" in p.value] == ["CPTS du Pays de Vitré et de la Rohe"]


# --------------------------------------------------------------------------- the page's sandbox

SMALL = csv_bytes([["CPTS", "Commune"], ["CPTS du Pays de Vitré", "Vitré"], ["CPTS du Pays de Vitré", "Domgané"]])


def test_isolated_analysis_gives_the_same_result(communes, matcher):
    registry = load_registry()
    here = analyze(SMALL, "x.csv", communes, matcher, registry)
    there = analyze_isolated(SMALL, "x.csv", communes, matcher, registry)
    assert there.to_json() == here.to_json()
    with pytest.raises(ImportFileError, match="Fichier binaire"):
        analyze_isolated(b"\x00\x01" * 50, "x.csv", communes, matcher, registry)


def test_memory_limit_gives_a_french_message():
    with pytest.raises(ImportFileError) as e:
        run_limited(allocate, (2_000,), limits=dataclasses.replace(LIMITS, preview_memory_mb=200))
    assert "plus de 200 Mo de mémoire" in str(e.value)


def test_cpu_limit_gives_a_french_message():
    with pytest.raises(ImportFileError) as e:
        run_limited(burn_cpu, limits=dataclasses.replace(LIMITS, preview_cpu_seconds=1, preview_timeout_seconds=60))
    assert "dépassé 1 seconde de calcul" in str(e.value)


def test_wall_clock_limit_gives_a_french_message():
    with pytest.raises(ImportFileError) as e:
        run_limited(burn_cpu, limits=dataclasses.replace(LIMITS, preview_cpu_seconds=60, preview_timeout_seconds=1))
    assert "n'a pas abouti en 1 seconde " in str(e.value)


def test_a_crash_in_the_child_is_a_french_message_not_a_traceback():
    with pytest.raises(ImportFileError) as e:
        run_limited(csv.field_size_limit, ("pas un nombre",))
    assert "erreur inattendue" in str(e.value) and "TypeError" in str(e.value)


def test_a_preview_gives_its_memory_back_and_the_worker_stays_small():
    """The child that allocated 300 Mo exits; the warm worker that forked it keeps only its modules."""
    from geo.importing import sandbox
    assert run_limited(allocate, (300,)) == 300_000_000
    worker = sandbox._IDLE[-1]
    with open(f"/proc/{worker.proc.pid}/status") as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    assert rss_kb < 250_000
    # the same worker serves the next preview
    assert run_limited(allocate, (1,)) == 1_000_000 and sandbox._IDLE[-1] is worker


def test_unclosed_quote_refused_even_after_the_referential_build_raised_the_csv_limit():
    """csv.field_size_limit is process-wide: the referential build raises it for its WKB column."""
    import csv
    previous = csv.field_size_limit(1 << 30)
    try:
        data = b'CPTS;Commune\nCPTS X;"Vitr\n' + (b"CPTS X;Rennes\n" * 12_000)
        assert "guillemet" in refused(data, "guillemet.csv")
        assert csv.field_size_limit() == 1 << 30  # the import put the caller's limit back
    finally:
        csv.field_size_limit(previous)
