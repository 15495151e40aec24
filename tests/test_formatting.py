"""French formats users read everywhere (app, tables, PDF): numbers, money, percentages, dates."""
import datetime as dt

import pytest

from geo.formatting import fr_date, fr_eur, fr_int, fr_num, fr_pct, fr_signed_int, fr_signed_pct, plural

N = "\u202f"   # narrow no-break space: digit groups and before € / %


def test_numbers_money_and_percentages_as_french_readers_expect():
    assert fr_int(81205) == f"81{N}205" and fr_int(1234567) == f"1{N}234{N}567" and fr_int(999) == "999"
    assert fr_eur(196875) == f"196{N}875{N}€"
    assert fr_pct(12.7) == f"12,7{N}%" and fr_pct(11) == f"11{N}%" and fr_pct(70.64) == f"70,64{N}%"
    assert fr_num(2.4245, 2) == "2,42" and fr_eur(2.4245, 2) == f"2,42{N}€"
    assert fr_int(81205, sep=" ") == "81 205"
    assert fr_int(None) == fr_pct(None) == fr_eur(None) == fr_num(None) == "—"   # missing, never 0


def test_rounding_is_half_up_on_the_number_as_written():
    assert fr_num(2.675, 2) == "2,68"          # float formatting said 2,67 (binary 2.67499…)
    assert fr_num(4.45) == "4,5" and fr_int(2.5) == "3" and fr_int(0.5) == "1"


def test_signed_gaps_use_the_typographic_minus():
    assert fr_signed_int(2532) == f"+2{N}532" and fr_signed_int(-45) == "\u221245" and fr_signed_int(0) == "0"
    assert fr_signed_pct(3.14) == f"+3,1{N}%" and fr_signed_pct(-2.5) == f"\u22122,5{N}%"


@pytest.mark.parametrize("value, shown", [
    ("2022-09-29", "29 septembre 2022"), (dt.date(2024, 10, 9), "9 octobre 2024"),
    ("2025-01-01", "1er janvier 2025"), ("2023-09", "septembre 2023"), ("2021", "2021"),
    ("2024-08-15", "15 août 2024"), ("2024-12-31", "31 décembre 2024"), (dt.datetime(2022, 9, 29, 10, 5), "29 septembre 2022"),
    (None, "date inconnue"), ("", "date inconnue"), ("printemps 2023", "printemps 2023"), ("2023-02-30", "2023-02-30"),
])
def test_dates_in_words_with_the_precision_the_source_gives(value, shown):
    assert fr_date(value) == shown


def test_plural_words():
    assert plural(0, "commune") == "0 commune" and plural(1, "commune") == "1 commune"
    assert plural(46, "commune") == "46 communes" and plural(2, "autre action", "autres actions") == "2 autres actions"
    assert plural(1200, "ligne") == f"1{N}200 lignes"
